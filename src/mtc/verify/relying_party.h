// The relying party's side of Merkle Tree Certificates
// (draft-ietf-plants-merkle-tree-certs §Relying Parties): its configuration,
// cosigner policy, trusted subtrees and revoked ranges, and the procedure of
// §Verifying Certificate Signatures.
#ifndef MTC_VERIFY_RELYING_PARTY_H_
#define MTC_VERIFY_RELYING_PARTY_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/public_key.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/subtree.h"

namespace mtc::verify {

struct Cosigner {
  cert::TrustAnchorId id;
  crypto::PublicKey key;
};

// §Trusted Subtrees: a subtree of log `log_number` known to be consistent with
// the relying party's cosigner requirements.
struct TrustedSubtree {
  uint64_t log_number = 0;
  merkle::Subtree subtree;
  merkle::Hash hash{};
};

// An inclusive range of serial numbers, [first, last] (inclusive so that
// [maxSerial + 1, 2^64 - 1] fits in 64 bits).
struct SerialRange {
  uint64_t first = 0;
  uint64_t last = 0;
  bool Contains(uint64_t serial) const {
    return first <= serial && serial <= last;
  }
};

// §Relying Party Configuration.
struct RelyingPartyConfig {
  cert::TrustAnchorId ca_id;
  // The CA cosigner; its ID is the CA ID.
  crypto::PublicKey ca_key;
  // Other supported cosigners, e.g. witnesses.
  std::vector<Cosigner> cosigners;
  // §Trusted Cosigners: the policy "the CA's signature plus at least `quorum`
  // of `cosigners`". Unknown cosigners are ignored.
  bool require_ca_signature = true;
  size_t quorum = 0;
  std::vector<TrustedSubtree> trusted_subtrees;
  std::vector<SerialRange> revoked;
};

// §Relying Party Configuration from a CA certificate: the CA ID from its
// subject, the CA cosigner's key, and the revoked ranges of minSerial and
// maxSerial; no other cosigners, no trusted subtrees; the CA's signature
// required.
RelyingPartyConfig ConfigFromCaCertificate(const cert::CaCertificate& ca);

// The revoked ranges a CA certificate implies: [0, minSerial) and
// [maxSerial + 1, 2^64) (§Relying Party Configuration).
std::vector<SerialRange> RangesOutside(uint64_t min_serial,
                                       uint64_t max_serial);

// Parses a trusted-subtrees file (docs/design.md §8): one subtree per line,
// "<log number> <start> <end> <base64 subtree hash>"; blank lines and lines
// starting with '#' are ignored.
Result<std::vector<TrustedSubtree>> ParseTrustedSubtrees(std::string_view text);
std::string FormatTrustedSubtrees(const std::vector<TrustedSubtree>& subtrees);

// What a successful verification established.
struct Verified {
  uint64_t log_number = 0;
  uint64_t index = 0;
  cert::MtcProof proof;
  merkle::Hash subtree_hash{};
  // True when a trusted subtree accepted the certificate (landmark-relative);
  // otherwise the cosigners whose signatures verified.
  bool by_trusted_subtree = false;
  std::vector<std::string> valid_cosigners;  // ASCII cosigner IDs
};

// §Verifying Certificate Signatures, steps 1-12. A rejection's message names
// the step that failed ("step 4: serial ... is revoked").
Result<Verified> VerifyCertificateSignature(const RelyingPartyConfig& config,
                                            const cert::Certificate& cert);

// The rest of what a relying party checks here: the issuer is this CA and the
// validity period contains `now` (Unix seconds).
Status CheckIssuerAndValidity(const RelyingPartyConfig& config,
                              const cert::Certificate& cert, int64_t now);

}  // namespace mtc::verify

#endif  // MTC_VERIFY_RELYING_PARTY_H_
