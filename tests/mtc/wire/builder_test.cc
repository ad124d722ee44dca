#include "mtc/wire/builder.h"

#include <gtest/gtest.h>

#include <vector>

#include "mtc/wire/reader.h"

namespace mtc::wire {
namespace {

TEST(BuilderTest, RoundTripsEveryWidth) {
  Builder b;
  b.AddU8(0xab);
  b.AddU16(0xbeef);
  b.AddU24(0xabcdef);
  b.AddU32(0xdeadbeef);
  b.AddU48(0x0000ffffeeeeddddull);
  b.AddU64(0x0123456789abcdefull);
  const std::vector<uint8_t> payload = {1, 2, 3};
  b.AddU8LengthPrefixedBytes(payload);
  b.AddU16LengthPrefixed([&](Builder& inner) {
    inner.AddU16(7);
    inner.AddU24LengthPrefixedBytes(payload);
  });
  auto out = std::move(b).Finish();
  ASSERT_TRUE(out.ok());

  Reader r(*out);
  uint8_t u8;
  uint16_t u16;
  uint32_t u24, u32;
  uint64_t u48, u64;
  std::span<const uint8_t> bytes;
  Reader inner;
  ASSERT_TRUE(r.ReadU8(&u8) && r.ReadU16(&u16) && r.ReadU24(&u24) &&
              r.ReadU32(&u32) && r.ReadU48(&u48) && r.ReadU64(&u64) &&
              r.ReadU8LengthPrefixed(&bytes) &&
              r.ReadU16LengthPrefixed(&inner) && r.Done());
  EXPECT_EQ(u8, 0xab);
  EXPECT_EQ(u16, 0xbeef);
  EXPECT_EQ(u24, 0xabcdefu);
  EXPECT_EQ(u32, 0xdeadbeefu);
  EXPECT_EQ(u48, 0xffffeeeeddddull);
  EXPECT_EQ(u64, 0x0123456789abcdefull);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.end()), payload);
  uint16_t seven;
  std::span<const uint8_t> nested;
  ASSERT_TRUE(inner.ReadU16(&seven) && inner.ReadU24LengthPrefixed(&nested) &&
              inner.Done());
  EXPECT_EQ(seven, 7);
  EXPECT_EQ(std::vector<uint8_t>(nested.begin(), nested.end()), payload);
}

TEST(BuilderTest, ExactEncoding) {
  Builder b;
  b.AddU16LengthPrefixed([](Builder& c) { c.AddU8(0x42); });
  b.AddU24(1);
  auto out = std::move(b).Finish();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, (std::vector<uint8_t>{0x00, 0x01, 0x42, 0x00, 0x00, 0x01}));
}

TEST(BuilderTest, ValueTooWideFails) {
  Builder b;
  b.AddU24(1u << 24);
  EXPECT_FALSE(b.ok());
  EXPECT_FALSE(std::move(b).Finish().ok());
  Builder b48;
  b48.AddU48(uint64_t{1} << 48);
  EXPECT_FALSE(std::move(b48).Finish().ok());
}

TEST(BuilderTest, VectorLongerThanItsPrefixFails) {
  std::vector<uint8_t> big(256, 0);
  Builder b;
  b.AddU8LengthPrefixedBytes(big);
  auto out = std::move(b).Finish();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);

  std::vector<uint8_t> max(255, 0);
  Builder ok;
  ok.AddU8LengthPrefixedBytes(max);
  EXPECT_TRUE(std::move(ok).Finish().ok());

  std::vector<uint8_t> too_big16(65536, 0);
  Builder b16;
  b16.AddU16LengthPrefixedBytes(too_big16);
  EXPECT_FALSE(std::move(b16).Finish().ok());
}

TEST(BuilderTest, FirstErrorWins) {
  Builder b;
  b.Fail("first");
  b.Fail("second");
  auto out = std::move(b).Finish();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message(), "first");
}

// Every truncation of an encoding fails to parse with the same reads.
TEST(BuilderTest, EveryTruncationFailsToParse) {
  Builder b;
  b.AddU16(1);
  b.AddU24LengthPrefixed([](Builder& c) { c.AddU48(5); });
  b.AddU8LengthPrefixedBytes(std::vector<uint8_t>{9, 9});
  std::vector<uint8_t> full = std::move(b).Finish().value();
  auto parse = [](std::span<const uint8_t> in) {
    Reader r(in), inner;
    uint16_t v;
    uint64_t w;
    std::span<const uint8_t> tail;
    return r.ReadU16(&v) && r.ReadU24LengthPrefixed(&inner) &&
           inner.ReadU48(&w) && inner.Done() && r.ReadU8LengthPrefixed(&tail) &&
           r.Done();
  };
  EXPECT_TRUE(parse(full));
  for (size_t n = 0; n < full.size(); n++) {
    EXPECT_FALSE(parse(std::span<const uint8_t>(full).first(n))) << n;
  }
  std::vector<uint8_t> longer = full;
  longer.push_back(0);
  EXPECT_FALSE(parse(longer));
}

}  // namespace
}  // namespace mtc::wire
