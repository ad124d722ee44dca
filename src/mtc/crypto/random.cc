#include "mtc/crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "mtc/crypto/openssl_util.h"

namespace mtc::crypto {

void RandomBytes(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t chunk = out.size() < size_t{INT_MAX} ? out.size() : size_t{INT_MAX};
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
      internal::Die(
          internal::OpenSslError(ErrorCode::kInternal, "RAND_bytes failed"));
    }
    out = out.subspan(chunk);
  }
}

std::vector<uint8_t> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  RandomBytes(std::span<uint8_t>(out));
  return out;
}

}  // namespace mtc::crypto
