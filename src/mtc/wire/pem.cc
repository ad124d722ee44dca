#include "mtc/wire/pem.h"

#include <string>
#include <utility>

#include "mtc/wire/base64.h"

namespace mtc::wire {

namespace {

constexpr std::string_view kBeginPrefix = "-----BEGIN ";
constexpr std::string_view kEndPrefix = "-----END ";
constexpr std::string_view kBoundarySuffix = "-----";
constexpr size_t kLineLength = 64;  // RFC 7468 §3 "base64fullline"

// RFC 7468 §3:
//   label = [ labelchar *( ["-" / SP] labelchar ) ]
//   labelchar = %x21-2C / %x2E-7E  ; any printable character, except hyphen
bool IsValidLabel(std::string_view label) {
  bool after_separator = true;  // no separator first
  for (char c : label) {
    if (c == '-' || c == ' ') {
      if (after_separator) return false;
      after_separator = true;
    } else if (c >= 0x21 && c <= 0x7e) {
      after_separator = false;
    } else {
      return false;
    }
  }
  return label.empty() || !after_separator;
}

// Splits off the next line; `eol = CRLF / LF` (RFC 7468 §3 also allows a lone
// CR, which no producer we know of writes).
std::string_view NextLine(std::string_view* text) {
  size_t nl = text->find('\n');
  std::string_view line = text->substr(0, nl);
  text->remove_prefix(nl == std::string_view::npos ? text->size() : nl + 1);
  if (nl != std::string_view::npos && line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  return line;
}

Error Malformed(size_t line_number, std::string message) {
  return Error(
      ErrorCode::kMalformed,
      "PEM line " + std::to_string(line_number) + ": " + std::move(message));
}

}  // namespace

Result<std::string> PemEncode(std::string_view label,
                              std::span<const uint8_t> bytes) {
  if (!IsValidLabel(label)) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid PEM label \"" + std::string(label) + "\"");
  }
  std::string b64 = Base64Encode(bytes);
  std::string out;
  out.reserve(b64.size() + b64.size() / kLineLength + 2 * label.size() + 40);
  out.append(kBeginPrefix).append(label).append(kBoundarySuffix) += '\n';
  for (size_t i = 0; i < b64.size(); i += kLineLength) {
    out.append(b64, i, kLineLength) += '\n';
  }
  out.append(kEndPrefix).append(label).append(kBoundarySuffix) += '\n';
  return out;
}

Result<std::vector<PemBlock>> PemDecodeAll(std::string_view text) {
  std::vector<PemBlock> blocks;
  size_t line_number = 0;
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    line_number++;
    if (!line.starts_with(kBoundarySuffix)) continue;  // explanatory text
    // preeb = "-----BEGIN " label "-----" eol
    if (!line.starts_with(kBeginPrefix) || !line.ends_with(kBoundarySuffix) ||
        line.size() < kBeginPrefix.size() + kBoundarySuffix.size()) {
      return Malformed(line_number, "expected a BEGIN line");
    }
    std::string_view label =
        line.substr(kBeginPrefix.size(),
                    line.size() - kBeginPrefix.size() - kBoundarySuffix.size());
    if (!IsValidLabel(label)) return Malformed(line_number, "invalid label");

    // strictbase64text = *base64fullline strictbase64finl
    std::string b64;
    bool saw_final_line = false;
    bool saw_end = false;
    while (!text.empty()) {
      line = NextLine(&text);
      line_number++;
      if (line.starts_with(kBoundarySuffix)) {
        // posteb = "-----END " label "-----" eol, the label of the BEGIN line.
        if (!line.starts_with(kEndPrefix) || !line.ends_with(kBoundarySuffix) ||
            line.size() !=
                kEndPrefix.size() + label.size() + kBoundarySuffix.size() ||
            line.substr(kEndPrefix.size(), label.size()) != label) {
          return Malformed(line_number, "expected \"-----END " +
                                            std::string(label) + "-----\"");
        }
        saw_end = true;
        break;
      }
      if (saw_final_line) {
        return Malformed(line_number, "base64 line after a short line");
      }
      if (line.empty() || line.size() > kLineLength) {
        return Malformed(line_number, "base64 line of " +
                                          std::to_string(line.size()) +
                                          " characters, not 1 to 64");
      }
      saw_final_line = line.size() < kLineLength;
      b64 += line;
    }
    if (!saw_end) return Malformed(line_number, "no END line");
    Result<std::vector<uint8_t>> bytes = Base64Decode(b64);
    if (!bytes.ok()) {
      return bytes.error().WithContext("PEM block \"" + std::string(label) +
                                       "\" ending on line " +
                                       std::to_string(line_number));
    }
    blocks.push_back(PemBlock{std::string(label), std::move(bytes).value()});
  }
  if (blocks.empty()) return Error(ErrorCode::kMalformed, "no PEM block");
  return blocks;
}

Result<std::vector<uint8_t>> PemDecode(std::string_view text,
                                       std::string_view label) {
  MTC_ASSIGN_OR_RETURN(std::vector<PemBlock> blocks, PemDecodeAll(text));
  if (blocks.size() != 1) {
    return Error(ErrorCode::kMalformed, "expected one PEM block, found " +
                                            std::to_string(blocks.size()));
  }
  if (blocks[0].label != label) {
    return Error(ErrorCode::kMalformed,
                 "expected PEM label \"" + std::string(label) + "\", found \"" +
                     blocks[0].label + "\"");
  }
  return std::move(blocks[0].bytes);
}

}  // namespace mtc::wire
