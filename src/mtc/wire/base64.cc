#include "mtc/wire/base64.h"

#include <string>

namespace mtc::wire {

namespace {

constexpr std::string_view kStandardAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::span<const uint8_t> bytes, std::string_view alphabet,
                   bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 0x3f];
    out += alphabet[(v >> 6) & 0x3f];
    out += alphabet[v & 0x3f];
  }
  // RFC 4648 §4: a final quantum of 8 or 16 bits gives 2 or 3 characters
  // plus "==" or "=".
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = bytes[i] << 16 | (rest == 2 ? bytes[i + 1] << 8 : 0);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 0x3f];
    if (rest == 2) out += alphabet[(v >> 6) & 0x3f];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

Result<std::vector<uint8_t>> Decode(std::string_view text,
                                    std::string_view alphabet, bool padded) {
  std::string_view body = text;
  if (padded) {
    if (text.size() % 4 != 0) {
      return Error(ErrorCode::kMalformed,
                   "base64 length is not a multiple of 4");
    }
    // At most two '=', and only at the end: a third would stay in `body` and
    // fail as a character outside the alphabet.
    for (int i = 0; i < 2 && !body.empty() && body.back() == '='; i++) {
      body.remove_suffix(1);
    }
  }
  if (body.size() % 4 == 1) {
    return Error(ErrorCode::kMalformed, "base64 has a dangling character");
  }
  std::vector<uint8_t> out;
  out.reserve(body.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < body.size(); i++) {
    size_t v = alphabet.find(body[i]);
    if (v == std::string_view::npos) {
      return Error(ErrorCode::kMalformed,
                   "invalid base64 character at offset " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // RFC 4648 §3.5: the pad bits of the last character must be zero.
  if (acc != 0) {
    return Error(ErrorCode::kMalformed, "base64 has non-zero trailing bits");
  }
  return out;
}

}  // namespace

std::string Base64Encode(std::span<const uint8_t> bytes) {
  return Encode(bytes, kStandardAlphabet, /*pad=*/true);
}

Result<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  return Decode(text, kStandardAlphabet, /*padded=*/true);
}

std::string Base64UrlEncode(std::span<const uint8_t> bytes) {
  return Encode(bytes, kUrlAlphabet, /*pad=*/false);
}

Result<std::vector<uint8_t>> Base64UrlDecode(std::string_view text) {
  return Decode(text, kUrlAlphabet, /*padded=*/false);
}

}  // namespace mtc::wire
