#include "mtc/crypto/crypto_testutil.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "mtc/base/hex.h"

namespace mtc::crypto::testing {

std::vector<uint8_t> Hex(std::string_view hex) {
  Result<std::vector<uint8_t>> bytes = HexDecode(hex);
  if (!bytes.ok()) {
    std::fprintf(stderr, "bad hex in test: %s\n",
                 bytes.error().ToString().c_str());
    std::abort();
  }
  return std::move(bytes).value();
}

std::span<const uint8_t> Ascii(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string ReadTestdata(std::string_view relative_path) {
  std::ifstream in(
      std::string(MTC_TESTDATA_DIR) + "/" + std::string(relative_path),
      std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace mtc::crypto::testing
