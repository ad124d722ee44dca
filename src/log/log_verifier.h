// Reading a CA's published issuance log as a relying party or monitor does
// (draft-ietf-plants-merkle-tree-certs §Publishing Logs, §Trusted Subtrees;
// C2SP mtc-tlog, tlog-tiles):
//
//   VerifyLog             checks a whole log: its signed checkpoint, every
//                         entry, every hash tile recomputed from the entries,
//                         and the root;
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
//      against the checkpoint's root.
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
