#include "mtc/crypto/sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "mtc/base/hex.h"

namespace mtc::crypto {
namespace {

std::span<const uint8_t> Ascii(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf").
TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256Of(Ascii(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256Of(Ascii("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256Of(Ascii(
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, IncrementalMatchesOneShot) {
  Sha256 h;
  h.Update(Ascii("ab"));
  h.Update(Ascii("c"));
  EXPECT_EQ(h.Finish(), Sha256Of(Ascii("abc")));
  // Finish() starts over.
  h.Update(Ascii("abc"));
  EXPECT_EQ(h.Finish(), Sha256Of(Ascii("a"), Ascii("bc")));
}

}  // namespace
}  // namespace mtc::crypto
