#include "log/issuance_log.h"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <utility>

#include "log/commit_nodes.h"
#include "log/tile_node_source.h"
#include "log/tile_writer.h"
#include "mtc/cert/cosigned_message.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/tlog/entry_bundle.h"
#include "mtc/tlog/note.h"
#include "mtc/tlog/tile_path.h"

namespace mtc::log {

namespace {

Error Fatal(const std::string& what, const Error& cause) {
  return Error(ErrorCode::kInternal, what + ": " + cause.message());
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Entry `index` of a tree of `tree_size`, from its entry bundle.
Result<std::vector<uint8_t>> ReadEntry(const TileStore& tiles,
                                       uint64_t tree_size, uint64_t index) {
  if (index >= tree_size) {
    return Error(ErrorCode::kOutOfRange,
                 "entry " + std::to_string(index) + " is beyond the tree");
  }
  uint64_t n = index / tlog::kTileWidth;
  tlog::Tile bundle{tlog::Tile::kEntries, n,
                    tlog::TileWidthAt(0, n, tree_size)};
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> data,
                       tiles.Get(tlog::TilePath(bundle)));
  MTC_ASSIGN_OR_RETURN(auto entries, tlog::ParseEntryBundle(data));
  uint64_t i = index % tlog::kTileWidth;
  if (i >= entries.size()) {
    return Error(ErrorCode::kInternal,
                 "entry bundle " + tlog::TilePath(bundle) + " is short");
  }
  return std::vector<uint8_t>(entries[i].begin(), entries[i].end());
}

}  // namespace

IssuanceLog::IssuanceLog(IssuanceLogOptions options,
                         const crypto::PrivateKey* ca_key, TileStore* tiles,
                         LogStateStore* state)
    : options_(std::move(options)),
      ca_key_(ca_key),
      tiles_(tiles),
      state_(state),
      origin_(cert::OidName(options_.ca_id.ToAscii() + ".0." +
                            std::to_string(options_.log_number))),
      ca_name_(cert::OidName(options_.ca_id.ToAscii())) {}

IssuanceLog::~IssuanceLog() { Stop(); }

Result<std::unique_ptr<IssuanceLog>> IssuanceLog::Open(
    IssuanceLogOptions options, const crypto::PrivateKey* ca_key,
    TileStore* tiles, LogStateStore* state) {
  if (options.log_number == 0 || options.log_number > 0xffff) {
    return Error(ErrorCode::kInvalidArgument, "log numbers are 1..65535");
  }
  std::unique_ptr<IssuanceLog> log(
      new IssuanceLog(std::move(options), ca_key, tiles, state));
  MTC_RETURN_IF_ERROR(log->Reconcile());
  return log;
}

Status IssuanceLog::Reconcile() {
  MTC_ASSIGN_OR_RETURN(TreeHead head, state_->GetTreeHead(options_.log_number));
  // The tiles must hold exactly the committed tree.
  if (head.size > 0) {
    TileNodeSource source(*tiles_, head.size);
    auto root = merkle::SubtreeHash(source, {0, head.size});
    if (!root.ok()) {
      return Error(ErrorCode::kInternal,
                   "log " + std::to_string(options_.log_number) +
                       ": the tiles do not hold the committed tree of size " +
                       std::to_string(head.size) + " (" +
                       root.error().message() + "); refusing to start");
    }
    if (*root != head.root) {
      return Error(ErrorCode::kInternal,
                   "log " + std::to_string(options_.log_number) +
                       ": the tiles' root disagrees with the committed head at "
                       "size " +
                       std::to_string(head.size) + "; refusing to start");
    }
  }
  // The published checkpoint may lag the head (a crash after the commit
  // point) but never lead it.
  auto published = tiles_->Get("checkpoint");
  if (published.ok()) {
    auto note = tlog::ParseSignedNote(
        std::string(published->begin(), published->end()));
    auto cp = note.ok() ? tlog::ParseCheckpointText(note->text)
                        : Result<tlog::Checkpoint>(note.error());
    if (!cp.ok() || cp->origin != origin_) {
      return Error(ErrorCode::kInternal,
                   "log " + std::to_string(options_.log_number) +
                       ": the published checkpoint is unreadable or of another "
                       "log; refusing to start");
    }
    if (cp->tree_size > head.size ||
        (cp->tree_size == head.size && cp->root_hash != head.root)) {
      return Error(ErrorCode::kInternal,
                   "log " + std::to_string(options_.log_number) +
                       ": the published checkpoint (size " +
                       std::to_string(cp->tree_size) +
                       ") disagrees with the committed head (size " +
                       std::to_string(head.size) + "); refusing to start");
    }
    if (cp->tree_size < head.size) MTC_RETURN_IF_ERROR(PublishCheckpoint(head));
  } else if (published.error().code() == ErrorCode::kNotFound) {
    // A new log publishes its empty checkpoint.
    MTC_RETURN_IF_ERROR(PublishCheckpoint(head));
  } else {
    return published.error();
  }
  std::lock_guard<std::mutex> lock(mu_);
  head_ = head;
  pool_ = Batch(head.size);
  return OkStatus();
}

Result<std::string> IssuanceLog::SignCheckpoint(const TreeHead& head) {
  tlog::Checkpoint cp{origin_, head.size, head.root, {}};
  MTC_ASSIGN_OR_RETURN(std::string text, tlog::FormatCheckpointText(cp));
  MTC_ASSIGN_OR_RETURN(
      tlog::NoteSignature sig,
      tlog::SignCheckpoint(*ca_key_, ca_name_, cp,
                           static_cast<uint64_t>(std::time(nullptr))));
  return tlog::SerializeSignedNote({text, {sig}});
}

Result<std::string> IssuanceLog::PublishCheckpoint(const TreeHead& head) {
  MTC_ASSIGN_OR_RETURN(std::string note, SignCheckpoint(head));
  MTC_RETURN_IF_ERROR(tiles_->PutMutable("checkpoint", Bytes(note)));
  return note;
}

void IssuanceLog::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void IssuanceLog::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IssuanceLog::Run() {
  auto next = std::chrono::steady_clock::now() + options_.checkpoint_period;
  for (;;) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_until(lock, next, [this] { return stop_; });
      stopping = stop_;
      if (fatal_) return;
    }
    next += options_.checkpoint_period;
    // A commit that overran its period starts the next one at once.
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    (void)CommitNow();
    if (stopping) return;
  }
}

merkle::Proof IssuedEntry::InclusionProof() const {
  return proofs ? proofs->InclusionProof(index) : merkle::Proof();
}

void IssuanceLog::Resolve(Completion& done, Result<IssuedEntry> outcome) {
  if (auto* promise = std::get_if<0>(&done)) {
    promise->set_value(std::move(outcome));
  } else {
    std::get<1>(done)(std::move(outcome));
  }
}

void IssuanceLog::Batch::FailAll(const Error& e) {
  for (size_t i = kept; i < done.size(); i++) Resolve(done[i], e);
  *this = Batch(first_index() + size());
}

std::future<Result<IssuedEntry>> IssuanceLog::Append(
    std::vector<uint8_t> entry) {
  std::promise<Result<IssuedEntry>> done;
  std::future<Result<IssuedEntry>> f = done.get_future();
  Enqueue(entry, std::move(done));
  return f;
}

void IssuanceLog::Append(std::span<const uint8_t> entry, IssuedCallback done) {
  Enqueue(entry, std::move(done));
}

void IssuanceLog::Enqueue(std::span<const uint8_t> entry, Completion done) {
  merkle::Hash leaf_hash = merkle::HashLeaf(entry);
  // The MTCProof carries the entry's extensions (§Certificate Format); most
  // entries have none: their encoding starts with a zero length.
  std::optional<std::vector<cert::LogEntryExtension>> extensions;
  if (entry.size() >= 2 && (entry[0] != 0 || entry[1] != 0)) {
    auto parsed = cert::ParseMtcLogEntry(entry);
    if (parsed.ok()) extensions = std::move(parsed->extensions);
  }
  std::optional<Error> refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fatal_) {
      refused = Error(ErrorCode::kUnavailable,
                      "the sequencer stopped: " + fatal_->message());
    } else if (pool_.size() >= options_.max_pending) {
      refused = Error(ErrorCode::kUnavailable, "too many pending entries");
    } else if (Status added = pool_.entries.Add(entry); !added.ok()) {
      refused = added.error();
    } else {
      if (extensions) {
        pool_.extensions.emplace_back(pool_.size(), std::move(*extensions));
      }
      pool_.leaf_hashes.push_back(leaf_hash);
      pool_.done.push_back(std::move(done));
    }
  }
  // Outside the lock: a callback may append again.
  if (refused) Resolve(done, *refused);
}

Status IssuanceLog::CommitNow() {
  std::lock_guard<std::mutex> commit_lock(commit_mu_);
  Batch batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fatal_) return *fatal_;
    std::swap(batch, pool_);
    // The next pool starts after this batch and will likely be as large:
    // grow it once, not by doubling.
    pool_ = Batch(batch.first_index() + batch.size());
    pool_.leaf_hashes.reserve(batch.size());
    pool_.done.reserve(batch.size());
  }
  Status status = Commit(batch);
  if (!status.ok()) {
    batch.FailAll(status.error());
    Batch pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fatal_ = status.error();
      std::swap(pending, pool_);
    }
    pending.FailAll(status.error());
  }
  return status;
}

Status IssuanceLog::Commit(Batch& batch) {
  if (batch.size() == 0) return OkStatus();
  using Clock = std::chrono::steady_clock;
  CommitStats stats;
  auto mark = Clock::now();
  auto lap = [&mark](std::chrono::nanoseconds& phase) {
    auto now = Clock::now();
    phase += now - mark;
    mark = now;
  };
  TreeHead old_head;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old_head = head_;
  }
  uint64_t old_size = old_head.size;
  if (batch.first_index() != old_size) {
    return Error(ErrorCode::kInternal, "the pool starts at entry " +
                                           std::to_string(batch.first_index()) +
                                           " but the tree has " +
                                           std::to_string(old_size));
  }
  uint64_t new_size = old_size + batch.size();
  if (new_size >= (uint64_t{1} << 48)) {
    return Error(ErrorCode::kOutOfRange, "the log is full (2^48 - 1 entries)");
  }
  stats.entries = batch.size();
  stats.tree_size = new_size;
  if (options_.before_commit) MTC_RETURN_IF_ERROR(options_.before_commit());

  // Step 1: stage the new entry bundles and hash tiles durably. Every path
  // written here lies beyond the committed tree (its width grew), so anything
  // already there is the remains of a commit that never reached its commit
  // point, and is replaced. The pool holds the entries as their bundles do;
  // the hash tiles are copies of the nodes the commit computes anyway.
  auto bundles = batch.entries.Take(*tiles_);
  if (!bundles.ok()) return Fatal("staging entry bundles", bundles.error());
  if (!source_) source_ = std::make_unique<TileNodeSource>(*tiles_, old_size);
  auto nodes =
      CommitNodes::Build(*source_, old_size, std::move(batch.leaf_hashes));
  if (!nodes.ok()) return Fatal("hashing the new nodes", nodes.error());
  auto hash_tiles = HashTilesFromNodes(*source_, *nodes);
  if (!hash_tiles.ok())
    return Fatal("computing hash tiles", hash_tiles.error());
  std::vector<StagedObject> staged;
  staged.reserve(bundles->size() + hash_tiles->size());
  for (auto* objects : {&*bundles, &*hash_tiles}) {
    for (TileData& o : *objects) {
      staged.push_back({std::move(o.path), std::move(o.data)});
    }
  }
  bundles->clear();
  hash_tiles->clear();
  lap(stats.prepare);
  Status put = tiles_->PutStaged(staged);
  if (!put.ok()) return Fatal("staging tiles and bundles", put.error());
  std::vector<StagedObject>().swap(staged);
  Status grown = source_->SetTreeSize(new_size);
  if (!grown.ok()) return Fatal("growing the node source", grown.error());
  auto root = merkle::SubtreeHash(*nodes, {0, new_size});
  if (!root.ok()) return Fatal("computing the new root", root.error());
  TreeHead new_head{new_size, *root};
  lap(stats.stage);

  // Step 2: the commit point.
  Status cas =
      state_->CompareAndSwapTreeHead(options_.log_number, old_head, new_head);
  if (!cas.ok()) return Fatal("committing the tree head", cas.error());
  {
    std::lock_guard<std::mutex> lock(mu_);
    head_ = new_head;
  }
  lap(stats.commit);

  // Step 3 begins: sign the checkpoint. It is written after the entries
  // are resolved: they are committed, which is all a certificate needs
  // (docs/design.md §5: no certificate leaves the CA before its entry is
  // committed), and its write (a file and a directory flushed) would
  // otherwise delay every certificate of the commit. A crash before the
  // write leaves the published checkpoint behind the committed head, which
  // Reconcile re-publishes.
  auto note = SignCheckpoint(new_head);
  if (!note.ok()) return Fatal("signing the checkpoint", note.error());
  auto publish = [&]() -> Status {
    Status written = tiles_->PutMutable("checkpoint", Bytes(*note));
    if (!written.ok())
      return Fatal("publishing the checkpoint", written.error());
    lap(stats.publish);
    return OkStatus();
  };
  lap(stats.publish);

  // Sign the covering subtrees of [old_size, new_size) (§Standalone
  // Certificates steps 2-3), each once; an empty one is skipped.
  auto [left, right] = merkle::FindCoveringSubtrees(old_size, new_size);
  std::vector<merkle::Subtree> subtrees;
  std::vector<merkle::Hash> hashes;
  for (const merkle::Subtree& s : {left, right}) {
    if (s.empty()) continue;
    auto h = merkle::SubtreeHash(*nodes, s);
    if (!h.ok()) return Fatal("hashing subtree " + s.ToString(), h.error());
    subtrees.push_back(s);
    hashes.push_back(*h);
  }
  std::vector<std::vector<cert::SubtreeSignature>> signatures(subtrees.size());
  for (size_t i = 0; i < subtrees.size(); i++) {
    auto sig =
        tlog::SignSubtree(*ca_key_, ca_name_, origin_, subtrees[i], hashes[i]);
    if (!sig.ok()) return Fatal("signing subtree", sig.error());
    signatures[i].push_back({options_.ca_id.binary(), *sig});
  }
  // Cosignatures from witnesses. A required one missing fails this batch's
  // entries (they stay committed; their certificates can be rebuilt), not
  // the log.
  if (options_.cosign) {
    auto extra = options_.cosign(*note, subtrees, hashes);
    if (!extra.ok() || extra->size() != subtrees.size()) {
      batch.FailAll(extra.ok()
                        ? Error(ErrorCode::kInternal, "cosigner answer size")
                        : extra.error());
      return publish();
    }
    for (size_t i = 0; i < subtrees.size(); i++) {
      for (cert::SubtreeSignature& s : (*extra)[i])
        signatures[i].push_back(std::move(s));
    }
  }
  std::vector<std::shared_ptr<const std::vector<cert::SubtreeSignature>>>
      shared;
  for (auto& sigs : signatures) {
    std::sort(sigs.begin(), sigs.end(), [](const auto& a, const auto& b) {
      return cert::CosignerIdLess(a.cosigner_id, b.cosigner_id);
    });
    shared.push_back(
        std::make_shared<const std::vector<cert::SubtreeSignature>>(
            std::move(sigs)));
  }
  lap(stats.sign);

  // Resolve each entry: the entries are committed, so a failure here fails
  // only the entries not yet resolved (CommitNow fails those from
  // batch.kept on). Their proofs are built from the commit's nodes when
  // asked for (CommitProofs), on the callers' threads.
  auto proofs = CommitProofs::Build(std::move(*nodes), subtrees);
  if (!proofs.ok()) return Fatal("proving the entries", proofs.error());
  auto with_extensions = batch.extensions.begin();
  for (size_t i = 0; i < batch.size(); i++) {
    uint64_t index = old_size + i;
    size_t which = (subtrees.size() > 1 && index >= subtrees[1].start) ? 1 : 0;
    IssuedEntry issued{
        options_.log_number, index,  new_size, subtrees[which], {},
        shared[which],       *proofs};
    if (with_extensions != batch.extensions.end() &&
        with_extensions->first == i) {
      issued.extensions = std::move(with_extensions->second);
      ++with_extensions;
    }
    Resolve(batch.done[i], std::move(issued));
    batch.kept = i + 1;
  }
  batch = Batch();
  lap(stats.resolve);
  // Step 3 ends.
  MTC_RETURN_IF_ERROR(publish());
  if (options_.on_commit) options_.on_commit(stats);
  return OkStatus();
}

TreeHead IssuanceLog::head() const {
  std::lock_guard<std::mutex> lock(mu_);
  return head_;
}

std::optional<Error> IssuanceLog::fatal_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

Result<cert::MtcProof> ProveCommittedEntry(const TileStore& tiles,
                                           uint64_t tree_size, uint64_t index,
                                           const merkle::Subtree& subtree) {
  if (subtree.end > tree_size) {
    return Error(ErrorCode::kOutOfRange, subtree.ToString() +
                                             " is not committed (tree size " +
                                             std::to_string(tree_size) + ")");
  }
  TileNodeSource source(tiles, tree_size);
  MTC_ASSIGN_OR_RETURN(merkle::Proof inclusion,
                       merkle::GenerateInclusionProof(source, subtree, index));
  cert::MtcProof proof{{}, subtree, std::move(inclusion), {}};
  // The entry's extensions, from its bundle.
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> entry,
                       ReadEntry(tiles, tree_size, index));
  MTC_ASSIGN_OR_RETURN(cert::MtcLogEntry parsed, cert::ParseMtcLogEntry(entry));
  proof.extensions = parsed.extensions;
  return proof;
}

Result<cert::MtcProof> IssuanceLog::ProveEntry(uint64_t index,
                                               const merkle::Subtree& subtree,
                                               bool sign) const {
  TreeHead head = this->head();
  MTC_ASSIGN_OR_RETURN(cert::MtcProof proof,
                       ProveCommittedEntry(*tiles_, head.size, index, subtree));
  if (sign) {
    TileNodeSource source(*tiles_, head.size);
    MTC_ASSIGN_OR_RETURN(merkle::Hash h, merkle::SubtreeHash(source, subtree));
    MTC_ASSIGN_OR_RETURN(
        std::vector<uint8_t> sig,
        tlog::SignSubtree(*ca_key_, ca_name_, origin_, subtree, h));
    proof.signatures.push_back({options_.ca_id.binary(), std::move(sig)});
  }
  return proof;
}

}  // namespace mtc::log
