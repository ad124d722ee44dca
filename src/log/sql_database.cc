#include "log/sql_database.h"

#include <string>
#include <utility>

namespace mtc::log {

namespace {

const char* TypeName(const SqlValue& value) {
  switch (value.index()) {
    case 0:
      return "NULL";
    case 1:
      return "integer";
    case 2:
      return "text";
    default:
      return "blob";
  }
}

Error WrongType(size_t column, const SqlValue& value, const char* wanted) {
  return Error(ErrorCode::kInternal, "column " + std::to_string(column) +
                                         " is " + TypeName(value) + ", not " +
                                         wanted);
}

}  // namespace

Result<const SqlValue*> SqlRow::At(size_t column) const {
  if (column >= columns_.size()) {
    return Error(ErrorCode::kInternal, "no column " + std::to_string(column) +
                                           " in a row of " +
                                           std::to_string(columns_.size()));
  }
  return &columns_[column];
}

Result<int64_t> SqlRow::Int(size_t column) const {
  MTC_ASSIGN_OR_RETURN(const SqlValue* value, At(column));
  if (const int64_t* i = std::get_if<int64_t>(value)) return *i;
  return WrongType(column, *value, "integer");
}

Result<uint64_t> SqlRow::U64(size_t column) const {
  MTC_ASSIGN_OR_RETURN(int64_t value, Int(column));
  return static_cast<uint64_t>(value);
}

Result<std::string> SqlRow::Text(size_t column) const {
  MTC_ASSIGN_OR_RETURN(const SqlValue* value, At(column));
  if (const std::string* s = std::get_if<std::string>(value)) return *s;
  return WrongType(column, *value, "text");
}

Result<std::vector<uint8_t>> SqlRow::Blob(size_t column) const {
  MTC_ASSIGN_OR_RETURN(const SqlValue* value, At(column));
  if (const auto* b = std::get_if<std::vector<uint8_t>>(value)) return *b;
  return WrongType(column, *value, "blob");
}

Result<std::optional<SqlRow>> SqlTransaction::QueryOne(
    std::string_view sql, std::initializer_list<SqlValue> params) {
  MTC_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, Query(sql, params));
  if (rows.empty()) return std::optional<SqlRow>();
  return std::optional<SqlRow>(std::move(rows.front()));
}

}  // namespace mtc::log

namespace mtc::log {

std::string SchemaForDialect(std::string_view schema, SqlDialect dialect) {
  const bool pg = dialect == SqlDialect::kPostgres;
  const std::pair<std::string_view, std::string_view> types[] = {
      {"${int}", pg ? "BIGINT" : "INTEGER"},
      {"${blob}", pg ? "BYTEA" : "BLOB"},
      {"${seq}", pg ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
                    : "INTEGER PRIMARY KEY AUTOINCREMENT"},
  };
  std::string sql(schema);
  for (const auto& [from, to] : types) {
    for (size_t at = sql.find(from); at != std::string::npos;
         at = sql.find(from, at + to.size())) {
      sql.replace(at, from.size(), to);
    }
  }
  return sql;
}

Result<std::optional<int64_t>> RecordedSchemaVersion(
    SqlTransaction& tx, std::string_view component) {
  MTC_RETURN_IF_ERROR(
      tx.ExecuteScript("CREATE TABLE IF NOT EXISTS mtc_schema ("
                       " component TEXT PRIMARY KEY, version BIGINT NOT NULL)"));
  MTC_ASSIGN_OR_RETURN(
      std::optional<SqlRow> row,
      tx.QueryOne("SELECT version FROM mtc_schema WHERE component = $1",
                  {std::string(component)}));
  if (!row.has_value()) return std::optional<int64_t>();
  MTC_ASSIGN_OR_RETURN(int64_t version, row->Int(0));
  return std::optional<int64_t>(version);
}

Status CreateOrCheckSchema(SqlDatabase& db, std::string_view component,
                           int64_t version, std::string_view ddl) {
  return db.InTransaction(SqlMode::kSchema, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(std::optional<int64_t> recorded,
                         RecordedSchemaVersion(tx, component));
    if (recorded.has_value()) {
      int64_t found = *recorded;
      if (found != version) {
        return Error(ErrorCode::kUnsupported,
                     std::string(component) + " schema has version " +
                         std::to_string(found) + ", this program knows " +
                         std::to_string(version));
      }
      return OkStatus();
    }
    MTC_RETURN_IF_ERROR(tx.ExecuteScript(ddl));
    MTC_ASSIGN_OR_RETURN(
        int64_t inserted,
        tx.Execute(
            "INSERT INTO mtc_schema (component, version) VALUES ($1, $2)",
            {std::string(component), version}));
    (void)inserted;
    return OkStatus();
  });
}

}  // namespace mtc::log
