// Human-readable renderings of X.509 fields for `mtc inspect` and error
// messages: distinguished names (RFC 4514 style) and subject alternative names.
#ifndef MTC_CERT_X509_TEXT_H_
#define MTC_CERT_X509_TEXT_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/cert/certificate.h"

namespace mtc::cert {

// "CN=example.com, O=Example" for common attribute types; others as
// "<dotted OID>=<value>" or "<dotted OID>=#<hex DER>". Empty for an empty name.
Result<std::string> NameToString(std::span<const uint8_t> name_der);

// The subject alternative names of `tbs`: "DNS:a.example", "IP:192.0.2.1",
// "IP:2001:db8::1", "URI:..." or "email:...". Empty when there is none.
Result<std::vector<std::string>> SubjectAltNames(const TbsCertificate& tbs);

// "2020-01-01T00:00:00Z".
std::string FormatTime(int64_t unix_seconds);
// Accepts "2020-01-01T00:00:00Z" or decimal Unix seconds.
Result<int64_t> ParseTime(std::string_view text);

}  // namespace mtc::cert

#endif  // MTC_CERT_X509_TEXT_H_
