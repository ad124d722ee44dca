// JSON Web Signature as ACME uses it (RFC 8555 §6.2): the flattened JSON
// serialization (RFC 7515 §7.2.2) with one signature, a protected header that
// carries "alg", "nonce", "url" and exactly one of "jwk" / "kid", and an
// account key of the algorithms RFC 8555 §6.2 lets servers choose: ES256,
// ES384, RS256 (2048-4096 bit) and EdDSA over Ed25519 (RFC 8037).
//
// Parsing and signature checking are pure functions; the server checks
// nonce, url and account (src/acme/server) and maps errors to problem types.
#ifndef MTC_ACME_JWS_H_
#define MTC_ACME_JWS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mtc/base/result.h"

namespace mtc::acme {

enum class JwsAlgorithm { kEs256, kEs384, kRs256, kEdDsa };

// An account public key given as a JWK (RFC 7517): EC P-256/P-384, RSA
// 2048-4096 bit, or OKP Ed25519. Immutable; copies share the key.
class Jwk {
 public:
  // Strict: required members present with the right types and lengths
  // (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2); private members ("d") rejected.
  static Result<Jwk> Parse(const nlohmann::json& jwk);

  // RFC 7638 thumbprint: SHA-256 of the canonical JSON of the required
  // members, base64url without padding. Stable account identity.
  std::string Thumbprint() const;
  // The canonical JSON of the required members (RFC 7638 §3).
  nlohmann::json ToJson() const;
  // Whether `alg` is the algorithm this key signs with (ES256 only for
  // P-256, ES384 only for P-384, RS256 for RSA, EdDSA for Ed25519).
  bool Accepts(JwsAlgorithm alg) const;
  // Verifies a JWS signature (for ECDSA the 64/96-byte R || S form of
  // RFC 7518 §3.4).
  Status Verify(JwsAlgorithm alg, std::span<const uint8_t> signing_input,
                std::span<const uint8_t> signature) const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

// A parsed (not yet verified) ACME request body.
struct JwsRequest {
  JwsAlgorithm alg;
  std::string nonce;
  std::string url;
  std::optional<std::string> kid;  // exactly one of kid / jwk
  std::optional<Jwk> jwk;
  nlohmann::json protected_header;
  // The decoded payload; empty for POST-as-GET (payload "").
  std::vector<uint8_t> payload;
  bool post_as_get = false;
  // ASCII(BASE64URL(protected) || '.' || BASE64URL(payload)).
  std::string signing_input;
  std::vector<uint8_t> signature;
};

// Parses a flattened JWS. Rejects: not a JSON object, unknown top-level
// members, an unprotected "header", alg none / HS* / any not listed above
// (kUnsupported, for badSignatureAlgorithm), both or neither of jwk/kid, a
// missing nonce or url, base64url with padding or bad characters, a payload
// that is neither empty nor a JSON object, JSON nested deeper than 32.
Result<JwsRequest> ParseJws(std::string_view body);

// Parses JSON with a depth limit (for payloads and every other JSON input).
Result<nlohmann::json> ParseJson(std::string_view text, int max_depth = 32);

// Verifies the request's signature with `key` (the embedded jwk for
// newAccount and revokeCert-by-certificate-key, the account's key otherwise),
// including that the key accepts the algorithm.
Status VerifyJws(const JwsRequest& request, const Jwk& key);

// RFC 8555 §8.1: token || '.' || base64url(thumbprint).
std::string KeyAuthorization(std::string_view token, const Jwk& account_key);

}  // namespace mtc::acme

#endif  // MTC_ACME_JWS_H_
