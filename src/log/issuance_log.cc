#include "log/issuance_log.h"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <utility>

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

// The nodes of the tree after a commit that the commit itself adds: every
// full node whose range reaches into [old_size, new_size), computed in memory
// from the batch's leaf hashes (2 hashes per entry). Any other node is a full
// node of the old tree and comes from `base`. The root, the covering subtree
// hashes and every new entry's inclusion proof are read from here, without
// the locks and lookups of the tile cache.
class CommitNodes : public merkle::NodeSource {
 public:
  // Reads from `base` at most one node per level: the old left sibling of
  // the first new node, when that node straddles old_size.
  static Result<CommitNodes> Build(const merkle::NodeSource& base,
                                   uint64_t old_size,
                                   std::vector<merkle::Hash> leaf_hashes) {
    CommitNodes nodes(base, old_size);
    uint64_t new_size = old_size + leaf_hashes.size();
    nodes.levels_.push_back(std::move(leaf_hashes));
    // Level l holds the nodes [old_size >> l, new_size >> l).
    for (int level = 1; (new_size >> level) > (old_size >> level); level++) {
      const std::vector<merkle::Hash>& below = nodes.levels_.back();
      uint64_t below_first = old_size >> (level - 1);
      uint64_t first = old_size >> level;
      uint64_t end = new_size >> level;
      std::vector<merkle::Hash> above;
      above.reserve(end - first);
      for (uint64_t j = first; j < end; j++) {
        merkle::Hash left;
        if (2 * j < below_first) {
          MTC_ASSIGN_OR_RETURN(left, base.NodeHash(level - 1, 2 * j));
        } else {
          left = below[2 * j - below_first];
        }
        above.push_back(
            merkle::HashChildren(left, below[2 * j + 1 - below_first]));
      }
      nodes.levels_.push_back(std::move(above));
    }
    return nodes;
  }

  // The leaf hashes of the new entries.
  std::span<const merkle::Hash> leaf_hashes() const { return levels_[0]; }

  Result<merkle::Hash> NodeHash(int level, uint64_t index) const override {
    if (level >= 0 && static_cast<size_t>(level) < levels_.size()) {
      uint64_t first = old_size_ >> level;
      const std::vector<merkle::Hash>& nodes = levels_[level];
      if (index >= first && index - first < nodes.size()) {
        return nodes[index - first];
      }
    }
    return base_.NodeHash(level, index);
  }

 private:
  CommitNodes(const merkle::NodeSource& base, uint64_t old_size)
      : base_(base), old_size_(old_size) {}

  const merkle::NodeSource& base_;
  uint64_t old_size_;
  std::vector<std::vector<merkle::Hash>> levels_;
};

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
  return OkStatus();
}

Result<std::string> IssuanceLog::PublishCheckpoint(const TreeHead& head) {
  tlog::Checkpoint cp{origin_, head.size, head.root, {}};
  MTC_ASSIGN_OR_RETURN(std::string text, tlog::FormatCheckpointText(cp));
  MTC_ASSIGN_OR_RETURN(
      tlog::NoteSignature sig,
      tlog::SignCheckpoint(*ca_key_, ca_name_, cp,
                           static_cast<uint64_t>(std::time(nullptr))));
  MTC_ASSIGN_OR_RETURN(std::string note,
                       tlog::SerializeSignedNote({text, {sig}}));
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

std::future<Result<IssuedEntry>> IssuanceLog::Append(
    std::vector<uint8_t> entry) {
  std::promise<Result<IssuedEntry>> done;
  std::future<Result<IssuedEntry>> f = done.get_future();
  merkle::Hash leaf_hash = merkle::HashLeaf(entry);
  std::lock_guard<std::mutex> lock(mu_);
  if (fatal_) {
    done.set_value(Error(ErrorCode::kUnavailable,
                         "the sequencer stopped: " + fatal_->message()));
  } else if (pool_.size() >= options_.max_pending) {
    done.set_value(Error(ErrorCode::kUnavailable, "too many pending entries"));
  } else {
    pool_.entries.push_back(std::move(entry));
    pool_.leaf_hashes.push_back(leaf_hash);
    pool_.done.push_back(std::move(done));
  }
  return f;
}

Status IssuanceLog::CommitNow() {
  std::lock_guard<std::mutex> commit_lock(commit_mu_);
  Batch batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fatal_) return *fatal_;
    std::swap(batch, pool_);
    // The next pool will likely be as large: grow it once, not by doubling.
    pool_.entries.reserve(batch.size());
    pool_.leaf_hashes.reserve(batch.size());
    pool_.done.reserve(batch.size());
  }
  Status status = Commit(batch);
  if (!status.ok()) {
    batch.FailAll(status.error());
    std::lock_guard<std::mutex> lock(mu_);
    fatal_ = status.error();
    pool_.FailAll(status.error());
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
    phase = now - mark;
    mark = now;
  };
  TreeHead old_head;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old_head = head_;
  }
  uint64_t old_size = old_head.size;
  uint64_t new_size = old_size + batch.size();
  if (new_size >= (uint64_t{1} << 48)) {
    return Error(ErrorCode::kOutOfRange, "the log is full (2^48 - 1 entries)");
  }
  stats.entries = batch.size();
  stats.tree_size = new_size;

  // The MTCProof carries the entry's extensions (§Certificate Format); most
  // entries have none: their encoding starts with a zero length. Read them
  // now, as the entries' bytes are released once they are in bundles.
  std::vector<std::pair<size_t, std::vector<cert::LogEntryExtension>>>
      extensions;
  for (size_t i = 0; i < batch.size(); i++) {
    const std::vector<uint8_t>& e = batch.entries[i];
    if (e.size() >= 2 && (e[0] != 0 || e[1] != 0)) {
      auto parsed = cert::ParseMtcLogEntry(e);
      if (parsed.ok()) extensions.emplace_back(i, parsed->extensions);
    }
  }

  // Step 1: stage the new entry bundles and hash tiles durably. Every path
  // written here lies beyond the committed tree (its width grew), so anything
  // already there is the remains of a commit that never reached its commit
  // point, and is replaced.
  auto bundles = ComputeEntryBundles(*tiles_, old_size, batch.entries);
  if (!bundles.ok()) return Fatal("staging entry bundles", bundles.error());
  std::vector<std::vector<uint8_t>>().swap(batch.entries);
  if (!source_) source_ = std::make_unique<TileNodeSource>(*tiles_, old_size);
  auto nodes =
      CommitNodes::Build(*source_, old_size, std::move(batch.leaf_hashes));
  if (!nodes.ok()) return Fatal("hashing the new nodes", nodes.error());
  auto hash_tiles = ComputeHashTiles(*tiles_, old_size, nodes->leaf_hashes());
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

  // Step 3: publish the signed checkpoint.
  auto note = PublishCheckpoint(new_head);
  if (!note.ok()) return Fatal("publishing the checkpoint", note.error());
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
      return OkStatus();
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

  // Each entry's proof, and its promise kept at once: the entries are
  // committed, so a proof that cannot be built fails only the entries not
  // yet resolved (CommitNow fails those from batch.kept on).
  //
  // PATH(m, D_n) = SUBTREE_PROOF(m, m + 1, D_n) (§Generating a Subtree
  // Consistency Proof) lists the recursive part first, then the sibling.
  // For an entry in a full, aligned chunk of 256 entries inside its
  // covering subtree, the recursion passes through that chunk, so the proof
  // is the entry's path within the chunk (8 full nodes, no hashing) followed
  // by what comes after those 8 hashes in the path of any entry of the
  // chunk: computed once per chunk. The right covering subtree is usually
  // partial, and its partial siblings would otherwise be re-hashed for every
  // entry.
  constexpr uint64_t kChunk = tlog::kTileWidth;
  constexpr size_t kChunkPathLength = 8;  // log2(kChunk)
  auto with_extensions = extensions.begin();
  std::vector<merkle::Hash> outer;  // the chunk's path above the chunk
  uint64_t outer_chunk = UINT64_MAX;
  for (size_t i = 0; i < batch.size(); i++) {
    uint64_t index = old_size + i;
    size_t which = (subtrees.size() > 1 && index >= subtrees[1].start) ? 1 : 0;
    const merkle::Subtree& subtree = subtrees[which];
    merkle::Subtree chunk{index / kChunk * kChunk,
                          index / kChunk * kChunk + kChunk};
    Result<merkle::Proof> proof = merkle::Proof();
    if (chunk.start >= subtree.start && chunk.end <= subtree.end) {
      if (outer_chunk != chunk.start) {
        auto path =
            merkle::GenerateInclusionProof(*nodes, subtree, chunk.start);
        if (!path.ok()) return Fatal("proving entry", path.error());
        outer.assign(path->begin() + kChunkPathLength, path->end());
        outer_chunk = chunk.start;
      }
      proof = merkle::GenerateInclusionProof(*nodes, chunk, index);
      if (proof.ok()) proof->insert(proof->end(), outer.begin(), outer.end());
    } else {
      proof = merkle::GenerateInclusionProof(*nodes, subtree, index);
    }
    if (!proof.ok()) return Fatal("proving entry", proof.error());
    IssuedEntry issued{options_.log_number,      index, new_size,     subtree,
                       std::move(proof).value(), {},    shared[which]};
    if (with_extensions != extensions.end() && with_extensions->first == i) {
      issued.extensions = std::move(with_extensions->second);
      ++with_extensions;
    }
    batch.done[i].set_value(std::move(issued));
    batch.kept = i + 1;
  }
  batch = Batch();
  lap(stats.resolve);
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

Result<cert::MtcProof> IssuanceLog::ProveEntry(uint64_t index,
                                               const merkle::Subtree& subtree,
                                               bool sign) const {
  TreeHead head = this->head();
  if (subtree.end > head.size) {
    return Error(ErrorCode::kOutOfRange, subtree.ToString() +
                                             " is not committed (tree size " +
                                             std::to_string(head.size) + ")");
  }
  TileNodeSource source(*tiles_, head.size);
  MTC_ASSIGN_OR_RETURN(merkle::Proof inclusion,
                       merkle::GenerateInclusionProof(source, subtree, index));
  cert::MtcProof proof{{}, subtree, std::move(inclusion), {}};
  // The entry's extensions, from its bundle.
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> entry,
                       ReadEntry(*tiles_, head.size, index));
  MTC_ASSIGN_OR_RETURN(cert::MtcLogEntry parsed, cert::ParseMtcLogEntry(entry));
  proof.extensions = parsed.extensions;
  if (sign) {
    MTC_ASSIGN_OR_RETURN(merkle::Hash h, merkle::SubtreeHash(source, subtree));
    MTC_ASSIGN_OR_RETURN(
        std::vector<uint8_t> sig,
        tlog::SignSubtree(*ca_key_, ca_name_, origin_, subtree, h));
    proof.signatures.push_back({options_.ca_id.binary(), std::move(sig)});
  }
  return proof;
}

}  // namespace mtc::log
