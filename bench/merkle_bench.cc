// Merkle core benchmarks (issue "Foundation"):
// - entries hashed into a tree per second, 1,000,000 entries of 400 bytes,
//   next to this machine's raw SHA-256 throughput over the same bytes, measured
//   in the same run, with their ratio;
// - evaluating a 23-hash subtree inclusion proof;
// - verifying a subtree consistency proof in a tree of 2^32 entries.
//
// Run: build/bench/merkle_bench  (or `make bench`). Each pass over the million
// entries is one iteration; the summary quotes medians of the repetitions.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "mtc/crypto/sha256.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/uniform_tree.h"

namespace {

using mtc::merkle::Hash;
using mtc::merkle::Subtree;

constexpr uint64_t kEntries = 1'000'000;
constexpr size_t kEntrySize = 400;

// Entry i: 400 bytes, the first 8 of which are i, so that every entry differs.
class Entries {
 public:
  Entries() { std::fill(buf_.begin(), buf_.end(), 0x5a); }
  std::span<const uint8_t> Get(uint64_t i) {
    std::memcpy(buf_.data(), &i, sizeof(i));
    return buf_;
  }

 private:
  std::array<uint8_t, kEntrySize> buf_;
};

void BM_RawSha256(benchmark::State& state) {
  Entries entries;
  for (auto _ : state) {
    for (uint64_t i = 0; i < kEntries; i++) {
      benchmark::DoNotOptimize(mtc::crypto::Sha256Of(entries.Get(i)));
    }
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
  state.SetBytesProcessed(state.iterations() * kEntries * kEntrySize);
}
BENCHMARK(BM_RawSha256)
    ->Iterations(1)
    ->Repetitions(5)
    ->Unit(benchmark::kMillisecond);

void BM_TreeAppend(benchmark::State& state) {
  Entries entries;
  for (auto _ : state) {
    mtc::merkle::MemoryTree tree;
    for (uint64_t i = 0; i < kEntries; i++) tree.AppendEntry(entries.Get(i));
    benchmark::DoNotOptimize(tree.RootHash());
  }
  state.SetItemsProcessed(state.iterations() * kEntries);
  state.SetBytesProcessed(state.iterations() * kEntries * kEntrySize);
}
BENCHMARK(BM_TreeAppend)
    ->Iterations(1)
    ->Repetitions(5)
    ->Unit(benchmark::kMillisecond);

constexpr uint64_t kTwo32 = uint64_t{1} << 32;

void BM_EvaluateInclusionProof23(benchmark::State& state) {
  const uint8_t entry[kEntrySize] = {};
  mtc::merkle::UniformTree tree(entry);
  // A subtree of 2^23 entries inside a log of 2^32: a 23-hash proof.
  Subtree subtree{kTwo32 - (uint64_t{1} << 23), kTwo32};
  uint64_t index = subtree.start + 1234567;
  auto proof =
      mtc::merkle::GenerateInclusionProof(tree, subtree, index).value();
  Hash subtree_hash = mtc::merkle::SubtreeHash(tree, subtree).value();
  if (proof.size() != 23) state.SkipWithError("proof is not 23 hashes");
  for (auto _ : state) {
    auto status = mtc::merkle::VerifyInclusionProof(
        subtree, index, tree.leaf_hash(), proof, subtree_hash);
    if (!status.ok()) state.SkipWithError("proof did not verify");
  }
  state.counters["proof_hashes"] = static_cast<double>(proof.size());
}
BENCHMARK(BM_EvaluateInclusionProof23)->Repetitions(5);

void BM_VerifyConsistencyProof2To32(benchmark::State& state) {
  const uint8_t entry[kEntrySize] = {};
  mtc::merkle::UniformTree tree(entry);
  // A landmark-sized partial subtree near the end of a 2^32-entry log.
  Subtree subtree{kTwo32 - (uint64_t{1} << 24),
                  kTwo32 - (uint64_t{1} << 24) + 3'000'000};
  auto proof =
      mtc::merkle::GenerateConsistencyProof(tree, kTwo32, subtree).value();
  Hash node = mtc::merkle::SubtreeHash(tree, subtree).value();
  Hash root = mtc::merkle::SubtreeHash(tree, {0, kTwo32}).value();
  for (auto _ : state) {
    auto status =
        mtc::merkle::VerifyConsistencyProof(kTwo32, subtree, proof, node, root);
    if (!status.ok()) state.SkipWithError("proof did not verify");
  }
  state.counters["proof_hashes"] = static_cast<double>(proof.size());
}
BENCHMARK(BM_VerifyConsistencyProof2To32)->Repetitions(5);

// Prints the usual console output and keeps the medians for the summary.
class MedianCollector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.aggregate_name != "median") continue;
      std::string name = run.run_name.function_name;
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) items_per_second_[name] = it->second;
      ns_per_op_[name] =
          run.GetAdjustedRealTime() *
          benchmark::GetTimeUnitMultiplier(benchmark::kNanosecond) /
          benchmark::GetTimeUnitMultiplier(run.time_unit);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> items_per_second_;
  std::map<std::string, double> ns_per_op_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  MedianCollector reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  auto& ips = reporter.items_per_second_;
  auto& ns = reporter.ns_per_op_;
  std::printf("\nSummary (medians):\n");
  if (ips.count("BM_TreeAppend") && ips.count("BM_RawSha256")) {
    double tree = ips["BM_TreeAppend"], raw = ips["BM_RawSha256"];
    std::printf(
        "  tree of 1,000,000 x 400-byte entries: %.0f entries/s (%.0f MB/s)\n"
        "  raw SHA-256 of the same entries:      %.0f entries/s (%.0f MB/s)\n"
        "  ratio tree / raw SHA-256:             %.2f\n",
        tree, tree * kEntrySize / 1e6, raw, raw * kEntrySize / 1e6, tree / raw);
  }
  if (ns.count("BM_EvaluateInclusionProof23")) {
    std::printf("  23-hash subtree inclusion proof:      %.0f ns\n",
                ns["BM_EvaluateInclusionProof23"]);
  }
  if (ns.count("BM_VerifyConsistencyProof2To32")) {
    std::printf("  consistency proof, 2^32-entry tree:   %.0f ns\n",
                ns["BM_VerifyConsistencyProof2To32"]);
  }
  return 0;
}
