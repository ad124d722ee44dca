// A small SQL database interface under the stores of docs/design.md §6, so
// that the logic of a store (which rows a compare-and-swap reads and writes)
// is written once and runs on SQLite (the embedded default) and PostgreSQL.
//
// SQL text uses numbered parameters `$1`, `$2`, ... (PostgreSQL's form, which
// SQLite accepts as named parameters) and only what both dialects share:
// plain SELECT / INSERT / UPDATE, conditional `UPDATE ... WHERE status = $n`
// for compare-and-swap, `RETURNING`. Values are bound, never spliced into
// the text. Schema definitions differ per dialect and stay with each store.
#ifndef MTC_LOG_SQL_DATABASE_H_
#define MTC_LOG_SQL_DATABASE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::log {

// A parameter or column value. Integers are 64-bit (an uint64_t travels as
// the int64_t with the same bits); booleans are stored as 0 / 1.
using SqlValue =
    std::variant<std::nullptr_t, int64_t, std::string, std::vector<uint8_t>>;

inline SqlValue SqlBlob(std::span<const uint8_t> bytes) {
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// One result row. Accessors check the column's type, so a schema that does
// not match the code is reported (kInternal) rather than misread.
class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> columns)
      : columns_(std::move(columns)) {}

  size_t size() const { return columns_.size(); }
  Result<int64_t> Int(size_t column) const;
  Result<uint64_t> U64(size_t column) const;
  Result<std::string> Text(size_t column) const;
  Result<std::vector<uint8_t>> Blob(size_t column) const;

 private:
  Result<const SqlValue*> At(size_t column) const;

  std::vector<SqlValue> columns_;
};

// The statements of one transaction. Errors map to codes the stores pass
// on: a unique or primary-key violation is kConflict, another constraint
// violation kInvalidArgument, a lock timeout or lost connection kUnavailable,
// anything else kIo.
class SqlTransaction {
 public:
  virtual ~SqlTransaction() = default;

  Result<std::vector<SqlRow>> Query(
      std::string_view sql, std::initializer_list<SqlValue> params = {}) {
    return RunQuery(sql, {params.begin(), params.size()});
  }
  // The first row of a query, or nullopt when it returns none.
  Result<std::optional<SqlRow>> QueryOne(
      std::string_view sql, std::initializer_list<SqlValue> params = {});
  // Runs a statement without result rows; returns the number of rows it
  // inserted, updated or deleted.
  Result<int64_t> Execute(std::string_view sql,
                          std::initializer_list<SqlValue> params = {}) {
    return RunExecute(sql, {params.begin(), params.size()});
  }
  // Runs statements separated by ';', without parameters (schema scripts).
  virtual Status ExecuteScript(std::string_view sql) = 0;

 protected:
  virtual Result<std::vector<SqlRow>> RunQuery(
      std::string_view sql, std::span<const SqlValue> params) = 0;
  virtual Result<int64_t> RunExecute(std::string_view sql,
                                     std::span<const SqlValue> params) = 0;
};

enum class SqlMode {
  kRead,    // a consistent snapshot, no writes
  kWrite,   // may write; see each database for how writers are ordered
  kSchema,  // may change the schema; excludes every other kSchema transaction
};

// Where the SQL of a schema differs: column types and generated keys.
enum class SqlDialect { kSqlite, kPostgres };

// Thread-safe. Implementations: SqliteDatabase (sqlite_database.h) and
// PostgresDatabase (acme/postgres_database.h).
class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;

  virtual SqlDialect dialect() const = 0;

  // Runs `body` in one transaction and commits if it returns OK; rolls back
  // otherwise and returns its error (or the commit's).
  virtual Status InTransaction(
      SqlMode mode, const std::function<Status(SqlTransaction&)>& body) = 0;

  // InTransaction for a body that returns a value.
  template <typename T, typename F>
  Result<T> Transact(SqlMode mode, F&& body) {
    std::optional<T> out;
    Status status = InTransaction(mode, [&](SqlTransaction& tx) -> Status {
      Result<T> result = body(tx);
      if (!result.ok()) return result.error();
      out = std::move(result).value();
      return OkStatus();
    });
    if (!status.ok()) return status.error();
    return std::move(*out);
  }
};

// `schema` with its type placeholders replaced for `dialect`: ${int} a
// 64-bit integer, ${blob} bytes, ${seq} an integer primary key that grows
// with every insert (creation order).
std::string SchemaForDialect(std::string_view schema, SqlDialect dialect);

// Creates the tables of `component` (one store: "acme", "log_state") from
// `ddl` in a new database, or checks the version recorded for it in table
// mtc_schema of an existing one: kUnsupported for another version, so a
// database written by a newer program is refused rather than misread.
// Several processes opening one new database at once serialize on the
// kSchema transaction; the later ones find the schema made.
Status CreateOrCheckSchema(SqlDatabase& db, std::string_view component,
                           int64_t version, std::string_view ddl);

// The version table mtc_schema records for `component` (creating the table
// if absent): nullopt for a component never created. For migrations, in
// their kSchema transaction.
Result<std::optional<int64_t>> RecordedSchemaVersion(
    SqlTransaction& tx, std::string_view component);

}  // namespace mtc::log

#endif  // MTC_LOG_SQL_DATABASE_H_
