#include "acme/client_jws.h"

#include <algorithm>
#include <utility>

#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"

namespace mtc::acme::client {

namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

struct AccountKey::State {
  crypto::PrivateKey key;
  JwsAlgorithm alg;
  nlohmann::json jwk;
  Jwk public_jwk;
};

Result<std::vector<uint8_t>> EcdsaDerToJoseSignature(
    std::span<const uint8_t> der, size_t coordinate_size) {
  // RFC 3279 §2.2.3: Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }.
  wire::DerReader reader(der), seq;
  std::span<const uint8_t> r, s;
  if (!reader.ReadSequence(&seq) || !reader.Done() ||
      !seq.ReadUnsignedInteger(&r) || !seq.ReadUnsignedInteger(&s) ||
      !seq.Done()) {
    return Error(ErrorCode::kMalformed, "ECDSA signature is not DER");
  }
  // ReadUnsignedInteger drops the sign octet but keeps a lone 0x00 for 0.
  auto strip = [](std::span<const uint8_t> v) {
    while (v.size() > 1 && v.front() == 0) v = v.subspan(1);
    return v;
  };
  r = strip(r);
  s = strip(s);
  if (r.size() > coordinate_size || s.size() > coordinate_size) {
    return Error(ErrorCode::kMalformed,
                 "ECDSA signature integer longer than the curve's order");
  }
  // RFC 7518 §3.4: each integer as an octet sequence of the curve's size,
  // left-padded with zeros, R first.
  std::vector<uint8_t> out(2 * coordinate_size, 0);
  std::copy(r.begin(), r.end(), out.begin() + (coordinate_size - r.size()));
  std::copy(s.begin(), s.end(), out.end() - s.size());
  return out;
}

Result<AccountKey> AccountKey::Generate(JwsAlgorithm alg) {
  crypto::SignatureAlgorithm key_alg;
  switch (alg) {
    case JwsAlgorithm::kEs256:
      key_alg = crypto::SignatureAlgorithm::kEcdsaP256Sha256;
      break;
    case JwsAlgorithm::kEs384:
      key_alg = crypto::SignatureAlgorithm::kEcdsaP384Sha384;
      break;
    case JwsAlgorithm::kEdDsa:
      key_alg = crypto::SignatureAlgorithm::kEd25519;
      break;
    default:
      return Error(ErrorCode::kUnsupported,
                   "account keys sign with ES256, ES384 or EdDSA");
  }
  auto key = crypto::PrivateKey::Generate(key_alg);
  if (!key.ok()) return key.error();
  return FromPrivateKey(std::move(*key));
}

Result<AccountKey> AccountKey::FromPrivateKey(crypto::PrivateKey key) {
  std::vector<uint8_t> raw = key.public_key().ToRaw();
  nlohmann::json jwk;
  JwsAlgorithm alg;
  switch (key.algorithm()) {
    case crypto::SignatureAlgorithm::kEd25519:
      // RFC 8037 §2: {"kty":"OKP","crv":"Ed25519","x":<32 raw bytes>}.
      alg = JwsAlgorithm::kEdDsa;
      jwk = {{"kty", "OKP"},
             {"crv", "Ed25519"},
             {"x", wire::Base64UrlEncode(raw)}};
      break;
    case crypto::SignatureAlgorithm::kEcdsaP256Sha256:
    case crypto::SignatureAlgorithm::kEcdsaP384Sha384: {
      // RFC 7518 §6.2.1: x and y are the coordinates of the uncompressed
      // point 0x04 || x || y (SEC 1 §2.3.3), each the curve's size.
      alg = key.algorithm() == crypto::SignatureAlgorithm::kEcdsaP256Sha256
                ? JwsAlgorithm::kEs256
                : JwsAlgorithm::kEs384;
      size_t n = (raw.size() - 1) / 2;
      jwk = {{"kty", "EC"},
             {"crv", alg == JwsAlgorithm::kEs256 ? "P-256" : "P-384"},
             {"x", wire::Base64UrlEncode({raw.data() + 1, n})},
             {"y", wire::Base64UrlEncode({raw.data() + 1 + n, n})}};
      break;
    }
    default:
      return Error(ErrorCode::kUnsupported,
                   "account keys are P-256, P-384 or Ed25519");
  }
  auto parsed = Jwk::Parse(jwk);
  if (!parsed.ok()) return parsed.error().WithContext("account key JWK");
  return AccountKey(std::make_shared<const State>(
      State{std::move(key), alg, std::move(jwk), std::move(*parsed)}));
}

JwsAlgorithm AccountKey::algorithm() const { return state_->alg; }
const nlohmann::json& AccountKey::jwk() const { return state_->jwk; }
const Jwk& AccountKey::public_jwk() const { return state_->public_jwk; }
std::string AccountKey::Thumbprint() const {
  return state_->public_jwk.Thumbprint();
}
std::string AccountKey::KeyAuthorizationFor(std::string_view token) const {
  return KeyAuthorization(token, state_->public_jwk);
}

Result<std::vector<uint8_t>> AccountKey::Sign(
    std::string_view signing_input) const {
  auto sig = state_->key.Sign(Bytes(signing_input));
  if (!sig.ok()) return sig.error();
  switch (state_->alg) {
    case JwsAlgorithm::kEs256:
      return EcdsaDerToJoseSignature(*sig, 32);
    case JwsAlgorithm::kEs384:
      return EcdsaDerToJoseSignature(*sig, 48);
    default:
      return std::move(*sig);
  }
}

Result<std::string> AccountKey::SignFlattened(nlohmann::json protected_header,
                                              std::string_view payload) const {
  protected_header["alg"] = std::string(JwsAlgorithmName(state_->alg));
  // RFC 7515 §5.1: the signing input is
  // ASCII(BASE64URL(UTF8(protected)) || '.' || BASE64URL(payload)).
  std::string protected64 =
      wire::Base64UrlEncode(Bytes(protected_header.dump()));
  std::string payload64 = wire::Base64UrlEncode(Bytes(payload));
  std::string input = protected64 + "." + payload64;
  auto sig = Sign(input);
  if (!sig.ok()) return sig.error();
  nlohmann::json jws = {{"protected", std::move(protected64)},
                        {"payload", std::move(payload64)},
                        {"signature", wire::Base64UrlEncode(*sig)}};
  return jws.dump();
}

}  // namespace mtc::acme::client
