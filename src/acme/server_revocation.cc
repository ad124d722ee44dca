// Revocation (RFC 8555 §7.6), renewal information (RFC 9773) and the
// published revocation list.
#include <algorithm>

#include "acme/server.h"
#include "acme/server_internal.h"
#include "mtc/base/hex.h"
#include "mtc/cert/certificate.h"
#include "mtc/crypto/public_key.h"
#include "mtc/crypto/rsa_public_key.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/base64.h"

namespace mtc::acme {

using internal::MakeProblem;

namespace {

// The SubjectPublicKeyInfo of a JWK (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2),
// to compare with a certificate's key.
Result<std::vector<uint8_t>> JwkToSpki(const Jwk& jwk) {
  nlohmann::json j = jwk.ToJson();
  auto member = [&](const char* name) {
    return j.contains(name) && j[name].is_string()
               ? wire::Base64UrlDecode(j[name].get<std::string>())
               : Result<std::vector<uint8_t>>(Error(
                     ErrorCode::kMalformed, "JWK lacks " + std::string(name)));
  };
  std::string kty = j.value("kty", "");
  if (kty == "RSA") {
    MTC_ASSIGN_OR_RETURN(auto n, member("n"));
    MTC_ASSIGN_OR_RETURN(auto e, member("e"));
    MTC_ASSIGN_OR_RETURN(auto key,
                         crypto::RsaPublicKey::FromModulusAndExponent(n, e));
    return key.ToSpkiDer();
  }
  std::string crv = j.value("crv", "");
  MTC_ASSIGN_OR_RETURN(auto x, member("x"));
  if (kty == "OKP" && crv == "Ed25519") {
    MTC_ASSIGN_OR_RETURN(
        auto key,
        crypto::PublicKey::FromRaw(crypto::SignatureAlgorithm::kEd25519, x));
    return key.ToSpkiDer();
  }
  if (kty == "EC" && (crv == "P-256" || crv == "P-384")) {
    MTC_ASSIGN_OR_RETURN(auto y, member("y"));
    std::vector<uint8_t> point{0x04};
    point.insert(point.end(), x.begin(), x.end());
    point.insert(point.end(), y.begin(), y.end());
    MTC_ASSIGN_OR_RETURN(
        auto key,
        crypto::PublicKey::FromRaw(
            crv == "P-256" ? crypto::SignatureAlgorithm::kEcdsaP256Sha256
                           : crypto::SignatureAlgorithm::kEcdsaP384Sha384,
            point));
    return key.ToSpkiDer();
  }
  return Error(ErrorCode::kUnsupported, "JWK type " + kty);
}

// RFC 9773 §4.2: suggest renewing between 2/3 and 3/4 of the lifetime, so
// that the new certificate's landmark arrives while the old one is still
// covered (draft §Certificate Renewal recommends 75 %).
std::pair<int64_t, int64_t> SuggestedWindow(const CertificateRecord& c,
                                            int64_t now) {
  if (c.revoked) return {now - 3600, now};  // renew at once
  int64_t life = c.not_after - c.not_before;
  return {c.not_before + life * 2 / 3, c.not_before + life * 3 / 4};
}

}  // namespace

net::Response AcmeServer::RevokeCert(const net::Request& request) {
  auto checked = Authenticate(request, KeyMode::kEither);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  const nlohmann::json& payload = a.payload;
  if (!payload.is_object() || !payload.contains("certificate") ||
      !payload.at("certificate").is_string()) {
    return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                       "revokeCert needs \"certificate\""));
  }
  // RFC 5280 §5.3.1 reasons a subscriber may give (as CAs commonly allow):
  // unspecified, keyCompromise, affiliationChanged, superseded,
  // cessationOfOperation.
  int reason = 0;
  if (payload.contains("reason")) {
    if (!payload["reason"].is_number_integer()) {
      return ProblemResponse(MakeProblem(ProblemType::kBadRevocationReason, 400,
                                         "reason is an integer"));
    }
    reason = payload["reason"].get<int>();
    if (reason != 0 && reason != 1 && reason != 3 && reason != 4 &&
        reason != 5) {
      return ProblemResponse(
          MakeProblem(ProblemType::kBadRevocationReason, 400,
                      "reason " + std::to_string(reason) + " is not accepted"));
    }
  }
  auto der = wire::Base64UrlDecode(payload["certificate"].get<std::string>());
  if (!der.ok()) {
    return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                       "certificate is not base64url DER"));
  }
  auto parsed = cert::ParseCertificate(*der);
  if (!parsed.ok()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400,
                    "certificate: " + parsed.error().message()));
  }
  auto record = store_->FindCertificateBySerial(HexEncode(parsed->tbs.serial));
  if (!record.ok()) {
    return ProblemResponse(internal::ProblemFromError(record.error()));
  }
  // The same entry (standalone or landmark-relative: both carry it), not
  // just the same serial.
  if (!record->has_value() ||
      cert::LogEntryFromTbsCertificate(parsed->tbs).EncodeContents() !=
          (*record)->tbs_entry) {
    return ProblemResponse(MakeProblem(
        ProblemType::kMalformed, 404, "this CA did not issue the certificate"));
  }
  const CertificateRecord& c = **record;
  // §7.6: the issuing account, or the certificate's own key.
  if (a.account) {
    if (a.account->id != c.account_id) {
      return ProblemResponse(
          MakeProblem(ProblemType::kUnauthorized, 403,
                      "the certificate belongs to another account"));
    }
  } else {
    auto spki = JwkToSpki(*a.jws.jwk);
    auto digest = spki.ok() ? crypto::Sha256Of(*spki) : crypto::Sha256Digest{};
    if (!spki.ok() || !std::equal(digest.begin(), digest.end(),
                                  c.spki_sha256.begin(), c.spki_sha256.end())) {
      return ProblemResponse(
          MakeProblem(ProblemType::kUnauthorized, 403,
                      "the jwk is not the certificate's key"));
    }
  }
  Status s = store_->RevokeCertificate(c.id, reason, Now());
  if (!s.ok()) {
    if (s.error().code() == ErrorCode::kConflict) {
      return ProblemResponse(MakeProblem(ProblemType::kAlreadyRevoked, 400,
                                         "the certificate is revoked"));
    }
    return ProblemResponse(internal::ProblemFromError(s.error()));
  }
  net::Response r;
  r.status = 200;
  return r;
}

net::Response AcmeServer::RenewalInfo(const net::Request& /*request*/,
                                      std::string_view cert_id) {
  // RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial).
  auto serial_hex = internal::CertIdSerialHex(cert_id);
  if (!serial_hex) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400, "bad certID"));
  }
  auto record = store_->FindCertificateBySerial(*serial_hex);
  if (!record.ok()) {
    return ProblemResponse(internal::ProblemFromError(record.error()));
  }
  if (!record->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "unknown certificate"));
  }
  auto [start, end] = SuggestedWindow(**record, Now());
  net::Response r =
      internal::JsonResponse(200, {{"suggestedWindow",
                                    {{"start", internal::Rfc3339(start)},
                                     {"end", internal::Rfc3339(end)}}}});
  r.AddHeader("Retry-After", "21600");  // §4.3: poll about every 6 hours
  return r;
}

net::Response AcmeServer::RevokedList() {
  auto revoked = store_->ListRevoked();
  if (!revoked.ok()) {
    return ProblemResponse(internal::ProblemFromError(revoked.error()));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : *revoked) {
    list.push_back({{"serial", c.serial_hex},
                    {"log", c.log_number},
                    {"index", c.index},
                    {"reason", c.revocation_reason},
                    {"revokedAt", internal::Rfc3339(c.revoked_at)}});
  }
  net::Response r = internal::JsonResponse(200, {{"revoked", list}});
  r.AddHeader("Cache-Control", "public, max-age=60");
  return r;
}

}  // namespace mtc::acme
