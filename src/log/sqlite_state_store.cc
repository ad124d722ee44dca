#include "log/sqlite_state_store.h"

namespace mtc::log {

Result<std::unique_ptr<SqlLogStateStore>> SqliteLogStateStore::Open(
    const std::string& path, std::chrono::milliseconds busy_timeout) {
  MTC_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(path, busy_timeout));
  return SqlLogStateStore::Open(std::move(db));
}

}  // namespace mtc::log
