// Tests of §Allocating Landmarks.
#include "log/landmark_allocator.h"

#include <gtest/gtest.h>

#include "log/memory_state_store.h"

namespace mtc::log {
namespace {

using std::chrono::hours;

TEST(LandmarkAllocatorTest, AtMostOncePerIntervalAndOnlyWhenGrown) {
  MemoryLogStateStore state;
  LandmarkAllocator a(&state, 1, hours(1), hours(7 * 24));
  ASSERT_TRUE(a.Load(0).ok());
  EXPECT_EQ(a.max_active_landmarks(), 169u);  // the draft's example
  EXPECT_TRUE(*a.MaybeAllocate(10, 100));     // interval 0
  EXPECT_FALSE(*a.MaybeAllocate(3599, 200));  // same interval
  EXPECT_FALSE(*a.MaybeAllocate(3600, 100));  // not grown
  EXPECT_TRUE(*a.MaybeAllocate(3601, 150));   // interval 1
  EXPECT_EQ(a.NextAllocationTime(3601), 7200);
  EXPECT_EQ(state.GetLandmarks(1).value(), (std::vector<uint64_t>{100, 150}));
  tlog::LandmarkWindow w = a.Window().value();
  EXPECT_EQ(w.Serialize(), "2 2\n150\n100\n0\n");
}

TEST(LandmarkAllocatorTest, WindowKeepsMaxActive) {
  MemoryLogStateStore state;
  // 3h lifetime, 1h interval: max_active = 4.
  LandmarkAllocator a(&state, 1, hours(1), hours(3));
  ASSERT_TRUE(a.Load(0).ok());
  for (int i = 1; i <= 10; i++) ASSERT_TRUE(*a.MaybeAllocate(i * 3600, i * 10));
  EXPECT_EQ(a.Window()->Serialize(), "10 4\n100\n90\n80\n70\n60\n");
  // Reloading keeps the sequence; the current interval counts as used.
  LandmarkAllocator b(&state, 1, hours(1), hours(3));
  ASSERT_TRUE(b.Load(10 * 3600 + 5).ok());
  EXPECT_FALSE(*b.MaybeAllocate(10 * 3600 + 6, 500));
  EXPECT_TRUE(*b.MaybeAllocate(11 * 3600, 500));
  EXPECT_EQ(b.Window()->last_landmark(), 11u);
}

}  // namespace
}  // namespace mtc::log
