// The wire formats of the C2SP tlog-witness protocol
// (spec/c2sp-tlog-witness.md), both directions, as pure functions: the request
// bodies of `add-checkpoint` and `sign-subtree`, the cosignature-line
// responses, and the `text/x.tlog.size` body of a 409 Conflict.
//
// Every Parse* accepts exactly what its Build*/Format* produces, so a body has
// one text form: decimals without leading zeros, strict base64 of exactly one
// hash per proof line, at most 63 proof lines, each line ending in U+000A, and
// a signed checkpoint note that parses strictly (tlog/note.h,
// tlog/checkpoint.h). Build* refuses what Parse* would reject.
#ifndef MTC_WITNESS_PROTOCOL_H_
#define MTC_WITNESS_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/proof.h"
#include "mtc/merkle/subtree.h"
#include "mtc/tlog/note.h"

namespace mtc::witness {

// §HTTP Interface: both calls are POSTs under the submission prefix; the
// checkpoint retrieval of §Monitor Retrieval Mechanism is a GET of
// "<monitoring prefix>/<origin hash>/checkpoint".
inline constexpr std::string_view kAddCheckpointPath = "/add-checkpoint";
inline constexpr std::string_view kSignSubtreePath = "/sign-subtree";

// §add-checkpoint: the body of a 409 Conflict.
inline constexpr std::string_view kTreeSizeContentType = "text/x.tlog.size";
// The spec names no type for cosignature lines or checkpoints; both are
// UTF-8 text, served as tlog-tiles serves checkpoints. Error bodies are a
// human-readable line of the same type.
inline constexpr std::string_view kTextContentType =
    "text/plain; charset=utf-8";

// §add-checkpoint, §sign-subtree: "The client MUST NOT send more than 63
// consistency proof lines."
inline constexpr size_t kMaxProofLines = 63;

// The largest request body a handler reads. Not a limit of the spec, which
// bounds everything but the checkpoint's signatures: signed-note asks
// verifiers to accept at least 16 signatures of up to nearly 5 kB; this
// admits kMaxNoteSignatures (64) ML-DSA-87-sized lines with room to spare.
inline constexpr size_t kMaxRequestBodySize = 512 * 1024;

// What a handler answers: an HTTP status, Content-Type and body.
struct Response {
  int status = 200;
  std::string content_type;
  std::string body;

  bool operator==(const Response&) const = default;
};

// §add-checkpoint request body:
//   old <old size>
//   <consistency proof line>*        (base64 of one hash each, at most 63)
//   <empty line>
//   <signed checkpoint note>
struct AddCheckpointRequest {
  uint64_t old_size = 0;
  merkle::Proof consistency_proof;  // RFC 6962 §2.1.2 PROOF(old, new)
  tlog::SignedNote checkpoint;      // note.text is a checkpoint's text
};

// Parses strictly (see the file comment). Also enforces the request's own
// rule "the old size MUST be equal to or lower than the checkpoint size", so
// that every 400 Bad Request of §add-checkpoint is a parse failure.
Result<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body);
Result<std::string> BuildAddCheckpointRequest(
    const AddCheckpointRequest& request);

// §sign-subtree request body:
//   subtree <start> <end>
//   <base64 subtree hash>
//   <consistency proof line>*        (base64 of one hash each, at most 63)
//   <empty line>
//   <signed reference checkpoint note>
struct SignSubtreeRequest {
  merkle::Subtree subtree;
  merkle::Hash subtree_hash{};
  merkle::Proof consistency_proof;  // SUBTREE_PROOF(start, end, D_n)
  tlog::SignedNote checkpoint;      // note.text is a checkpoint's text
};

// Parses strictly. Also enforces the request's own rules, each a 400 Bad
// Request of §sign-subtree: [start, end) is a valid subtree
// (draft-ietf-plants-merkle-tree-certs §Definition of a Subtree) that ends at
// or before the checkpoint size; and, our choice (docs/design.md §2 item 1),
// it is not empty.
Result<SignSubtreeRequest> ParseSignSubtreeRequest(std::string_view body);
Result<std::string> BuildSignSubtreeRequest(const SignSubtreeRequest& request);

// The 200 response body of both calls: one or more note signature lines
// "— <key name> base64(key ID || signature)\n" (at most kMaxNoteSignatures).
Result<std::string> FormatCosignatureLines(
    std::span<const tlog::NoteSignature> signatures);
Result<std::vector<tlog::NoteSignature>> ParseCosignatureLines(
    std::string_view body);

// The text/x.tlog.size body of a 409 Conflict: the witness's latest
// cosigned tree size in decimal, then U+000A.
std::string FormatTreeSizeBody(uint64_t tree_size);
Result<uint64_t> ParseTreeSizeBody(std::string_view body);

// §Monitor Retrieval Mechanism: "/<origin hash>/checkpoint", the origin hash
// being SHA-256 of the origin in lower-case hex.
std::string CheckpointPath(std::string_view origin);
// The lower-case hex origin hash of a CheckpointPath(); kMalformed for any
// other path (upper-case hex included).
Result<std::string> OriginHashFromCheckpointPath(std::string_view path);

}  // namespace mtc::witness

#endif  // MTC_WITNESS_PROTOCOL_H_
