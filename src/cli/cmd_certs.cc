// `mtc verify` and `mtc inspect`: the relying party's view of a certificate
// (docs/design.md §8).
#include <ctime>
#include <iostream>
#include <map>
#include <optional>

#include "cli_util.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/x509_text.h"
#include "mtc/verify/relying_party.h"

namespace mtc::cli {

namespace {

struct VerifyOptions {
  std::string ca_cert;
  std::vector<std::string> cosigners;
  std::optional<size_t> quorum;
  std::string subtrees;
  std::string at;
  std::string cert;
};

Result<verify::RelyingPartyConfig> BuildConfig(const VerifyOptions& o) {
  MTC_ASSIGN_OR_RETURN(std::string ca_pem, ReadFile(o.ca_cert));
  auto ca = cert::ParseCaCertificatePem(ca_pem);
  if (!ca.ok()) return ca.error().WithContext(o.ca_cert);
  verify::RelyingPartyConfig config = verify::ConfigFromCaCertificate(*ca);
  MTC_ASSIGN_OR_RETURN(config.cosigners, LoadCosigners(o.cosigners));
  config.quorum = o.quorum.value_or(config.cosigners.size());
  if (config.quorum > config.cosigners.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--quorum " + std::to_string(config.quorum) + " exceeds the " +
                     std::to_string(config.cosigners.size()) +
                     " cosigners given");
  }
  if (!o.subtrees.empty()) {
    MTC_ASSIGN_OR_RETURN(std::string text, ReadFile(o.subtrees));
    auto subtrees = verify::ParseTrustedSubtrees(text);
    if (!subtrees.ok()) return subtrees.error().WithContext(o.subtrees);
    config.trusted_subtrees = std::move(subtrees).value();
  }
  return config;
}

int Verify(const VerifyOptions& o) {
  auto config = BuildConfig(o);
  if (!config.ok()) return ReportError("verify", config.error());
  int64_t now = std::time(nullptr);
  if (!o.at.empty()) {
    auto at = cert::ParseTime(o.at);
    if (!at.ok()) return ReportError("verify", at.error());
    now = *at;
  }
  auto der = LoadCertificate(o.cert);
  if (!der.ok()) return ReportError("verify", der.error());
  auto cert = cert::ParseCertificate(*der);
  if (!cert.ok()) {
    std::cout << o.cert << ": INVALID: " << cert.error().message() << "\n";
    return kExitInvalid;
  }
  auto verified = verify::VerifyCertificateSignature(*config, *cert);
  if (!verified.ok()) {
    std::cout << o.cert << ": INVALID: " << verified.error().message() << "\n";
    return kExitInvalid;
  }
  Status valid = verify::CheckIssuerAndValidity(*config, *cert, now);
  if (!valid.ok()) {
    std::cout << o.cert << ": INVALID: " << valid.error().message() << "\n";
    return kExitInvalid;
  }
  std::cout << o.cert << ": OK: log " << verified->log_number << " index "
            << verified->index << ", subtree "
            << verified->proof.subtree.ToString();
  if (verified->by_trusted_subtree) {
    std::cout << ", landmark-relative (trusted subtree)\n";
  } else {
    std::cout << ", standalone, signed by";
    for (const std::string& c : verified->valid_cosigners)
      std::cout << " " << c;
    std::cout << "\n";
  }
  return kExitOk;
}

// The algorithm of a signature: from its cosigner's key when known, else
// guessed from its size.
std::string DescribeSignature(const std::vector<uint8_t>& sig,
                              const crypto::PublicKey* key) {
  std::string size = std::to_string(sig.size()) + "-byte signature";
  if (key != nullptr) {
    return std::string(crypto::SignatureAlgorithmName(key->algorithm())) +
           " (" + size + ")";
  }
  for (crypto::SignatureAlgorithm alg : crypto::kAllSignatureAlgorithms) {
    if (crypto::IsMlDsa(alg) &&
        crypto::GetSignatureAlgorithmInfo(alg).max_signature_size ==
            sig.size()) {
      return std::string(crypto::SignatureAlgorithmName(alg)) + " (by size; " +
             size + ")";
    }
  }
  if (sig.size() == 64) return "ed25519 (by size; " + size + ")";
  if (sig.size() >= 8 && sig.size() <= 72 && sig[0] == 0x30) {
    return "ecdsa-p256-sha256 (by encoding; " + size + ")";
  }
  if (sig.size() > 72 && sig.size() <= 104 && sig[0] == 0x30) {
    return "ecdsa-p384-sha384 (by encoding; " + size + ")";
  }
  return "unknown algorithm (" + size + ")";
}

struct InspectOptions {
  std::string ca_cert;
  std::vector<std::string> cosigners;
  std::string cert;
};

int Inspect(const InspectOptions& o) {
  std::map<std::vector<uint8_t>, crypto::PublicKey> keys;
  if (!o.ca_cert.empty()) {
    auto pem = ReadFile(o.ca_cert);
    if (!pem.ok()) return ReportError("inspect", pem.error());
    auto ca = cert::ParseCaCertificatePem(*pem);
    if (!ca.ok())
      return ReportError("inspect", ca.error().WithContext(o.ca_cert));
    keys.emplace(ca->ca_id.binary(), ca->public_key);
  }
  auto cosigners = LoadCosigners(o.cosigners);
  if (!cosigners.ok()) return ReportError("inspect", cosigners.error());
  for (const verify::Cosigner& c : *cosigners)
    keys.emplace(c.id.binary(), c.key);

  auto der = LoadCertificate(o.cert);
  if (!der.ok()) return ReportError("inspect", der.error());
  auto cert = cert::ParseCertificate(*der);
  if (!cert.ok())
    return ReportError("inspect", cert.error().WithContext(o.cert));
  if (cert->tbs.signature != cert::MtcProofAlgorithmIdentifier()) {
    return ReportError("inspect",
                       Error(ErrorCode::kInvalidArgument,
                             o.cert + " is not a Merkle Tree Certificate"));
  }
  auto proof = cert::ParseMtcProof(cert->signature_value);
  if (!proof.ok())
    return ReportError("inspect", proof.error().WithContext(o.cert));
  auto issuer = cert::ParseCaIdName(cert->tbs.issuer);
  auto subject = cert::NameToString(cert->tbs.subject);
  auto sans = cert::SubjectAltNames(cert->tbs);

  uint64_t serial = 0;
  for (uint8_t b : cert->tbs.serial) serial = serial << 8 | b;
  bool fits = cert->tbs.serial.size() <= 8 ||
              (cert->tbs.serial.size() == 9 && cert->tbs.serial[0] == 0);
  std::cout << "Kind:          "
            << (proof->signatures.empty() ? "landmark-relative (no signatures)"
                                          : "standalone")
            << "\n";
  std::cout << "Issuer CA ID:  "
            << (issuer.ok() ? issuer->ToAscii() : "(not a CA ID name)") << "\n";
  if (fits) {
    std::cout << "Log number:    " << (serial >> 48) << "\n";
    std::cout << "Index:         " << (serial & ((uint64_t{1} << 48) - 1))
              << "\n";
  } else {
    std::cout << "Serial:        (exceeds 64 bits)\n";
  }
  std::cout << "Validity:      " << cert::FormatTime(cert->tbs.not_before)
            << " to " << cert::FormatTime(cert->tbs.not_after) << "\n";
  std::cout << "Subject:       " << (subject.ok() ? *subject : "(malformed)")
            << "\n";
  std::cout << "SANs:          ";
  if (sans.ok()) {
    for (size_t i = 0; i < sans->size(); i++) {
      std::cout << (i ? ", " : "") << (*sans)[i];
    }
  } else {
    std::cout << "(malformed)";
  }
  std::cout << "\n";
  std::cout << "Subtree:       " << proof->subtree.ToString() << "\n";
  std::cout << "Proof length:  " << proof->inclusion_proof.size()
            << " hashes\n";
  if (!proof->extensions.empty()) {
    std::cout << "Entry extensions: " << proof->extensions.size() << "\n";
  }
  std::cout << "Cosigners:     " << proof->signatures.size() << "\n";
  for (const cert::SubtreeSignature& s : proof->signatures) {
    auto id = cert::TrustAnchorId::FromBinary(s.cosigner_id);
    auto it = keys.find(s.cosigner_id);
    std::cout << "  " << (id.ok() ? id->ToAscii() : "(invalid ID)") << "  "
              << DescribeSignature(s.signature,
                                   it == keys.end() ? nullptr : &it->second)
              << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterCertificateCommands(CLI::App& app, int* exit_code) {
  auto v = std::make_shared<VerifyOptions>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Verify a Merkle Tree Certificate as a relying party (exit 0 valid, 1 "
      "invalid with the reason)");
  verify->add_option("--ca-cert", v->ca_cert, "The CA certificate (PEM)")
      ->required();
  verify->add_option("--cosigner", v->cosigners,
                     "ID=PUBKEY.pem: another trusted cosigner (repeatable)");
  verify->add_option(
      "--quorum", v->quorum,
      "How many of the --cosigner signatures are required besides the "
      "CA's (default: all of them)");
  verify->add_option(
      "--subtrees", v->subtrees,
      "Trusted subtrees file: '<log> <start> <end> <base64 hash>' lines");
  verify->add_option(
      "--at", v->at,
      "Check validity at this time (YYYY-MM-DDTHH:MM:SSZ or Unix "
      "seconds; default now)");
  verify->add_option("CERT.pem", v->cert, "The certificate (PEM or DER)")
      ->required();
  verify->callback([=] { *exit_code = Verify(*v); });

  auto i = std::make_shared<InspectOptions>();
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Print a Merkle Tree Certificate in readable form");
  inspect->add_option(
      "--ca-cert", i->ca_cert,
      "The CA certificate, to name the CA's signature algorithm");
  inspect->add_option(
      "--cosigner", i->cosigners,
      "ID=PUBKEY.pem, to name a cosigner's algorithm (repeatable)");
  inspect->add_option("CERT.pem", i->cert, "The certificate (PEM or DER)")
      ->required();
  inspect->callback([=] { *exit_code = Inspect(*i); });
}

}  // namespace mtc::cli
