#include "mtc/wire/builder.h"

#include <string>
#include <utility>

namespace mtc::wire {

namespace {

uint64_t MaxForWidth(size_t width) {
  return width >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * width)) - 1;
}

}  // namespace

void Builder::AddUint(size_t width, uint64_t v) {
  if (v > MaxForWidth(width)) {
    Fail("value " + std::to_string(v) + " does not fit in " +
         std::to_string(8 * width) + " bits");
    return;
  }
  for (size_t i = width; i > 0; i--) {
    out_.push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
  }
}

void Builder::AddBytes(std::span<const uint8_t> bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

size_t Builder::BeginLengthPrefixed(size_t width) {
  size_t start = out_.size();
  out_.resize(start + width);
  return start;
}

void Builder::EndLengthPrefixed(size_t width, size_t start) {
  uint64_t length = out_.size() - start - width;
  if (length > MaxForWidth(width)) {
    Fail("vector of " + std::to_string(length) + " bytes exceeds its " +
         std::to_string(width) + "-byte length prefix");
    return;
  }
  for (size_t i = 0; i < width; i++) {
    out_[start + i] = static_cast<uint8_t>(length >> (8 * (width - 1 - i)));
  }
}

void Builder::AddU8LengthPrefixedBytes(std::span<const uint8_t> bytes) {
  AddU8LengthPrefixed([&](Builder& b) { b.AddBytes(bytes); });
}
void Builder::AddU16LengthPrefixedBytes(std::span<const uint8_t> bytes) {
  AddU16LengthPrefixed([&](Builder& b) { b.AddBytes(bytes); });
}
void Builder::AddU24LengthPrefixedBytes(std::span<const uint8_t> bytes) {
  AddU24LengthPrefixed([&](Builder& b) { b.AddBytes(bytes); });
}

void Builder::Fail(std::string message) {
  if (!error_) error_ = Error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<std::vector<uint8_t>> Builder::Finish() && {
  if (error_) return *error_;
  return std::move(out_);
}

}  // namespace mtc::wire
