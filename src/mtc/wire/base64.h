// Base64 (RFC 4648 §4) and base64url without padding (RFC 4648 §5), strict.
//
// Decoding accepts exactly what encoding produces, so that one value has one
// text form (RFC 4648 §3.5 allows decoders to reject non-canonical input):
//   - base64: padding present and correct, length a multiple of 4;
//   - base64url: no padding, length mod 4 not 1 (JWS, RFC 7515 §2);
//   - both: no whitespace or other characters outside the alphabet, and the
//     bits below the last full byte zero (RFC 4648 §3.5).
#ifndef MTC_WIRE_BASE64_H_
#define MTC_WIRE_BASE64_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::wire {

std::string Base64Encode(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> Base64Decode(std::string_view text);

std::string Base64UrlEncode(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text);

}  // namespace mtc::wire

#endif  // MTC_WIRE_BASE64_H_
