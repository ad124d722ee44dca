// One issuance log and its sequencer (docs/design.md §4, §5;
// draft-ietf-plants-merkle-tree-certs §Issuance Logs, §Standalone
// Certificates).
//
// Append() pools entries; one sequencer thread commits the pool every
// checkpoint_period with the commit protocol of docs/design.md §5:
//   1. write the new hash tiles and entry bundles durably;
//   2. compare-and-swap the tree head in the LogStateStore (the commit point);
//   3. sign and publish the checkpoint;
// and between the signing and the publishing of step 3, signs the covering
// subtrees of the new interval (timestamp 0), gathers cosignatures, and
// resolves each pending entry (its MTCProof is built from the commit's nodes
// when asked for). A failed commit stops the sequencer: the state is unknown
// until a restart reconciles it.
#ifndef MTC_LOG_ISSUANCE_LOG_H_
#define MTC_LOG_ISSUANCE_LOG_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "log/storage.h"
#include "log/tile_writer.h"
#include "mtc/base/result.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/private_key.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"
#include "mtc/tlog/checkpoint.h"

namespace mtc::log {

class CommitProofs;  // log/commit_nodes.h

// What a committed entry needs to become a certificate.
// The signatures of one subtree are shared by all its entries (an ML-DSA-44
// signature is 2420 bytes; a commit resolves up to a million entries), and
// so are the nodes its inclusion proof is made of: the proof is built when
// asked for, on the caller's thread.
struct IssuedEntry {
  uint32_t log_number = 0;
  uint64_t index = 0;
  uint64_t tree_size = 0;   // the checkpoint that first included it
  merkle::Subtree subtree;  // the covering subtree that contains it
  std::vector<cert::LogEntryExtension> extensions;
  std::shared_ptr<const std::vector<cert::SubtreeSignature>> signatures;
  // The commit's nodes and proofs; InclusionProof() reads them.
  std::shared_ptr<const CommitProofs> proofs;

  // The inclusion proof of the entry in `subtree`.
  merkle::Proof InclusionProof() const;
  // The MTCProof of a standalone certificate for this entry.
  cert::MtcProof Proof() const {
    return {extensions, subtree, InclusionProof(),
            signatures ? *signatures : std::vector<cert::SubtreeSignature>{}};
  }
};

// Receives the outcome of one Append: called once, on the sequencer thread
// (or the thread of CommitNow) after the commit, or at once on the appending
// thread when the entry is refused. It must be quick, as entries are resolved
// one after the other, and must not call CommitNow or Stop.
using IssuedCallback = std::function<void(Result<IssuedEntry>)>;

// Asks external cosigners (witnesses) to cosign a new checkpoint (given as
// its signed note) and then each covering subtree; returns, for each subtree,
// the signatures obtained (raw, timestamp 0), or an error when a required
// cosigner did not sign, which fails the entries of this commit but not the
// log. Called on the sequencer thread after the commit point.
using CosignFunction =
    std::function<Result<std::vector<std::vector<cert::SubtreeSignature>>>(
        const std::string& checkpoint_note,
        const std::vector<merkle::Subtree>& subtrees,
        const std::vector<merkle::Hash>& hashes)>;

// Where one commit's time went, for metrics and benchmarks. The phases are
// those of the commit protocol (docs/design.md §5), in order.
struct CommitStats {
  uint64_t entries = 0;                 // appended by this commit
  uint64_t tree_size = 0;               // after it
  std::chrono::nanoseconds prepare{0};  // entry bundles, hash tiles, nodes
  std::chrono::nanoseconds stage{0};    // step 1: TileStore::PutStaged
  std::chrono::nanoseconds commit{0};   // step 2: the compare-and-swap
  std::chrono::nanoseconds publish{0};  // step 3: the signed checkpoint
  std::chrono::nanoseconds sign{0};     // subtree signatures, cosigners
  std::chrono::nanoseconds resolve{0};  // inclusion proofs, promises kept
};

struct IssuanceLogOptions {
  cert::TrustAnchorId ca_id;
  uint32_t log_number = 1;
  std::chrono::milliseconds checkpoint_period{1000};
  // Append fails (kUnavailable) while this many entries wait for a commit:
  // the bound on the memory a log holds for entries it has not yet taken.
  size_t max_pending = 1 << 20;
  CosignFunction cosign;  // optional
  // Called on the committing thread after each commit that appended entries.
  std::function<void(const CommitStats&)> on_commit;  // optional
  // Called before each commit that appends entries, before anything is
  // written; an error fails the commit like a storage error (the sequencer
  // stops). Several processes sharing one CA check here that they still
  // hold the sequencer role.
  std::function<Status()> before_commit;  // optional
};

// The unsigned MTCProof for entry `index` of a committed tree of
// `tree_size` in `subtree` (a valid subtree of it containing the entry),
// read from the stored tiles and entry bundles.
Result<cert::MtcProof> ProveCommittedEntry(const TileStore& tiles,
                                           uint64_t tree_size, uint64_t index,
                                           const merkle::Subtree& subtree);

class IssuanceLog {
 public:
  // Opens the log, reconciling storage with the committed head (§5 step 4):
  // a checkpoint behind the head is re-published; tiles or a checkpoint that
  // disagree with the head make Open fail with a message saying what.
  // `ca_key`, `tiles` and `state` must outlive the log.
  static Result<std::unique_ptr<IssuanceLog>> Open(
      IssuanceLogOptions options, const crypto::PrivateKey* ca_key,
      TileStore* tiles, LogStateStore* state);
  ~IssuanceLog();

  // Starts the sequencer thread (commits every checkpoint_period).
  void Start();
  // Stops it after committing what is pending.
  void Stop();

  // Queues a serialized MTCLogEntry. The future resolves once the entry is
  // committed and its subtree signed, or with the commit's error. The
  // entry's leaf hash is computed here, on the caller's thread, so that
  // callers share the hashing that the sequencer would otherwise do alone.
  std::future<Result<IssuedEntry>> Append(std::vector<uint8_t> entry);
  // The same, with the outcome passed to `done` instead of a future: no
  // shared state to allocate per entry. The entry's bytes are copied.
  void Append(std::span<const uint8_t> entry, IssuedCallback done);

  // Commits the pool now, on the calling thread (tests, `mtc ca issue`).
  Status CommitNow();

  TreeHead head() const;
  uint32_t log_number() const { return options_.log_number; }
  const std::string& origin() const { return origin_; }
  const std::string& ca_name() const { return ca_name_; }
  // The error that stopped the sequencer, if one did.
  std::optional<Error> fatal_error() const;

  // The MTCProof for entry `index` in `subtree` (a committed, valid subtree
  // containing it), built from the stored tiles and signed by the CA now:
  // how a restarted CA rebuilds any certificate it ever issued, and how
  // landmark-relative certificates are made (no signatures then).
  Result<cert::MtcProof> ProveEntry(uint64_t index,
                                    const merkle::Subtree& subtree,
                                    bool sign) const;

 private:
  // How an appender learns the outcome.
  using Completion =
      std::variant<std::promise<Result<IssuedEntry>>, IssuedCallback>;
  static void Resolve(Completion& done, Result<IssuedEntry> outcome);

  // The pool: entries (encoded as their bundles will hold them, from index
  // `entries.first_index()`), their leaf hashes and completions, index for
  // index, and the extensions of the few entries that have some. A commit
  // resolves entries in index order: done[0, kept) are resolved.
  struct Batch {
    explicit Batch(uint64_t first_index = 0) : entries(first_index) {}
    PendingBundles entries;
    std::vector<merkle::Hash> leaf_hashes;
    std::vector<std::pair<size_t, std::vector<cert::LogEntryExtension>>>
        extensions;  // (position in the batch, extensions), in order
    std::vector<Completion> done;
    size_t kept = 0;
    size_t size() const { return done.size(); }
    uint64_t first_index() const { return entries.first_index(); }
    // Resolves the entries not yet resolved with `e` and empties the batch.
    void FailAll(const Error& e);
  };

  void Enqueue(std::span<const uint8_t> entry, Completion done);
  IssuanceLog(IssuanceLogOptions options, const crypto::PrivateKey* ca_key,
              TileStore* tiles, LogStateStore* state);
  Status Reconcile();
  Status Commit(Batch& batch);
  // The signed note of the checkpoint of `head`.
  Result<std::string> SignCheckpoint(const TreeHead& head);
  // Signs and publishes the checkpoint of `head`; returns the note.
  Result<std::string> PublishCheckpoint(const TreeHead& head);
  void Run();

  const IssuanceLogOptions options_;
  const crypto::PrivateKey* const ca_key_;
  TileStore* const tiles_;
  LogStateStore* const state_;
  const std::string origin_;   // oid/1.3.6.1.4.1.<CA ID>.0.<log>
  const std::string ca_name_;  // oid/1.3.6.1.4.1.<CA ID>

  // Serializes commits (the sequencer thread and CommitNow) and guards the
  // node source, whose tile cache lives across commits.
  std::mutex commit_mu_;
  std::unique_ptr<class TileNodeSource> source_;  // guarded by commit_mu_

  mutable std::mutex mu_;
  std::condition_variable wake_;  // signals stop_
  Batch pool_;                    // guarded by mu_
  TreeHead head_;                 // guarded by mu_
  std::optional<Error> fatal_;    // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  std::thread thread_;
};

}  // namespace mtc::log

#endif  // MTC_LOG_ISSUANCE_LOG_H_
