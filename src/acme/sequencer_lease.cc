#include "acme/sequencer_lease.h"

#include <string_view>
#include <utility>
#include <vector>

#include "mtc/crypto/sha256.h"

namespace mtc::acme {

namespace {

int64_t LeaseKey(const std::string& role) {
  constexpr std::string_view kDomain("mtc sequencer lease\0", 20);
  std::vector<uint8_t> input(kDomain.begin(), kDomain.end());
  input.insert(input.end(), role.begin(), role.end());
  crypto::Sha256Digest digest = crypto::Sha256Of(input);
  uint64_t key = 0;
  for (int i = 0; i < 8; i++) key = (key << 8) | digest[i];
  return static_cast<int64_t>(key);
}

Result<bool> SingleBool(const Result<std::vector<log::SqlRow>>& rows) {
  if (!rows.ok()) return rows.error();
  if (rows->size() != 1) {
    return Error(ErrorCode::kInternal, "expected one row");
  }
  MTC_ASSIGN_OR_RETURN(int64_t value, rows->front().Int(0));
  return value != 0;
}

}  // namespace

Result<std::unique_ptr<SequencerLease>> SequencerLease::Open(
    const std::string& conninfo, const std::string& role) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> conn,
                       PostgresConnection::Connect(conninfo));
  return std::unique_ptr<SequencerLease>(
      new SequencerLease(std::move(conn), LeaseKey(role)));
}

Result<bool> SequencerLease::TryAcquire() {
  if (!conn_->Alive()) MTC_RETURN_IF_ERROR(conn_->Reconnect());
  Result<bool> held = Held();
  if (!held.ok() && !conn_->Alive()) {
    // The session died since its last use, and the role with it: compete
    // again from a new session.
    MTC_RETURN_IF_ERROR(conn_->Reconnect());
    held = Held();
  }
  if (!held.ok()) return held.error();
  // A session-level lock taken twice must be released twice: take it only
  // when not held, so one Release() gives it up.
  if (*held) return true;
  std::vector<log::SqlValue> params = {key_};
  return SingleBool(conn_->Run("SELECT pg_try_advisory_lock($1)", params));
}

Result<bool> SequencerLease::Held() {
  // pg_locks shows a bigint advisory key as classid (high 32 bits) and
  // objid (low 32 bits) with objsubid 1 (PostgreSQL manual, pg_locks).
  std::vector<log::SqlValue> params = {key_};
  auto rows = conn_->Run(
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
      "pid = pg_backend_pid() AND granted AND objsubid = 1 AND "
      "((classid::bigint << 32) | objid::bigint) = $1",
      params);
  if (!rows.ok()) {
    if (!conn_->Alive()) {
      return Error(ErrorCode::kUnavailable,
                   "sequencer lease lost with its PostgreSQL session: " +
                       rows.error().message());
    }
    return rows.error();
  }
  return SingleBool(rows);
}

Status SequencerLease::Release() {
  std::vector<log::SqlValue> params = {key_};
  MTC_ASSIGN_OR_RETURN(
      bool released,
      SingleBool(conn_->Run("SELECT pg_advisory_unlock($1)", params)));
  if (!released) {
    return Error(ErrorCode::kConflict, "the sequencer lease was not held");
  }
  return OkStatus();
}

}  // namespace mtc::acme
