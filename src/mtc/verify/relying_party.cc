#include "mtc/verify/relying_party.h"

#include <charconv>
#include <cstring>

#include "mtc/cert/cosigned_message.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/wire/base64.h"

namespace mtc::verify {

namespace {

Error StepFailed(int step, const std::string& why) {
  return Error(ErrorCode::kVerificationFailed,
               "step " + std::to_string(step) + ": " + why);
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos;
  while ((pos = line.find(' ')) != std::string_view::npos) {
    fields.push_back(line.substr(0, pos));
    line.remove_prefix(pos + 1);
  }
  fields.push_back(line);
  return fields;
}

}  // namespace

RelyingPartyConfig ConfigFromCaCertificate(const cert::CaCertificate& ca) {
  RelyingPartyConfig config{ca.ca_id, ca.public_key};
  config.revoked =
      RangesOutside(ca.authority.min_serial, ca.authority.max_serial);
  return config;
}

std::vector<SerialRange> RangesOutside(uint64_t min_serial,
                                       uint64_t max_serial) {
  std::vector<SerialRange> out;
  if (min_serial > 0) out.push_back({0, min_serial - 1});
  if (max_serial < ~uint64_t{0}) out.push_back({max_serial + 1, ~uint64_t{0}});
  return out;
}

Result<std::vector<TrustedSubtree>> ParseTrustedSubtrees(
    std::string_view text) {
  std::vector<TrustedSubtree> out;
  size_t line_number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    line_number++;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> f = SplitSpaces(line);
    TrustedSubtree t;
    auto hash = f.size() == 4 ? wire::Base64Decode(f[3])
                              : Result<std::vector<uint8_t>>(Error(
                                    ErrorCode::kMalformed, "field count"));
    if (f.size() != 4 || !ParseU64(f[0], &t.log_number) ||
        !ParseU64(f[1], &t.subtree.start) || !ParseU64(f[2], &t.subtree.end) ||
        !hash.ok() || hash->size() != t.hash.size() || t.log_number == 0 ||
        !merkle::IsValidSubtree(t.subtree) || t.subtree.empty()) {
      return Error(ErrorCode::kMalformed,
                   "trusted subtrees line " + std::to_string(line_number) +
                       " is not \"<log number> <start> <end> <base64 hash>\" "
                       "of a non-empty valid subtree");
    }
    std::memcpy(t.hash.data(), hash->data(), t.hash.size());
    out.push_back(t);
  }
  return out;
}

std::string FormatTrustedSubtrees(const std::vector<TrustedSubtree>& subtrees) {
  std::string out;
  for (const TrustedSubtree& t : subtrees) {
    out += std::to_string(t.log_number) + " " +
           std::to_string(t.subtree.start) + " " +
           std::to_string(t.subtree.end) + " " + wire::Base64Encode(t.hash) +
           "\n";
  }
  return out;
}

Result<Verified> VerifyCertificateSignature(const RelyingPartyConfig& config,
                                            const cert::Certificate& cert) {
  Verified v;
  // Step 1: id-alg-mtcProof with omitted parameters (and, per RFC 5280
  // §4.1.1.2, the same algorithm in the outer signatureAlgorithm).
  if (cert.tbs.signature != cert::MtcProofAlgorithmIdentifier() ||
      cert.signature_algorithm != cert.tbs.signature) {
    return StepFailed(1, "signature algorithm is not id-alg-mtcProof");
  }
  // Step 2: decode the MTCProof; the signatureValue is whole bytes.
  if (cert.signature_unused_bits != 0) {
    return StepFailed(2, "signatureValue is not a multiple of 8 bits");
  }
  auto proof = cert::ParseMtcProof(cert.signature_value);
  if (!proof.ok()) return StepFailed(2, proof.error().message());
  v.proof = std::move(proof).value();
  // Step 3: 0 <= serial <= 2^64 - 1 (the parser admits no negative serial).
  std::optional<uint64_t> value = cert::SerialValue(cert.tbs.serial);
  if (!value) return StepFailed(3, "serial number exceeds 2^64-1");
  uint64_t serial = *value;
  // Step 4.
  for (const SerialRange& r : config.revoked) {
    if (r.Contains(serial)) {
      return StepFailed(4, "serial " + std::to_string(serial) + " is revoked");
    }
  }
  // Step 5.
  v.index = cert::SerialIndex(serial);
  v.log_number = cert::SerialLogNumber(serial);
  if (v.log_number == 0) return StepFailed(5, "log number is 0");
  // Step 6: the log ID from the CA ID in the issuer.
  auto issuer = cert::ParseCaIdName(cert.tbs.issuer);
  if (!issuer.ok())
    return StepFailed(6, "issuer is not a CA ID: " + issuer.error().message());
  if (!(*issuer == config.ca_id)) {
    return StepFailed(6, "issuer " + issuer->ToAscii() + " is not the CA " +
                             config.ca_id.ToAscii());
  }
  const uint64_t log_arcs[] = {0, v.log_number};
  MTC_ASSIGN_OR_RETURN(cert::TrustAnchorId log_id,
                       config.ca_id.Child(log_arcs));
  // Steps 7-9: the entry hash, in one pass over the TBSCertificate.
  merkle::Hash entry_hash =
      cert::SinglePassEntryHash(cert.tbs, cert::EncodeProofExtensions(v.proof));
  // Step 10.
  auto expected = merkle::EvaluateInclusionProof(
      v.proof.subtree, v.index, entry_hash, v.proof.inclusion_proof);
  if (!expected.ok()) return StepFailed(10, expected.error().message());
  v.subtree_hash = *expected;
  // Step 11: a trusted subtree decides alone.
  for (const TrustedSubtree& t : config.trusted_subtrees) {
    if (t.log_number != v.log_number || !(t.subtree == v.proof.subtree))
      continue;
    if (t.hash != v.subtree_hash) {
      return StepFailed(11,
                        "inclusion proof does not lead to trusted subtree " +
                            t.subtree.ToString());
    }
    v.by_trusted_subtree = true;
    return v;
  }
  // Step 12: enough valid signatures from known cosigners; others ignored.
  std::string log_origin = cert::OidName(log_id.ToAscii());
  bool ca_signed = false;
  size_t others = 0;
  for (const cert::SubtreeSignature& sig : v.proof.signatures) {
    const crypto::PublicKey* key = nullptr;
    bool is_ca = sig.cosigner_id == config.ca_id.binary();
    if (is_ca) {
      key = &config.ca_key;
    } else {
      for (const Cosigner& c : config.cosigners) {
        if (c.id.binary() == sig.cosigner_id) key = &c.key;
      }
    }
    if (key == nullptr) continue;  // unrecognized cosigner
    auto id = cert::TrustAnchorId::FromBinary(sig.cosigner_id);
    if (!id.ok()) continue;
    std::string name = cert::OidName(id->ToAscii());
    if (!tlog::VerifySubtreeSignature(*key, name, log_origin, v.proof.subtree,
                                      v.subtree_hash, sig.signature)
             .ok()) {
      continue;  // an invalid signature counts for nothing
    }
    v.valid_cosigners.push_back(id->ToAscii());
    if (is_ca) {
      ca_signed = true;
    } else {
      others++;
    }
  }
  if (config.require_ca_signature && !ca_signed) {
    return StepFailed(12, "no valid signature by the CA cosigner " +
                              config.ca_id.ToAscii() + " over subtree " +
                              v.proof.subtree.ToString());
  }
  if (others < config.quorum) {
    return StepFailed(12, std::to_string(others) +
                              " valid signatures from other cosigners; the "
                              "policy requires " +
                              std::to_string(config.quorum));
  }
  return v;
}

Status CheckIssuerAndValidity(const RelyingPartyConfig& config,
                              const cert::Certificate& cert, int64_t now) {
  auto issuer = cert::ParseCaIdName(cert.tbs.issuer);
  if (!issuer.ok() || !(*issuer == config.ca_id)) {
    return Error(ErrorCode::kVerificationFailed, "issuer is not this CA");
  }
  if (now < cert.tbs.not_before) {
    return Error(ErrorCode::kVerificationFailed,
                 "certificate is not yet valid");
  }
  if (now > cert.tbs.not_after) {
    return Error(ErrorCode::kVerificationFailed, "certificate has expired");
  }
  return OkStatus();
}

}  // namespace mtc::verify
