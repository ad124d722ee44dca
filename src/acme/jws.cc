#include "acme/jws.h"

#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "mtc/crypto/public_key.h"
#include "mtc/crypto/rsa_public_key.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"

namespace mtc::acme {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Strict JSON.

namespace {

// Builds a DOM from nlohmann's SAX events (its parser is iterative, so a
// hostile nesting depth costs no stack), stopping at the first duplicate
// member name or at nesting deeper than max_depth. Returning false from an
// event makes sax_parse stop at once.
class StrictDomBuilder final : public nlohmann::json_sax<json> {
 public:
  explicit StrictDomBuilder(int max_depth) : max_depth_(max_depth) {}

  bool null() override { return Put(json(nullptr)); }
  bool boolean(bool v) override { return Put(json(v)); }
  bool number_integer(number_integer_t v) override { return Put(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Put(json(v)); }
  bool number_float(number_float_t v, const string_t&) override {
    return Put(json(v));
  }
  bool string(string_t& v) override { return Put(json(std::move(v))); }
  bool binary(binary_t&) override { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool key(string_t& k) override {
    // RFC 8259 §4: names SHOULD be unique; RFC 7515 §4 lets a JWS
    // parser reject duplicates, which closes any disagreement between two
    // parsers about which value counts.
    if (open_.back()->contains(k)) {
      return Fail("duplicate member name \"" + k + "\"");
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    return Fail("invalid JSON at byte " + std::to_string(position) + ": " +
                e.what());
  }

  json& root() { return root_; }
  const std::optional<std::string>& error() const { return error_; }

 private:
  bool Fail(std::string message) {
    if (!error_) error_ = std::move(message);
    return false;
  }

  // Adds `v` to the innermost open container (or as the root) and returns
  // where it went. Pointers to open containers stay valid: only the last
  // element of an array can be open, and nothing is appended to an array
  // while its last element is open; std::map nodes never move.
  json* Add(json v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json* top = open_.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    json& slot = (*top)[key_];
    slot = std::move(v);
    return &slot;
  }
  bool Put(json v) {
    Add(std::move(v));
    return true;
  }
  bool Open(json container) {
    if (static_cast<int>(open_.size()) >= max_depth_) {
      return Fail("JSON nested deeper than " + std::to_string(max_depth_));
    }
    open_.push_back(Add(std::move(container)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  const int max_depth_;
  json root_;
  std::vector<json*> open_;  // the open containers, outermost first
  std::string key_;          // the name of the next member of an object
  std::optional<std::string> error_;
};

}  // namespace

Result<json> ParseJson(std::string_view text, int max_depth) {
  // RFC 8259 §8.1: no byte order mark (nlohmann's lexer would skip one).
  if (text.starts_with("\xEF\xBB\xBF")) {
    return Error(ErrorCode::kMalformed,
                 "JSON text starts with a byte order mark");
  }
  StrictDomBuilder builder(max_depth);
  bool ok = json::sax_parse(text.data(), text.data() + text.size(), &builder,
                            json::input_format_t::json, /*strict=*/true);
  if (!ok || builder.error()) {
    return Error(ErrorCode::kMalformed,
                 builder.error() ? *builder.error() : "invalid JSON");
  }
  return std::move(builder.root());
}

// ---------------------------------------------------------------------------
// Algorithms.

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kEs256:
      return "ES256";
    case JwsAlgorithm::kEs384:
      return "ES384";
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEdDsa:
      return "EdDSA";
  }
  return "";
}

Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  for (JwsAlgorithm alg : kJwsAlgorithms) {
    if (name == JwsAlgorithmName(alg)) return alg;
  }
  // RFC 8555 §6.2: never "none" nor a MAC algorithm; the rest of the JWA
  // registry (PS256, ES512, ...) is valid but not offered here.
  std::string why = name == "none"           ? " (unsigned JWS)"
                    : name.starts_with("HS") ? " (a MAC algorithm)"
                                             : "";
  return Error(ErrorCode::kUnsupported,
               "unsupported JWS algorithm \"" + std::string(name) + "\"" + why);
}

// ---------------------------------------------------------------------------
// JWK.

struct Jwk::Impl {
  JwsAlgorithm alg;
  // The required members only, which is what RFC 7638 §3.2 hashes.
  json canonical;
  // ES256/ES384 and EdDSA keys.
  std::optional<crypto::PublicKey> key;
  // RS256 keys.
  std::optional<crypto::RsaPublicKey> rsa;
};

namespace {

constexpr std::array<std::string_view, 8> kPrivateMembers = {
    // RFC 7518 §6.2.2 (EC), §6.3.2 (RSA), §6.4.1 (oct); RFC 8037 §2 (OKP).
    "d", "p", "q", "dp", "dq", "qi", "oth", "k"};

Error JwkError(ErrorCode code, std::string message) {
  return Error(code, "jwk: " + std::move(message));
}

// A required member: a non-empty base64url string, decoded.
Result<std::vector<uint8_t>> DecodeMember(const json& jwk,
                                          std::string_view name) {
  auto it = jwk.find(name);
  if (it == jwk.end()) {
    return JwkError(ErrorCode::kMalformed,
                    "missing \"" + std::string(name) + "\"");
  }
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return JwkError(ErrorCode::kMalformed,
                    "\"" + std::string(name) + "\" is not a non-empty string");
  }
  auto bytes = wire::Base64UrlDecode(it->get_ref<const std::string&>());
  if (!bytes.ok()) {
    return JwkError(ErrorCode::kMalformed, "\"" + std::string(name) + "\": " +
                                               bytes.error().message());
  }
  return std::move(bytes).value();
}

// Members that belong to another key type (RFC 7518 §6.2-6.3, RFC 8037 §2):
// a JWK mixing them is not one key, whatever the library that wrote it meant.
Status RejectMembers(const json& jwk, std::string_view kty,
                     std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (jwk.contains(name)) {
      return JwkError(ErrorCode::kMalformed, "kty " + std::string(kty) +
                                                 " with member \"" +
                                                 std::string(name) + "\"");
    }
  }
  return OkStatus();
}

// EC account keys decoded before, by curve and point. Every request of an
// account carries (or names) the same key, and decoding a point (the curve's
// set-up, the on-curve check) cost more CPU than verifying the signature.
// PublicKey copies share one immutable OpenSSL key, so handing one out to
// several threads is safe. Bounded: when full, it starts over.
class EcKeyCache {
 public:
  static EcKeyCache& Get() {
    static EcKeyCache* cache = new EcKeyCache();
    return *cache;
  }

  Result<crypto::PublicKey> FromRaw(crypto::SignatureAlgorithm alg,
                                    std::span<const uint8_t> point) {
    std::string key(1, static_cast<char>(alg));
    key.append(reinterpret_cast<const char*>(point.data()), point.size());
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = keys_.find(key);
      if (it != keys_.end()) return it->second;
    }
    MTC_ASSIGN_OR_RETURN(crypto::PublicKey made,
                         crypto::PublicKey::FromRaw(alg, point));
    std::lock_guard<std::mutex> lock(mu_);
    if (keys_.size() >= kMaxKeys) keys_.clear();
    keys_.emplace(std::move(key), made);
    return made;
  }

 private:
  static constexpr size_t kMaxKeys = 16384;

  std::mutex mu_;
  std::unordered_map<std::string, crypto::PublicKey> keys_;  // guarded by mu_
};

Result<std::string> CurveOf(const json& jwk) {
  auto it = jwk.find("crv");
  if (it == jwk.end() || !it->is_string()) {
    return JwkError(ErrorCode::kMalformed, "missing or non-string \"crv\"");
  }
  return it->get<std::string>();
}

}  // namespace

Result<Jwk> Jwk::Parse(const json& jwk) {
  if (!jwk.is_object()) {
    return JwkError(ErrorCode::kMalformed, "not a JSON object");
  }
  auto kty_it = jwk.find("kty");
  if (kty_it == jwk.end() || !kty_it->is_string()) {
    return JwkError(ErrorCode::kMalformed, "missing or non-string \"kty\"");
  }
  const std::string& kty = kty_it->get_ref<const std::string&>();
  // An account key is public; a JWK with private members is a client bug
  // that has just disclosed its key (RFC 7517 §9.2 asks for its protection).
  for (std::string_view name : kPrivateMembers) {
    if (jwk.contains(name)) {
      return JwkError(ErrorCode::kMalformed,
                      "private key member \"" + std::string(name) + "\"");
    }
  }

  auto impl = std::make_shared<Impl>();
  if (kty == "EC") {
    // RFC 7518 §6.2.1: "crv", "x", "y"; each coordinate exactly the size of
    // the field (§6.2.1.2-3: "MUST be the full size").
    MTC_RETURN_IF_ERROR(RejectMembers(jwk, kty, {"n", "e"}));
    MTC_ASSIGN_OR_RETURN(std::string crv, CurveOf(jwk));
    crypto::SignatureAlgorithm sig_alg;
    size_t size;
    if (crv == "P-256") {
      impl->alg = JwsAlgorithm::kEs256;
      sig_alg = crypto::SignatureAlgorithm::kEcdsaP256Sha256;
      size = 32;
    } else if (crv == "P-384") {
      impl->alg = JwsAlgorithm::kEs384;
      sig_alg = crypto::SignatureAlgorithm::kEcdsaP384Sha384;
      size = 48;
    } else {
      return JwkError(ErrorCode::kUnsupported, "unsupported EC curve \"" + crv +
                                                   "\" (want P-256 or P-384)");
    }
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> x, DecodeMember(jwk, "x"));
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> y, DecodeMember(jwk, "y"));
    if (x.size() != size || y.size() != size) {
      return JwkError(ErrorCode::kMalformed,
                      crv + " coordinates must be " + std::to_string(size) +
                          " bytes, got " + std::to_string(x.size()) + " and " +
                          std::to_string(y.size()));
    }
    // SEC 1 §2.3.3 uncompressed point; OpenSSL checks that it is on the curve
    // and that the coordinates are below the field prime.
    std::vector<uint8_t> point;
    point.reserve(1 + 2 * size);
    point.push_back(0x04);
    point.insert(point.end(), x.begin(), x.end());
    point.insert(point.end(), y.begin(), y.end());
    auto key = EcKeyCache::Get().FromRaw(sig_alg, point);
    if (!key.ok()) {
      return JwkError(ErrorCode::kMalformed,
                      "invalid " + crv + " key: " + key.error().message());
    }
    impl->key = std::move(key).value();
    impl->canonical = {{"crv", crv},
                       {"kty", kty},
                       {"x", wire::Base64UrlEncode(x)},
                       {"y", wire::Base64UrlEncode(y)}};
  } else if (kty == "RSA") {
    // RFC 7518 §6.3.1: "n" and "e" as Base64urlUInt, the minimal big-endian
    // encoding (§2): no leading zero octet.
    MTC_RETURN_IF_ERROR(RejectMembers(jwk, kty, {"crv", "x", "y"}));
    impl->alg = JwsAlgorithm::kRs256;
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> n, DecodeMember(jwk, "n"));
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> e, DecodeMember(jwk, "e"));
    if (n[0] == 0 || e[0] == 0) {
      return JwkError(ErrorCode::kMalformed,
                      "RSA \"n\" or \"e\" has a leading zero octet "
                      "(RFC 7518 §6.3.1.1)");
    }
    if ((n.back() & 1) == 0) {
      return JwkError(ErrorCode::kMalformed, "RSA modulus is even");
    }
    // Exponents above 2^31-1 are refused before any arithmetic (a huge e
    // would make every verification slow).
    if (e.size() > 4) {
      return JwkError(ErrorCode::kUnsupported, "RSA public exponent has " +
                                                   std::to_string(e.size()) +
                                                   " bytes (want 3 to 2^31-1)");
    }
    auto rsa = crypto::RsaPublicKey::FromModulusAndExponent(n, e);
    if (!rsa.ok()) return JwkError(rsa.error().code(), rsa.error().message());
    impl->rsa = std::move(rsa).value();
    impl->canonical = {{"e", wire::Base64UrlEncode(e)},
                       {"kty", kty},
                       {"n", wire::Base64UrlEncode(n)}};
  } else if (kty == "OKP") {
    // RFC 8037 §2: "crv" and "x", the raw public key (RFC 8032 §5.1.5).
    MTC_RETURN_IF_ERROR(RejectMembers(jwk, kty, {"y", "n", "e"}));
    MTC_ASSIGN_OR_RETURN(std::string crv, CurveOf(jwk));
    if (crv != "Ed25519") {
      return JwkError(ErrorCode::kUnsupported,
                      "unsupported OKP curve \"" + crv + "\" (want Ed25519)");
    }
    impl->alg = JwsAlgorithm::kEdDsa;
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> x, DecodeMember(jwk, "x"));
    if (x.size() != 32) {
      return JwkError(
          ErrorCode::kMalformed,
          "Ed25519 \"x\" must be 32 bytes, got " + std::to_string(x.size()));
    }
    auto key =
        crypto::PublicKey::FromRaw(crypto::SignatureAlgorithm::kEd25519, x);
    if (!key.ok()) {
      return JwkError(ErrorCode::kMalformed,
                      "invalid Ed25519 key: " + key.error().message());
    }
    impl->key = std::move(key).value();
    impl->canonical = {
        {"crv", crv}, {"kty", kty}, {"x", wire::Base64UrlEncode(x)}};
  } else {
    return JwkError(ErrorCode::kUnsupported,
                    "unsupported kty \"" + kty + "\" (want EC, RSA or OKP)");
  }

  // Optional members that constrain the key (RFC 7517 §4.2, §4.4) must not
  // contradict what it is used for here; the others are ignored.
  if (auto it = jwk.find("use");
      it != jwk.end() &&
      (!it->is_string() || it->get<std::string>() != "sig")) {
    return JwkError(ErrorCode::kMalformed, "\"use\" is not \"sig\"");
  }
  if (auto it = jwk.find("alg");
      it != jwk.end() &&
      (!it->is_string() ||
       it->get<std::string>() != JwsAlgorithmName(impl->alg))) {
    return JwkError(ErrorCode::kMalformed,
                    "\"alg\" " + it->dump() + " does not match the " + kty +
                        " key's algorithm " +
                        std::string(JwsAlgorithmName(impl->alg)));
  }

  Jwk result;
  result.impl_ = std::move(impl);
  return result;
}

json Jwk::ToJson() const { return impl_ ? impl_->canonical : json(); }

std::string Jwk::Thumbprint() const {
  if (!impl_) return "";
  // RFC 7638 §3.3: the required members, sorted by name (nlohmann's object
  // is a std::map), no whitespace; all values are ASCII, so no escaping
  // questions arise.
  std::string canonical = impl_->canonical.dump();
  crypto::Sha256Digest digest = crypto::Sha256Of(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(canonical.data()), canonical.size()));
  return wire::Base64UrlEncode(digest);
}

bool Jwk::Accepts(JwsAlgorithm alg) const {
  return impl_ != nullptr && impl_->alg == alg;
}

Status Jwk::Verify(JwsAlgorithm alg, std::span<const uint8_t> signing_input,
                   std::span<const uint8_t> signature) const {
  if (!impl_) return Error(ErrorCode::kInvalidArgument, "empty JWK");
  if (!Accepts(alg)) {
    return Error(ErrorCode::kUnsupported,
                 "the " + std::string(impl_->canonical.value("kty", "")) +
                     " key signs with " +
                     std::string(JwsAlgorithmName(impl_->alg)) + ", not " +
                     std::string(JwsAlgorithmName(alg)));
  }
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return impl_->rsa->VerifyRs256(signing_input, signature);
    case JwsAlgorithm::kEdDsa:
      return impl_->key->Verify(signing_input, signature);
    case JwsAlgorithm::kEs256:
    case JwsAlgorithm::kEs384:
      break;
  }
  // RFC 7518 §3.4: the signature is R || S, each exactly the coordinate size
  // (32 for P-256, 48 for P-384), never shortened. Re-encoded as the DER
  // Ecdsa-Sig-Value (RFC 3279 §2.2.3) the verifier takes.
  const size_t size = alg == JwsAlgorithm::kEs256 ? 32 : 48;
  if (signature.size() != 2 * size) {
    return Error(ErrorCode::kMalformed,
                 std::string(JwsAlgorithmName(alg)) + " signature has " +
                     std::to_string(signature.size()) + " bytes, want " +
                     std::to_string(2 * size));
  }
  wire::DerBuilder der;
  der.AddSequence([&](wire::DerBuilder& seq) {
    seq.AddUnsignedInteger(signature.first(size));
    seq.AddUnsignedInteger(signature.subspan(size));
  });
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> ecdsa_sig_value,
                       std::move(der).Finish());
  return impl_->key->Verify(signing_input, ecdsa_sig_value);
}

// ---------------------------------------------------------------------------
// Flattened JWS (RFC 7515 §7.2.2) as RFC 8555 §6.2 restricts it.

namespace {

Error Malformed(std::string message) {
  return Error(ErrorCode::kMalformed, "JWS: " + std::move(message));
}

Result<std::vector<uint8_t>> DecodePart(const json& jws, std::string_view name,
                                        bool allow_empty) {
  const std::string& text = jws.at(name).get_ref<const std::string&>();
  if (text.empty() && !allow_empty) {
    return Malformed("\"" + std::string(name) + "\" is empty");
  }
  // RFC 7515 §2: base64url without padding; the decoder rejects '=', '+',
  // '/', whitespace and non-zero trailing bits.
  auto bytes = wire::Base64UrlDecode(text);
  if (!bytes.ok()) {
    return Malformed("\"" + std::string(name) +
                     "\": " + bytes.error().message());
  }
  return std::move(bytes).value();
}

// A protected-header member that must be a non-empty string.
Result<std::string> HeaderString(const json& header, std::string_view name) {
  const json& v = header.at(name);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    return Malformed("protected header \"" + std::string(name) +
                     "\" is not a non-empty string");
  }
  return v.get<std::string>();
}

}  // namespace

namespace {

// What the protected header must say besides alg and url: a request's has a
// nonce and a jwk or kid (RFC 8555 §6.2); the inner JWS of a key change has a
// jwk and no nonce (§7.3.5).
enum class JwsKind { kRequest, kKeyChangeInner };

Result<JwsRequest> ParseJwsOfKind(std::string_view body, JwsKind kind) {
  auto parsed = ParseJson(body);
  if (!parsed.ok()) return Malformed(parsed.error().message());
  const json& jws = *parsed;
  if (!jws.is_object()) return Malformed("not a JSON object");

  // RFC 8555 §6.2: flattened serialization, one signature, no unprotected
  // header, payload not detached. RFC 7515 §7.2.2 names the members.
  if (jws.contains("signatures")) {
    return Malformed(
        "general JSON serialization (\"signatures\") is not "
        "allowed; use the flattened form (RFC 8555 §6.2)");
  }
  if (jws.contains("header")) {
    return Malformed("unprotected \"header\" is not allowed (RFC 8555 §6.2)");
  }
  for (const auto& [name, value] : jws.items()) {
    if (name != "protected" && name != "payload" && name != "signature") {
      return Malformed("unknown member \"" + name + "\"");
    }
    if (!value.is_string()) {
      return Malformed("\"" + name + "\" is not a string");
    }
  }
  if (!jws.contains("protected")) return Malformed("no \"protected\" header");
  if (!jws.contains("payload")) {
    return Malformed("no \"payload\" (detached payloads are not allowed)");
  }
  if (!jws.contains("signature")) return Malformed("no \"signature\"");

  JwsRequest request;
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> header_bytes,
                       DecodePart(jws, "protected", /*allow_empty=*/false));
  auto header = ParseJson(std::string_view(
      reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size()));
  if (!header.ok()) {
    return Malformed("protected header: " + header.error().message());
  }
  if (!header->is_object()) {
    return Malformed("protected header is not a JSON object");
  }
  const json& h = *header;

  // RFC 7515 §4.1.11: "crit" names extensions the recipient must understand;
  // we understand none. RFC 8555 §6.2 forbids the RFC 7797 "b64" option,
  // which is only valid when listed in "crit" anyway.
  if (h.contains("crit")) {
    return Malformed("\"crit\" header parameters are not supported");
  }
  if (h.contains("b64")) {
    return Malformed(
        "the unencoded payload option (\"b64\") is not allowed "
        "(RFC 8555 §6.2)");
  }

  if (!h.contains("alg")) return Malformed("protected header has no \"alg\"");
  if (!h.at("alg").is_string()) return Malformed("\"alg\" is not a string");
  MTC_ASSIGN_OR_RETURN(request.alg,
                       ParseJwsAlgorithm(h.at("alg").get<std::string>()));

  // RFC 8555 §6.4: the server compares "url" with the request URL.
  if (!h.contains("url")) return Malformed("protected header has no \"url\"");
  MTC_ASSIGN_OR_RETURN(request.url, HeaderString(h, "url"));

  // RFC 8555 §6.2: "jwk" and "kid" are mutually exclusive, one is required.
  bool has_jwk = h.contains("jwk");
  bool has_kid = h.contains("kid");
  if (has_jwk && has_kid) {
    return Malformed("protected header has both \"jwk\" and \"kid\"");
  }
  if (!has_jwk && !has_kid) {
    return Malformed("protected header has neither \"jwk\" nor \"kid\"");
  }
  if (has_kid) {
    MTC_ASSIGN_OR_RETURN(request.kid, HeaderString(h, "kid"));
  } else {
    auto jwk = Jwk::Parse(h.at("jwk"));
    if (!jwk.ok()) {
      return Error(ErrorCode::kInvalidArgument, jwk.error().message());
    }
    // RFC 8555 §6.2 lists '"alg" is "ES256" but "jwk" does not contain a
    // valid P-256 public key' among the badPublicKey cases.
    if (!jwk->Accepts(request.alg)) {
      return Error(ErrorCode::kInvalidArgument,
                   "jwk: a " + jwk->ToJson().value("kty", std::string()) + " " +
                       jwk->ToJson().value("crv", std::string()) +
                       " key cannot sign " +
                       std::string(JwsAlgorithmName(request.alg)));
    }
    request.jwk = std::move(jwk).value();
  }

  if (kind == JwsKind::kKeyChangeInner) {
    // RFC 8555 §7.3.5: 'The inner JWS MUST have a "jwk" header parameter
    // ... The inner JWS MUST omit the "nonce" header parameter.'
    if (!has_jwk) return Malformed("the inner JWS must carry a \"jwk\"");
    if (h.contains("nonce")) {
      return Malformed("the inner JWS must not carry a \"nonce\"");
    }
  } else if (!h.contains("nonce")) {
    // RFC 8555 §6.5: a missing nonce is badNonce; one that is not
    // base64url is malformed (§6.5.2).
    return Error(ErrorCode::kNotFound,
                 "JWS: protected header has no \"nonce\"");
  }
  if (kind == JwsKind::kRequest) {
    MTC_ASSIGN_OR_RETURN(request.nonce, HeaderString(h, "nonce"));
    if (!wire::Base64UrlDecode(request.nonce).ok()) {
      return Malformed("\"nonce\" is not base64url (RFC 8555 §6.5.2)");
    }
  }

  // RFC 8555 §6.3: payload "" is POST-as-GET; any other payload is a JSON
  // object (every ACME request body is one).
  MTC_ASSIGN_OR_RETURN(request.payload,
                       DecodePart(jws, "payload", /*allow_empty=*/true));
  if (jws.at("payload").get_ref<const std::string&>().empty()) {
    request.post_as_get = true;
  } else {
    auto payload = ParseJson(
        std::string_view(reinterpret_cast<const char*>(request.payload.data()),
                         request.payload.size()));
    if (!payload.ok()) {
      return Malformed("payload: " + payload.error().message());
    }
    if (!payload->is_object()) {
      return Malformed("payload is neither empty nor a JSON object");
    }
    request.payload_json = std::move(payload).value();
  }

  MTC_ASSIGN_OR_RETURN(request.signature,
                       DecodePart(jws, "signature", /*allow_empty=*/false));

  // RFC 7515 §5.2 step 8: ASCII(BASE64URL(protected) || '.' || payload).
  request.signing_input = jws.at("protected").get<std::string>() + "." +
                          jws.at("payload").get<std::string>();
  request.protected_header = std::move(header).value();
  return request;
}

}  // namespace

Result<JwsRequest> ParseJws(std::string_view body) {
  return ParseJwsOfKind(body, JwsKind::kRequest);
}

Result<JwsRequest> ParseKeyChangeInnerJws(std::string_view body) {
  return ParseJwsOfKind(body, JwsKind::kKeyChangeInner);
}

Status VerifyJws(const JwsRequest& request, const Jwk& key) {
  return key.Verify(request.alg,
                    std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(
                                                 request.signing_input.data()),
                                             request.signing_input.size()),
                    request.signature);
}

std::string KeyAuthorization(std::string_view token, const Jwk& account_key) {
  // RFC 8555 §8.1: keyAuthorization = token || '.' ||
  // base64url(Thumbprint(accountKey)).
  std::string out(token);
  out += '.';
  out += account_key.Thumbprint();
  return out;
}

}  // namespace mtc::acme
