#include "mtc/base/utf8.h"

namespace mtc {

bool DecodeUtf8(std::string_view text, std::vector<char32_t>* out) {
  size_t i = 0;
  while (i < text.size()) {
    uint8_t b = static_cast<uint8_t>(text[i]);
    size_t len;
    char32_t c, min;
    if (b < 0x80) {
      len = 1, c = b, min = 0;
    } else if ((b & 0xe0) == 0xc0) {
      len = 2, c = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3, c = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4, c = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > text.size()) return false;
    for (size_t k = 1; k < len; k++) {
      uint8_t cont = static_cast<uint8_t>(text[i + k]);
      if ((cont & 0xc0) != 0x80) return false;
      c = (c << 6) | (cont & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return false;
    if (out != nullptr) out->push_back(c);
    i += len;
  }
  return true;
}

bool IsValidUtf8(std::string_view text) { return DecodeUtf8(text, nullptr); }

bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

}  // namespace mtc
