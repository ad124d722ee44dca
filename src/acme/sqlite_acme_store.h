// The embedded default AcmeStore (docs/design.md §6): one SQLite file in the
// CA's data directory, zero set-up. WAL mode, synchronous=FULL (a write that
// returned is durable), BEGIN IMMEDIATE for every write, a busy timeout for
// other processes sharing the file; the rules are SqlAcmeStore's.
#ifndef MTC_ACME_SQLITE_ACME_STORE_H_
#define MTC_ACME_SQLITE_ACME_STORE_H_

#include <chrono>
#include <memory>
#include <string>

#include "acme/sql_acme_store.h"
#include "log/sqlite_database.h"
#include "mtc/base/result.h"

namespace mtc::acme {

class SqliteAcmeStore : public SqlAcmeStore {
 public:
  // Opens the database at `path`, creating the file and its schema if
  // absent. kIo if it cannot be opened or is not a database; kUnsupported
  // for a schema of another version.
  static Result<std::unique_ptr<SqliteAcmeStore>> Open(
      const std::string& path, std::chrono::milliseconds busy_timeout =
                                   log::SqliteDatabase::kDefaultBusyTimeout);

 private:
  using SqlAcmeStore::SqlAcmeStore;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_SQLITE_ACME_STORE_H_
