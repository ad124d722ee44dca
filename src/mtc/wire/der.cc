#include "mtc/wire/der.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "mtc/wire/reader.h"

namespace mtc::wire {

namespace {

// ---- Identifier and length octets (X.690 §8.1.2, §8.1.3, §10.1) ----

// A base-128 number, high bit set on every octet but the last, in the fewest
// octets (no leading 0x80): tag numbers (§8.1.2.4.2 c) and OID subidentifiers
// (§8.19.2). Fails on values above 64 bits.
bool ReadBase128(Reader& r, uint64_t* out) {
  uint64_t v = 0;
  uint8_t b;
  bool first = true;
  do {
    if (!r.ReadU8(&b) || (first && b == 0x80) || (v >> 57) != 0) return false;
    v = (v << 7) | (b & 0x7f);
    first = false;
  } while (b & 0x80);
  *out = v;
  return true;
}

void AppendBase128(uint64_t v, std::vector<uint8_t>* out) {
  int shift = 63;
  while (shift > 0 && (v >> shift) == 0) shift -= 7;
  for (; shift > 0; shift -= 7) {
    out->push_back(static_cast<uint8_t>(0x80 | ((v >> shift) & 0x7f)));
  }
  out->push_back(static_cast<uint8_t>(v & 0x7f));
}

bool ReadTag(Reader& r, DerTag* out) {
  uint8_t b;
  if (!r.ReadU8(&b)) return false;
  DerTag class_and_form = static_cast<DerTag>(b & 0xe0) << 24;
  uint64_t number = b & 0x1f;
  if (number == 0x1f) {
    // §8.1.2.4: the high-tag-number form only for numbers >= 31, minimal.
    if (!ReadBase128(r, &number) || number < 0x1f ||
        number > kDerTagNumberMask) {
      return false;
    }
  }
  // [UNIVERSAL 0] is the BER end-of-contents marker, never a tag (§8.1.5).
  if ((class_and_form & kDerClassMask) == kDerUniversal && number == 0) {
    return false;
  }
  *out = class_and_form | static_cast<DerTag>(number);
  return true;
}

bool ReadLength(Reader& r, size_t* out) {
  uint8_t b;
  if (!r.ReadU8(&b)) return false;
  if (b < 0x80) {
    *out = b;
    return true;
  }
  // 0x80 is the indefinite form, which DER forbids (§10.1); 0xff is reserved.
  // Lengths take at most four octets here, as in BoringSSL.
  size_t n = b & 0x7f;
  if (n == 0 || n > 4) return false;
  uint64_t length = 0;
  for (size_t i = 0; i < n; i++) {
    if (!r.ReadU8(&b) || (i == 0 && b == 0)) return false;
    length = (length << 8) | b;
  }
  // The long form only where the short form cannot say it (§10.1).
  if (length < 0x80) return false;
  *out = static_cast<size_t>(length);
  return true;
}

// ---- Contents checks, one per type ----

// §8.3.2: at least one octet, and the first nine bits not all equal.
bool IsValidInteger(std::span<const uint8_t> c) {
  if (c.empty()) return false;
  if (c.size() > 1) {
    if (c[0] == 0x00 && (c[1] & 0x80) == 0) return false;
    if (c[0] == 0xff && (c[1] & 0x80) != 0) return false;
  }
  return true;
}

bool IsValidUnsignedInteger(std::span<const uint8_t> c) {
  return IsValidInteger(c) && (c[0] & 0x80) == 0;
}

// The magnitude of a valid non-negative INTEGER: without its sign octet.
std::span<const uint8_t> Magnitude(std::span<const uint8_t> c) {
  return c.size() > 1 && c[0] == 0 ? c.subspan(1) : c;
}

bool IsValidUint64(std::span<const uint8_t> c) {
  return IsValidUnsignedInteger(c) && Magnitude(c).size() <= 8;
}

// §8.2.1 one octet; §11.1 TRUE is 0xFF.
bool IsValidBoolean(std::span<const uint8_t> c) {
  return c.size() == 1 && (c[0] == 0x00 || c[0] == 0xff);
}

bool IsEmpty(std::span<const uint8_t> c) { return c.empty(); }

bool IsAny(std::span<const uint8_t>) { return true; }

// §8.6.2: the unused-bits octet is 0..7 and 0 for an empty string; §11.2.1:
// the unused bits are zero.
bool IsValidBitString(std::span<const uint8_t> c) {
  if (c.empty() || c[0] > 7) return false;
  if (c.size() == 1) return c[0] == 0;
  return (c.back() & ((1u << c[0]) - 1)) == 0;
}

bool IsByteAlignedBitString(std::span<const uint8_t> c) {
  return !c.empty() && c[0] == 0;
}

// §8.19.2, §8.20.2: one or more subidentifiers, each minimal and terminated.
bool IsValidBase128Sequence(std::span<const uint8_t> c) {
  if (c.empty() || (c.back() & 0x80) != 0) return false;
  bool at_start = true;
  for (uint8_t b : c) {
    if (at_start && b == 0x80) return false;
    at_start = (b & 0x80) == 0;
  }
  return true;
}

// RFC 3629 §4: no overlong forms, surrogates or code points above U+10FFFF.
bool IsValidUtf8(std::span<const uint8_t> c) {
  size_t i = 0;
  while (i < c.size()) {
    uint8_t b = c[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    size_t length;
    uint32_t cp, min;
    if ((b & 0xe0) == 0xc0) {
      length = 2, cp = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
      length = 3, cp = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
      length = 4, cp = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (c.size() - i < length) return false;
    for (size_t k = 1; k < length; k++) {
      if ((c[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// X.680 §41.4 Table 10.
bool IsValidPrintableString(std::span<const uint8_t> c) {
  return std::all_of(c.begin(), c.end(), [](uint8_t b) {
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
           (b >= '0' && b <= '9') ||
           std::string_view(" '()+,-./:=?").find(static_cast<char>(b)) !=
               std::string_view::npos;
  });
}

bool IsValidIa5String(std::span<const uint8_t> c) {
  return std::all_of(c.begin(), c.end(), [](uint8_t b) { return b < 0x80; });
}

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// ---- Times (RFC 5280 §4.1.2.5) ----

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant,
// "chrono-Compatible Low-Level Date Algorithms").
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Parses `digits` decimal digits at `c[*pos]`.
bool ParseDigits(std::span<const uint8_t> c, size_t* pos, size_t digits,
                 unsigned* out) {
  unsigned v = 0;
  for (size_t i = 0; i < digits; i++) {
    uint8_t b = c[*pos + i];
    if (b < '0' || b > '9') return false;
    v = v * 10 + (b - '0');
  }
  *pos += digits;
  *out = v;
  return true;
}

// "YYMMDDHHMMSSZ" (UTCTime, `year_digits` 2) or "YYYYMMDDHHMMSSZ"
// (GeneralizedTime, 4): seconds present, no fraction, Zulu (§4.1.2.5.1-2).
bool ParseTime(std::span<const uint8_t> c, size_t year_digits, int64_t* out,
               int64_t* year_out) {
  if (c.size() != year_digits + 11 || c.back() != 'Z') return false;
  size_t pos = 0;
  unsigned year, month, day, hour, minute, second;
  if (!ParseDigits(c, &pos, year_digits, &year) ||
      !ParseDigits(c, &pos, 2, &month) || !ParseDigits(c, &pos, 2, &day) ||
      !ParseDigits(c, &pos, 2, &hour) || !ParseDigits(c, &pos, 2, &minute) ||
      !ParseDigits(c, &pos, 2, &second)) {
    return false;
  }
  // §4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
  int64_t y = year_digits == 2 ? (year >= 50 ? 1900 + year : 2000 + year)
                               : static_cast<int64_t>(year);
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(y, month) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  *out =
      DaysFromCivil(y, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  *year_out = y;
  return true;
}

bool IsValidUtcTime(std::span<const uint8_t> c) {
  int64_t t, y;
  return ParseTime(c, 2, &t, &y);
}

bool IsValidGeneralizedTime(std::span<const uint8_t> c) {
  int64_t t, y;
  return ParseTime(c, 4, &t, &y);
}

// Formats `unix_seconds` with a 2- or 4-digit year, or fails when the year is
// not in [min_year, max_year].
std::optional<std::string> FormatTime(int64_t unix_seconds, size_t year_digits,
                                      int64_t min_year, int64_t max_year) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    days--;
    secs += 86400;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  if (year < min_year || year > max_year) return std::nullopt;
  auto two = [](int64_t v) {
    return std::string{static_cast<char>('0' + v / 10),
                       static_cast<char>('0' + v % 10)};
  };
  std::string out =
      year_digits == 2 ? two(year % 100) : two(year / 100) + two(year % 100);
  out += two(month) + two(day) + two(secs / 3600) + two(secs / 60 % 60) +
         two(secs % 60) + "Z";
  return out;
}

// ---- OIDs (X.690 §8.19, §8.20) ----

Result<std::vector<uint64_t>> Base128ToArcs(std::span<const uint8_t> c) {
  if (!IsValidBase128Sequence(c)) {
    return Error(ErrorCode::kMalformed, "invalid OID subidentifiers");
  }
  std::vector<uint64_t> arcs;
  Reader r(c);
  while (!r.Done()) {
    uint64_t v;
    if (!ReadBase128(r, &v)) {
      return Error(ErrorCode::kUnsupported, "OID arc exceeds 64 bits");
    }
    arcs.push_back(v);
  }
  return arcs;
}

std::vector<uint8_t> ArcsToBase128(std::span<const uint64_t> arcs) {
  std::vector<uint8_t> out;
  for (uint64_t arc : arcs) AppendBase128(arc, &out);
  return out;
}

std::string ArcsToText(std::span<const uint64_t> arcs) {
  std::string out;
  for (size_t i = 0; i < arcs.size(); i++) {
    if (i > 0) out += '.';
    out += std::to_string(arcs[i]);
  }
  return out;
}

Result<std::vector<uint64_t>> TextToArcs(std::string_view text) {
  std::vector<uint64_t> arcs;
  size_t pos = 0;
  while (true) {
    size_t end = std::min(text.find('.', pos), text.size());
    std::string_view arc = text.substr(pos, end - pos);
    if (arc.empty() || (arc.size() > 1 && arc[0] == '0')) {
      return Error(ErrorCode::kMalformed,
                   "invalid arc in OID text \"" + std::string(text) + "\"");
    }
    uint64_t v = 0;
    for (char ch : arc) {
      if (ch < '0' || ch > '9' ||
          v > (std::numeric_limits<uint64_t>::max() - (ch - '0')) / 10) {
        return Error(ErrorCode::kMalformed,
                     "invalid arc in OID text \"" + std::string(text) + "\"");
      }
      v = v * 10 + (ch - '0');
    }
    arcs.push_back(v);
    if (end == text.size()) return arcs;
    pos = end + 1;
  }
}

}  // namespace

// ---- DerReader ----

bool DerReader::PeekTag(DerTag* out) const {
  Reader r(data_);
  return ReadTag(r, out);
}

bool DerReader::PeekTagIs(DerTag tag) const {
  DerTag next;
  return PeekTag(&next) && next == tag;
}

bool DerReader::ReadAnyElement(DerTag* tag, std::span<const uint8_t>* contents,
                               std::span<const uint8_t>* element) {
  Reader r(data_);
  DerTag t;
  size_t length;
  std::span<const uint8_t> c;
  if (!ReadTag(r, &t) || !ReadLength(r, &length) || !r.ReadBytes(length, &c)) {
    return false;
  }
  if (element != nullptr) *element = data_.first(data_.size() - r.remaining());
  *tag = t;
  *contents = c;
  data_ = r.rest();
  return true;
}

bool DerReader::ReadElement(DerTag tag, std::span<const uint8_t>* contents) {
  return ReadChecked(tag, contents, IsAny);
}

bool DerReader::ReadElement(DerTag tag, DerReader* contents) {
  std::span<const uint8_t> c;
  if (!ReadElement(tag, &c)) return false;
  *contents = DerReader(c);
  return true;
}

bool DerReader::ReadFullElement(DerTag tag, std::span<const uint8_t>* element) {
  DerReader saved = *this;
  DerTag t;
  std::span<const uint8_t> c;
  if (!ReadAnyElement(&t, &c, element) || t != tag) {
    *this = saved;
    return false;
  }
  return true;
}

bool DerReader::SkipElement(DerTag tag) {
  std::span<const uint8_t> ignored;
  return ReadElement(tag, &ignored);
}

bool DerReader::ReadChecked(DerTag tag, std::span<const uint8_t>* contents,
                            bool (*valid)(std::span<const uint8_t>)) {
  DerReader saved = *this;
  DerTag t;
  std::span<const uint8_t> c;
  if (!ReadAnyElement(&t, &c) || t != tag || !valid(c)) {
    *this = saved;
    return false;
  }
  *contents = c;
  return true;
}

bool DerReader::ReadOptionalElement(DerTag tag,
                                    std::span<const uint8_t>* contents,
                                    bool* present) {
  if (!PeekTagIs(tag)) {
    *present = false;
    return true;
  }
  if (!ReadElement(tag, contents)) return false;
  *present = true;
  return true;
}

bool DerReader::ReadOptionalElement(DerTag tag, DerReader* contents,
                                    bool* present) {
  std::span<const uint8_t> c;
  if (!ReadOptionalElement(tag, &c, present)) return false;
  if (*present) *contents = DerReader(c);
  return true;
}

bool DerReader::ReadOptionalElementWithDefault(
    DerTag tag, std::span<const uint8_t> default_contents, DerReader* contents,
    bool* present) {
  DerReader saved = *this;
  std::span<const uint8_t> c;
  if (!ReadOptionalElement(tag, &c, present)) return false;
  if (!*present) return true;
  if (std::equal(c.begin(), c.end(), default_contents.begin(),
                 default_contents.end())) {
    *this = saved;
    return false;
  }
  *contents = DerReader(c);
  return true;
}

bool DerReader::ReadSetOf(DerReader* contents) {
  DerReader saved = *this;
  std::span<const uint8_t> c;
  if (!ReadElement(kDerSet, &c)) return false;
  DerReader elements(c);
  std::span<const uint8_t> previous;
  while (!elements.Done()) {
    DerTag t;
    std::span<const uint8_t> inner, element;
    if (!elements.ReadAnyElement(&t, &inner, &element) ||
        std::lexicographical_compare(element.begin(), element.end(),
                                     previous.begin(), previous.end())) {
      *this = saved;
      return false;
    }
    previous = element;
  }
  *contents = DerReader(c);
  return true;
}

bool DerReader::ReadUint64(uint64_t* out, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidUint64)) return false;
  uint64_t v = 0;
  for (uint8_t b : Magnitude(c)) v = (v << 8) | b;
  *out = v;
  return true;
}

bool DerReader::ReadUnsignedInteger(std::span<const uint8_t>* out, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidUnsignedInteger)) return false;
  *out = Magnitude(c);
  return true;
}

bool DerReader::ReadBool(bool* out, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidBoolean)) return false;
  *out = c[0] != 0;
  return true;
}

bool DerReader::ReadOptionalBool(bool default_value, bool* out, DerTag tag) {
  if (!PeekTagIs(tag)) {
    *out = default_value;
    return true;
  }
  DerReader saved = *this;
  bool v;
  if (!ReadBool(&v, tag) || v == default_value) {
    *this = saved;
    return false;
  }
  *out = v;
  return true;
}

bool DerReader::ReadNull(DerTag tag) {
  std::span<const uint8_t> c;
  return ReadChecked(tag, &c, IsEmpty);
}

bool DerReader::ReadOctetString(std::span<const uint8_t>* out, DerTag tag) {
  return ReadChecked(tag, out, IsAny);
}

bool DerReader::ReadBitString(std::span<const uint8_t>* bytes,
                              uint8_t* unused_bits, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidBitString)) return false;
  *unused_bits = c[0];
  *bytes = c.subspan(1);
  return true;
}

bool DerReader::ReadByteAlignedBitString(std::span<const uint8_t>* bytes,
                                         DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsByteAlignedBitString)) return false;
  *bytes = c.subspan(1);
  return true;
}

bool DerReader::ReadOid(std::span<const uint8_t>* contents, DerTag tag) {
  return ReadChecked(tag, contents, IsValidBase128Sequence);
}

bool DerReader::ReadRelativeOid(std::span<const uint8_t>* contents,
                                DerTag tag) {
  return ReadChecked(tag, contents, IsValidBase128Sequence);
}

bool DerReader::ReadUtf8String(std::string* out, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidUtf8)) return false;
  out->assign(c.begin(), c.end());
  return true;
}

bool DerReader::ReadPrintableString(std::string* out, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidPrintableString)) return false;
  out->assign(c.begin(), c.end());
  return true;
}

bool DerReader::ReadIa5String(std::string* out, DerTag tag) {
  std::span<const uint8_t> c;
  if (!ReadChecked(tag, &c, IsValidIa5String)) return false;
  out->assign(c.begin(), c.end());
  return true;
}

bool DerReader::ReadUtcTime(int64_t* unix_seconds, DerTag tag) {
  std::span<const uint8_t> c;
  int64_t year;
  return ReadChecked(tag, &c, IsValidUtcTime) &&
         ParseTime(c, 2, unix_seconds, &year);
}

bool DerReader::ReadGeneralizedTime(int64_t* unix_seconds, DerTag tag) {
  std::span<const uint8_t> c;
  int64_t year;
  return ReadChecked(tag, &c, IsValidGeneralizedTime) &&
         ParseTime(c, 4, unix_seconds, &year);
}

bool DerReader::ReadTime(int64_t* unix_seconds) {
  DerReader saved = *this;
  DerTag tag;
  std::span<const uint8_t> c;
  int64_t t, year;
  bool ok = ReadAnyElement(&tag, &c) &&
            ((tag == kDerUtcTime && ParseTime(c, 2, &t, &year)) ||
             (tag == kDerGeneralizedTime && ParseTime(c, 4, &t, &year) &&
              (year < 1950 || year > 2049)));
  if (!ok) {
    *this = saved;
    return false;
  }
  *unix_seconds = t;
  return true;
}

// ---- OID conversions ----

Result<std::vector<uint64_t>> OidToArcs(std::span<const uint8_t> contents) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint64_t> subids, Base128ToArcs(contents));
  // §8.19.4: the first subidentifier is 40 * arc0 + arc1, arc0 in {0, 1, 2}.
  uint64_t first = subids[0];
  std::vector<uint64_t> arcs;
  arcs.reserve(subids.size() + 1);
  if (first < 80) {
    arcs.push_back(first / 40);
    arcs.push_back(first % 40);
  } else {
    arcs.push_back(2);
    arcs.push_back(first - 80);
  }
  arcs.insert(arcs.end(), subids.begin() + 1, subids.end());
  return arcs;
}

Result<std::vector<uint8_t>> OidFromArcs(std::span<const uint64_t> arcs) {
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) ||
      arcs[1] > std::numeric_limits<uint64_t>::max() - 80) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid OID arcs " + ArcsToText(arcs));
  }
  std::vector<uint64_t> subids(arcs.begin() + 1, arcs.end());
  subids[0] += 40 * arcs[0];
  return ArcsToBase128(subids);
}

Result<std::string> OidToText(std::span<const uint8_t> contents) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint64_t> arcs, OidToArcs(contents));
  return ArcsToText(arcs);
}

Result<std::vector<uint8_t>> OidFromText(std::string_view text) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint64_t> arcs, TextToArcs(text));
  return OidFromArcs(arcs);
}

Result<std::vector<uint64_t>> RelativeOidToArcs(
    std::span<const uint8_t> contents) {
  return Base128ToArcs(contents);
}

Result<std::vector<uint8_t>> RelativeOidFromArcs(
    std::span<const uint64_t> arcs) {
  if (arcs.empty()) {
    return Error(ErrorCode::kInvalidArgument, "empty RELATIVE-OID");
  }
  return ArcsToBase128(arcs);
}

Result<std::string> RelativeOidToText(std::span<const uint8_t> contents) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint64_t> arcs, Base128ToArcs(contents));
  return ArcsToText(arcs);
}

Result<std::vector<uint8_t>> RelativeOidFromText(std::string_view text) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint64_t> arcs, TextToArcs(text));
  return ArcsToBase128(arcs);
}

// ---- DerBuilder ----

void DerBuilder::AddTag(DerTag tag) {
  uint8_t first = static_cast<uint8_t>(tag >> 24) & 0xe0;
  uint32_t number = tag & kDerTagNumberMask;
  if ((tag & kDerClassMask) == kDerUniversal && number == 0) {
    Fail("[UNIVERSAL 0] is not a tag");
    return;
  }
  if (number < 0x1f) {
    out_.push_back(first | static_cast<uint8_t>(number));
    return;
  }
  out_.push_back(first | 0x1f);
  AppendBase128(number, &out_);
}

size_t DerBuilder::BeginElement(DerTag tag) {
  AddTag(tag);
  out_.push_back(0);
  return out_.size() - 1;
}

void DerBuilder::EndElement(size_t length_at) {
  size_t length = out_.size() - length_at - 1;
  if (length < 0x80) {
    out_[length_at] = static_cast<uint8_t>(length);
    return;
  }
  if (length > 0xffffffff) {
    Fail("DER element of " + std::to_string(length) + " bytes is too long");
    return;
  }
  // The long form in the fewest octets (X.690 §10.1).
  std::vector<uint8_t> octets;
  for (size_t v = length; v != 0; v >>= 8) {
    octets.insert(octets.begin(), static_cast<uint8_t>(v));
  }
  out_[length_at] = static_cast<uint8_t>(0x80 | octets.size());
  out_.insert(out_.begin() + length_at + 1, octets.begin(), octets.end());
}

void DerBuilder::SortSetOf(size_t length_at) {
  DerReader r(std::span<const uint8_t>(out_).subspan(length_at + 1));
  std::vector<std::vector<uint8_t>> elements;
  while (!r.Done()) {
    DerTag tag;
    std::span<const uint8_t> contents, element;
    if (!r.ReadAnyElement(&tag, &contents, &element)) {
      Fail("SET OF holds something that is not a DER element");
      return;
    }
    elements.emplace_back(element.begin(), element.end());
  }
  std::sort(elements.begin(), elements.end());
  out_.resize(length_at + 1);
  for (const auto& e : elements) out_.insert(out_.end(), e.begin(), e.end());
}

void DerBuilder::AddElement(DerTag tag, std::span<const uint8_t> contents) {
  AddElement(tag, [&](DerBuilder& b) {
    b.out_.insert(b.out_.end(), contents.begin(), contents.end());
  });
}

void DerBuilder::AddRawElement(std::span<const uint8_t> element) {
  DerReader r(element);
  DerTag tag;
  std::span<const uint8_t> contents;
  if (!r.ReadAnyElement(&tag, &contents) || !r.Done()) {
    Fail("raw element is not exactly one DER element");
    return;
  }
  out_.insert(out_.end(), element.begin(), element.end());
}

void DerBuilder::AddUint64(uint64_t v, DerTag tag) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; i++)
    bytes[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
  AddUnsignedInteger(bytes, tag);
}

void DerBuilder::AddUnsignedInteger(std::span<const uint8_t> big_endian,
                                    DerTag tag) {
  while (!big_endian.empty() && big_endian[0] == 0) {
    big_endian = big_endian.subspan(1);
  }
  AddElement(tag, [&](DerBuilder& b) {
    // §8.3.2: a sign octet when the high bit is set; zero is one 0x00 octet.
    if (big_endian.empty() || (big_endian[0] & 0x80) != 0) {
      b.out_.push_back(0);
    }
    b.out_.insert(b.out_.end(), big_endian.begin(), big_endian.end());
  });
}

void DerBuilder::AddBool(bool v, DerTag tag) {
  const uint8_t contents[] = {static_cast<uint8_t>(v ? 0xff : 0x00)};
  AddElement(tag, contents);
}

void DerBuilder::AddNull(DerTag tag) {
  AddElement(tag, std::span<const uint8_t>());
}

void DerBuilder::AddOctetString(std::span<const uint8_t> bytes, DerTag tag) {
  AddElement(tag, bytes);
}

void DerBuilder::AddBitString(std::span<const uint8_t> bytes, DerTag tag) {
  AddBitStringWithUnusedBits(bytes, 0, tag);
}

void DerBuilder::AddBitStringWithUnusedBits(std::span<const uint8_t> bytes,
                                            uint8_t unused_bits, DerTag tag) {
  if (unused_bits > 7 || (unused_bits > 0 && bytes.empty()) ||
      (unused_bits > 0 && (bytes.back() & ((1u << unused_bits) - 1)) != 0)) {
    Fail("invalid BIT STRING padding of " + std::to_string(unused_bits) +
         " bits");
    return;
  }
  AddElement(tag, [&](DerBuilder& b) {
    b.out_.push_back(unused_bits);
    b.out_.insert(b.out_.end(), bytes.begin(), bytes.end());
  });
}

void DerBuilder::AddOid(std::string_view text, DerTag tag) {
  Result<std::vector<uint8_t>> contents = OidFromText(text);
  if (!contents.ok()) {
    Fail(contents.error().message());
    return;
  }
  AddElement(tag, *contents);
}

void DerBuilder::AddRelativeOid(std::string_view text, DerTag tag) {
  Result<std::vector<uint8_t>> contents = RelativeOidFromText(text);
  if (!contents.ok()) {
    Fail(contents.error().message());
    return;
  }
  AddElement(tag, *contents);
}

void DerBuilder::AddUtf8String(std::string_view s, DerTag tag) {
  if (!IsValidUtf8(AsBytes(s))) {
    Fail("invalid UTF-8 in UTF8String");
    return;
  }
  AddElement(tag, AsBytes(s));
}

void DerBuilder::AddPrintableString(std::string_view s, DerTag tag) {
  if (!IsValidPrintableString(AsBytes(s))) {
    Fail("character outside PrintableString in \"" + std::string(s) + "\"");
    return;
  }
  AddElement(tag, AsBytes(s));
}

void DerBuilder::AddIa5String(std::string_view s, DerTag tag) {
  if (!IsValidIa5String(AsBytes(s))) {
    Fail("non-ASCII character in IA5String");
    return;
  }
  AddElement(tag, AsBytes(s));
}

void DerBuilder::AddUtcTime(int64_t unix_seconds, DerTag tag) {
  std::optional<std::string> s = FormatTime(unix_seconds, 2, 1950, 2049);
  if (!s) {
    Fail("time " + std::to_string(unix_seconds) + " is outside UTCTime");
    return;
  }
  AddElement(tag, AsBytes(*s));
}

void DerBuilder::AddGeneralizedTime(int64_t unix_seconds, DerTag tag) {
  std::optional<std::string> s = FormatTime(unix_seconds, 4, 0, 9999);
  if (!s) {
    Fail("time " + std::to_string(unix_seconds) +
         " is outside GeneralizedTime");
    return;
  }
  AddElement(tag, AsBytes(*s));
}

void DerBuilder::AddTime(int64_t unix_seconds) {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and,
  // since UTCTime cannot say them, before 1950).
  if (FormatTime(unix_seconds, 2, 1950, 2049)) {
    AddUtcTime(unix_seconds);
  } else {
    AddGeneralizedTime(unix_seconds);
  }
}

void DerBuilder::Fail(std::string message) {
  if (!error_) error_ = Error(ErrorCode::kInvalidArgument, std::move(message));
}

Result<std::vector<uint8_t>> DerBuilder::Finish() && {
  if (error_) return *error_;
  return std::move(out_);
}

}  // namespace mtc::wire
