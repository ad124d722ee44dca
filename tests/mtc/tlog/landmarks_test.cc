// Tests of the landmark sequence and the landmarks file
// (draft-ietf-plants-merkle-tree-certs §Landmark-Relative Certificates).
#include "mtc/tlog/landmarks.h"

#include <gtest/gtest.h>

#include <chrono>

namespace mtc::tlog {
namespace {

using merkle::Subtree;
using std::chrono::hours;
using Kind = LandmarkWindow::Coverage::Kind;

// §Landmark Tree Sizes: "a CA with a maximum certificate lifetime of 7 days,
// allocating a landmark every hour, will have a max_active_landmarks of 169".
TEST(MaxActiveLandmarksTest, DraftExample) {
  EXPECT_EQ(MaxActiveLandmarks(hours(24 * 7), hours(1)), 169u);
  EXPECT_EQ(MaxActiveLandmarks(hours(10), hours(3)), 5u);  // ceil(10/3) + 1
}

TEST(LandmarkSubtreesTest, CoverTheIntervalWithoutEmptySubtrees) {
  EXPECT_EQ(LandmarkSubtrees(5, 13), (std::vector<Subtree>{{4, 8}, {8, 13}}));
  // Step 2 always splits at the divergence point, even for a full subtree.
  EXPECT_EQ(LandmarkSubtrees(0, 8), (std::vector<Subtree>{{0, 4}, {4, 8}}));
  EXPECT_EQ(LandmarkSubtrees(7, 8), (std::vector<Subtree>{{7, 8}}));
}

constexpr char kFile[] =
    "12 3\n"
    "1000\n"
    "900\n"
    "613\n"
    "600\n";

TEST(LandmarkWindowTest, ParseAndSerialize) {
  auto w = LandmarkWindow::Parse(kFile, 169, 1000);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(w->last_landmark(), 12u);
  EXPECT_EQ(w->num_active_landmarks(), 3u);
  EXPECT_EQ(w->first_active_landmark(), 10u);
  EXPECT_EQ(*w->TreeSize(12), 1000u);
  EXPECT_EQ(*w->TreeSize(9), 600u);
  EXPECT_FALSE(w->TreeSize(8).ok());
  EXPECT_FALSE(w->TreeSize(13).ok());
  EXPECT_EQ(w->Serialize(), kFile);
  // Landmark 10 covers [600, 613), 11 covers [613, 900), 12 covers [900, 1000).
  std::vector<Subtree> expected;
  for (auto [a, b] :
       {std::pair<uint64_t, uint64_t>{600, 613}, {613, 900}, {900, 1000}}) {
    for (Subtree s : LandmarkSubtrees(a, b)) expected.push_back(s);
  }
  EXPECT_EQ(w->ActiveSubtrees(), expected);
}

TEST(LandmarkWindowTest, ParseRejectsEveryInvalidForm) {
  struct Case {
    const char* text;
    uint64_t max_active;
    uint64_t tree_size;
  } cases[] = {
      {"12 3\n1000\n900\n613\n600\n", 2, 1000},    // num_active > max_active
      {"2 3\n1000\n900\n613\n600\n", 169, 1000},   // num_active > last_landmark
      {"12 3\n1000\n900\n613\n600\n", 169, 999},   // size > latest tree size
      {"12 3\n1000\n900\n900\n600\n", 169, 1000},  // not strictly decreasing
      {"12 3\n1000\n900\n950\n600\n", 169, 1000},  // increasing
      {"12 3\n1000\n900\n613\n", 169, 1000},       // a line short
      {"12 3\n1000\n900\n613\n600\n5\n", 169, 1000},  // a line too many
      {"12 3\n1000\n900\n613\n600", 169, 1000},       // last line unterminated
      {"12 3\r\n1000\n900\n613\n600\n", 169, 1000},   // CRLF
      {"12  3\n1000\n900\n613\n600\n", 169, 1000},    // double space
      {"12 03\n1000\n900\n613\n600\n", 169, 1000},    // leading zero
      {"12 3\n+1000\n900\n613\n600\n", 169, 1000},    // sign
      {"12\n1000\n", 169, 1000},                      // header lacks a field
      {"", 169, 1000},                                // empty
      {"3 3\n30\n20\n10\n5\n", 169, 1000},  // landmark 0 with a non-zero size
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(LandmarkWindow::Parse(c.text, c.max_active, c.tree_size).ok())
        << c.text;
  }
  EXPECT_TRUE(LandmarkWindow::Parse("3 3\n30\n20\n10\n0\n", 169, 30).ok());
  EXPECT_TRUE(LandmarkWindow::Parse("0 0\n0\n", 169, 0).ok());
}

// §Constructing Landmark-Relative Certificates, steps 1 and 2.
TEST(LandmarkWindowTest, Locate) {
  auto w = LandmarkWindow::Parse(kFile, 169, 1000).value();
  // Covered by landmark 10's subtrees of [600, 613).
  for (uint64_t i = 600; i < 613; i++) {
    LandmarkWindow::Coverage c = w.Locate(i);
    ASSERT_EQ(c.kind, Kind::kCovered) << i;
    EXPECT_EQ(c.landmark, 10u);
    EXPECT_TRUE(c.subtree.start <= i && i < c.subtree.end);
    EXPECT_TRUE(merkle::IsValidSubtree(c.subtree));
  }
  EXPECT_EQ(w.Locate(613).landmark, 11u);
  EXPECT_EQ(w.Locate(899).landmark, 11u);
  EXPECT_EQ(w.Locate(900).landmark, 12u);
  EXPECT_EQ(w.Locate(999).landmark, 12u);
  LandmarkWindow::Coverage c = w.Locate(999);
  // [900, 1000): start and last = 999 diverge at bit 6, so mid = 960 and
  // the subtrees are [896, 960) and [960, 1000).
  EXPECT_EQ(c.subtree, (Subtree{960, 1000}));
  EXPECT_EQ(w.Locate(900).subtree, (Subtree{896, 960}));
  EXPECT_EQ(w.Locate(1000).kind, Kind::kWaiting);
  EXPECT_EQ(w.Locate(5000).kind, Kind::kWaiting);
  EXPECT_EQ(w.Locate(599).kind, Kind::kNoLongerActive);
  EXPECT_EQ(w.Locate(0).kind, Kind::kNoLongerActive);
}

}  // namespace
}  // namespace mtc::tlog
