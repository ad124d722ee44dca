// A tlog-witness (spec/c2sp-tlog-witness.md) independent of HTTP: the
// `add-checkpoint` and `sign-subtree` procedures and the checkpoint retrieval
// of §Monitor Retrieval Mechanism, each a function from a request body to a
// Response (status, Content-Type, body).
//
// The witness cosigns with one key under one name (a tlog-cosignature
// cosigner): ML-DSA-44 makes `subtree/v1` cosignatures and supports
// sign-subtree; Ed25519 makes `cosignature/v1` cosignatures, which cannot
// sign subtrees, so such a witness answers sign-subtree with 404 as if it did
// not serve the endpoint (the API is OPTIONAL).
//
// Order of checks: everything a request body states about itself (syntax,
// the 63-line limit, old size <= checkpoint size, a valid non-empty subtree
// ending within the checkpoint) is checked first and answered 400, before
// any signature is verified; then 404, 403, and the checks against state
// (409, 422) in the spec's order. The spec fixes each status but not which
// one a request that breaks two rules gets; cheap checks go first.
//
// The HTTP layer routes POST kAddCheckpointPath and POST kSignSubtreePath
// (protocol.h) under the submission prefix, and GET "/<origin hash>/
// checkpoint" under the monitoring prefix; it answers 405 to other methods and
// 413 to bodies over kMaxRequestBodySize without reading them.
#ifndef MTC_WITNESS_WITNESS_H_
#define MTC_WITNESS_WITNESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/private_key.h"
#include "mtc/tlog/cosignature.h"
#include "witness/protocol.h"
#include "witness/state_store.h"

namespace mtc::witness {

// A log the witness cosigns: its checkpoint origin and the keys its
// checkpoints may be signed with (§add-checkpoint: "the public key(s) it
// trusts for the checkpoint origin").
struct KnownLog {
  std::string origin;
  std::vector<tlog::NoteCosigner> keys;
};

struct WitnessOptions {
  // The witness's cosigner name: the key name of its signature lines and, for
  // ML-DSA-44, the cosigner_name it signs (at most 255 bytes).
  std::string name;
  // Ed25519 or ML-DSA-44.
  crypto::PrivateKey key;
  std::vector<KnownLog> logs;
  // The SQLite file holding the state; created if missing.
  std::string state_path;
  // POSIX time in seconds for cosignature timestamps; the system clock if
  // empty. Called from any thread.
  std::function<uint64_t()> clock;
  // Receives one line per request refused after its checkpoint's signature
  // verified (§add-checkpoint: such a request "might be proof of log
  // misbehavior") and per internal failure. Called from any thread.
  std::function<void(std::string_view line)> log;
};

// Thread-safe: the handlers may run on many threads at once, and several
// Witness objects (in one process or several) may share one state file; the
// state advances atomically (StateStore::Update).
class Witness {
 public:
  // Checks the options (a valid name; an Ed25519 or ML-DSA-44 key; distinct,
  // non-empty origins of at most 255 bytes, each with at least one key) and
  // opens the state.
  static Result<std::unique_ptr<Witness>> Open(WitnessOptions options);

  // §add-checkpoint. 200 with the cosignature line (text/plain) once the new
  // state is durable; 400 malformed body or old size above the checkpoint
  // size; 403 no verifying signature of a key trusted for the origin, or a
  // failing one; 404 unknown origin; 409 old size not the latest cosigned
  // size, with that size as text/x.tlog.size; 422 inconsistent checkpoint
  // (bad proof, proof with old size 0, wrong empty-tree root, same size with
  // another root hash); 413 over kMaxRequestBodySize; 500/503 storage
  // failures (503: another writer held the state too long; retry).
  Response HandleAddCheckpoint(std::string_view body);

  // §sign-subtree. 200 with a subtree/v1 cosignature line with timestamp 0;
  // 400 malformed body, invalid or empty subtree, or one that ends past the
  // checkpoint; 403 reference checkpoint without a verifying cosignature of
  // this witness's key, or with a failing one; 404 unknown origin, or a
  // witness whose key cannot sign subtrees; 422 the subtree consistency proof
  // does not verify; 413 over kMaxRequestBodySize.
  Response HandleSignSubtree(std::string_view body);

  // §Monitor Retrieval Mechanism, given the lower-case hex SHA-256 of an
  // origin (OriginHashFromCheckpointPath): 200 with the latest cosigned
  // checkpoint, carrying the log signatures that verified and this witness's
  // cosignature; 404 for an unknown origin or one never cosigned.
  Response HandleGetCheckpoint(std::string_view origin_hash);

  // This witness as a note verifier; its vkey is what logs configure.
  const tlog::NoteCosigner& cosigner() const { return cosigner_; }
  bool supports_sign_subtree() const {
    return cosigner_.type() == tlog::NoteSignatureType::kMlDsa44Subtree;
  }
  // The latest cosigned state of `origin` (nullopt: never cosigned).
  Result<std::optional<LogState>> GetState(std::string_view origin) {
    return store_->Get(origin);
  }

 private:
  Witness(WitnessOptions options, tlog::NoteCosigner cosigner,
          std::unique_ptr<StateStore> store);

  const KnownLog* FindLog(std::string_view origin) const;
  uint64_t Now() const;
  void Log(const std::string& line) const;

  // All immutable after Open() except the store, which is thread-safe.
  const WitnessOptions options_;
  const tlog::NoteCosigner cosigner_;
  // Origin to its index in options_.logs.
  std::map<std::string, size_t, std::less<>> log_by_origin_;
  // Origin hash (lower-case hex) to origin, for HandleGetCheckpoint.
  std::map<std::string, std::string, std::less<>> origin_by_hash_;
  std::unique_ptr<StateStore> store_;
};

}  // namespace mtc::witness

#endif  // MTC_WITNESS_WITNESS_H_
