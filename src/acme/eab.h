// External account binding (RFC 8555 §7.3.4): a newAccount payload's
// "externalAccountBinding" is a flattened JWS (RFC 7515 §7.2.2) whose
// payload is the new account's public key (a JWK) and whose signature is an
// HMAC (RFC 7518 §3.2) with a key the CA handed out beside a key ID:
//
//   {"protected": base64url({"alg": "HS256", "kid": <key ID>,
//                            "url": <newAccount URL>}),
//    "payload":   base64url(<the outer JWS's "jwk">),
//    "signature": base64url(HMAC-SHA-256(key, protected "." payload))}
//
// Pure functions, thread-safe.
#ifndef MTC_ACME_EAB_H_
#define MTC_ACME_EAB_H_

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acme/jws.h"
#include "mtc/base/result.h"

namespace mtc::acme {

// The MAC algorithms of RFC 7518 §3.2 ("HS256", "HS384", "HS512").
enum class MacAlgorithm { kHs256, kHs384, kHs512 };

std::string_view MacAlgorithmName(MacAlgorithm alg);
// kMalformed for any other "alg" (§7.3.4: it "MUST indicate a MAC-based
// algorithm").
Result<MacAlgorithm> ParseMacAlgorithm(std::string_view name);

// The binding as parsed, before its MAC and key are checked.
struct ExternalAccountBinding {
  MacAlgorithm alg = MacAlgorithm::kHs256;
  std::string kid;
  std::string url;
  nlohmann::json payload;     // the JWK the binding vouches for
  std::string signing_input;  // ASCII(protected "." payload), as sent
  std::vector<uint8_t> mac;   // the decoded "signature"
};

// Steps 1 and 2 of §7.3.4: a well-formed flattened JWS (exactly
// "protected", "payload" and "signature", strict base64url, a JSON object
// header and payload) whose protected header has a MAC "alg", a non-empty
// ASCII "kid", a "url" and no "nonce" (nor "jwk", "crit" or "b64").
// Errors are kMalformed.
Result<ExternalAccountBinding> ParseExternalAccountBinding(
    const nlohmann::json& value);

// HMAC of `input` under `key` with the algorithm's hash (OpenSSL EVP_MAC).
// kInvalidArgument for an empty key; kInternal when OpenSSL fails.
Result<std::vector<uint8_t>> ComputeMac(MacAlgorithm alg,
                                        std::span<const uint8_t> key,
                                        std::string_view input);

// MAC keys by key ID.
using ExternalAccountKeys =
    std::map<std::string, std::vector<uint8_t>, std::less<>>;

// All five steps of §7.3.4 for a binding sent in a newAccount request to
// `url` (the outer JWS's "url") signed by `account_key` (its "jwk"). Returns
// the key ID the account is bound to. Errors:
//   kMalformed          steps 1-2: not such a JWS, its "url" is not `url`;
//   kVerificationFailed step 3: unknown key ID; step 4: the MAC does not
//                       verify (compared in constant time); step 5: the
//                       payload is not the account key;
//   kInternal           OpenSSL failed.
// kMalformed maps to the malformed problem, kVerificationFailed to
// unauthorized (acme::ProblemForError).
Result<std::string> VerifyExternalAccountBinding(
    const nlohmann::json& value, std::string_view url, const Jwk& account_key,
    const ExternalAccountKeys& keys);

}  // namespace mtc::acme

#endif  // MTC_ACME_EAB_H_
