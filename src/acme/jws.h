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
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::acme {

enum class JwsAlgorithm { kEs256, kEs384, kRs256, kEdDsa };

// Every algorithm above, in the order a badSignatureAlgorithm problem lists
// them ("algorithms", RFC 8555 §6.2).
inline constexpr JwsAlgorithm kJwsAlgorithms[] = {
    JwsAlgorithm::kEs256, JwsAlgorithm::kEs384, JwsAlgorithm::kRs256,
    JwsAlgorithm::kEdDsa};

// The "alg" value (RFC 7518 §3.1, RFC 8037 §3.1): "ES256", "ES384", "RS256",
// "EdDSA".
std::string_view JwsAlgorithmName(JwsAlgorithm alg);
// The algorithm named exactly `name`; kUnsupported for anything else,
// including "none" and the MAC algorithms "HS256" etc. (RFC 8555 §6.2).
Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);

// The deepest nesting ParseJson accepts by default: a value inside 32 arrays
// or objects.
inline constexpr int kMaxJsonDepth = 32;

// An account public key given as a JWK (RFC 7517): EC P-256/P-384, RSA
// 2048-4096 bit, or OKP Ed25519. Immutable; copies share the key.
class Jwk {
 public:
  // Strict: required members present with the right types and lengths
  // (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2); private members ("d") rejected.
  // Errors: kMalformed for a JWK that is not well-formed (missing or
  // mistyped members, bad base64url, wrong lengths, private members, members
  // of another key type, an EC point not on its curve); kUnsupported for a
  // well-formed key this server does not accept (kty "oct", curves other than
  // P-256, P-384 and Ed25519, RSA moduli outside 2048-4096 bits, exponents
  // outside 3..2^31-1).
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
  // RFC 7518 §3.4). Errors: kUnsupported when the key does not sign with
  // `alg`; kMalformed for a signature of the wrong length;
  // kVerificationFailed when it does not verify.
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
  // The payload parsed as JSON (always an object); null for POST-as-GET.
  nlohmann::json payload_json;
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
// Also rejected: a "crit" or "b64" header (RFC 7797 is not allowed), a
// nonce that is not base64url (RFC 8555 §6.5.2), an empty url or kid.
//
// The error code says which problem type (RFC 8555 §6.7) to answer with
// (acme::ProblemForJwsError in problem.h does that mapping):
//   kUnsupported     "alg" not one of ours        -> badSignatureAlgorithm
//   kInvalidArgument the embedded "jwk" rejected,  -> badPublicKey
//                    or not a key of "alg"
//   kNotFound        no "nonce" header            -> badNonce (§6.5)
//   kMalformed       everything else              -> malformed
Result<JwsRequest> ParseJws(std::string_view body);
// The inner JWS of a key change (RFC 8555 §7.3.5): the same rules, except
// that it must carry a "jwk" and must not carry a "nonce" (nonce is empty).
Result<JwsRequest> ParseKeyChangeInnerJws(std::string_view body);

// Parses JSON text strictly (RFC 8259: one value, nothing after it but
// whitespace, no byte order mark, valid UTF-8) and rejects duplicate member
// names (RFC 7515 §4 allows either rejecting them or keeping the last; we
// reject) and nesting deeper than `max_depth` arrays/objects. The parser is
// iterative, so any depth of input is safe to offer. Errors are kMalformed.
Result<nlohmann::json> ParseJson(std::string_view text,
                                 int max_depth = kMaxJsonDepth);

// Verifies the request's signature with `key` (the embedded jwk for
// newAccount and revokeCert-by-certificate-key, the account's key otherwise),
// including that the key accepts the algorithm. Errors as Jwk::Verify:
// kUnsupported (-> badSignatureAlgorithm), kMalformed or kVerificationFailed
// (-> malformed, as Boulder and Pebble answer a bad JWS signature).
Status VerifyJws(const JwsRequest& request, const Jwk& key);

// RFC 8555 §8.1: token || '.' || base64url(thumbprint).
std::string KeyAuthorization(std::string_view token, const Jwk& account_key);

}  // namespace mtc::acme

#endif  // MTC_ACME_JWS_H_
