#include "mtc/tlog/landmarks.h"

#include <charconv>

namespace mtc::tlog {

namespace {

Error Invalid(const std::string& why) {
  return Error(ErrorCode::kMalformed, "invalid landmarks file: " + why);
}

// A non-negative decimal integer without sign or leading zeros.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Takes one line, which must end in U+000A, off the front of `text`.
bool NextLine(std::string_view* text, std::string_view* line) {
  size_t nl = text->find('\n');
  if (nl == std::string_view::npos) return false;
  *line = text->substr(0, nl);
  text->remove_prefix(nl + 1);
  return true;
}

}  // namespace

uint64_t MaxActiveLandmarks(std::chrono::seconds max_cert_lifetime,
                            std::chrono::seconds time_between_landmarks) {
  uint64_t lifetime = static_cast<uint64_t>(max_cert_lifetime.count());
  uint64_t interval = static_cast<uint64_t>(time_between_landmarks.count());
  return (lifetime + interval - 1) / interval + 1;
}

std::vector<merkle::Subtree> LandmarkSubtrees(uint64_t prev_tree_size,
                                              uint64_t tree_size) {
  auto [left, right] = merkle::FindCoveringSubtrees(prev_tree_size, tree_size);
  std::vector<merkle::Subtree> out;
  if (!left.empty()) out.push_back(left);
  if (!right.empty()) out.push_back(right);
  return out;
}

Result<LandmarkWindow> LandmarkWindow::Create(
    uint64_t last_landmark, std::vector<uint64_t> tree_sizes) {
  if (tree_sizes.empty()) return Invalid("no tree sizes");
  uint64_t num_active = tree_sizes.size() - 1;
  if (num_active > last_landmark) {
    return Invalid("num_active_landmarks " + std::to_string(num_active) +
                   " exceeds last_landmark " + std::to_string(last_landmark));
  }
  for (size_t i = 1; i < tree_sizes.size(); i++) {
    if (tree_sizes[i] >= tree_sizes[i - 1]) {
      return Invalid("tree sizes are not strictly decreasing at line " +
                     std::to_string(i + 2));
    }
  }
  // §Landmark Tree Sizes: landmark zero has tree size zero.
  if (num_active == last_landmark && tree_sizes.back() != 0) {
    return Invalid("landmark 0 has a non-zero tree size");
  }
  return LandmarkWindow(last_landmark, std::move(tree_sizes));
}

Result<LandmarkWindow> LandmarkWindow::Parse(std::string_view text,
                                             uint64_t max_active_landmarks,
                                             uint64_t latest_tree_size) {
  std::string_view line;
  if (!NextLine(&text, &line)) return Invalid("no header line");
  size_t space = line.find(' ');
  uint64_t last_landmark, num_active;
  if (space == std::string_view::npos ||
      !ParseDecimal(line.substr(0, space), &last_landmark) ||
      !ParseDecimal(line.substr(space + 1), &num_active)) {
    return Invalid("header is not \"<last_landmark> <num_active_landmarks>\"");
  }
  if (num_active > max_active_landmarks) {
    return Invalid("num_active_landmarks " + std::to_string(num_active) +
                   " exceeds max_active_landmarks " +
                   std::to_string(max_active_landmarks));
  }
  if (num_active > last_landmark) {
    return Invalid("num_active_landmarks exceeds last_landmark");
  }
  std::vector<uint64_t> sizes;
  for (uint64_t i = 0; i <= num_active; i++) {
    uint64_t size;
    if (!NextLine(&text, &line)) {
      return Invalid("expected " + std::to_string(num_active + 1) +
                     " tree sizes, found " + std::to_string(i));
    }
    if (!ParseDecimal(line, &size)) {
      return Invalid("line " + std::to_string(i + 2) + " is not a tree size");
    }
    if (size > latest_tree_size) {
      return Invalid("tree size " + std::to_string(size) +
                     " exceeds the log's tree size " +
                     std::to_string(latest_tree_size));
    }
    sizes.push_back(size);
  }
  if (!text.empty()) return Invalid("data after the last tree size");
  return Create(last_landmark, std::move(sizes));
}

std::string LandmarkWindow::Serialize() const {
  std::string out = std::to_string(last_landmark_) + " " +
                    std::to_string(num_active_landmarks()) + "\n";
  for (uint64_t size : tree_sizes_) out += std::to_string(size) + "\n";
  return out;
}

Result<uint64_t> LandmarkWindow::TreeSize(uint64_t number) const {
  if (number > last_landmark_ ||
      last_landmark_ - number >= tree_sizes_.size()) {
    return Error(ErrorCode::kNotFound, "landmark " + std::to_string(number) +
                                           " is not in the window");
  }
  return tree_sizes_[last_landmark_ - number];
}

std::vector<merkle::Subtree> LandmarkWindow::ActiveSubtrees() const {
  std::vector<merkle::Subtree> out;
  for (size_t i = tree_sizes_.size() - 1; i > 0; i--) {
    for (const merkle::Subtree& s :
         LandmarkSubtrees(tree_sizes_[i], tree_sizes_[i - 1])) {
      out.push_back(s);
    }
  }
  return out;
}

LandmarkWindow::Coverage LandmarkWindow::Locate(uint64_t index) const {
  // Step 1: no landmark covers the index yet: wait for one.
  if (index >= tree_sizes_.front()) return {Coverage::Kind::kWaiting, 0, {}};
  // Every landmark that covered it has left the active window: abort.
  if (tree_sizes_.back() > index)
    return {Coverage::Kind::kNoLongerActive, 0, {}};
  // The smallest landmark whose tree size exceeds the index; its predecessor's
  // is <= index. Sizes are newest first, so scan from the oldest.
  for (size_t i = tree_sizes_.size() - 1; i > 0; i--) {
    if (tree_sizes_[i - 1] <= index) continue;
    uint64_t landmark = last_landmark_ - (i - 1);
    // Step 2: the landmark subtree that contains the index.
    for (const merkle::Subtree& s :
         LandmarkSubtrees(tree_sizes_[i], tree_sizes_[i - 1])) {
      if (s.start <= index && index < s.end) {
        return {Coverage::Kind::kCovered, landmark, s};
      }
    }
  }
  // Unreachable: the covering subtrees contain [prev, size).
  return {Coverage::Kind::kNoLongerActive, 0, {}};
}

}  // namespace mtc::tlog
