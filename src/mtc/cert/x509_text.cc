#include "mtc/cert/x509_text.h"

#include <arpa/inet.h>

#include <charconv>
#include <ctime>
#include <map>

#include "mtc/base/hex.h"
#include "mtc/wire/der.h"

namespace mtc::cert {

namespace {

const std::map<std::string, std::string>& AttributeNames() {
  static const auto* names = new std::map<std::string, std::string>{
      {"2.5.4.3", "CN"},
      {"2.5.4.6", "C"},
      {"2.5.4.7", "L"},
      {"2.5.4.8", "ST"},
      {"2.5.4.10", "O"},
      {"2.5.4.11", "OU"},
      {"2.5.4.5", "serialNumber"},
      {"0.9.2342.19200300.100.1.25", "DC"},
      {"1.3.6.1.4.1.44363.47.1", "trustAnchorID"}};
  return *names;
}

Error Malformed(const std::string& what) {
  return Error(ErrorCode::kMalformed, "malformed " + what);
}

}  // namespace

Result<std::string> NameToString(std::span<const uint8_t> name_der) {
  wire::DerReader outer(name_der), rdns;
  if (!outer.ReadSequence(&rdns) || !outer.Done()) return Malformed("Name");
  std::string out;
  while (!rdns.empty()) {
    wire::DerReader rdn;
    if (!rdns.ReadSetOf(&rdn)) return Malformed("RelativeDistinguishedName");
    while (!rdn.empty()) {
      wire::DerReader atv;
      std::span<const uint8_t> oid, value, element;
      wire::DerTag tag;
      if (!rdn.ReadSequence(&atv) || !atv.ReadOid(&oid) ||
          !atv.ReadAnyElement(&tag, &value, &element) || !atv.Done()) {
        return Malformed("AttributeTypeAndValue");
      }
      MTC_ASSIGN_OR_RETURN(std::string type, wire::OidToText(oid));
      auto it = AttributeNames().find(type);
      if (!out.empty()) out += ", ";
      out += it != AttributeNames().end() ? it->second : type;
      out += "=";
      bool is_string = tag == wire::kDerUtf8String ||
                       tag == wire::kDerPrintableString ||
                       tag == wire::kDerIa5String;
      out += is_string ? std::string(value.begin(), value.end())
                       : "#" + HexEncode(element);
    }
  }
  return out;
}

Result<std::vector<std::string>> SubjectAltNames(const TbsCertificate& tbs) {
  std::vector<std::string> out;
  for (const X509Extension& ext : tbs.parsed_extensions) {
    if (ext.oid != "2.5.29.17") continue;
    wire::DerReader outer(ext.value), names;
    if (!outer.ReadSequence(&names) || !outer.Done()) {
      return Malformed("subjectAltName");
    }
    while (!names.empty()) {
      wire::DerTag tag;
      std::span<const uint8_t> value;
      if (!names.ReadAnyElement(&tag, &value)) return Malformed("GeneralName");
      std::string text(value.begin(), value.end());
      if (tag == wire::DerImplicitTag(2)) {
        out.push_back("DNS:" + text);
      } else if (tag == wire::DerImplicitTag(1)) {
        out.push_back("email:" + text);
      } else if (tag == wire::DerImplicitTag(6)) {
        out.push_back("URI:" + text);
      } else if (tag == wire::DerImplicitTag(7) &&
                 (value.size() == 4 || value.size() == 16)) {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(value.size() == 4 ? AF_INET : AF_INET6, value.data(), buf,
                  sizeof(buf));
        out.push_back(std::string("IP:") + buf);
      } else {
        out.push_back("othername:<unsupported>");
      }
    }
  }
  return out;
}

std::string FormatTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<int64_t> ParseTime(std::string_view text) {
  int64_t seconds;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size()) return seconds;
  std::tm tm{};
  std::string s(text);
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (rest == nullptr || *rest != '\0') {
    return Error(
        ErrorCode::kInvalidArgument,
        "time \"" + s + "\" is neither YYYY-MM-DDTHH:MM:SSZ nor Unix seconds");
  }
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace mtc::cert
