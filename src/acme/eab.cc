#include "acme/eab.h"

// HMAC is not (yet) among the primitives of src/mtc/crypto, so this file
// calls OpenSSL's EVP_MAC itself, through the RAII holders below.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "mtc/wire/base64.h"

namespace mtc::acme {

namespace {

Error Malformed(const std::string& why) {
  return Error(ErrorCode::kMalformed, "externalAccountBinding: " + why);
}

Error Unauthorized(const std::string& why) {
  return Error(ErrorCode::kVerificationFailed,
               "externalAccountBinding: " + why);
}

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

const char* DigestName(MacAlgorithm alg) {
  switch (alg) {
    case MacAlgorithm::kHs256:
      return "SHA256";
    case MacAlgorithm::kHs384:
      return "SHA384";
    case MacAlgorithm::kHs512:
      return "SHA512";
  }
  return "SHA256";
}

// A base64url member of the flattened JWS, decoded.
Result<std::vector<uint8_t>> DecodeMember(const nlohmann::json& jws,
                                          const char* name) {
  if (!jws.at(name).is_string()) {
    return Malformed(std::string("\"") + name + "\" is not a string");
  }
  auto decoded =
      wire::Base64UrlDecode(jws.at(name).get_ref<const std::string&>());
  if (!decoded.ok()) {
    return Malformed(std::string("\"") + name + "\" is not base64url");
  }
  return std::move(decoded).value();
}

// A decoded member that must hold a JSON object.
Result<nlohmann::json> DecodeObject(const nlohmann::json& jws,
                                    const char* name) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, DecodeMember(jws, name));
  auto json = ParseJson(std::string_view(
      reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!json.ok() || !json->is_object()) {
    return Malformed(std::string("\"") + name + "\" is not a JSON object");
  }
  return std::move(json).value();
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) > 0x7f) return false;
  }
  return true;
}

}  // namespace

std::string_view MacAlgorithmName(MacAlgorithm alg) {
  switch (alg) {
    case MacAlgorithm::kHs256:
      return "HS256";
    case MacAlgorithm::kHs384:
      return "HS384";
    case MacAlgorithm::kHs512:
      return "HS512";
  }
  return "HS256";
}

Result<MacAlgorithm> ParseMacAlgorithm(std::string_view name) {
  for (MacAlgorithm alg :
       {MacAlgorithm::kHs256, MacAlgorithm::kHs384, MacAlgorithm::kHs512}) {
    if (MacAlgorithmName(alg) == name) return alg;
  }
  return Malformed("\"alg\" \"" + std::string(name) +
                   "\" is not HS256, HS384 or HS512");
}

Result<ExternalAccountBinding> ParseExternalAccountBinding(
    const nlohmann::json& value) {
  // Step 1: a flattened JWS with one signature and no unprotected header
  // (RFC 7515 §7.2.2).
  if (!value.is_object() || value.size() != 3 || !value.contains("protected") ||
      !value.contains("payload") || !value.contains("signature")) {
    return Malformed(
        "not a flattened JWS of \"protected\", \"payload\" and \"signature\"");
  }
  ExternalAccountBinding b;
  MTC_ASSIGN_OR_RETURN(nlohmann::json header, DecodeObject(value, "protected"));
  MTC_ASSIGN_OR_RETURN(b.payload, DecodeObject(value, "payload"));
  MTC_ASSIGN_OR_RETURN(b.mac, DecodeMember(value, "signature"));
  b.signing_input = value.at("protected").get<std::string>() + "." +
                    value.at("payload").get<std::string>();
  // Step 2: the header's criteria.
  if (!header.contains("alg") || !header.at("alg").is_string()) {
    return Malformed("the protected header has no \"alg\"");
  }
  MTC_ASSIGN_OR_RETURN(b.alg,
                       ParseMacAlgorithm(header.at("alg").get<std::string>()));
  if (!header.contains("kid") || !header.at("kid").is_string() ||
      header.at("kid").get_ref<const std::string&>().empty() ||
      !IsAscii(header.at("kid").get_ref<const std::string&>())) {
    return Malformed("\"kid\" must be the ASCII key identifier");
  }
  b.kid = header.at("kid").get<std::string>();
  if (!header.contains("url") || !header.at("url").is_string()) {
    return Malformed("the protected header has no \"url\"");
  }
  b.url = header.at("url").get<std::string>();
  // §7.3.4: "The "nonce" field MUST NOT be present". The key is named by
  // "kid" alone; "crit" would ask for extensions we do not implement
  // (RFC 7515 §4.1.11) and "b64" is one of them (RFC 7797).
  for (const char* banned : {"nonce", "jwk", "crit", "b64"}) {
    if (header.contains(banned)) {
      return Malformed(std::string("the protected header must not carry \"") +
                       banned + "\"");
    }
  }
  return b;
}

Result<std::vector<uint8_t>> ComputeMac(MacAlgorithm alg,
                                        std::span<const uint8_t> key,
                                        std::string_view input) {
  if (key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "an HMAC key may not be empty");
  }
  std::unique_ptr<EVP_MAC, MacDeleter> mac(
      EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) return Error(ErrorCode::kInternal, "EVP_MAC_fetch(HMAC) failed");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return Error(ErrorCode::kInternal, "EVP_MAC_CTX_new failed");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(DigestName(alg)), 0),
      OSSL_PARAM_construct_end()};
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  size_t out_len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const uint8_t*>(input.data()),
                     input.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1) {
    return Error(ErrorCode::kInternal, "HMAC computation failed");
  }
  out.resize(out_len);
  return out;
}

Result<std::string> VerifyExternalAccountBinding(
    const nlohmann::json& value, std::string_view url, const Jwk& account_key,
    const ExternalAccountKeys& keys) {
  // Steps 1 and 2.
  MTC_ASSIGN_OR_RETURN(ExternalAccountBinding b,
                       ParseExternalAccountBinding(value));
  // §7.3.4: "The "url" field MUST be set to the same value as the outer
  // JWS".
  if (b.url != url) {
    return Malformed("\"url\" \"" + b.url + "\" is not the outer JWS's \"" +
                     std::string(url) + "\"");
  }
  // Step 3: the MAC key of the key identifier.
  auto key = keys.find(b.kid);
  if (key == keys.end()) {
    return Unauthorized("unknown key identifier \"" + b.kid + "\"");
  }
  // Step 4: the MAC, compared in constant time.
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> expected,
                       ComputeMac(b.alg, key->second, b.signing_input));
  if (b.mac.size() != expected.size() ||
      CRYPTO_memcmp(b.mac.data(), expected.data(), expected.size()) != 0) {
    return Unauthorized("the MAC does not verify with the key of \"" + b.kid +
                        "\"");
  }
  // Step 5: the payload is the key that signed the outer JWS. Equal RFC 7638
  // thumbprints are equal keys: the thumbprint hashes every public member.
  auto jwk = Jwk::Parse(b.payload);
  if (!jwk.ok() || jwk->Thumbprint() != account_key.Thumbprint()) {
    return Unauthorized("the payload is not the account key of the request");
  }
  return b.kid;
}

}  // namespace mtc::acme
