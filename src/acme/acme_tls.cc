#include "acme/acme_tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

#include "mtc/crypto/private_key.h"
#include "mtc/crypto/random.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"

namespace mtc::acme {

namespace {

constexpr char kEcdsaWithSha256[] = "1.2.840.10045.4.3.2";  // RFC 5758 §3.2
constexpr char kCommonName[] = "2.5.4.3";
constexpr char kSubjectKeyIdentifier[] = "2.5.29.14";
constexpr char kKeyUsage[] = "2.5.29.15";
constexpr char kSubjectAltName[] = "2.5.29.17";
constexpr char kBasicConstraints[] = "2.5.29.19";
constexpr char kAuthorityKeyIdentifier[] = "2.5.29.35";
constexpr char kExtKeyUsage[] = "2.5.29.37";
constexpr char kServerAuth[] = "1.3.6.1.5.5.7.3.1";
constexpr int64_t kTenYears = int64_t{10} * 365 * 86400;

// Name ::= SEQUENCE OF RelativeDistinguishedName, here one commonName.
void AddName(wire::DerBuilder& b, const std::string& cn) {
  b.AddSequence([&](wire::DerBuilder& name) {
    name.AddSetOf([&](wire::DerBuilder& rdn) {
      rdn.AddSequence([&](wire::DerBuilder& atv) {
        atv.AddOid(kCommonName);
        atv.AddUtf8String(cn);
      });
    });
  });
}

// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE,
//                          extnValue OCTET STRING }
template <typename Fill>
void AddExtension(wire::DerBuilder& b, const char* oid, bool critical,
                  Fill&& fill) {
  b.AddSequence([&](wire::DerBuilder& ext) {
    ext.AddOid(oid);
    if (critical) ext.AddBool(true);
    ext.AddElement(wire::kDerOctetString, fill);
  });
}

// RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the
// subjectPublicKey BIT STRING's bytes; we hash the whole SPKI, which is as
// unique and simpler (RFC 5280 §4.2.1.2 allows any method).
std::vector<uint8_t> KeyId(const std::vector<uint8_t>& spki) {
  auto digest = crypto::Sha256Of(spki);
  return {digest.begin(), digest.begin() + 20};
}

struct CertificateSpec {
  std::string subject_cn;
  std::string issuer_cn;
  std::vector<uint8_t> spki;
  std::vector<uint8_t> issuer_key_id;
  bool ca = false;
  std::vector<std::string> dns_names;
  std::vector<std::vector<uint8_t>> ips;
  int64_t not_before = 0;
  int64_t not_after = 0;
};

// RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate,
// signatureAlgorithm, signatureValue }, signed with ECDSA P-256 / SHA-256
// (whose signature is the DER Ecdsa-Sig-Value X.509 expects).
Result<std::vector<uint8_t>> MakeCertificate(const CertificateSpec& spec,
                                             const crypto::PrivateKey& issuer) {
  std::vector<uint8_t> serial = crypto::RandomBytes(16);
  serial[0] &= 0x7f;  // positive
  serial[0] |= 0x01;  // and 16 octets long
  wire::DerBuilder tbs;
  tbs.AddSequence([&](wire::DerBuilder& t) {
    t.AddElement(wire::DerExplicitTag(0),
                 [](wire::DerBuilder& v) { v.AddUint64(2); });  // v3
    t.AddUnsignedInteger(serial);
    t.AddSequence([](wire::DerBuilder& alg) { alg.AddOid(kEcdsaWithSha256); });
    AddName(t, spec.issuer_cn);
    t.AddSequence([&](wire::DerBuilder& validity) {
      validity.AddTime(spec.not_before);
      validity.AddTime(spec.not_after);
    });
    AddName(t, spec.subject_cn);
    t.AddRawElement(spec.spki);
    t.AddElement(wire::DerExplicitTag(3), [&](wire::DerBuilder& x) {
      x.AddSequence([&](wire::DerBuilder& exts) {
        AddExtension(exts, kBasicConstraints, true, [&](wire::DerBuilder& v) {
          v.AddSequence([&](wire::DerBuilder& bc) {
            if (spec.ca) bc.AddBool(true);
          });
        });
        // KeyUsage: keyCertSign (5) | cRLSign (6) for the CA,
        // digitalSignature (0) for the server.
        AddExtension(exts, kKeyUsage, true, [&](wire::DerBuilder& v) {
          if (spec.ca) {
            v.AddBitStringWithUnusedBits(std::vector<uint8_t>{0x06}, 1);
          } else {
            v.AddBitStringWithUnusedBits(std::vector<uint8_t>{0x80}, 7);
          }
        });
        AddExtension(
            exts, kSubjectKeyIdentifier, false,
            [&](wire::DerBuilder& v) { v.AddOctetString(KeyId(spec.spki)); });
        if (!spec.ca) {
          AddExtension(
              exts, kAuthorityKeyIdentifier, false, [&](wire::DerBuilder& v) {
                v.AddSequence([&](wire::DerBuilder& aki) {
                  aki.AddElement(wire::DerImplicitTag(0), spec.issuer_key_id);
                });
              });
          AddExtension(exts, kExtKeyUsage, false, [&](wire::DerBuilder& v) {
            v.AddSequence(
                [&](wire::DerBuilder& eku) { eku.AddOid(kServerAuth); });
          });
          AddExtension(exts, kSubjectAltName, false, [&](wire::DerBuilder& v) {
            v.AddSequence([&](wire::DerBuilder& names) {
              for (const auto& d : spec.dns_names) {
                names.AddIa5String(d, wire::DerImplicitTag(2));
              }
              for (const auto& ip : spec.ips) {
                names.AddOctetString(ip, wire::DerImplicitTag(7));
              }
            });
          });
        }
      });
    });
  });
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> tbs_der, std::move(tbs).Finish());
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> signature, issuer.Sign(tbs_der));
  wire::DerBuilder cert;
  cert.AddSequence([&](wire::DerBuilder& c) {
    c.AddRawElement(tbs_der);
    c.AddSequence([](wire::DerBuilder& alg) { alg.AddOid(kEcdsaWithSha256); });
    c.AddBitString(signature);
  });
  return std::move(cert).Finish();
}

std::optional<std::vector<uint8_t>> IpBytes(const std::string& text) {
  std::array<uint8_t, 16> buf;
  if (inet_pton(AF_INET, text.c_str(), buf.data()) == 1) {
    return std::vector<uint8_t>(buf.begin(), buf.begin() + 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) {
    return std::vector<uint8_t>(buf.begin(), buf.end());
  }
  return std::nullopt;
}

Status WriteNew(const std::string& path, const std::string& contents,
                mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return Error(ErrorCode::kIo,
                 "cannot create " + tmp + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, contents.data(), contents.size()) ==
            static_cast<ssize_t>(contents.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error(ErrorCode::kIo, "cannot write " + path);
  }
  return OkStatus();
}

}  // namespace

Result<AcmeTlsIdentity> MakeAcmeTlsIdentity(const std::string& host,
                                            int64_t now) {
  using crypto::SignatureAlgorithm;
  MTC_ASSIGN_OR_RETURN(
      crypto::PrivateKey ca_key,
      crypto::PrivateKey::Generate(SignatureAlgorithm::kEcdsaP256Sha256));
  MTC_ASSIGN_OR_RETURN(
      crypto::PrivateKey server_key,
      crypto::PrivateKey::Generate(SignatureAlgorithm::kEcdsaP256Sha256));
  CertificateSpec ca;
  ca.subject_cn = ca.issuer_cn = "mtc ACME endpoint CA";
  ca.spki = ca_key.public_key().ToSpkiDer();
  ca.ca = true;
  ca.not_before = now - 3600;
  ca.not_after = now + kTenYears;
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> ca_der,
                       MakeCertificate(ca, ca_key));

  CertificateSpec server;
  server.subject_cn = host;
  server.issuer_cn = ca.subject_cn;
  server.spki = server_key.public_key().ToSpkiDer();
  server.issuer_key_id = KeyId(ca.spki);
  server.not_before = ca.not_before;
  server.not_after = ca.not_after - 86400;
  std::vector<std::string> ips = {"127.0.0.1", "::1"};
  if (auto ip = IpBytes(host)) {
    if (host != "127.0.0.1" && host != "::1") ips.insert(ips.begin(), host);
  } else {
    server.dns_names.push_back(host);
  }
  if (host != "localhost") server.dns_names.push_back("localhost");
  for (const auto& ip : ips) server.ips.push_back(*IpBytes(ip));
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> server_der,
                       MakeCertificate(server, ca_key));

  AcmeTlsIdentity id;
  MTC_ASSIGN_OR_RETURN(id.ca_pem, wire::PemEncode("CERTIFICATE", ca_der));
  MTC_ASSIGN_OR_RETURN(std::string server_pem,
                       wire::PemEncode("CERTIFICATE", server_der));
  id.server_pem = server_pem + id.ca_pem;
  id.server_key_pem = server_key.ToPkcs8Pem();
  return id;
}

Status EnsureAcmeTlsFiles(const std::string& dir, const std::string& host) {
  std::string cert_path = dir + "/" + kAcmeServerCertFile;
  struct stat st;
  if (::stat(cert_path.c_str(), &st) == 0) return OkStatus();
  MTC_ASSIGN_OR_RETURN(AcmeTlsIdentity id,
                       MakeAcmeTlsIdentity(host, std::time(nullptr)));
  // The key first and the certificate last: its presence means all three.
  MTC_RETURN_IF_ERROR(
      WriteNew(dir + "/" + kAcmeServerKeyFile, id.server_key_pem, 0600));
  MTC_RETURN_IF_ERROR(WriteNew(dir + "/" + kAcmeCaFile, id.ca_pem, 0644));
  return WriteNew(cert_path, id.server_pem, 0644);
}

}  // namespace mtc::acme
