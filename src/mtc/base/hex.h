// Lower-case hexadecimal encoding, for logs, test vectors and human output.
#ifndef MTC_BASE_HEX_H_
#define MTC_BASE_HEX_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc {

std::string HexEncode(std::span<const uint8_t> bytes);
// Accepts upper- and lower-case digits; rejects odd lengths and other
// characters.
Result<std::vector<uint8_t>> HexDecode(std::string_view hex);

}  // namespace mtc

#endif  // MTC_BASE_HEX_H_
