// AcmeStore on PostgreSQL (docs/design.md §6), for several `mtc ca serve`
// processes sharing one CA: the rules of SqlAcmeStore on a PostgresDatabase
// (postgres_database.h says how its transactions make each
// compare-and-swap safe between processes).
#ifndef MTC_ACME_POSTGRES_ACME_STORE_H_
#define MTC_ACME_POSTGRES_ACME_STORE_H_

#include <memory>
#include <string>

#include "acme/postgres_database.h"
#include "acme/sql_acme_store.h"
#include "mtc/base/result.h"

namespace mtc::acme {

class PostgresAcmeStore : public SqlAcmeStore {
 public:
  // Connects with libpq's `conninfo` (a postgres:// URI or key=value
  // string), creating the schema if the database has none. kUnavailable
  // when the server cannot be reached; kUnsupported for a schema of another
  // version.
  static Result<std::unique_ptr<PostgresAcmeStore>> Open(
      const std::string& conninfo,
      size_t max_connections = PostgresDatabase::kDefaultMaxConnections);

 private:
  using SqlAcmeStore::SqlAcmeStore;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_POSTGRES_ACME_STORE_H_
