#include "log/log_verifier.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "log/memory_tile_store.h"
#include "log/store_rules.h"
#include "log/tile_node_source.h"
#include "log/tile_writer.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/cosigned_message.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/tlog/entry_bundle.h"
#include "mtc/tlog/landmarks.h"
#include "mtc/tlog/tile_path.h"
#include "mtc/wire/base64.h"

namespace mtc::log {

namespace {

// §Issuance Logs: log numbers 1..65535, at most 2^48 - 1 entries.
constexpr uint64_t kMaxLogNumber = 65535;
constexpr uint64_t kMaxTreeSize = (uint64_t{1} << 48) - 1;

Error Inconsistent(std::string message) {
  return Error(ErrorCode::kVerificationFailed, std::move(message));
}

// An error reading or checking what the log serves, in `context`: bad data
// and missing objects are the log's fault (kVerificationFailed); transport
// failures keep their code, since retrying may help.
Error FromLog(std::string_view context, const Error& error) {
  switch (error.code()) {
    case ErrorCode::kMalformed:
    case ErrorCode::kOutOfRange:
    case ErrorCode::kNotFound:
    case ErrorCode::kVerificationFailed:
      return Inconsistent(std::string(context) + ": " + error.message());
    default:
      return error.WithContext(context);
  }
}

std::string_view AsText(const std::vector<uint8_t>& bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()),
                          bytes.size());
}

// A decimal integer without sign or leading zeros.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// §Trusted Cosigners: "at least `quorum`" of the cosigners given.
Status CheckQuorum(size_t quorum, size_t cosigners) {
  if (quorum > cosigners) {
    return Error(ErrorCode::kInvalidArgument,
                 "quorum " + std::to_string(quorum) + " exceeds the " +
                     std::to_string(cosigners) + " cosigners given");
  }
  return OkStatus();
}

// The log number of a checkpoint origin "oid/1.3.6.1.4.1.<CA ID>.0.<log
// number>": the log ID {CA ID, 0, log number} of §Issuance Logs as C2SP
// mtc-tlog §Representing Trust Anchor IDs writes it.
Result<uint32_t> LogNumberFromOrigin(std::string_view origin,
                                     const cert::TrustAnchorId& ca_id) {
  std::string logs = cert::OidName(ca_id.ToAscii()) + ".0.";
  uint64_t number = 0;
  if (!origin.starts_with(logs) ||
      !ParseDecimal(origin.substr(logs.size()), &number) || number == 0 ||
      number > kMaxLogNumber) {
    return Inconsistent("checkpoint origin \"" + std::string(origin) +
                        "\" is not a log of CA " + ca_id.ToAscii() +
                        " (expected " + logs + "<log number 1..65535>)");
  }
  return static_cast<uint32_t>(number);
}

// docs/design.md §2 item 4, mtc-tlog §Serving Issuance Logs: a log's prefix
// is "<CA prefix URL>/<log number>".
Status CheckPrefixNamesLog(std::string_view prefix_url, uint32_t log_number) {
  while (prefix_url.ends_with('/')) prefix_url.remove_suffix(1);
  std::string suffix = "/" + std::to_string(log_number);
  if (!prefix_url.ends_with(suffix)) {
    return Inconsistent("the checkpoint is of log " +
                        std::to_string(log_number) + ", but the log prefix " +
                        std::string(prefix_url) + " does not end in " + suffix);
  }
  return OkStatus();
}

// tlog-tiles §Partial Tiles: a log "MUST serve partial tiles corresponding
// to tree sizes for which a checkpoint was produced, but MAY delete any
// partial tile once the corresponding full tile is [...] available", and
// clients "MAY fetch the full tile [...] as a fallback".
struct Fetched {
  std::string path;  // what was read: `tile`'s or its full tile's
  std::vector<uint8_t> data;
  bool full_instead = false;
};

// The tile or bundle `tile`, which the checkpoint of `tree_size` requires.
Result<Fetched> FetchRequired(const TileStore& store, const tlog::Tile& tile,
                              uint64_t tree_size) {
  std::string path = tlog::TilePath(tile);
  Result<std::vector<uint8_t>> data = store.Get(path);
  if (!data.ok() && data.error().code() == ErrorCode::kNotFound &&
      tile.is_partial()) {
    tlog::Tile full = tile;
    full.width = tlog::kTileWidth;
    Result<std::vector<uint8_t>> full_data = store.Get(tlog::TilePath(full));
    if (full_data.ok()) {
      return Fetched{tlog::TilePath(full), std::move(full_data).value(), true};
    }
    if (full_data.error().code() != ErrorCode::kNotFound) {
      return full_data.error();
    }
  }
  if (!data.ok()) {
    if (data.error().code() == ErrorCode::kNotFound) {
      return Inconsistent(path +
                          " is missing, but the checkpoint of tree "
                          "size " +
                          std::to_string(tree_size) + " requires it (" +
                          data.error().message() + ")");
    }
    return data.error();
  }
  return Fetched{path, std::move(data).value(), false};
}

// §Log Entries: an MTCLogEntry; a tbs_cert_entry holds the contents of a
// TBSCertificateLogEntry whose `issuer` "is the CA ID as a PKIX
// distinguished name".
Status CheckEntry(std::span<const uint8_t> bytes,
                  const cert::TrustAnchorId& ca_id, LogReport* report) {
  MTC_ASSIGN_OR_RETURN(cert::MtcLogEntry entry, cert::ParseMtcLogEntry(bytes));
  if (entry.type == cert::kNullEntry) {
    report->null_entries++;
    return OkStatus();
  }
  Result<cert::TbsCertificateLogEntry> tbs =
      cert::TbsCertificateLogEntry::ParseContents(entry.tbs_cert_entry_data);
  if (!tbs.ok()) return tbs.error().WithContext("TBSCertificateLogEntry");
  Result<cert::TrustAnchorId> issuer = cert::ParseCaIdName(tbs->issuer);
  if (!issuer.ok()) return issuer.error().WithContext("issuer");
  if (*issuer != ca_id) {
    return Inconsistent("issuer is CA " + issuer->ToAscii() + ", not " +
                        ca_id.ToAscii());
  }
  report->tbs_cert_entries++;
  return OkStatus();
}

// Compares the served hash tile with the one recomputed from the entries.
Status CompareHashTile(const Fetched& served, const TileData& recomputed,
                       uint64_t tree_size) {
  const tlog::Tile& tile = recomputed.tile;
  size_t size = recomputed.data.size();
  size_t served_size =
      served.full_instead ? size_t{tlog::kTileWidth} * merkle::kHashSize : size;
  // §Merkle Tree: a tile is exactly its width of hashes.
  if (served.data.size() != served_size) {
    return Inconsistent("hash tile " + served.path + " has " +
                        std::to_string(served.data.size()) + " bytes, not " +
                        std::to_string(served_size));
  }
  auto mismatch = std::mismatch(recomputed.data.begin(), recomputed.data.end(),
                                served.data.begin());
  if (mismatch.first == recomputed.data.end()) return OkStatus();
  // Hash i of tile n at level l is MTH(D[(n * 256 + i) * 256^l : ...]).
  uint64_t i = static_cast<uint64_t>(mismatch.first - recomputed.data.begin()) /
               merkle::kHashSize;
  uint64_t span = uint64_t{1} << (tlog::kTileHeight * tile.level);
  uint64_t first = (tile.index * tlog::kTileWidth + i) * span;
  return Inconsistent(
      "hash tile " + served.path + " does not match the entries: its hash " +
      std::to_string(i) + " differs from the Merkle Tree Hash of entries [" +
      std::to_string(first) + ", " + std::to_string(first + span) +
      ") (tree size " + std::to_string(tree_size) + ")");
}

// The recomputed tree's right edge: for each level, the last tile written,
// which is all that ComputeHashTiles reads when the tree grows and all that
// the root needs. Older tiles are dropped, so memory stays at a few tiles.
class RightEdge {
 public:
  const TileStore& store() const { return store_; }

  Status Put(const TileData& tile) {
    MTC_RETURN_IF_ERROR(store_.PutImmutable(tile.path, tile.data));
    auto [it, inserted] = last_.try_emplace(tile.tile.level, tile.path);
    if (!inserted && it->second != tile.path) {
      store_.Remove(it->second);
      it->second = tile.path;
    }
    return OkStatus();
  }

 private:
  MemoryTileStore store_;
  std::map<int, std::string> last_;  // level -> path in store_
};

// The entries of a bundle that `fetched` holds for `bundle`.
Result<std::vector<std::span<const uint8_t>>> BundleEntries(
    const Fetched& fetched, const tlog::Tile& bundle) {
  Result<std::vector<std::span<const uint8_t>>> entries =
      tlog::ParseEntryBundle(fetched.data);
  if (!entries.ok()) {
    return Inconsistent("entry bundle " + fetched.path + ": " +
                        entries.error().message());
  }
  size_t expected = fetched.full_instead ? tlog::kTileWidth : bundle.width;
  if (entries->size() != expected) {
    return Inconsistent("entry bundle " + fetched.path + " holds " +
                        std::to_string(entries->size()) + " entries, not " +
                        std::to_string(expected));
  }
  entries->resize(bundle.width);
  return entries;
}

// Step 5, before the entries are read: `earlier` is a checkpoint of the
// same log as `current`, signed by the CA, and no larger.
Result<tlog::Checkpoint> CheckEarlierCheckpoint(
    const EarlierCheckpoint& earlier, std::string_view prefix_url,
    const cert::CaCertificate& ca, const tlog::Checkpoint& current) {
  Result<VerifiedLogCheckpoint> verified =
      VerifyLogCheckpoint(earlier.note, prefix_url, ca, {}, 0);
  if (!verified.ok()) {
    if (verified.error().code() != ErrorCode::kVerificationFailed) {
      return verified.error().WithContext(earlier.name);
    }
    return Inconsistent(earlier.name + ": " + verified.error().message());
  }
  const tlog::Checkpoint& checkpoint = verified->checkpoint;
  if (checkpoint.origin != current.origin) {
    return Inconsistent(earlier.name + ": a checkpoint of " +
                        checkpoint.origin + ", not of " + current.origin);
  }
  // A log only grows (§Issuance Logs: entries are appended).
  if (checkpoint.tree_size > current.tree_size) {
    return Inconsistent(earlier.name + ": its tree size " +
                        std::to_string(checkpoint.tree_size) +
                        " exceeds the current checkpoint's " +
                        std::to_string(current.tree_size) +
                        ": the log went backwards");
  }
  return checkpoint;
}

// Step 6, before the entries are read: `entry` names an entry of this log's
// tree.
Status CheckCertificateEntryInTree(const CertificateEntry& entry,
                                   uint32_t log_number, uint64_t tree_size) {
  if (entry.log_number != log_number) {
    return Inconsistent(entry.name + ": a certificate of log " +
                        std::to_string(entry.log_number) + ", not of log " +
                        std::to_string(log_number));
  }
  if (entry.index >= tree_size) {
    return Inconsistent(
        entry.name + ": its entry " + std::to_string(entry.index) +
        " is not in the tree of size " + std::to_string(tree_size));
  }
  return OkStatus();
}

}  // namespace

Result<CertificateEntry> CertificateEntryOf(
    std::span<const uint8_t> certificate, std::string name) {
  auto malformed = [&name](std::string_view step, std::string_view what) {
    return Error(ErrorCode::kMalformed,
                 name + ": " + std::string(step) + ": " + std::string(what));
  };
  Result<cert::Certificate> parsed = cert::ParseCertificate(certificate);
  if (!parsed.ok()) {
    return malformed("not a certificate", parsed.error().message());
  }
  // §Verifying Certificate Signatures, step 1: id-alg-mtcProof.
  if (parsed->tbs.signature != cert::MtcProofAlgorithmIdentifier()) {
    return malformed("step 1", "signature algorithm is not id-alg-mtcProof");
  }
  // Step 2: the signatureValue is an MTCProof, whole bytes.
  if (parsed->signature_unused_bits != 0) {
    return malformed("step 2", "signatureValue is not a multiple of 8 bits");
  }
  Result<cert::MtcProof> proof = cert::ParseMtcProof(parsed->signature_value);
  if (!proof.ok()) return malformed("step 2", proof.error().message());
  // Step 3: 0 <= serial <= 2^64 - 1 (the parser admits no negative serial).
  std::optional<uint64_t> serial = cert::SerialValue(parsed->tbs.serial);
  if (!serial) return malformed("step 3", "serial number exceeds 2^64-1");
  // Step 5: the low 48 bits are the index, the rest the log number.
  CertificateEntry entry;
  entry.name = std::move(name);
  entry.index = cert::SerialIndex(*serial);
  entry.log_number = cert::SerialLogNumber(*serial);
  if (entry.log_number == 0) {
    return malformed("step 5", "log number is 0");
  }
  // Steps 7-9: the hash of the MTCLogEntry the TBSCertificate asserts.
  entry.entry_hash = cert::SinglePassEntryHash(
      parsed->tbs, cert::EncodeProofExtensions(*proof));
  return entry;
}

Result<VerifiedLogCheckpoint> VerifyLogCheckpoint(
    std::string_view note, std::string_view prefix_url,
    const cert::CaCertificate& ca, std::span<const verify::Cosigner> cosigners,
    size_t quorum) {
  MTC_RETURN_IF_ERROR(CheckQuorum(quorum, cosigners.size()));
  // The CA cosigner's name is its ID's (docs/design.md §2 item 4; mtc-tlog
  // §Cosigners: "not the log origin").
  std::string ca_name = cert::OidName(ca.ca_id.ToAscii());
  Result<tlog::NoteCosigner> ca_cosigner =
      tlog::NoteCosigner::Create(ca_name, ca.public_key);
  if (!ca_cosigner.ok()) {
    return ca_cosigner.error().WithContext("CA cosigner " + ca_name);
  }
  std::vector<tlog::NoteCosigner> known = {*ca_cosigner};
  std::set<std::string> names = {ca_name};
  std::vector<std::string> without_note_form;
  for (const verify::Cosigner& c : cosigners) {
    std::string name = cert::OidName(c.id.ToAscii());
    if (!names.insert(name).second) {
      return Error(
          ErrorCode::kInvalidArgument,
          "cosigner " + c.id.ToAscii() + " is given twice or is the CA");
    }
    Result<tlog::NoteCosigner> cosigner =
        tlog::NoteCosigner::Create(name, c.key);
    if (!cosigner.ok()) {
      if (cosigner.error().code() != ErrorCode::kUnsupported) {
        return cosigner.error().WithContext("cosigner " + c.id.ToAscii());
      }
      // §Trusted Cosigners allows any policy; this one can count only
      // cosigners that can sign a checkpoint note.
      without_note_form.push_back(c.id.ToAscii());
      continue;
    }
    known.push_back(std::move(cosigner).value());
  }

  Result<tlog::VerifiedCheckpoint> verified =
      tlog::VerifyCheckpointNote(note, known);
  if (!verified.ok()) return FromLog("checkpoint", verified.error());
  const tlog::Checkpoint& checkpoint = verified->checkpoint;
  std::set<std::string> signers(verified->signed_by.begin(),
                                verified->signed_by.end());
  // §Trusted Cosigners: "requiring a signature from the CA cosigner key".
  if (signers.erase(ca_name) == 0) {
    return Inconsistent("checkpoint is not signed by the CA cosigner " +
                        ca_name);
  }
  if (signers.size() < quorum) {
    std::string message = "checkpoint is signed by " +
                          std::to_string(signers.size()) +
                          " of the cosigners given, fewer than the quorum of " +
                          std::to_string(quorum);
    if (!without_note_form.empty()) {
      message +=
          " (cosigners without a checkpoint signature format, which "
          "only Ed25519 and ML-DSA-44 have:";
      for (const std::string& id : without_note_form) message += " " + id;
      message += ")";
    }
    return Inconsistent(std::move(message));
  }
  MTC_ASSIGN_OR_RETURN(uint32_t log_number,
                       LogNumberFromOrigin(checkpoint.origin, ca.ca_id));
  MTC_RETURN_IF_ERROR(CheckPrefixNamesLog(prefix_url, log_number));
  if (checkpoint.tree_size > kMaxTreeSize) {
    return Inconsistent("checkpoint tree size " +
                        std::to_string(checkpoint.tree_size) +
                        " exceeds the 2^48 - 1 entries a log may hold");
  }
  return VerifiedLogCheckpoint{log_number, checkpoint,
                               std::move(verified->signed_by)};
}

Result<LogReport> VerifyLog(std::string_view prefix_url,
                            const cert::CaCertificate& ca,
                            const VerifyLogOptions& options) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<HttpTileStore> store,
                       HttpTileStore::Open(prefix_url, options.client));
  return VerifyLog(*store, prefix_url, ca, options);
}

Result<LogReport> VerifyLog(const TileStore& store, std::string_view prefix_url,
                            const cert::CaCertificate& ca,
                            const VerifyLogOptions& options) {
  // Step 1: the checkpoint.
  Result<std::vector<uint8_t>> note = store.Get(kCheckpointPath);
  if (!note.ok()) return note.error().WithContext("checkpoint");
  MTC_ASSIGN_OR_RETURN(
      VerifiedLogCheckpoint verified,
      VerifyLogCheckpoint(AsText(*note), prefix_url, ca, {}, 0));
  const uint64_t tree_size = verified.checkpoint.tree_size;
  LogReport report;
  report.origin = verified.checkpoint.origin;
  report.log_number = verified.log_number;
  report.tree_size = tree_size;
  report.root_hash = verified.checkpoint.root_hash;
  report.signed_by = verified.signed_by;

  // Steps 5 and 6, what needs no entries: every earlier checkpoint's
  // signature and size, every certificate's log and index.
  std::vector<tlog::Checkpoint> earlier;
  earlier.reserve(options.consistent_with.size());
  for (const EarlierCheckpoint& e : options.consistent_with) {
    MTC_ASSIGN_OR_RETURN(
        tlog::Checkpoint checkpoint,
        CheckEarlierCheckpoint(e, prefix_url, ca, verified.checkpoint));
    earlier.push_back(std::move(checkpoint));
  }
  std::multimap<uint64_t, const CertificateEntry*> entries_of;
  for (const CertificateEntry& e : options.entries_of) {
    MTC_RETURN_IF_ERROR(
        CheckCertificateEntryInTree(e, verified.log_number, tree_size));
    entries_of.emplace(e.index, &e);
  }

  // Steps 2 and 3, one entry bundle at a time: its entries, then the hash
  // tiles that its entries complete. A tile is compared when it has the
  // width the checkpoint's tree gives it; narrower versions are only steps
  // on the way there.
  RightEdge recomputed;
  for (uint64_t start = 0; start < tree_size; start += tlog::kTileWidth) {
    uint64_t n = start / tlog::kTileWidth;
    tlog::Tile bundle{tlog::Tile::kEntries, n,
                      tlog::TileWidthAt(0, n, tree_size)};
    MTC_ASSIGN_OR_RETURN(Fetched fetched,
                         FetchRequired(store, bundle, tree_size));
    MTC_ASSIGN_OR_RETURN(std::vector<std::span<const uint8_t>> entries,
                         BundleEntries(fetched, bundle));
    std::vector<merkle::Hash> leaf_hashes;
    leaf_hashes.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); i++) {
      Status entry = CheckEntry(entries[i], ca.ca_id, &report);
      if (!entry.ok()) {
        return Inconsistent("entry " + std::to_string(start + i) + " (in " +
                            fetched.path + "): " + entry.error().message());
      }
      // tlog-tiles §Log entries: "Each entry in a bundle hashes to the
      // corresponding entry in the corresponding level 0 Merkle Tree tile".
      leaf_hashes.push_back(cert::LogEntryHash(entries[i]));
    }
    // Step 6: the entries certificates commit to, in this bundle.
    for (auto it = entries_of.lower_bound(start);
         it != entries_of.end() && it->first < start + entries.size(); ++it) {
      const CertificateEntry& e = *it->second;
      const merkle::Hash& logged = leaf_hashes[e.index - start];
      if (logged != e.entry_hash) {
        return Inconsistent(
            e.name + ": entry " + std::to_string(e.index) + " (in " +
            fetched.path + ") is not the entry the certificate commits to: " +
            "its hash is " + wire::Base64Encode(logged) +
            ", the certificate's " + wire::Base64Encode(e.entry_hash));
      }
      report.certificate_entries_found++;
    }
    report.entries += entries.size();
    report.entry_bundles++;

    Result<std::vector<TileData>> tiles =
        ComputeHashTiles(recomputed.store(), start, leaf_hashes);
    if (!tiles.ok()) return tiles.error().WithContext("recomputing hash tiles");
    for (const TileData& tile : *tiles) {
      if (tile.tile.width ==
          tlog::TileWidthAt(tile.tile.level, tile.tile.index, tree_size)) {
        MTC_ASSIGN_OR_RETURN(Fetched served,
                             FetchRequired(store, tile.tile, tree_size));
        MTC_RETURN_IF_ERROR(CompareHashTile(served, tile, tree_size));
        report.tiles_checked++;
      }
      MTC_RETURN_IF_ERROR(recomputed.Put(tile));
    }

    uint64_t interval = options.progress_interval;
    bool crossed =
        interval > 0 && (report.entries - entries.size()) / interval !=
                            report.entries / interval;
    if (options.progress && (crossed || report.entries == tree_size)) {
      options.progress({report.entries, tree_size, report.tiles_checked});
    }
  }
  // Every tile of the tree was compared exactly once.
  uint64_t expected_tiles = tlog::TilesForGrowth(0, tree_size).size();
  if (report.tiles_checked != expected_tiles) {
    return Error(ErrorCode::kInternal,
                 "compared " + std::to_string(report.tiles_checked) +
                     " hash tiles of the " + std::to_string(expected_tiles) +
                     " in a tree of size " + std::to_string(tree_size));
  }

  // Step 4: the root, from the recomputed right edge, which holds every
  // full node of the root's decomposition.
  TileNodeSource source(recomputed.store(), tree_size);
  Result<merkle::Hash> root = merkle::SubtreeHash(source, {0, tree_size});
  if (!root.ok()) return root.error().WithContext("recomputing the root");
  if (*root != verified.checkpoint.root_hash) {
    return Inconsistent("the Merkle Tree Hash of the " +
                        std::to_string(tree_size) + " entries is " +
                        wire::Base64Encode(*root) +
                        ", not the checkpoint's root " +
                        wire::Base64Encode(verified.checkpoint.root_hash));
  }

  // Step 5: consistency proofs from the served tiles, every one of which
  // steps 3 and 4 have proven to be the tree's (the full tile where a
  // partial one is gone, as there). tlog-tiles §Merkle Tree: instead of
  // serving proofs, the log serves tiles, from which clients "compute any
  // desired proof".
  if (!earlier.empty()) {
    TileNodeSource served(store, tree_size);
    for (size_t i = 0; i < earlier.size(); i++) {
      const std::string& name = options.consistent_with[i].name;
      const tlog::Checkpoint& old = earlier[i];
      merkle::Subtree prefix{0, old.tree_size};
      Result<merkle::Proof> proof =
          merkle::GenerateConsistencyProof(served, tree_size, prefix);
      if (!proof.ok()) {
        return FromLog(name + ": consistency proof", proof.error());
      }
      Status consistent = merkle::VerifyConsistencyProof(
          tree_size, prefix, *proof, old.root_hash,
          verified.checkpoint.root_hash);
      if (!consistent.ok()) {
        return Inconsistent(
            name + ": the checkpoint of tree size " +
            std::to_string(old.tree_size) + " and root " +
            wire::Base64Encode(old.root_hash) +
            " is not consistent with the current one of tree size " +
            std::to_string(tree_size) + ": " + consistent.error().message());
      }
      report.checkpoints_consistent++;
    }
  }
  return report;
}

Result<std::vector<verify::TrustedSubtree>> FetchTrustedSubtrees(
    std::string_view prefix_url, const cert::CaCertificate& ca,
    std::span<const verify::Cosigner> cosigners, size_t quorum,
    const TrustedSubtreeOptions& options) {
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<HttpTileStore> store,
                       HttpTileStore::Open(prefix_url, options.client));
  return FetchTrustedSubtrees(*store, prefix_url, ca, cosigners, quorum,
                              options);
}

Result<std::vector<verify::TrustedSubtree>> FetchTrustedSubtrees(
    const TileStore& store, std::string_view prefix_url,
    const cert::CaCertificate& ca, std::span<const verify::Cosigner> cosigners,
    size_t quorum, const TrustedSubtreeOptions& options) {
  // A usage error, before any request.
  MTC_RETURN_IF_ERROR(CheckQuorum(quorum, cosigners.size()));
  // Step 1: landmarks before the checkpoint. A CA appends the size of a
  // checkpoint it already published (§Allocating Landmarks), so a
  // checkpoint read afterwards contains the last landmark.
  Result<std::vector<uint8_t>> landmarks = store.Get(kLandmarksPath);
  if (!landmarks.ok()) return landmarks.error().WithContext("landmarks");
  Result<std::vector<uint8_t>> note = store.Get(kCheckpointPath);
  if (!note.ok()) return note.error().WithContext("checkpoint");

  // Step 2: the reference checkpoint, cosigned as the policy requires.
  MTC_ASSIGN_OR_RETURN(
      VerifiedLogCheckpoint verified,
      VerifyLogCheckpoint(AsText(*note), prefix_url, ca, cosigners, quorum));
  const tlog::Checkpoint& checkpoint = verified.checkpoint;

  // Step 3: §Publishing Landmarks: tree sizes "less than or equal to the
  // log's latest tree size", at most max_active_landmarks of them active.
  Result<tlog::LandmarkWindow> window = tlog::LandmarkWindow::Parse(
      AsText(*landmarks), options.max_active_landmarks, checkpoint.tree_size);
  if (!window.ok()) return FromLog("landmarks", window.error());

  // Step 4: §Trusted Subtrees: "For each subtree, a valid subtree consistency
  // proof [...] between the subtree and the reference checkpoint".
  TileNodeSource source(store, checkpoint.tree_size);
  std::vector<verify::TrustedSubtree> out;
  for (const merkle::Subtree& subtree : window->ActiveSubtrees()) {
    std::string context = "landmark subtree " + subtree.ToString();
    Result<merkle::Hash> hash = merkle::SubtreeHash(source, subtree);
    if (!hash.ok()) return FromLog(context, hash.error());
    Result<merkle::Proof> proof =
        merkle::GenerateConsistencyProof(source, checkpoint.tree_size, subtree);
    if (!proof.ok()) return FromLog(context, proof.error());
    Status consistent = merkle::VerifyConsistencyProof(
        checkpoint.tree_size, subtree, *proof, *hash, checkpoint.root_hash);
    if (!consistent.ok()) {
      return Inconsistent(context +
                          " is not consistent with the checkpoint "
                          "of tree size " +
                          std::to_string(checkpoint.tree_size) + ": " +
                          consistent.error().message());
    }
    out.push_back({verified.log_number, subtree, *hash});
  }
  return out;
}

}  // namespace mtc::log
