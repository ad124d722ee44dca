// Allocates landmarks (draft-ietf-plants-merkle-tree-certs §Allocating
// Landmarks) and describes the active window for the landmarks file and for
// landmark-relative certificates.
#ifndef MTC_LOG_LANDMARK_ALLOCATOR_H_
#define MTC_LOG_LANDMARK_ALLOCATOR_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"
#include "mtc/tlog/landmarks.h"

namespace mtc::log {

// Thread-safe.
class LandmarkAllocator {
 public:
  LandmarkAllocator(LogStateStore* state, uint32_t log_number,
                    std::chrono::seconds time_between_landmarks,
                    std::chrono::seconds max_cert_lifetime);

  // Reads the persisted landmark sequence. The interval of the last
  // allocation is not persisted: after a restart the current interval counts
  // as used, which can delay the next landmark by one interval, never add two.
  Status Load(int64_t now_unix);

  // Step 2: at most once per interval [k*T, (k+1)*T), appends
  // `checkpoint_size` if it exceeds the last landmark's. True when it did.
  Result<bool> MaybeAllocate(int64_t now_unix, uint64_t checkpoint_size);

  uint64_t max_active_landmarks() const { return max_active_; }
  // The latest landmark and the active ones before it (§Publishing
  // Landmarks).
  Result<tlog::LandmarkWindow> Window() const;
  // When the interval after the one containing `now_unix` starts: the
  // earliest time of the next landmark.
  int64_t NextAllocationTime(int64_t now_unix) const;

 private:
  LogStateStore* const state_;
  const uint32_t log_number_;
  const int64_t interval_seconds_;
  const uint64_t max_active_;

  mutable std::mutex mu_;
  std::vector<uint64_t> sizes_;  // guarded by mu_; sizes_[L] of landmark L
  int64_t last_interval_ = -1;   // guarded by mu_
};

}  // namespace mtc::log

#endif  // MTC_LOG_LANDMARK_ALLOCATOR_H_
