#include "witness/witness.h"

#include <chrono>
#include <cstdio>
#include <optional>
#include <span>
#include <utility>

#include "mtc/base/hex.h"
#include "mtc/crypto/sha256.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/checkpoint.h"

namespace mtc::witness {

namespace {

// Names and origins go into a CosignedMessage as opaque<1..2^8-1>.
constexpr size_t kMaxNameSize = 255;
// tlog-cosignature: "It MUST NOT exceed 2^63 - 1".
constexpr uint64_t kMaxTimestamp = (uint64_t{1} << 63) - 1;

Response Text(int status, const std::string& message) {
  return Response{status, std::string(kTextContentType), message + "\n"};
}

Response TooLarge() {
  return Text(413, "request body exceeds " +
                       std::to_string(kMaxRequestBodySize) + " bytes");
}

// The storage failures of a request: 503 when another writer held the state
// past the busy timeout (retrying may help), 500 otherwise.
Response StorageFailure(const Error& error) {
  return Text(error.code() == ErrorCode::kUnavailable ? 503 : 500,
              "internal error");
}

// signed-note §Signatures: ignores lines of unknown keys; verifies every line
// whose key name and ID match one of `keys`, any failure failing the note;
// requires at least one that verified. Returns one verified line per key, so
// that a note repeating a line does not repeat it in what we store.
Result<std::vector<tlog::NoteSignature>> VerifiedSignatures(
    const tlog::Checkpoint& checkpoint, const tlog::SignedNote& note,
    std::span<const tlog::NoteCosigner> keys) {
  std::vector<tlog::NoteSignature> out;
  for (const tlog::NoteCosigner& key : keys) {
    bool verified = false;
    for (const tlog::NoteSignature& sig : note.signatures) {
      if (!key.Matches(sig)) continue;
      auto timestamp = tlog::VerifyCheckpointCosignature(key, checkpoint, sig);
      if (!timestamp.ok()) {
        char key_id[9];
        std::snprintf(key_id, sizeof(key_id), "%08x", key.key_id());
        return Error(ErrorCode::kVerificationFailed,
                     "the signature of " + key.name() + "+" + key_id +
                         " does not verify: " + timestamp.error().message());
      }
      if (!verified) out.push_back(sig);
      verified = true;
    }
  }
  if (out.empty()) {
    return Error(ErrorCode::kVerificationFailed,
                 "no signature of a trusted key");
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Witness>> Witness::Open(WitnessOptions options) {
  if (options.name.size() > kMaxNameSize) {
    return Error(ErrorCode::kInvalidArgument,
                 "witness name is longer than 255 bytes");
  }
  // Checks the name and that the key has a note cosignature format.
  MTC_ASSIGN_OR_RETURN(
      tlog::NoteCosigner cosigner,
      tlog::NoteCosigner::Create(options.name, options.key.public_key()));
  std::map<std::string, size_t, std::less<>> log_by_origin;
  std::map<std::string, std::string, std::less<>> origin_by_hash;
  for (size_t i = 0; i < options.logs.size(); i++) {
    const KnownLog& log = options.logs[i];
    if (log.origin.empty() || log.origin.size() > kMaxNameSize ||
        log.origin.find('\n') != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "log origin \"" + log.origin +
                       "\" is not one line of 1 to 255 bytes");
    }
    if (log.keys.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "log " + log.origin + " has no keys");
    }
    if (!log_by_origin.emplace(log.origin, i).second) {
      return Error(ErrorCode::kInvalidArgument,
                   "log " + log.origin + " is listed twice");
    }
    origin_by_hash.emplace(
        HexEncode(crypto::Sha256Of(
            {reinterpret_cast<const uint8_t*>(log.origin.data()),
             log.origin.size()})),
        log.origin);
  }
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
                       StateStore::Open(options.state_path));
  std::unique_ptr<Witness> witness(
      new Witness(std::move(options), std::move(cosigner), std::move(store)));
  witness->log_by_origin_ = std::move(log_by_origin);
  witness->origin_by_hash_ = std::move(origin_by_hash);
  return witness;
}

Witness::Witness(WitnessOptions options, tlog::NoteCosigner cosigner,
                 std::unique_ptr<StateStore> store)
    : options_(std::move(options)),
      cosigner_(std::move(cosigner)),
      store_(std::move(store)) {}

const KnownLog* Witness::FindLog(std::string_view origin) const {
  auto it = log_by_origin_.find(origin);
  return it == log_by_origin_.end() ? nullptr : &options_.logs[it->second];
}

uint64_t Witness::Now() const {
  if (options_.clock) return options_.clock();
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void Witness::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Response Witness::HandleAddCheckpoint(std::string_view body) {
  if (body.size() > kMaxRequestBodySize) return TooLarge();
  // The body's own rules, including "the old size MUST be equal to or lower
  // than the checkpoint size": 400 Bad Request.
  auto request = ParseAddCheckpointRequest(body);
  if (!request.ok()) return Text(400, request.error().message());
  auto parsed = tlog::ParseCheckpointText(request->checkpoint.text);
  if (!parsed.ok()) return Text(400, parsed.error().message());
  const tlog::Checkpoint& checkpoint = *parsed;

  // "If the checkpoint origin is unknown, the witness MUST respond with a
  // "404 Not Found" HTTP status code."
  const KnownLog* log = FindLog(checkpoint.origin);
  if (log == nullptr) {
    return Text(404, "unknown log origin \"" + checkpoint.origin + "\"");
  }
  // "The witness MUST verify the checkpoint signature against the public
  // key(s) it trusts for the checkpoint origin, and it MUST ignore signatures
  // from unknown keys. ... "403 Forbidden" ... if either no signature from a
  // trusted key for the origin is present, or a signature line's key name and
  // ID match a trusted key but the signature itself fails to verify".
  auto log_signatures =
      VerifiedSignatures(checkpoint, request->checkpoint, log->keys);
  if (!log_signatures.ok()) {
    return Text(403,
                checkpoint.origin + ": " + log_signatures.error().message());
  }

  // "checking the old size against the latest checkpoint and persisting the
  // new checkpoint must be performed atomically": everything from reading
  // the latest size to writing the new one is one transaction.
  const uint64_t old_size = request->old_size;
  const merkle::Proof& proof = request->consistency_proof;
  Response response;
  std::string rejection;  // why a 422, for the log
  auto reject = [&](const std::string& why) {
    rejection = why;
    response = Text(422, why);
    return std::optional<LogState>();
  };
  Status status = store_->Update(
      checkpoint.origin,
      [&](const std::optional<LogState>& current)
          -> Result<std::optional<LogState>> {
        // "The witness MUST check that the old size matches the size of the
        // latest checkpoint it cosigned for the checkpoint's origin (or zero
        // if it never cosigned a checkpoint for that origin). If it doesn't
        // match, the witness MUST respond with a "409 Conflict" ... the tree
        // size of the latest cosigned checkpoint in decimal, followed by a
        // newline".
        uint64_t latest = current ? current->tree_size : 0;
        if (old_size != latest) {
          response = Response{409, std::string(kTreeSizeContentType),
                              FormatTreeSizeBody(latest)};
          return std::optional<LogState>();
        }
        // "A checkpoint of size zero MUST have the root hash of the empty
        // tree".
        if (checkpoint.tree_size == 0 &&
            checkpoint.root_hash != merkle::EmptyTreeHash()) {
          return reject("a checkpoint of size 0 must have the empty root hash");
        }
        if (old_size == 0) {
          // "If the old size is zero, the consistency proof MUST be empty".
          if (!proof.empty()) {
            return reject("old size 0 needs an empty consistency proof");
          }
        } else {
          // "the consistency proof lines MUST encode a Merkle Consistency
          // Proof from the old size to the checkpoint size according to
          // [RFC 6962], Section 2.1.2", from the root hash we recorded. With
          // equal sizes the proof is empty and the root hashes must be
          // identical, which this check also enforces.
          Status consistent = merkle::VerifyRfc9162ConsistencyProof(
              old_size, checkpoint.tree_size, proof, current->root_hash,
              checkpoint.root_hash);
          if (!consistent.ok()) return reject(consistent.error().message());
        }

        // "If all the checks above pass, the witness MUST update its record
        // of the latest cosigned checkpoint and respond with a "200
        // Success" ... The cosignature MUST NOT omit the timestamp".
        uint64_t timestamp = Now();
        if (timestamp == 0 || timestamp > kMaxTimestamp) {
          return Error(ErrorCode::kInternal,
                       "the clock reads " + std::to_string(timestamp));
        }
        MTC_ASSIGN_OR_RETURN(tlog::NoteSignature cosignature,
                             tlog::SignCheckpoint(options_.key, options_.name,
                                                  checkpoint, timestamp));
        MTC_ASSIGN_OR_RETURN(std::string lines,
                             FormatCosignatureLines({&cosignature, 1}));
        // §Monitor Retrieval Mechanism: the served checkpoint carries "the
        // cosignature(s) from the witness's key(s) that were returned from
        // add-checkpoint and the cosignature from the log key(s) that the
        // witness verified".
        tlog::SignedNote served{request->checkpoint.text, *log_signatures};
        served.signatures.push_back(cosignature);
        MTC_ASSIGN_OR_RETURN(std::string served_text,
                             tlog::SerializeSignedNote(served));
        response = Response{200, std::string(kTextContentType), lines};
        return std::optional<LogState>(
            LogState{checkpoint.tree_size, checkpoint.root_hash, served_text});
      });
  // The response stands only if the transaction committed: "The witness
  // MUST persist the new checkpoint before responding."
  if (!status.ok()) {
    Log("add-checkpoint " + checkpoint.origin + ": " +
        status.error().ToString());
    return StorageFailure(status.error());
  }
  // "If the origin is known, and the signature is valid, the witness MAY log
  // the request even if the checkpoint fails one of the consistency checks
  // above ... as it might be proof of log misbehavior."
  if (!rejection.empty()) {
    Log("add-checkpoint " + checkpoint.origin + " " +
        std::to_string(checkpoint.tree_size) + " from old size " +
        std::to_string(old_size) + ": 422: " + rejection);
  }
  return response;
}

Response Witness::HandleSignSubtree(std::string_view body) {
  // "The cosignature format MUST support subtree cosigning": cosignature/v1
  // does not, so an Ed25519 witness does not offer the (OPTIONAL) API.
  if (!supports_sign_subtree()) {
    return Text(404, "this witness does not implement sign-subtree");
  }
  if (body.size() > kMaxRequestBodySize) return TooLarge();
  // "If the request is invalid according to the rules above [a valid,
  // and for us non-empty, subtree ending at or before the checkpoint size],
  // the witness MUST respond with a "400 Bad Request" HTTP status code."
  auto request = ParseSignSubtreeRequest(body);
  if (!request.ok()) return Text(400, request.error().message());
  auto parsed = tlog::ParseCheckpointText(request->checkpoint.text);
  if (!parsed.ok()) return Text(400, parsed.error().message());
  const tlog::Checkpoint& checkpoint = *parsed;
  const merkle::Subtree& subtree = request->subtree;

  // "If the checkpoint origin is unknown, the witness MUST respond with a
  // "404 Not Found" HTTP status code."
  if (FindLog(checkpoint.origin) == nullptr) {
    return Text(404, "unknown log origin \"" + checkpoint.origin + "\"");
  }
  // "The witness MUST verify that the checkpoint includes a valid
  // cosignature from one of its own keys. If the witness can't verify the
  // checkpoint, it MUST respond with a "403 Forbidden" HTTP status code."
  // Having cosigned the checkpoint, the witness has verified it consistent
  // with every view of the log it ever cosigned; a subtree proven
  // consistent with it is therefore consistent with them too.
  auto own = VerifiedSignatures(checkpoint, request->checkpoint,
                                std::span(&cosigner_, 1));
  if (!own.ok()) {
    return Text(403, "reference checkpoint of " + checkpoint.origin + " " +
                         std::to_string(checkpoint.tree_size) + ": " +
                         own.error().message());
  }
  // "The consistency proof lines MUST encode a Subtree Consistency Proof
  // from the subtree to the checkpoint ... If the Merkle Consistency Proof
  // doesn't verify, the witness MUST respond with a "422 Unprocessable
  // Entity" HTTP status code."
  Status consistent = merkle::VerifyConsistencyProof(
      checkpoint.tree_size, subtree, request->consistency_proof,
      request->subtree_hash, checkpoint.root_hash);
  if (!consistent.ok()) {
    Log("sign-subtree " + checkpoint.origin + " " + subtree.ToString() +
        " of " + std::to_string(checkpoint.tree_size) +
        ": 422: " + consistent.error().message());
    return Text(422, consistent.error().message());
  }
  // "If the cosignature format supports timestamps, the timestamp MUST be
  // zero."
  auto raw = tlog::SignSubtree(options_.key, options_.name, checkpoint.origin,
                               subtree, request->subtree_hash);
  if (!raw.ok()) {
    Log("sign-subtree " + checkpoint.origin + ": " + raw.error().ToString());
    return Text(500, "internal error");
  }
  tlog::NoteSignature line = tlog::NoteSignatureFromRaw(cosigner_, *raw);
  auto lines = FormatCosignatureLines({&line, 1});
  if (!lines.ok()) {
    Log("sign-subtree " + checkpoint.origin + ": " + lines.error().ToString());
    return Text(500, "internal error");
  }
  return Response{200, std::string(kTextContentType), *lines};
}

Response Witness::HandleGetCheckpoint(std::string_view origin_hash) {
  auto it = origin_by_hash_.find(origin_hash);
  if (it == origin_by_hash_.end()) return Text(404, "unknown log");
  auto state = store_->Get(it->second);
  if (!state.ok()) {
    Log("checkpoint " + it->second + ": " + state.error().ToString());
    return StorageFailure(state.error());
  }
  // "If the witness has never cosigned a checkpoint for that log, it MUST
  // respond with a "404 Not Found" HTTP status code instead."
  if (!state->has_value()) {
    return Text(404, "no checkpoint of " + it->second + " cosigned yet");
  }
  return Response{200, std::string(kTextContentType), (*state)->checkpoint};
}

}  // namespace mtc::witness
