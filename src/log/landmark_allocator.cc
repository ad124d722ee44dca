#include "log/landmark_allocator.h"

#include <algorithm>

namespace mtc::log {

LandmarkAllocator::LandmarkAllocator(
    LogStateStore* state, uint32_t log_number,
    std::chrono::seconds time_between_landmarks,
    std::chrono::seconds max_cert_lifetime)
    : state_(state),
      log_number_(log_number),
      interval_seconds_(std::max<int64_t>(1, time_between_landmarks.count())),
      max_active_(tlog::MaxActiveLandmarks(max_cert_lifetime,
                                           time_between_landmarks)) {}

Status LandmarkAllocator::Load(int64_t now_unix) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint64_t> sizes,
                       state_->GetLandmarks(log_number_));
  std::lock_guard<std::mutex> lock(mu_);
  sizes_ = {0};  // landmark 0
  sizes_.insert(sizes_.end(), sizes.begin(), sizes.end());
  last_interval_ = sizes_.size() > 1 ? now_unix / interval_seconds_ : -1;
  return OkStatus();
}

Result<bool> LandmarkAllocator::MaybeAllocate(int64_t now_unix,
                                              uint64_t checkpoint_size) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t interval = now_unix / interval_seconds_;
  if (interval == last_interval_ || checkpoint_size <= sizes_.back()) {
    return false;
  }
  MTC_RETURN_IF_ERROR(
      state_->AppendLandmark(log_number_, sizes_.size(), checkpoint_size));
  sizes_.push_back(checkpoint_size);
  last_interval_ = interval;
  return true;
}

Result<tlog::LandmarkWindow> LandmarkAllocator::Window() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t last = sizes_.size() - 1;
  uint64_t num_active = std::min<uint64_t>(max_active_, last);
  std::vector<uint64_t> newest_first;
  for (uint64_t i = 0; i <= num_active; i++) {
    newest_first.push_back(sizes_[last - i]);
  }
  return tlog::LandmarkWindow::Create(last, std::move(newest_first));
}

int64_t LandmarkAllocator::NextAllocationTime(int64_t now_unix) const {
  return (now_unix / interval_seconds_ + 1) * interval_seconds_;
}

}  // namespace mtc::log
