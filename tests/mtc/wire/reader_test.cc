#include "mtc/wire/reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace mtc::wire {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(ReaderTest, ReadsIntegersBigEndian) {
  std::vector<uint8_t> in = Bytes(
      {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
       0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18});
  Reader r(in);
  uint8_t u8;
  uint16_t u16;
  uint32_t u24, u32;
  uint64_t u48, u64;
  ASSERT_TRUE(r.ReadU8(&u8));
  ASSERT_TRUE(r.ReadU16(&u16));
  ASSERT_TRUE(r.ReadU24(&u24));
  ASSERT_TRUE(r.ReadU32(&u32));
  ASSERT_TRUE(r.ReadU48(&u48));
  ASSERT_TRUE(r.ReadU64(&u64));
  EXPECT_EQ(u8, 0x01);
  EXPECT_EQ(u16, 0x0203);
  EXPECT_EQ(u24, 0x040506u);
  EXPECT_EQ(u32, 0x0708090au);
  EXPECT_EQ(u48, 0x0b0c0d0e0f10u);
  EXPECT_EQ(u64, 0x1112131415161718u);
  EXPECT_TRUE(r.Done());
}

TEST(ReaderTest, TruncatedReadsFailWithoutConsuming) {
  std::vector<uint8_t> in = Bytes({0xff, 0xee, 0xdd, 0xcc, 0xbb});
  for (size_t n = 0; n < in.size(); n++) {
    Reader r(std::span<const uint8_t>(in).first(n));
    uint16_t u16;
    uint32_t u24, u32;
    uint64_t u48, u64;
    if (n < 2) {
      EXPECT_FALSE(r.ReadU16(&u16));
    }
    if (n < 3) {
      EXPECT_FALSE(r.ReadU24(&u24));
    }
    if (n < 4) {
      EXPECT_FALSE(r.ReadU32(&u32));
    }
    EXPECT_FALSE(r.ReadU48(&u48));
    EXPECT_FALSE(r.ReadU64(&u64));
    EXPECT_EQ(r.remaining(), n);
  }
}

TEST(ReaderTest, LengthPrefixedVectors) {
  std::vector<uint8_t> in =
      Bytes({0x02, 0xaa, 0xbb, 0x00, 0x01, 0xcc, 0x00, 0x00, 0x02, 0xdd, 0xee});
  Reader r(in);
  std::span<const uint8_t> a, b, c;
  ASSERT_TRUE(r.ReadU8LengthPrefixed(&a));
  ASSERT_TRUE(r.ReadU16LengthPrefixed(&b));
  ASSERT_TRUE(r.ReadU24LengthPrefixed(&c));
  EXPECT_TRUE(r.Done());
  EXPECT_EQ(std::vector<uint8_t>(a.begin(), a.end()), Bytes({0xaa, 0xbb}));
  EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.end()), Bytes({0xcc}));
  EXPECT_EQ(std::vector<uint8_t>(c.begin(), c.end()), Bytes({0xdd, 0xee}));
}

TEST(ReaderTest, LengthPrefixPastEndFailsAndRestores) {
  for (auto in : {Bytes({0x03, 0xaa, 0xbb}), Bytes({0x00}),
                  Bytes({0x00, 0x03, 0xaa, 0xbb})}) {
    Reader r(in);
    Reader child;
    std::span<const uint8_t> bytes;
    bool ok = in.size() == 3 ? r.ReadU8LengthPrefixed(&child)
                             : r.ReadU16LengthPrefixed(&bytes);
    EXPECT_FALSE(ok);
    EXPECT_EQ(r.remaining(), in.size());
  }
}

TEST(ReaderTest, ChildReaderSeesOnlyItsContents) {
  std::vector<uint8_t> in = Bytes({0x00, 0x02, 0x12, 0x34, 0x99});
  Reader r(in);
  Reader child;
  ASSERT_TRUE(r.ReadU16LengthPrefixed(&child));
  uint16_t v;
  ASSERT_TRUE(child.ReadU16(&v));
  EXPECT_EQ(v, 0x1234);
  EXPECT_TRUE(child.Done());
  uint8_t extra;
  EXPECT_FALSE(child.ReadU8(&extra));
  // The parent still holds the trailing byte: "must consume all input" fails.
  EXPECT_FALSE(r.Done());
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(ReaderTest, ReadBytesAndSkip) {
  std::vector<uint8_t> in = Bytes({1, 2, 3, 4});
  Reader r(in);
  std::span<const uint8_t> out;
  EXPECT_FALSE(r.ReadBytes(5, &out));
  ASSERT_TRUE(r.Skip(1));
  ASSERT_TRUE(r.ReadBytes(2, &out));
  EXPECT_EQ(out[0], 2);
  EXPECT_EQ(out[1], 3);
  EXPECT_EQ(r.rest().size(), 1u);
  EXPECT_FALSE(r.Skip(2));
  EXPECT_TRUE(r.Skip(1));
  EXPECT_TRUE(r.Done());
}

}  // namespace
}  // namespace mtc::wire
