#include "log/sql_state_store.h"

#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "log/store_rules.h"

namespace mtc::log {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE tree_heads (
  log_number ${int} PRIMARY KEY,
  size ${int} NOT NULL,
  root ${blob} NOT NULL
);
CREATE TABLE landmarks (
  log_number ${int} NOT NULL,
  number ${int} NOT NULL,
  tree_size ${int} NOT NULL,
  PRIMARY KEY (log_number, number)
);
CREATE TABLE current_log (
  id ${int} PRIMARY KEY CHECK (id = 1),
  log_number ${int} NOT NULL
);
INSERT INTO current_log (id, log_number) VALUES (1, 1);
)sql";

SqlValue Int(int64_t v) { return v; }
SqlValue U64(uint64_t v) { return static_cast<int64_t>(v); }

// The stored head of a log, or nullopt when it has no row.
Result<std::optional<TreeHead>> ReadTreeHead(SqlTransaction& tx,
                                             uint32_t log_number) {
  MTC_ASSIGN_OR_RETURN(
      std::optional<SqlRow> row,
      tx.QueryOne("SELECT size, root FROM tree_heads WHERE log_number = $1",
                  {Int(log_number)}));
  if (!row.has_value()) return std::optional<TreeHead>();
  TreeHead head;
  MTC_ASSIGN_OR_RETURN(head.size, row->U64(0));
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> root, row->Blob(1));
  if (root.size() != head.root.size()) {
    return Error(ErrorCode::kInternal,
                 "stored root of log " + std::to_string(log_number) + " has " +
                     std::to_string(root.size()) + " bytes");
  }
  std::memcpy(head.root.data(), root.data(), root.size());
  return std::optional<TreeHead>(head);
}

Result<uint32_t> ReadCurrentLog(SqlTransaction& tx) {
  MTC_ASSIGN_OR_RETURN(
      std::optional<SqlRow> row,
      tx.QueryOne("SELECT log_number FROM current_log WHERE id = 1"));
  int64_t log_number = 0;
  if (row.has_value()) {
    MTC_ASSIGN_OR_RETURN(log_number, row->Int(0));
  }
  if (log_number < 1 || log_number > std::numeric_limits<uint32_t>::max()) {
    return Error(ErrorCode::kInternal, "stored current log is missing or " +
                                           std::to_string(log_number));
  }
  return static_cast<uint32_t>(log_number);
}

Error HeadConflict(uint32_t log_number, uint64_t size,
                   const TreeHead& expected) {
  return Error(ErrorCode::kConflict,
               "tree head of log " + std::to_string(log_number) + " has size " +
                   std::to_string(size) + ", not the expected head of size " +
                   std::to_string(expected.size));
}

}  // namespace

Result<std::unique_ptr<SqlLogStateStore>> SqlLogStateStore::Open(
    std::unique_ptr<SqlDatabase> db) {
  MTC_RETURN_IF_ERROR(
      CreateOrCheckSchema(*db, "log_state", kSchemaVersion,
                          SchemaForDialect(kSchema, db->dialect())));
  return std::unique_ptr<SqlLogStateStore>(
      new SqlLogStateStore(std::move(db)));
}

Result<TreeHead> SqlLogStateStore::GetTreeHead(uint32_t log_number) {
  return db_->Transact<TreeHead>(
      SqlMode::kRead, [&](SqlTransaction& tx) -> Result<TreeHead> {
        MTC_ASSIGN_OR_RETURN(std::optional<TreeHead> head,
                             ReadTreeHead(tx, log_number));
        return head.value_or(TreeHead{0, merkle::EmptyTreeHash()});
      });
}

Status SqlLogStateStore::CompareAndSwapTreeHead(uint32_t log_number,
                                                     const TreeHead& expected,
                                                     const TreeHead& next) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(std::optional<TreeHead> stored,
                         ReadTreeHead(tx, log_number));
    TreeHead current = stored.value_or(TreeHead{0, merkle::EmptyTreeHash()});
    if (current != expected) {
      return HeadConflict(log_number, current.size, expected);
    }
    MTC_RETURN_IF_ERROR(CheckTreeHeadTransition(expected, next));
    if (!stored.has_value()) {
      // Another writer inserting first makes this fail on the primary key:
      // kConflict.
      MTC_RETURN_IF_ERROR(
          tx.Execute("INSERT INTO tree_heads (log_number, size, root) "
                     "VALUES ($1, $2, $3)",
                     {Int(log_number), U64(next.size), SqlBlob(next.root)}));
      return OkStatus();
    }
    MTC_ASSIGN_OR_RETURN(
        int64_t moved,
        tx.Execute("UPDATE tree_heads SET size = $2, root = $3 "
                   "WHERE log_number = $1 AND size = $4 AND root = $5",
                   {Int(log_number), U64(next.size), SqlBlob(next.root),
                    U64(expected.size), SqlBlob(expected.root)}));
    if (moved != 1) return HeadConflict(log_number, current.size, expected);
    return OkStatus();
  });
}

Result<std::vector<uint64_t>> SqlLogStateStore::GetLandmarks(
    uint32_t log_number) {
  return db_->Transact<std::vector<uint64_t>>(
      SqlMode::kRead, [&](SqlTransaction& tx) -> Result<std::vector<uint64_t>> {
        MTC_ASSIGN_OR_RETURN(std::vector<SqlRow> rows,
                             tx.Query("SELECT number, tree_size FROM landmarks "
                                      "WHERE log_number = $1 ORDER BY number",
                                      {Int(log_number)}));
        std::vector<uint64_t> sizes;
        for (const SqlRow& row : rows) {
          MTC_ASSIGN_OR_RETURN(uint64_t number, row.U64(0));
          // Element i is landmark i + 1 (storage.h); AppendLandmark keeps
          // the numbers consecutive.
          if (number != sizes.size() + 1) {
            return Error(ErrorCode::kInternal, "landmark numbers of log " +
                                                   std::to_string(log_number) +
                                                   " are not consecutive");
          }
          MTC_ASSIGN_OR_RETURN(uint64_t size, row.U64(1));
          sizes.push_back(size);
        }
        return sizes;
      });
}

Status SqlLogStateStore::AppendLandmark(uint32_t log_number,
                                             uint64_t number,
                                             uint64_t tree_size) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(
        std::optional<SqlRow> last,
        tx.QueryOne("SELECT number, tree_size FROM landmarks "
                    "WHERE log_number = $1 ORDER BY number DESC LIMIT 1",
                    {Int(log_number)}));
    uint64_t last_number = 0;
    uint64_t last_size = 0;
    if (last.has_value()) {
      MTC_ASSIGN_OR_RETURN(last_number, last->U64(0));
      MTC_ASSIGN_OR_RETURN(last_size, last->U64(1));
    }
    MTC_RETURN_IF_ERROR(
        CheckLandmarkAppend(last_number, last_size, number, tree_size));
    // A racing append of the same number fails on the primary key.
    MTC_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO landmarks (log_number, number, tree_size) "
                   "VALUES ($1, $2, $3)",
                   {Int(log_number), U64(number), U64(tree_size)}));
    return OkStatus();
  });
}

Result<uint32_t> SqlLogStateStore::GetCurrentLog() {
  return db_->Transact<uint32_t>(SqlMode::kRead, ReadCurrentLog);
}

Status SqlLogStateStore::CompareAndSwapCurrentLog(uint32_t expected,
                                                       uint32_t next) {
  return db_->InTransaction(SqlMode::kWrite, [&](SqlTransaction& tx) -> Status {
    MTC_ASSIGN_OR_RETURN(uint32_t current, ReadCurrentLog(tx));
    Error conflict(ErrorCode::kConflict,
                   "current log is " + std::to_string(current) + ", not " +
                       std::to_string(expected));
    if (current != expected) return conflict;
    MTC_RETURN_IF_ERROR(CheckCurrentLogTransition(expected, next));
    MTC_ASSIGN_OR_RETURN(int64_t moved,
                         tx.Execute("UPDATE current_log SET log_number = $2 "
                                    "WHERE id = 1 AND log_number = $1",
                                    {Int(expected), Int(next)}));
    if (moved != 1) return conflict;
    return OkStatus();
  });
}

}  // namespace mtc::log
