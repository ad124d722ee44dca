// The signing side of ACME's JWS (RFC 8555 §6.2): an account key that signs
// requests in the flattened JSON serialization (RFC 7515 §7.2.2).
//
// jws.h is the verifying side; the two share the JWK thumbprint (RFC 7638)
// through Jwk, so a key authorization computed here is the one a server
// computes.
#ifndef MTC_ACME_CLIENT_JWS_H_
#define MTC_ACME_CLIENT_JWS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acme/jws.h"
#include "mtc/base/result.h"
#include "mtc/crypto/private_key.h"

namespace mtc::acme::client {

// Converts an ECDSA signature from the DER Ecdsa-Sig-Value that
// crypto::PrivateKey produces (RFC 3279 §2.2.3:
//   Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER })
// to the JWS form of RFC 7518 §3.4: R and S as big-endian octet strings of
// exactly `coordinate_size` bytes each (32 for P-256, 48 for P-384),
// concatenated. kMalformed when the DER does not parse or an integer is
// longer than `coordinate_size`.
Result<std::vector<uint8_t>> EcdsaDerToJoseSignature(
    std::span<const uint8_t> der, size_t coordinate_size);

// An ACME account key: ES256 (P-256), ES384 (P-384) or EdDSA (Ed25519).
// RS256 is accepted by servers but not offered here: crypto::PrivateKey does
// not sign with RSA. Immutable after creation; copies share the key, and
// every method may be called from several threads at once.
class AccountKey {
 public:
  // A fresh key for `alg` (kUnsupported for kRs256).
  static Result<AccountKey> Generate(JwsAlgorithm alg = JwsAlgorithm::kEs256);
  // Wraps an existing key; kUnsupported unless it is P-256, P-384 or
  // Ed25519.
  static Result<AccountKey> FromPrivateKey(crypto::PrivateKey key);

  JwsAlgorithm algorithm() const;
  // The public JWK (RFC 7518 §6.2.1 for EC: kty, crv, x, y; RFC 8037 §2 for
  // OKP: kty, crv, x), as the "jwk" header of newAccount carries it.
  const nlohmann::json& jwk() const;
  // The same key as the verifying side parses it.
  const Jwk& public_jwk() const;
  // RFC 7638 thumbprint, base64url.
  std::string Thumbprint() const;
  // RFC 8555 §8.1 key authorization for `token`.
  std::string KeyAuthorizationFor(std::string_view token) const;

  // The JWS Signature over `signing_input` (RFC 7515 §5.1 step 5): R || S
  // for ECDSA (RFC 7518 §3.4), the 64 raw bytes for Ed25519 (RFC 8037 §3.1).
  Result<std::vector<uint8_t>> Sign(std::string_view signing_input) const;

  // A flattened JWS (RFC 7515 §7.2.2) with `protected_header` (to which
  // "alg" is added) and `payload` as given; an empty payload is a
  // POST-as-GET (RFC 8555 §6.3).
  Result<std::string> SignFlattened(nlohmann::json protected_header,
                                    std::string_view payload) const;

  struct State;

 private:
  explicit AccountKey(std::shared_ptr<const State> state)
      : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace mtc::acme::client

#endif  // MTC_ACME_CLIENT_JWS_H_
