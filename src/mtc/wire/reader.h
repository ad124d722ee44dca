// Reader: a cursor over bytes in the TLS presentation language (RFC 8446 §3).
//
// Every Read* either consumes exactly what it describes and returns true, or
// returns false and leaves the cursor where it was. Parsers chain the reads in
// the order of the struct they decode and end with Done() ("must consume all
// input"), in the manner of BoringSSL's CBS:
//
//   if (!r.ReadU16(&version) || !r.ReadU16LengthPrefixed(&body) || !r.Done())
//     return Error(ErrorCode::kMalformed, "bad Foo");
#ifndef MTC_WIRE_READER_H_
#define MTC_WIRE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace mtc::wire {

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}

  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  // The bytes not yet read.
  std::span<const uint8_t> rest() const { return data_; }
  // True when every byte has been read.
  bool Done() const { return data_.empty(); }

  bool ReadU8(uint8_t* out);
  bool ReadU16(uint16_t* out);
  bool ReadU24(uint32_t* out);
  bool ReadU32(uint32_t* out);
  bool ReadU48(uint64_t* out);
  bool ReadU64(uint64_t* out);

  // Reads exactly `n` bytes.
  bool ReadBytes(size_t n, std::span<const uint8_t>* out);
  bool Skip(size_t n);

  // Reads a vector with a 1-, 2- or 3-byte length prefix (`opaque x<0..2^8-1>`
  // and so on) into a child Reader over its contents.
  bool ReadU8LengthPrefixed(Reader* out);
  bool ReadU16LengthPrefixed(Reader* out);
  bool ReadU24LengthPrefixed(Reader* out);

  // The same, returning the contents as bytes.
  bool ReadU8LengthPrefixed(std::span<const uint8_t>* out);
  bool ReadU16LengthPrefixed(std::span<const uint8_t>* out);
  bool ReadU24LengthPrefixed(std::span<const uint8_t>* out);

 private:
  bool ReadUint(size_t width, uint64_t* out);
  bool ReadLengthPrefixed(size_t width, std::span<const uint8_t>* out);

  std::span<const uint8_t> data_;
};

}  // namespace mtc::wire

#endif  // MTC_WIRE_READER_H_
