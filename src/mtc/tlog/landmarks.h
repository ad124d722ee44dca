// The landmark sequence and the landmarks file
// (draft-ietf-plants-merkle-tree-certs §Landmark-Relative Certificates).
#ifndef MTC_TLOG_LANDMARKS_H_
#define MTC_TLOG_LANDMARKS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/subtree.h"

namespace mtc::tlog {

// §Allocating Landmarks: ceil(max_cert_lifetime / time_between_landmarks) + 1.
uint64_t MaxActiveLandmarks(std::chrono::seconds max_cert_lifetime,
                            std::chrono::seconds time_between_landmarks);

// §Landmark Tree Sizes: the non-empty landmark subtrees of a landmark whose
// predecessor has tree size `prev_tree_size`: the two subtrees covering
// [prev_tree_size, tree_size), without an empty one (docs/design.md §2 item 1).
std::vector<merkle::Subtree> LandmarkSubtrees(uint64_t prev_tree_size,
                                              uint64_t tree_size);

// The tail of a landmark sequence that a CA publishes (§Publishing Landmarks):
// landmark `last_landmark` and the `num_active_landmarks` before it, plus the
// tree size of the landmark just before the active window (its end is where
// the oldest active landmark's subtrees start).
class LandmarkWindow {
 public:
  // `tree_sizes[i]` is the tree size of landmark `last_landmark - i`; it holds
  // num_active_landmarks + 1 sizes, strictly decreasing.
  static Result<LandmarkWindow> Create(uint64_t last_landmark,
                                       std::vector<uint64_t> tree_sizes);

  // Parses the landmarks file, checking every rule of §Publishing Landmarks:
  // each line ends in U+000A; the first holds `<last_landmark>
  // <num_active_landmarks>` with num_active_landmarks <= max_active_landmarks
  // and <= last_landmark; then num_active_landmarks + 1 tree sizes, strictly
  // decreasing and <= latest_tree_size. Numbers are plain decimal.
  static Result<LandmarkWindow> Parse(std::string_view text,
                                      uint64_t max_active_landmarks,
                                      uint64_t latest_tree_size);
  std::string Serialize() const;

  uint64_t last_landmark() const { return last_landmark_; }
  uint64_t num_active_landmarks() const { return tree_sizes_.size() - 1; }
  // The oldest active landmark's number.
  uint64_t first_active_landmark() const {
    return last_landmark_ - num_active_landmarks() + 1;
  }
  // Tree size of landmark `number`, for last_landmark - num_active <= number
  // <= last_landmark.
  Result<uint64_t> TreeSize(uint64_t number) const;
  // The active landmark subtrees, oldest first: at most 2 per active landmark.
  std::vector<merkle::Subtree> ActiveSubtrees() const;

  // §Constructing Landmark-Relative Certificates, steps 1 and 2.
  struct Coverage {
    enum class Kind {
      kCovered,         // `landmark` and its `subtree` contain the index
      kWaiting,         // no landmark covers the index yet
      kNoLongerActive,  // every landmark that covered it left the window
    };
    Kind kind;
    uint64_t landmark = 0;
    merkle::Subtree subtree;
  };
  Coverage Locate(uint64_t index) const;

 private:
  LandmarkWindow(uint64_t last_landmark, std::vector<uint64_t> tree_sizes)
      : last_landmark_(last_landmark), tree_sizes_(std::move(tree_sizes)) {}

  uint64_t last_landmark_;
  std::vector<uint64_t> tree_sizes_;  // newest first
};

}  // namespace mtc::tlog

#endif  // MTC_TLOG_LANDMARKS_H_
