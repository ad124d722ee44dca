// PEM: textual encoding of DER and other binary structures, RFC 7468.
//
// Decoding takes the strict form of RFC 7468 §3 ("stricttextualmsg"):
//
//   -----BEGIN LABEL-----
//   base64 lines of exactly 64 characters, then one of 4 to 64, padded
//   -----END LABEL-----
//
// with LF or CRLF line endings and the same label on both boundaries. Inside a
// block there are no headers (RFC 1421 "Proc-Type:"), blank lines or
// whitespace. Text outside blocks (the explanatory text of RFC 7468 §5.2) is
// skipped, except lines that start with "-----" and are not a BEGIN line.
// Two deliberate relaxations, both unambiguous: the END line may lack its line
// ending at the end of the input, and a block without base64 lines holds zero
// bytes (the strict grammar cannot say "empty", and PemEncode must be able to).
//
// Labels in use: RFC 7468 §5-§11, and "CERTIFICATE PROPERTIES" for the
// CertificatePropertyList of draft-ietf-tls-trust-anchor-ids §6
// (application/pem-certificate-chain-with-properties).
#ifndef MTC_WIRE_PEM_H_
#define MTC_WIRE_PEM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::wire {

inline constexpr std::string_view kPemCertificate = "CERTIFICATE";
inline constexpr std::string_view kPemCertificateProperties =
    "CERTIFICATE PROPERTIES";
inline constexpr std::string_view kPemCertificateRequest =
    "CERTIFICATE REQUEST";
inline constexpr std::string_view kPemPrivateKey = "PRIVATE KEY";
inline constexpr std::string_view kPemPublicKey = "PUBLIC KEY";

struct PemBlock {
  std::string label;
  std::vector<uint8_t> bytes;

  friend bool operator==(const PemBlock&, const PemBlock&) = default;
};

// Encodes one block with LF line endings. Fails (kInvalidArgument) when
// `label` is not a label of RFC 7468 §3: printable ASCII other than '-',
// words joined by single '-' or ' '.
Result<std::string> PemEncode(std::string_view label,
                              std::span<const uint8_t> bytes);

// Decodes every block of `text`, in order. Fails (kMalformed) on any block
// not in the strict form, and when there is no block at all.
Result<std::vector<PemBlock>> PemDecodeAll(std::string_view text);

// Decodes a text that holds exactly one block, labelled `label`.
Result<std::vector<uint8_t>> PemDecode(std::string_view text,
                                       std::string_view label);

}  // namespace mtc::wire

#endif  // MTC_WIRE_PEM_H_
