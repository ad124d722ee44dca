// A naive Merkle Tree reference written straight from the definitions of
// RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and the draft's §Generating a Subtree
// Consistency Proof (SUBTREE_PROOF), over an explicit list of entries. Slow and
// obviously right; the real code is checked against it.
#ifndef MTC_TESTS_MERKLE_NAIVE_TESTUTIL_H_
#define MTC_TESTS_MERKLE_NAIVE_TESTUTIL_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "mtc/merkle/hash.h"

namespace mtc::merkle::testing {

class NaiveTree {
 public:
  // d[i] is the single byte i, as in the draft's appendix "Subtree Test
  // Vectors".
  static NaiveTree WithByteEntries(uint64_t n);

  explicit NaiveTree(std::vector<std::vector<uint8_t>> entries)
      : d_(std::move(entries)) {}

  uint64_t size() const { return d_.size(); }
  // start <= end and start is a multiple of BIT_CEIL(end - start), with the
  // smallest power of two >= end - start found by counting up.
  static bool IsValidSubtree(uint64_t start, uint64_t end);

  // MTH(D[lo:hi]).
  Hash Mth(uint64_t lo, uint64_t hi) const;
  // PATH(m, D[lo:hi]).
  std::vector<Hash> Path(uint64_t m, uint64_t lo, uint64_t hi) const;
  // SUBTREE_PROOF(start, end, D[0:n]).
  std::vector<Hash> SubtreeProof(uint64_t start, uint64_t end,
                                 uint64_t n) const;

 private:
  // SUBTREE_SUBPROOF(start, end, D[lo:hi], b).
  std::vector<Hash> SubtreeSubproof(uint64_t start, uint64_t end, uint64_t lo,
                                    uint64_t hi, bool b) const;

  std::vector<std::vector<uint8_t>> d_;
  mutable std::map<std::pair<uint64_t, uint64_t>, Hash> mth_memo_;
};

}  // namespace mtc::merkle::testing

#endif  // MTC_TESTS_MERKLE_NAIVE_TESTUTIL_H_
