#include "acme/postgres_acme_store.h"

#include <utility>

namespace mtc::acme {

Result<std::unique_ptr<PostgresAcmeStore>> PostgresAcmeStore::Open(
    const std::string& conninfo, size_t max_connections) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<PostgresDatabase> db,
                       PostgresDatabase::Open(conninfo, max_connections));
  MTC_RETURN_IF_ERROR(PrepareSchema(*db));
  return std::unique_ptr<PostgresAcmeStore>(
      new PostgresAcmeStore(std::move(db)));
}

}  // namespace mtc::acme
