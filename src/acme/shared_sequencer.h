// Several `mtc ca serve` processes serving one CA (docs/design.md §6): they
// share one PostgreSQL database (log state, ACME state) and one CA
// directory (tiles, on local or shared storage). Exactly one process holds
// the sequencer role, the SequencerLease; it runs the issuance log. The
// others take ACME traffic like it does and hand their entries over through
// table mtc_handoff:
//
//   1. a process that does not sequence inserts the serialized MTCLogEntry
//      (state 'new') and keeps the completion in memory;
//   2. the holder claims new rows ('claimed') before appending them to its
//      log, and after the commit writes the entry's index and serialized
//      MTCProof back ('issued'), or the error ('failed');
//   3. the submitting process reads the finished row, assembles the
//      certificate from its own copy of the entry's fields, and deletes the
//      row.
//
// An entry is appended at most once (docs/design.md §5): a holder that takes
// the role over fails the rows its predecessor had claimed, since whether
// they reached the log is unknown; their orders turn invalid and the clients
// order again. A holder that finds, before a commit or on its periodic
// check, that it lost the role stops its sequencer and reports lost(): the
// process must exit (a supervisor restarts it as a follower).
#ifndef MTC_ACME_SHARED_SEQUENCER_H_
#define MTC_ACME_SHARED_SEQUENCER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "acme/postgres_database.h"
#include "acme/sequencer_lease.h"
#include "log/ca_service.h"
#include "mtc/base/result.h"

namespace mtc::acme {

class SharedSequencer {
 public:
  // Creates mtc_handoff if needed, installs the forwarder on `ca` (opened
  // shared and started), and tries the role once before returning, so that
  // holder() answers at once. `on_lost` runs once, on a thread of this
  // object, when the role is lost while sequencing.
  static Result<std::unique_ptr<SharedSequencer>> Start(
      log::CaService* ca, const std::string& conninfo,
      std::function<void()> on_lost);
  ~SharedSequencer();

  // Stops taking new rows, waits (bounded) for the entries in flight to be
  // written back and for this process's handed-over entries to come back,
  // then fails those that did not. The role is released on destruction,
  // which must come after the CA's log has stopped.
  void Stop();

  bool holder() const { return holder_.load(); }
  bool lost() const { return lost_.load(); }
  // Entries this process handed over and has not heard back about.
  size_t outstanding() const;

 private:
  struct Finished {
    int64_t id;
    Result<log::IssuedEntry> outcome;
  };

  SharedSequencer(log::CaService* ca, std::unique_ptr<PostgresDatabase> db,
                  std::unique_ptr<SequencerLease> lease,
                  std::function<void()> on_lost)
      : ca_(ca),
        db_(std::move(db)),
        lease_(std::move(lease)),
        on_lost_(std::move(on_lost)) {}

  // Tries the role; on success fails the predecessor's claims and starts
  // sequencing, and says so on stdout unless `at_start` and nothing failed.
  Status TryTakeRole(bool at_start);
  // The holder's check before each commit and on its periodic check.
  Status CheckRole();
  Status Forward(std::vector<uint8_t> entry, log::ForwardDone done);
  // Holder: claims new rows and appends them; writes finished ones back.
  Status Pump();
  Status WriteBack();
  // Every process: collects its finished rows.
  Status Collect();
  void Supervise();
  void Work();
  void Lose(const std::string& why);

  log::CaService* const ca_;
  const std::unique_ptr<PostgresDatabase> db_;
  std::mutex lease_mu_;
  const std::unique_ptr<SequencerLease> lease_;  // guarded by lease_mu_
  const std::function<void()> on_lost_;

  std::atomic<bool> holder_{false};
  std::atomic<bool> lost_{false};
  std::atomic<bool> claiming_{true};

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;                            // guarded by mu_
  std::map<int64_t, log::ForwardDone> waiting_;  // guarded by mu_
  size_t appended_ = 0;  // claimed, not yet written back; guarded by mu_
  std::vector<Finished> finished_;  // guarded by mu_
  int64_t last_cleanup_ = 0;        // Work's thread only

  std::thread supervisor_;
  std::thread worker_;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_SHARED_SEQUENCER_H_
