#include "acme/stores.h"

#include "acme/postgres_acme_store.h"
#include "acme/postgres_database.h"
#include "acme/sqlite_acme_store.h"
#include "log/ca_service.h"
#include "log/sql_state_store.h"

namespace mtc::acme {

bool IsPostgresStorage(const std::string& storage) {
  return storage.rfind("postgres://", 0) == 0 ||
         storage.rfind("postgresql://", 0) == 0;
}

Result<std::unique_ptr<log::LogStateStore>> OpenLogStateStore(
    const log::CaConfig& config, const std::string& dir) {
  if (!IsPostgresStorage(config.storage)) {
    return log::OpenSqliteStateStore(config, dir);
  }
  MTC_ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(config.storage));
  MTC_ASSIGN_OR_RETURN(auto state, log::SqlLogStateStore::Open(std::move(db)));
  return std::unique_ptr<log::LogStateStore>(std::move(state));
}

Result<std::unique_ptr<AcmeStore>> OpenAcmeStore(const log::CaConfig& config,
                                                 const std::string& dir) {
  if (IsPostgresStorage(config.storage)) {
    MTC_ASSIGN_OR_RETURN(auto store, PostgresAcmeStore::Open(config.storage));
    return std::unique_ptr<AcmeStore>(std::move(store));
  }
  MTC_ASSIGN_OR_RETURN(auto store, SqliteAcmeStore::Open(dir + "/acme.db"));
  return std::unique_ptr<AcmeStore>(std::move(store));
}

}  // namespace mtc::acme
