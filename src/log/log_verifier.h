// Reading a CA's published issuance log as a relying party or monitor does
// (draft-ietf-plants-merkle-tree-certs §Publishing Logs, §Trusted Subtrees;
// C2SP mtc-tlog, tlog-tiles):
//
//   VerifyLog             checks a whole log: its signed checkpoint, every
//                         entry, every hash tile recomputed from the entries,
//                         and the root; optionally also that earlier
//                         checkpoints are consistent with it and that
//                         certificates' entries are in it;
//   FetchTrustedSubtrees  the relying party's update step: the active
//                         landmark subtrees, each proven consistent with a
//                         checkpoint its cosigner policy accepts.
//
// Both read through a TileStore: over HTTP (HttpTileStore) from a prefix
// URL, or from any other store, e.g. a CA's own directory.
//
// Errors. kVerificationFailed means the log does not hold together: a
// signature, origin or prefix that does not verify, an object the checkpoint
// requires that is missing (404) or malformed, a tile or root that does not
// match the entries, a landmarks file or subtree inconsistent with the
// checkpoint. Every other code means the check could not be made: a bad
// argument (kInvalidArgument), no checkpoint or landmarks file at all
// (kNotFound), a network failure (kUnavailable, kIo), a CA key without a
// checkpoint signature format (kUnsupported).
#ifndef MTC_LOG_LOG_VERIFIER_H_
#define MTC_LOG_LOG_VERIFIER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/http_tile_store.h"
#include "log/storage.h"
#include "mtc/base/result.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/merkle/hash.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/verify/relying_party.h"
#include "net/http_client.h"

namespace mtc::log {

// A checkpoint of one of a CA's issuance logs whose signatures verified.
struct VerifiedLogCheckpoint {
  uint32_t log_number = 0;
  tlog::Checkpoint checkpoint;
  std::vector<std::string> signed_by;  // cosigner names, the CA's among them
};

// Verifies the signed checkpoint `note` served at `<prefix_url>/checkpoint`
// against the CA certificate `ca` and the policy "the CA's signature plus at
// least `quorum` of `cosigners`" (§Trusted Cosigners):
//   - the CA cosigner, named oid/1.3.6.1.4.1.<CA ID> (docs/design.md §2 item
//     4), signed it;
//   - at least `quorum` of `cosigners` signed it. Only cosigners with a note
//     signature format (Ed25519 cosignature/v1, ML-DSA-44 subtree/v1, C2SP
//     tlog-cosignature) can; lines of unknown keys are ignored, but a line
//     of a known key that does not verify fails the note;
//   - the origin is oid/1.3.6.1.4.1.<CA ID>.0.<log number> (§Issuance Logs)
//     with a log number of 1..65535 written without leading zeros, and
//     `prefix_url` ends in "/<log number>" (C2SP mtc-tlog §Serving Issuance
//     Logs);
//   - the tree size is at most 2^48 - 1 (§Issuance Logs).
// kInvalidArgument when `quorum` exceeds the cosigners given or one is given
// twice (or is the CA).
Result<VerifiedLogCheckpoint> VerifyLogCheckpoint(
    std::string_view note, std::string_view prefix_url,
    const cert::CaCertificate& ca, std::span<const verify::Cosigner> cosigners,
    size_t quorum);

// A signed checkpoint of the log seen earlier, which VerifyLog proves
// consistent with the current one.
struct EarlierCheckpoint {
  std::string name;  // where it came from (a file name), for messages
  std::string note;  // the signed note, as served at <prefix>/checkpoint
};

// The log entry a certificate commits to (§Verifying Certificate
// Signatures, steps 2-9, without checking any signature): entry `index` of
// log `log_number`, whose hash MTH({entry}) is `entry_hash`.
struct CertificateEntry {
  std::string name;  // where it came from (a file name), for messages
  uint64_t log_number = 0;
  uint64_t index = 0;
  merkle::Hash entry_hash{};
};

// The entry `certificate` (DER) commits to: its serial number split into
// log number and index (steps 3 and 5), and the hash of the MTCLogEntry
// built from its TBSCertificate and its MTCProof's extensions (steps 2,
// 7-9). kMalformed when it is not a certificate with an MTCProof and a
// serial number below 2^64 of a log numbered 1 or more.
Result<CertificateEntry> CertificateEntryOf(
    std::span<const uint8_t> certificate, std::string name);

// How far VerifyLog has come.
struct LogProgress {
  uint64_t entries_verified = 0;
  uint64_t tree_size = 0;
  uint64_t tiles_checked = 0;
};

struct VerifyLogOptions {
  // For VerifyLog over HTTP.
  net::ClientOptions client = LogClientOptions();
  // Called on the calling thread after every `progress_interval` entries and
  // once at the end of the entries; unset: no calls.
  std::function<void(const LogProgress&)> progress;
  uint64_t progress_interval = 65536;
  // Checkpoints of this log seen earlier, each to be proven consistent with
  // the current one (step 5 below).
  std::vector<EarlierCheckpoint> consistent_with;
  // Certificates whose entries must be in this log (step 6 below).
  std::vector<CertificateEntry> entries_of;
};

// What VerifyLog established.
struct LogReport {
  std::string origin;
  uint32_t log_number = 0;
  uint64_t tree_size = 0;
  merkle::Hash root_hash{};
  std::vector<std::string> signed_by;  // names whose signatures verified
  uint64_t entries = 0;
  uint64_t null_entries = 0;
  uint64_t tbs_cert_entries = 0;
  uint64_t entry_bundles = 0;
  // Hash tiles, full and partial, of every level, compared byte for byte.
  uint64_t tiles_checked = 0;
  // Steps 5 and 6: how many earlier checkpoints were proven consistent, and
  // how many certificates' entries were found.
  uint64_t checkpoints_consistent = 0;
  uint64_t certificate_entries_found = 0;
};

// Verifies the log at `prefix_url` (read through HttpTileStore):
//   1. its checkpoint, as VerifyLogCheckpoint with no cosigners besides the
//      CA;
//   2. every entry bundle the checkpoint's tree size implies (tlog-tiles
//      §Log entries), holding exactly its width of entries, each an
//      MTCLogEntry (§Log Entries) whose tbs_cert_entry, if it is one, is a
//      TBSCertificateLogEntry with this CA's ID as issuer;
//   3. every hash tile of the tree (tlog-tiles §Merkle Tree), recomputed from
//      the entries' hashes with the CA's own tile writer (tile_writer.h) and
//      compared byte for byte with the served one;
//   4. the Merkle Tree Hash of the entries, from the recomputed tiles,
//      against the checkpoint's root;
//   5. for each of `options.consistent_with`: its signature and origin as
//      in step 1 (the same log), a tree size m no larger than the current
//      one, and a consistency proof from it to the current checkpoint
//      (RFC 9162 §2.1.4, the draft's SUBTREE_PROOF(0, m, D_n) of §Subtree
//      Consistency Proofs) built from the served hash tiles, which steps 3
//      and 4 have proven, and verified against both roots. Two checkpoints
//      each consistent with a third are consistent with each other, so a
//      fork between any two of them fails here;
//   6. for each of `options.entries_of`: that it is of this log, that its
//      index is within the tree, and that the entry at its index in the
//      entry bundle hashes to the certificate's entry hash.
// Steps 5 and 6 fail with kVerificationFailed and a message naming the
// checkpoint's or certificate's `name`; earlier checkpoints are checked
// for signature and size before the entries are read.
// Where a partial tile or bundle is missing, its full version stands in
// (tlog-tiles §Partial Tiles allows logs to delete the partial one), its
// first `width` hashes or entries compared. Reads each object once; keeps
// only the right edge of the recomputed tree in memory.
Result<LogReport> VerifyLog(std::string_view prefix_url,
                            const cert::CaCertificate& ca,
                            const VerifyLogOptions& options = {});
// The same over `store`, the log served at `prefix_url` (`options.client`
// unused).
Result<LogReport> VerifyLog(const TileStore& store, std::string_view prefix_url,
                            const cert::CaCertificate& ca,
                            const VerifyLogOptions& options = {});

struct TrustedSubtreeOptions {
  // For FetchTrustedSubtrees over HTTP.
  net::ClientOptions client = LogClientOptions();
  // The CA's max_active_landmarks (§Landmark Tree Sizes): a landmarks file
  // with more active landmarks is rejected. The default accepts any.
  uint64_t max_active_landmarks = std::numeric_limits<uint64_t>::max();
};

// The relying party's update of its trusted subtrees for the log at
// `prefix_url` (§Trusted Subtrees):
//   1. reads <prefix>/landmarks, then <prefix>/checkpoint (in this order, so
//      that the checkpoint is at least as new as the last landmark even
//      while the log grows);
//   2. verifies the checkpoint as VerifyLogCheckpoint with `cosigners` and
//      `quorum`: this is the "reference checkpoint" each cosigner signed;
//   3. parses the landmarks file against the checkpoint's tree size and
//      `options.max_active_landmarks` (§Publishing Landmarks);
//   4. for each active landmark subtree (§Landmark Tree Sizes), computes its
//      hash from the log's hash tiles and a subtree consistency proof to the
//      checkpoint (§Subtree Consistency Proofs), and verifies the proof
//      against the checkpoint's root, so that no hash is taken on faith.
// Returns the active landmark subtrees, oldest first, with their hashes.
Result<std::vector<verify::TrustedSubtree>> FetchTrustedSubtrees(
    std::string_view prefix_url, const cert::CaCertificate& ca,
    std::span<const verify::Cosigner> cosigners, size_t quorum,
    const TrustedSubtreeOptions& options = {});
// The same over `store`, the log served at `prefix_url` (`options.client`
// unused).
Result<std::vector<verify::TrustedSubtree>> FetchTrustedSubtrees(
    const TileStore& store, std::string_view prefix_url,
    const cert::CaCertificate& ca, std::span<const verify::Cosigner> cosigners,
    size_t quorum, const TrustedSubtreeOptions& options = {});

}  // namespace mtc::log

#endif  // MTC_LOG_LOG_VERIFIER_H_
