// Helpers shared by the signature-layer tests.
#ifndef MTC_TESTS_CRYPTO_CRYPTO_TESTUTIL_H_
#define MTC_TESTS_CRYPTO_CRYPTO_TESTUTIL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mtc::crypto::testing {

// The bytes of `hex`; aborts the test binary on invalid hex (a typo in a
// test vector).
std::vector<uint8_t> Hex(std::string_view hex);

// The bytes of an ASCII string.
std::span<const uint8_t> Ascii(std::string_view s);

// The contents of MTC_TESTDATA_DIR/<relative_path>; empty if unreadable (the
// test then fails on its first expectation).
std::string ReadTestdata(std::string_view relative_path);

}  // namespace mtc::crypto::testing

#endif  // MTC_TESTS_CRYPTO_CRYPTO_TESTUTIL_H_
