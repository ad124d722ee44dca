#include "mtc/wire/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mtc::wire {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// RFC 4648 §10.
TEST(Base64Test, Rfc4648TestVectors) {
  struct Case {
    const char* in;
    const char* base64;
    const char* base64url;
  };
  for (const Case& c :
       {Case{"", "", ""}, Case{"f", "Zg==", "Zg"}, Case{"fo", "Zm8=", "Zm8"},
        Case{"foo", "Zm9v", "Zm9v"}, Case{"foob", "Zm9vYg==", "Zm9vYg"},
        Case{"fooba", "Zm9vYmE=", "Zm9vYmE"},
        Case{"foobar", "Zm9vYmFy", "Zm9vYmFy"}}) {
    EXPECT_EQ(Base64Encode(Bytes(c.in)), c.base64);
    EXPECT_EQ(Base64UrlEncode(Bytes(c.in)), c.base64url);
    Result<std::vector<uint8_t>> std_decoded = Base64Decode(c.base64);
    Result<std::vector<uint8_t>> url_decoded = Base64UrlDecode(c.base64url);
    ASSERT_TRUE(std_decoded.ok()) << c.base64;
    ASSERT_TRUE(url_decoded.ok()) << c.base64url;
    EXPECT_EQ(*std_decoded, Bytes(c.in));
    EXPECT_EQ(*url_decoded, Bytes(c.in));
  }
}

TEST(Base64Test, AlphabetsDifferInTheLastTwoCharacters) {
  // RFC 4648 §4 Table 1 values 62 and 63: '+' '/' against §5's '-' '_'.
  const std::vector<uint8_t> bytes = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_FALSE(Base64Decode("-_-_").ok());
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok());
}

TEST(Base64Test, RoundTripsEveryOneAndTwoByteInput) {
  for (int a = 0; a < 256; a++) {
    std::vector<uint8_t> one = {static_cast<uint8_t>(a)};
    ASSERT_EQ(*Base64Decode(Base64Encode(one)), one);
    ASSERT_EQ(*Base64UrlDecode(Base64UrlEncode(one)), one);
    for (int b = 0; b < 256; b++) {
      std::vector<uint8_t> two = {static_cast<uint8_t>(a),
                                  static_cast<uint8_t>(b)};
      ASSERT_EQ(*Base64Decode(Base64Encode(two)), two);
      ASSERT_EQ(*Base64UrlDecode(Base64UrlEncode(two)), two);
    }
  }
}

TEST(Base64Test, RoundTripsLongerInputs) {
  std::vector<uint8_t> bytes;
  for (size_t n = 0; n < 300; n++) {
    std::string text = Base64Encode(bytes);
    EXPECT_EQ(text.size(), (n + 2) / 3 * 4);
    EXPECT_EQ(*Base64Decode(text), bytes);
    std::string url = Base64UrlEncode(bytes);
    EXPECT_EQ(url.size(), (n * 4 + 2) / 3);
    EXPECT_EQ(*Base64UrlDecode(url), bytes);
    bytes.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

// RFC 4648 §3.5: one encoding per value. Over every final quantum with
// padding, decoding succeeds exactly when the unused bits are zero.
TEST(Base64Test, EveryFinalQuantumIsCanonical) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t x = 0; x < 64; x++) {
    for (size_t y = 0; y < 64; y++) {
      std::string two = {alphabet[x], alphabet[y]};
      EXPECT_EQ(Base64Decode(two + "==").ok(), y % 16 == 0) << two;
      std::string url = two;
      for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
      EXPECT_EQ(Base64UrlDecode(url).ok(), y % 16 == 0) << url;
      for (size_t z = 0; z < 64; z++) {
        std::string three = two + alphabet[z];
        ASSERT_EQ(Base64Decode(three + "=").ok(), z % 4 == 0) << three;
      }
    }
  }
}

TEST(Base64Test, RejectsNonCanonicalText) {
  for (const char* bad : {
           "Zg",            // padding missing
           "Zg=",           // padding short
           "Zg===",         // padding long
           "Z===",          // a lone character
           "Zh==",          // non-zero trailing bits
           "Zm9=",          // non-zero trailing bits
           "====",          // padding only
           "=Zg=",          // padding first
           "Zg=a",          // padding inside
           "Zg==Zg==",      // padding inside, between quanta
           " Zg==",         // whitespace
           "Zg==\n",        // line ending
           "Zm9v\r\nYmFy",  // line break
           "Zm9\tv",        // tab
           "Zm9v*mFy",      // character outside the alphabet
           "Zm9v-mFy",      // base64url character
           "Zm9v_mFy",      // base64url character
       }) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << bad;
  }
  for (const char* bad : {
           "Zg==",   // padding
           "Zm8=",   // padding
           "Z",      // length 1 mod 4
           "Zm9vY",  // length 1 mod 4
           "Zh",     // non-zero trailing bits
           "Zm9",    // non-zero trailing bits
           "Zm9v+mFy",
           "Zm9v/mFy",
           "Zm 9v",
           "Zm9v\n",
       }) {
    EXPECT_FALSE(Base64UrlDecode(bad).ok()) << bad;
  }
  Result<std::vector<uint8_t>> r = Base64Decode("Zm9v!");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace mtc::wire
