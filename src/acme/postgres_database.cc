#include "acme/postgres_database.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <utility>

namespace mtc::acme {

using log::SqlMode;
using log::SqlRow;
using log::SqlTransaction;
using log::SqlValue;

namespace {

// Type OIDs of pg_type (src/include/catalog/pg_type.dat) that the stores'
// columns and results have.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kCharOid = 18;
constexpr Oid kNameOid = 19;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kVarcharOid = 1043;

// Any key of schema creation's advisory lock will do, as long as it is
// fixed: "mtc schema" in ASCII.
constexpr int64_t kSchemaLockKey = 0x6d74632073636865;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using UniqueResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// SQLSTATE classes (PostgreSQL manual, Appendix A): 23505 unique_violation
// is a lost uniqueness race; other class 23 codes are references or checks
// the caller broke, as are class 22 codes; 40001 / 40P01 (serialization,
// deadlock), 55P03 (lock_not_available), class 08 (connection) and 53
// (resources) may pass on retry.
ErrorCode CodeOf(const char* sqlstate, bool connection_ok) {
  if (!connection_ok) return ErrorCode::kUnavailable;
  std::string_view state = sqlstate != nullptr ? sqlstate : "";
  if (state == "23505") return ErrorCode::kConflict;
  if (state.starts_with("23")) return ErrorCode::kInvalidArgument;
  // Class 22, data exception: a value the column cannot hold (e.g. text
  // that is not UTF-8).
  if (state.starts_with("22")) return ErrorCode::kInvalidArgument;
  if (state == "40001" || state == "40P01" || state == "55P03" ||
      state.starts_with("08") || state.starts_with("53") ||
      state.starts_with("57")) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kIo;
}

// Decodes one binary-format column value (the send functions of
// src/backend/utils/adt: integers big-endian, text and bytea as raw bytes).
Result<SqlValue> Decode(Oid type, const char* data, int length) {
  auto bytes = reinterpret_cast<const uint8_t*>(data);
  auto integer = [&](int width) -> Result<SqlValue> {
    if (length != width) {
      return Error(ErrorCode::kInternal,
                   "integer column of " + std::to_string(length) + " bytes");
    }
    uint64_t v = 0;
    for (int i = 0; i < width; i++) v = (v << 8) | bytes[i];
    // Sign-extend narrower integers.
    int shift = 64 - 8 * width;
    return SqlValue(static_cast<int64_t>(v << shift) >> shift);
  };
  switch (type) {
    case kInt8Oid:
      return integer(8);
    case kInt4Oid:
      return integer(4);
    case kInt2Oid:
      return integer(2);
    case kBoolOid:
      return integer(1);
    case kTextOid:
    case kVarcharOid:
    case kNameOid:
    case kCharOid:
      return SqlValue(std::string(data, length));
    case kByteaOid:
    default:
      return SqlValue(std::vector<uint8_t>(bytes, bytes + length));
  }
}

}  // namespace

// PostgresConnection.

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Connect(
    const std::string& conninfo) {
  // Keywords are applied in order and the expanded `dbname` comes last, so
  // whatever the connection string says wins over these defaults.
  const char* keywords[] = {"connect_timeout",  "keepalives",
                            "keepalives_idle",  "keepalives_interval",
                            "keepalives_count", "fallback_application_name",
                            "dbname",           nullptr};
  const char* values[] = {"10",   "1", "10", "5", "3", "mtc", conninfo.c_str(),
                          nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return Error(ErrorCode::kUnavailable, "PostgreSQL: out of memory");
  }
  std::unique_ptr<PostgresConnection> wrapped(new PostgresConnection(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    return Error(ErrorCode::kUnavailable, "cannot connect to PostgreSQL: " +
                                              Trimmed(PQerrorMessage(conn)));
  }
  // Notices (e.g. "relation already exists, skipping") are not errors.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return wrapped;
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

bool PostgresConnection::Alive() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

Status PostgresConnection::Reconnect() {
  PQreset(conn_);
  broken_ = false;
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Error(ErrorCode::kUnavailable, "cannot reconnect to PostgreSQL: " +
                                              Trimmed(PQerrorMessage(conn_)));
  }
  return OkStatus();
}

int PostgresConnection::BackendPid() const { return PQbackendPID(conn_); }

Error PostgresConnection::FailureOf(const PGresult* res,
                                    std::string_view what) {
  // Every error the server reports has a SQLSTATE; one without is libpq's
  // own: the connection failed (PostgreSQL manual §34.3.1, PG_DIAG_SQLSTATE
  // "always present" for server errors).
  const char* sqlstate =
      res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (sqlstate == nullptr || PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  std::string message = res != nullptr ? Trimmed(PQresultErrorMessage(res))
                                       : Trimmed(PQerrorMessage(conn_));
  return Error(CodeOf(sqlstate, Alive()), std::string(what) + ": " + message);
}

Result<std::vector<SqlRow>> PostgresConnection::Run(
    std::string_view sql, std::span<const SqlValue> params, int64_t* affected) {
  // Text format for integers and strings (their types come from where they
  // are used in the SQL), binary for bytes.
  std::vector<std::string> text(params.size());
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); i++) {
    const SqlValue& p = params[i];
    if (std::holds_alternative<std::nullptr_t>(p)) {
      values[i] = nullptr;
    } else if (const int64_t* n = std::get_if<int64_t>(&p)) {
      text[i] = std::to_string(*n);
      values[i] = text[i].c_str();
    } else if (const std::string* s = std::get_if<std::string>(&p)) {
      if (s->find('\0') != std::string::npos) {
        return Error(ErrorCode::kInvalidArgument,
                     "a text parameter holds a NUL byte");
      }
      values[i] = s->c_str();
    } else {
      const auto& b = std::get<std::vector<uint8_t>>(p);
      values[i] = reinterpret_cast<const char*>(b.data());
      lengths[i] = static_cast<int>(b.size());
      formats[i] = 1;
    }
  }
  std::string statement(sql);
  UniqueResult res(PQexecParams(conn_, statement.c_str(),
                                static_cast<int>(params.size()), nullptr,
                                values.data(), lengths.data(), formats.data(),
                                /*resultFormat=*/1));
  ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return FailureOf(res.get(), statement);
  }
  if (affected != nullptr) {
    const char* count = PQcmdTuples(res.get());
    *affected = 0;
    if (count != nullptr && *count != '\0') {
      std::from_chars(count, count + std::strlen(count), *affected);
    }
  }
  std::vector<SqlRow> rows;
  int n = PQntuples(res.get());
  int columns = PQnfields(res.get());
  rows.reserve(n);
  for (int r = 0; r < n; r++) {
    std::vector<SqlValue> values_out;
    values_out.reserve(columns);
    for (int c = 0; c < columns; c++) {
      if (PQgetisnull(res.get(), r, c)) {
        values_out.emplace_back(nullptr);
        continue;
      }
      MTC_ASSIGN_OR_RETURN(
          SqlValue v, Decode(PQftype(res.get(), c), PQgetvalue(res.get(), r, c),
                             PQgetlength(res.get(), r, c)));
      values_out.push_back(std::move(v));
    }
    rows.emplace_back(std::move(values_out));
  }
  return rows;
}

Status PostgresConnection::RunScript(std::string_view sql) {
  std::string script(sql);
  UniqueResult res(PQexec(conn_, script.c_str()));
  ExecStatusType status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return FailureOf(res.get(), "schema script");
  }
  return OkStatus();
}

// PostgresDatabase.

namespace {

class PostgresTransaction : public SqlTransaction {
 public:
  explicit PostgresTransaction(PostgresConnection& conn) : conn_(conn) {}

  Status ExecuteScript(std::string_view sql) override {
    return conn_.RunScript(sql);
  }

 protected:
  Result<std::vector<SqlRow>> RunQuery(
      std::string_view sql, std::span<const SqlValue> params) override {
    return conn_.Run(sql, params);
  }
  Result<int64_t> RunExecute(std::string_view sql,
                             std::span<const SqlValue> params) override {
    int64_t affected = 0;
    MTC_ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                         conn_.Run(sql, params, &affected));
    if (!rows.empty()) {
      return Error(ErrorCode::kInternal,
                   "unexpected rows from " + std::string(sql));
    }
    return affected;
  }

 private:
  PostgresConnection& conn_;
};

const char* BeginSql(SqlMode mode) {
  switch (mode) {
    case SqlMode::kRead:
      return "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    case SqlMode::kWrite:
    case SqlMode::kSchema:
      break;
  }
  return "BEGIN ISOLATION LEVEL READ COMMITTED";
}

}  // namespace

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(
    const std::string& conninfo, size_t max_connections) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> first,
                       PostgresConnection::Connect(conninfo));
  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(
      conninfo, max_connections == 0 ? 1 : max_connections));
  db->open_ = 1;
  db->idle_.push_back(std::move(first));
  return db;
}

PostgresDatabase::PostgresDatabase(std::string conninfo, size_t max_connections)
    : conninfo_(std::move(conninfo)), max_connections_(max_connections) {}

Result<std::unique_ptr<PostgresConnection>> PostgresDatabase::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    released_.wait(lock,
                   [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<PostgresConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    open_++;  // a slot for the session connected below
  }
  auto conn = PostgresConnection::Connect(conninfo_);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    open_--;
    released_.notify_one();
  }
  return conn;
}

void PostgresDatabase::Release(std::unique_ptr<PostgresConnection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->Alive()) {
    idle_.push_back(std::move(conn));
  } else {
    open_--;  // a lost session is closed; the next Acquire connects anew
  }
  released_.notify_one();
}

Status PostgresDatabase::InTransaction(
    SqlMode mode, const std::function<Status(SqlTransaction&)>& body) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> conn, Acquire());
  Status status = conn->RunScript(BeginSql(mode));
  if (!status.ok() && !conn->Alive()) {
    // Lost while idle (server restart, idle timeout): nothing has run yet,
    // so one new session may try again.
    Status reconnected = conn->Reconnect();
    status = reconnected.ok() ? conn->RunScript(BeginSql(mode)) : reconnected;
  }
  if (status.ok() && mode == SqlMode::kSchema) {
    PostgresTransaction tx(*conn);
    auto locked =
        tx.Query("SELECT pg_advisory_xact_lock($1)", {kSchemaLockKey});
    if (!locked.ok()) status = locked.error();
  }
  if (status.ok()) {
    PostgresTransaction tx(*conn);
    status = body(tx);
    if (status.ok()) {
      status = conn->RunScript("COMMIT");
      if (!status.ok() && !conn->Alive()) {
        status = Error(ErrorCode::kUnavailable,
                       "PostgreSQL session lost during COMMIT: the outcome is "
                       "unknown: " +
                           status.error().message());
      }
    }
  }
  if (!status.ok() && conn->Alive()) {
    // After an error PostgreSQL refuses every statement but ROLLBACK; a
    // session that cannot roll back is not put back into the pool.
    if (!conn->RunScript("ROLLBACK").ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      open_--;
      released_.notify_one();
      return status;
    }
  }
  Release(std::move(conn));
  return status;
}

}  // namespace mtc::acme
