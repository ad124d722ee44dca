// The sequencer role among several `mtc ca serve` processes sharing one
// PostgreSQL database (docs/design.md §6: "exactly one holds the sequencer
// role at a time"): a session-level advisory lock (PostgreSQL manual §13.3.5)
// on a connection of its own. The lock lives exactly as long as that
// session: a process that exits, crashes or loses its connection loses the
// role, and PostgreSQL lets another session take it.
//
// The lease decides who sequences; it does not fence writes. A holder that
// lost its session may still be running a commit. What keeps the log from
// forking is the tree head compare-and-swap (LogStateStore), which a stale
// sequencer loses; the lease only keeps two sequencers from wasting work.
//
// Use: every process calls TryAcquire() periodically; the winner sequences
// and calls Held() before each commit (one round trip), stopping at the
// first false or error.
#ifndef MTC_ACME_SEQUENCER_LEASE_H_
#define MTC_ACME_SEQUENCER_LEASE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "acme/postgres_database.h"
#include "mtc/base/result.h"

namespace mtc::acme {

// Not thread-safe: one owner (the sequencer's supervisor) calls it.
class SequencerLease {
 public:
  // Connects a dedicated session with libpq's `conninfo`. Processes that
  // pass the same `role` compete for the same lock (e.g. "sequencer
  // 32473.1": the CA ID keeps two CAs in one database apart).
  // kUnavailable if the server cannot be reached.
  static Result<std::unique_ptr<SequencerLease>> Open(
      const std::string& conninfo, const std::string& role);

  // Closing the session releases the lock.
  ~SequencerLease() = default;

  // Takes the role if no other session holds it, without waiting: true
  // when this session holds it now (also if it already did), false when
  // another holds it. If the session was lost, reconnects first (a new
  // session, holding nothing). kUnavailable when the server is unreachable.
  Result<bool> TryAcquire();

  // Whether this session holds the role, as PostgreSQL's pg_locks says (one
  // round trip). An error means the session is lost, and with it the role:
  // kUnavailable with libpq's reason. Never acquired or released: false.
  Result<bool> Held();

  // Gives the role up (the session stays open).
  Status Release();

  // The advisory lock key: the first 8 bytes of SHA-256("mtc sequencer
  // lease\0" || role), big-endian, as a signed 64-bit key.
  int64_t key() const { return key_; }
  // The server process of the session, for operators (pg_stat_activity).
  int backend_pid() const { return conn_->BackendPid(); }

 private:
  SequencerLease(std::unique_ptr<PostgresConnection> conn, int64_t key)
      : conn_(std::move(conn)), key_(key) {}

  std::unique_ptr<PostgresConnection> conn_;
  const int64_t key_;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_SEQUENCER_LEASE_H_
