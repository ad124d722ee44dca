// Builder: writes bytes in the TLS presentation language (RFC 8446 §3).
//
// Length-prefixed vectors are built in scopes, in the manner of BoringSSL's
// CBB:
//
//   Builder b;
//   b.AddU16(version);
//   b.AddU16LengthPrefixed([&](Builder& body) { body.AddBytes(payload); });
//   MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> out, std::move(b).Finish());
//
// Errors are sticky: a vector longer than its prefix can say, or a value too
// large for its width, marks the builder failed, and Finish() reports the first
// such error. The Add* calls themselves never fail, so encoders read like the
// struct they encode.
#ifndef MTC_WIRE_BUILDER_H_
#define MTC_WIRE_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::wire {

class Builder {
 public:
  Builder() = default;

  void AddU8(uint8_t v) { AddUint(1, v); }
  void AddU16(uint16_t v) { AddUint(2, v); }
  // Fails the builder if `v` does not fit in 24 bits.
  void AddU24(uint32_t v) { AddUint(3, v); }
  void AddU32(uint32_t v) { AddUint(4, v); }
  // Fails the builder if `v` does not fit in 48 bits.
  void AddU48(uint64_t v) { AddUint(6, v); }
  void AddU64(uint64_t v) { AddUint(8, v); }
  void AddBytes(std::span<const uint8_t> bytes);

  // Appends a vector with a 1-, 2- or 3-byte length prefix whose contents are
  // whatever `fill` adds to the builder it is given (this same builder).
  template <typename Fill>
  void AddU8LengthPrefixed(Fill&& fill) {
    AddLengthPrefixed(1, fill);
  }
  template <typename Fill>
  void AddU16LengthPrefixed(Fill&& fill) {
    AddLengthPrefixed(2, fill);
  }
  template <typename Fill>
  void AddU24LengthPrefixed(Fill&& fill) {
    AddLengthPrefixed(3, fill);
  }

  // Shorthands for a length-prefixed opaque vector.
  void AddU8LengthPrefixedBytes(std::span<const uint8_t> bytes);
  void AddU16LengthPrefixedBytes(std::span<const uint8_t> bytes);
  void AddU24LengthPrefixedBytes(std::span<const uint8_t> bytes);

  // Marks the builder failed (for encoders that find their input invalid).
  void Fail(std::string message);

  bool ok() const { return !error_.has_value(); }
  size_t size() const { return out_.size(); }

  // Returns the bytes, or the first error.
  Result<std::vector<uint8_t>> Finish() &&;

 private:
  void AddUint(size_t width, uint64_t v);
  size_t BeginLengthPrefixed(size_t width);
  void EndLengthPrefixed(size_t width, size_t start);

  template <typename Fill>
  void AddLengthPrefixed(size_t width, Fill& fill) {
    size_t start = BeginLengthPrefixed(width);
    fill(*this);
    EndLengthPrefixed(width, start);
  }

  std::vector<uint8_t> out_;
  std::optional<Error> error_;
};

}  // namespace mtc::wire

#endif  // MTC_WIRE_BUILDER_H_
