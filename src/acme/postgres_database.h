// SqlDatabase on PostgreSQL through libpq (docs/design.md §6: "When one
// machine is not enough: PostgreSQL for LogStateStore and AcmeStore, so
// several `mtc ca serve` processes share one CA").
//
// Connection strings are libpq's, either form:
//   postgres://user:password@host:5432/mtc?sslmode=verify-full
//   postgresql:///mtc?host=/run/postgresql        (a unix socket directory)
//   host=/tmp/sock port=5432 dbname=mtc            (key=value)
// Unless the string says otherwise: connect_timeout=10, TCP keepalives
// (a silent peer is noticed within ~25 s), application_name=mtc.
//
// Transactions: kRead is REPEATABLE READ READ ONLY (one snapshot for all its
// statements); kWrite is READ COMMITTED, where a conditional UPDATE that
// waited for another writer re-checks its WHERE clause on the committed row
// (the stores' compare-and-swap), and a lost uniqueness race fails on the
// unique index (kConflict); kSchema also takes a transaction-level advisory
// lock, so processes creating one schema at once run one after another.
// Parameters always travel separately from the SQL text (PQexecParams).
#ifndef MTC_ACME_POSTGRES_DATABASE_H_
#define MTC_ACME_POSTGRES_DATABASE_H_

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "log/sql_database.h"
#include "mtc/base/result.h"

struct pg_conn;
struct pg_result;

namespace mtc::acme {

// One libpq session. Not thread-safe: one user at a time.
class PostgresConnection {
 public:
  // kUnavailable when the server cannot be reached or refuses the login,
  // with libpq's message.
  static Result<std::unique_ptr<PostgresConnection>> Connect(
      const std::string& conninfo);
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  // Runs one statement with `params` ($1, $2, ...); rows of a query, and in
  // `affected` (if not null) the row count of INSERT / UPDATE / DELETE.
  Result<std::vector<log::SqlRow>> Run(std::string_view sql,
                                       std::span<const log::SqlValue> params,
                                       int64_t* affected = nullptr);
  // Runs statements separated by ';', without parameters.
  Status RunScript(std::string_view sql);

  // False once the server closed the session or the socket failed.
  bool Alive() const;
  // Re-establishes a lost session (a new backend: its locks are gone).
  Status Reconnect();
  // The server process of this session (pg_backend_pid()).
  int BackendPid() const;

 private:
  explicit PostgresConnection(pg_conn* conn) : conn_(conn) {}

  // The error of a failed statement; marks the session broken when the
  // failure was the connection's rather than the server's.
  Error FailureOf(const pg_result* res, std::string_view what);

  pg_conn* conn_;  // owned
  // Set when a statement failed without an answer from the server: libpq
  // can leave PQstatus at CONNECTION_OK after the server closed the socket.
  bool broken_ = false;
};

// Thread-safe: a pool of up to `max_connections` sessions; a transaction
// takes one for its duration (waiting while all are busy).
class PostgresDatabase : public log::SqlDatabase {
 public:
  static constexpr size_t kDefaultMaxConnections = 4;

  // Connects once to check `conninfo` (kUnavailable if that fails).
  static Result<std::unique_ptr<PostgresDatabase>> Open(
      const std::string& conninfo,
      size_t max_connections = kDefaultMaxConnections);

  log::SqlDialect dialect() const override {
    return log::SqlDialect::kPostgres;
  }

  // A session lost before the transaction began is re-established once; one
  // lost during it fails the transaction with kUnavailable (if COMMIT itself
  // was lost, the message says the outcome is unknown).
  Status InTransaction(
      log::SqlMode mode,
      const std::function<Status(log::SqlTransaction&)>& body) override;

 private:
  PostgresDatabase(std::string conninfo, size_t max_connections);

  Result<std::unique_ptr<PostgresConnection>> Acquire();
  void Release(std::unique_ptr<PostgresConnection> conn);

  const std::string conninfo_;
  const size_t max_connections_;
  std::mutex mu_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<PostgresConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;  // sessions idle or in use; guarded by mu_
};

}  // namespace mtc::acme

#endif  // MTC_ACME_POSTGRES_DATABASE_H_
