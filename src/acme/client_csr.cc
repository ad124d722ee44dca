#include "acme/client_csr.h"

#include <arpa/inet.h>

#include <utility>

#include "mtc/crypto/signature_algorithm.h"
#include "mtc/wire/der.h"

namespace mtc::acme::client {

namespace {

constexpr char kSubjectAltNameOid[] = "2.5.29.17";  // RFC 5280 §4.2.1.6
constexpr char kExtensionRequestOid[] = "1.2.840.113549.1.9.14";  // RFC 2985

}  // namespace

Result<std::vector<uint8_t>> BuildCsr(const crypto::PrivateKey& key,
                                      const CsrNames& names) {
  if (names.dns_names.empty() && names.ip_addresses.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a CSR needs at least one name");
  }
  for (const auto& ip : names.ip_addresses) {
    if (ip.size() != 4 && ip.size() != 16) {
      return Error(ErrorCode::kInvalidArgument,
                   "an IP address has 4 or 16 bytes");
    }
  }
  // RFC 2986 §4.1:
  //   CertificationRequestInfo ::= SEQUENCE {
  //     version       INTEGER { v1(0) },
  //     subject       Name,
  //     subjectPKInfo SubjectPublicKeyInfo,
  //     attributes    [0] Attributes }
  // with one extensionRequest attribute (RFC 2985 §5.4.2) holding
  // Extensions { subjectAltName }.
  wire::DerBuilder info;
  info.AddSequence([&](wire::DerBuilder& i) {
    i.AddUint64(0);
    i.AddSequence([](wire::DerBuilder&) {});  // empty RDNSequence
    i.AddRawElement(key.public_key().ToSpkiDer());
    i.AddElement(wire::DerExplicitTag(0), [&](wire::DerBuilder& attrs) {
      attrs.AddSequence([&](wire::DerBuilder& attr) {
        attr.AddOid(kExtensionRequestOid);
        attr.AddSetOf([&](wire::DerBuilder& values) {
          values.AddSequence([&](wire::DerBuilder& exts) {
            exts.AddSequence([&](wire::DerBuilder& ext) {
              ext.AddOid(kSubjectAltNameOid);
              ext.AddElement(wire::kDerOctetString, [&](wire::DerBuilder& v) {
                // GeneralNames: dNSName [2] IA5String, iPAddress [7]
                // OCTET STRING (RFC 5280 §4.2.1.6).
                v.AddSequence([&](wire::DerBuilder& general_names) {
                  for (const auto& name : names.dns_names) {
                    general_names.AddIa5String(name, wire::DerImplicitTag(2));
                  }
                  for (const auto& ip : names.ip_addresses) {
                    general_names.AddOctetString(ip, wire::DerImplicitTag(7));
                  }
                });
              });
            });
          });
        });
      });
    });
  });
  auto info_der = std::move(info).Finish();
  if (!info_der.ok()) return info_der.error().WithContext("CSR");
  auto signature = key.Sign(*info_der);
  if (!signature.ok()) return signature.error();
  // RFC 2986 §4.2:
  //   CertificationRequest ::= SEQUENCE {
  //     certificationRequestInfo CertificationRequestInfo,
  //     signatureAlgorithm       AlgorithmIdentifier,
  //     signature                BIT STRING }
  // Every algorithm of ours has absent parameters (RFC 5758 §3.2, RFC 8410
  // §3, RFC 9881).
  const auto& alg = crypto::GetSignatureAlgorithmInfo(key.algorithm());
  wire::DerBuilder csr;
  csr.AddSequence([&](wire::DerBuilder& c) {
    c.AddRawElement(*info_der);
    c.AddSequence([&](wire::DerBuilder& a) { a.AddOid(alg.signature_oid); });
    c.AddBitString(*signature);
  });
  return std::move(csr).Finish();
}

Result<std::vector<uint8_t>> ParseIpAddress(const std::string& text) {
  std::vector<uint8_t> v4(4), v6(16);
  if (inet_pton(AF_INET, text.c_str(), v4.data()) == 1) return v4;
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) return v6;
  return Error(ErrorCode::kInvalidArgument,
               "not an IPv4 or IPv6 address: \"" + text + "\"");
}

}  // namespace mtc::acme::client
