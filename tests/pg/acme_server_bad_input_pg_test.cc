// The ACME server's bad-input suite (tests/acme/acme_server_bad_input_test.cc)
// again, on a PostgresAcmeStore: each hostile request gets the same status
// and problem type, and leaves no trace in PostgreSQL either.
#include "acme/postgres_acme_store.h"
#include "pg/pg_cluster_testutil.h"

// The suite itself, compiled into this binary with the PostgreSQL store.
#include "acme/acme_server_bad_input_test.cc"  // NOLINT(build/include)

namespace mtc::acme {
namespace {

const bool kOnPostgres = [] {
  testing::AcmeStoreUnderTest() =
      [](const std::string&) -> Result<std::unique_ptr<AcmeStore>> {
    // A schema of its own per test: no test sees another's rows.
    MTC_ASSIGN_OR_RETURN(
        auto store,
        PostgresAcmeStore::Open(pg_testing::FreshSchemaConninfo()));
    return std::unique_ptr<AcmeStore>(std::move(store));
  };
  return true;
}();

}  // namespace
}  // namespace mtc::acme
