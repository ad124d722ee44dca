#include "mtc/wire/reader.h"

namespace mtc::wire {

bool Reader::ReadUint(size_t width, uint64_t* out) {
  if (data_.size() < width) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < width; i++) v = (v << 8) | data_[i];
  data_ = data_.subspan(width);
  *out = v;
  return true;
}

bool Reader::ReadU8(uint8_t* out) {
  uint64_t v;
  if (!ReadUint(1, &v)) return false;
  *out = static_cast<uint8_t>(v);
  return true;
}

bool Reader::ReadU16(uint16_t* out) {
  uint64_t v;
  if (!ReadUint(2, &v)) return false;
  *out = static_cast<uint16_t>(v);
  return true;
}

bool Reader::ReadU24(uint32_t* out) {
  uint64_t v;
  if (!ReadUint(3, &v)) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

bool Reader::ReadU32(uint32_t* out) {
  uint64_t v;
  if (!ReadUint(4, &v)) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

bool Reader::ReadU48(uint64_t* out) { return ReadUint(6, out); }

bool Reader::ReadU64(uint64_t* out) { return ReadUint(8, out); }

bool Reader::ReadBytes(size_t n, std::span<const uint8_t>* out) {
  if (data_.size() < n) return false;
  *out = data_.first(n);
  data_ = data_.subspan(n);
  return true;
}

bool Reader::Skip(size_t n) {
  std::span<const uint8_t> ignored;
  return ReadBytes(n, &ignored);
}

bool Reader::ReadLengthPrefixed(size_t width, std::span<const uint8_t>* out) {
  Reader saved = *this;
  uint64_t length;
  if (!ReadUint(width, &length) || !ReadBytes(length, out)) {
    *this = saved;
    return false;
  }
  return true;
}

bool Reader::ReadU8LengthPrefixed(std::span<const uint8_t>* out) {
  return ReadLengthPrefixed(1, out);
}
bool Reader::ReadU16LengthPrefixed(std::span<const uint8_t>* out) {
  return ReadLengthPrefixed(2, out);
}
bool Reader::ReadU24LengthPrefixed(std::span<const uint8_t>* out) {
  return ReadLengthPrefixed(3, out);
}

bool Reader::ReadU8LengthPrefixed(Reader* out) {
  std::span<const uint8_t> contents;
  if (!ReadLengthPrefixed(1, &contents)) return false;
  *out = Reader(contents);
  return true;
}
bool Reader::ReadU16LengthPrefixed(Reader* out) {
  std::span<const uint8_t> contents;
  if (!ReadLengthPrefixed(2, &contents)) return false;
  *out = Reader(contents);
  return true;
}
bool Reader::ReadU24LengthPrefixed(Reader* out) {
  std::span<const uint8_t> contents;
  if (!ReadLengthPrefixed(3, &contents)) return false;
  *out = Reader(contents);
  return true;
}

}  // namespace mtc::wire
