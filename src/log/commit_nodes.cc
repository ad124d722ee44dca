#include "log/commit_nodes.h"

#include <algorithm>
#include <cassert>
#include <string>
#include <utility>

namespace mtc::log {

Result<CommitNodes> CommitNodes::Build(const merkle::NodeSource& old_tree,
                                       uint64_t old_size,
                                       std::vector<merkle::Hash> leaf_hashes) {
  if (leaf_hashes.size() > UINT64_MAX - old_size) {
    return Error(ErrorCode::kOutOfRange,
                 "tree of size " + std::to_string(old_size) +
                     " cannot grow by " + std::to_string(leaf_hashes.size()));
  }
  uint64_t new_size = old_size + leaf_hashes.size();
  CommitNodes nodes(old_size, new_size);
  for (int level = 0; (old_size >> level) > 0; level++) {
    uint64_t n = old_size >> level;
    nodes.frontier_.emplace_back();
    if (n % 2 == 1) {
      MTC_ASSIGN_OR_RETURN(merkle::Hash h, old_tree.NodeHash(level, n - 1));
      nodes.frontier_.back() = h;
    }
  }
  nodes.levels_.push_back(std::move(leaf_hashes));
  // Level l holds the nodes [old_size >> l, new_size >> l). The left child
  // of the first one is the old frontier node when old_size >> (l - 1) is
  // odd (the node straddles old_size); every other child is new.
  for (int level = 1; (new_size >> level) > (old_size >> level); level++) {
    const std::vector<merkle::Hash>& below = nodes.levels_.back();
    uint64_t below_first = old_size >> (level - 1);
    uint64_t first = old_size >> level;
    uint64_t end = new_size >> level;
    std::vector<merkle::Hash> above;
    above.reserve(end - first);
    for (uint64_t j = first; j < end; j++) {
      const merkle::Hash& left = 2 * j < below_first
                                     ? *nodes.frontier_[level - 1]
                                     : below[2 * j - below_first];
      above.push_back(
          merkle::HashChildren(left, below[2 * j + 1 - below_first]));
    }
    nodes.levels_.push_back(std::move(above));
  }
  return nodes;
}

std::span<const merkle::Hash> CommitNodes::NewNodes(int level) const {
  if (level < 0 || static_cast<size_t>(level) >= levels_.size()) return {};
  return levels_[level];
}

Result<merkle::Hash> CommitNodes::NodeHash(int level, uint64_t index) const {
  if (level >= 0 && level < 64) {
    uint64_t first = old_size_ >> level;
    if (static_cast<size_t>(level) < levels_.size() && index >= first &&
        index - first < levels_[level].size()) {
      return levels_[level][index - first];
    }
    if (static_cast<size_t>(level) < frontier_.size() && frontier_[level] &&
        index + 1 == first) {
      return *frontier_[level];
    }
  }
  return Error(ErrorCode::kNotFound, "node at level " + std::to_string(level) +
                                         " index " + std::to_string(index) +
                                         " is not held by the commit " +
                                         std::to_string(old_size_) + " -> " +
                                         std::to_string(new_size_));
}

Result<std::shared_ptr<const CommitProofs>> CommitProofs::Build(
    CommitNodes nodes, std::vector<merkle::Subtree> subtrees) {
  std::shared_ptr<CommitProofs> proofs(new CommitProofs(std::move(nodes)));
  proofs->subtrees_ = std::move(subtrees);
  const CommitNodes& n = proofs->nodes_;
  if (n.new_size() == n.old_size()) {
    return std::shared_ptr<const CommitProofs>(std::move(proofs));
  }
  if (proofs->subtrees_.empty() ||
      proofs->subtrees_.front().start > n.old_size() ||
      proofs->subtrees_.back().end < n.new_size()) {
    return Error(ErrorCode::kInternal, "the subtrees do not cover the commit");
  }
  proofs->first_chunk_ = n.old_size() / kChunk;
  uint64_t end_chunk = (n.new_size() + kChunk - 1) / kChunk;
  proofs->above_.resize(end_chunk - proofs->first_chunk_);
  for (uint64_t c = proofs->first_chunk_; c < end_chunk; c++) {
    merkle::Subtree chunk{c * kChunk, c * kChunk + kChunk};
    // The chunk's first new entry: the path above the chunk is the same for
    // every entry in it, and only new entries' paths are made of the
    // commit's nodes.
    uint64_t first_new = std::max(chunk.start, n.old_size());
    const merkle::Subtree& subtree = proofs->SubtreeOf(first_new);
    if (chunk.start >= subtree.start && chunk.end <= subtree.end) {
      MTC_ASSIGN_OR_RETURN(merkle::Proof path, merkle::GenerateInclusionProof(
                                                   n, subtree, first_new));
      if (path.size() < kChunkHeight) {
        return Error(ErrorCode::kInternal, "short path for a chunk");
      }
      proofs->above_[c - proofs->first_chunk_] =
          merkle::Proof(path.begin() + kChunkHeight, path.end());
      continue;
    }
    for (uint64_t i = first_new; i < std::min(chunk.end, n.new_size()); i++) {
      MTC_ASSIGN_OR_RETURN(merkle::Proof path, merkle::GenerateInclusionProof(
                                                   n, proofs->SubtreeOf(i), i));
      proofs->other_.emplace(i, std::move(path));
    }
  }
  return std::shared_ptr<const CommitProofs>(std::move(proofs));
}

const merkle::Subtree& CommitProofs::SubtreeOf(uint64_t index) const {
  return subtrees_.size() > 1 && index >= subtrees_[1].start ? subtrees_[1]
                                                             : subtrees_[0];
}

merkle::Proof CommitProofs::InclusionProof(uint64_t index) const {
  if (index < nodes_.old_size() || index >= nodes_.new_size()) return {};
  const std::optional<merkle::Proof>& above =
      above_[index / kChunk - first_chunk_];
  if (!above) {
    auto it = other_.find(index);
    return it == other_.end() ? merkle::Proof() : it->second;
  }
  // The entry's path inside its chunk: its sibling at each level below the
  // chunk's root. Each is a new node or, left of old_size, a frontier node
  // (see CommitNodes::NodeHash); Build proved the chunk's first entry, so
  // the chunk lies inside the tree.
  merkle::Proof proof;
  proof.reserve(kChunkHeight + above->size());
  for (int level = 0; level < kChunkHeight; level++) {
    Result<merkle::Hash> sibling = nodes_.NodeHash(level, (index >> level) ^ 1);
    assert(sibling.ok());
    proof.push_back(sibling.ok() ? *sibling : merkle::Hash{});
  }
  proof.insert(proof.end(), above->begin(), above->end());
  return proof;
}

}  // namespace mtc::log
