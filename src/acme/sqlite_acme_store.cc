#include "acme/sqlite_acme_store.h"

#include <utility>

namespace mtc::acme {

Result<std::unique_ptr<SqliteAcmeStore>> SqliteAcmeStore::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<log::SqliteDatabase> db,
                       log::SqliteDatabase::Open(path, busy_timeout));
  MTC_RETURN_IF_ERROR(PrepareSchema(*db));
  return std::unique_ptr<SqliteAcmeStore>(new SqliteAcmeStore(std::move(db)));
}

}  // namespace mtc::acme
