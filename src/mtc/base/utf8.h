// UTF-8 validation and decoding (RFC 3629), for text formats that must be
// valid UTF-8 (signed notes, DER UTF8String).
#ifndef MTC_BASE_UTF8_H_
#define MTC_BASE_UTF8_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace mtc {

// Decodes `text` into code points; false on any invalid sequence (overlong
// forms, surrogates, code points above U+10FFFF, truncation).
bool DecodeUtf8(std::string_view text, std::vector<char32_t>* out);
bool IsValidUtf8(std::string_view text);
// Unicode White_Space characters (U+0009..U+000D, U+0020, U+0085, U+00A0, ...).
bool IsUnicodeSpace(char32_t c);

}  // namespace mtc

#endif  // MTC_BASE_UTF8_H_
