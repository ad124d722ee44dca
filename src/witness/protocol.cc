#include "witness/protocol.h"

#include <charconv>
#include <cstring>

#include "mtc/base/hex.h"
#include "mtc/crypto/sha256.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/wire/base64.h"

namespace mtc::witness {

namespace {

Error Malformed(const std::string& what, const std::string& why) {
  return Error(ErrorCode::kMalformed, "malformed " + what + ": " + why);
}

// Reads newline-terminated lines off the front of a body.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}

  // The next line without its U+000A; false if no terminated line is left.
  bool Next(std::string_view* line) {
    size_t nl = rest_.find('\n');
    if (nl == std::string_view::npos) return false;
    *line = rest_.substr(0, nl);
    rest_.remove_prefix(nl + 1);
    return true;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// "an ASCII decimal with no leading zeroes (unless the size is zero, in which
// case the encoding MUST be `0`)", within uint64.
bool ParseDecimal(std::string_view text, uint64_t* out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseHash(std::string_view line, merkle::Hash* out) {
  auto bytes = wire::Base64Decode(line);
  if (!bytes.ok() || bytes->size() != out->size()) return false;
  std::memcpy(out->data(), bytes->data(), out->size());
  return true;
}

// "zero or more consistency proof lines, and an empty line": each line "MUST
// encode a single hash in base64", and "the client MUST NOT send more than 63
// consistency proof lines".
Result<merkle::Proof> ParseProofLines(const std::string& what,
                                      LineReader* lines) {
  merkle::Proof proof;
  std::string_view line;
  while (true) {
    if (!lines->Next(&line)) {
      return Malformed(what, "no empty line before the checkpoint");
    }
    if (line.empty()) return proof;
    if (proof.size() == kMaxProofLines) {
      return Malformed(what, "more than " + std::to_string(kMaxProofLines) +
                                 " consistency proof lines");
    }
    merkle::Hash h;
    if (!ParseHash(line, &h)) {
      return Malformed(what, "consistency proof line " +
                                 std::to_string(proof.size() + 1) +
                                 " is not one hash in base64");
    }
    proof.push_back(h);
  }
}

// "followed by a checkpoint": the rest of the body is one signed note whose
// text is a checkpoint's.
Result<tlog::SignedNote> ParseCheckpointNote(const std::string& what,
                                             std::string_view text,
                                             uint64_t* tree_size) {
  auto note = tlog::ParseSignedNote(text);
  if (!note.ok()) return note.error().WithContext(what);
  auto checkpoint = tlog::ParseCheckpointText(note->text);
  if (!checkpoint.ok()) return checkpoint.error().WithContext(what);
  *tree_size = checkpoint->tree_size;
  return std::move(note).value();
}

std::string ProofLines(const merkle::Proof& proof) {
  std::string out;
  for (const merkle::Hash& h : proof) out += wire::Base64Encode(h) + "\n";
  return out;
}

// A builder's output must be what the parser accepts: the parser holds the
// rules, and a builder that breaks them is given bad arguments.
template <typename T>
Result<std::string> Checked(std::string body,
                            Result<T> (*parse)(std::string_view)) {
  auto parsed = parse(body);
  if (!parsed.ok()) {
    return Error(ErrorCode::kInvalidArgument, parsed.error().message());
  }
  return body;
}

// The response lines are exactly the signature part of a note, so both
// directions reuse the signed-note code on a one-line placeholder text, as
// §add-checkpoint suggests clients do ("the client MAY concatenate it to the
// checkpoint, and use a note verification function").
constexpr std::string_view kPlaceholderText = "-\n";

constexpr std::string_view kCheckpointSuffix = "/checkpoint";
constexpr size_t kOriginHashHexSize = 2 * crypto::kSha256Size;

}  // namespace

Result<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body) {
  const std::string what = "add-checkpoint request";
  LineReader lines(body);
  AddCheckpointRequest out;
  // "The old size line MUST consist of the string `old`, a single space
  // (0x20), and the tree size of the previous checkpoint".
  std::string_view line;
  if (!lines.Next(&line) || !line.starts_with("old ") ||
      !ParseDecimal(line.substr(4), &out.old_size)) {
    return Malformed(what, "the first line is not \"old <size>\"");
  }
  MTC_ASSIGN_OR_RETURN(out.consistency_proof, ParseProofLines(what, &lines));
  uint64_t tree_size;
  MTC_ASSIGN_OR_RETURN(out.checkpoint,
                       ParseCheckpointNote(what, lines.rest(), &tree_size));
  // "The old size MUST be equal to or lower than the checkpoint size.
  // Otherwise, the witness MUST respond with a "400 Bad Request"".
  if (out.old_size > tree_size) {
    return Malformed(what, "old size " + std::to_string(out.old_size) +
                               " exceeds the checkpoint size " +
                               std::to_string(tree_size));
  }
  return out;
}

Result<std::string> BuildAddCheckpointRequest(
    const AddCheckpointRequest& request) {
  auto note = tlog::SerializeSignedNote(request.checkpoint);
  if (!note.ok()) return note.error();
  return Checked("old " + std::to_string(request.old_size) + "\n" +
                     ProofLines(request.consistency_proof) + "\n" + *note,
                 &ParseAddCheckpointRequest);
}

Result<SignSubtreeRequest> ParseSignSubtreeRequest(std::string_view body) {
  const std::string what = "sign-subtree request";
  LineReader lines(body);
  SignSubtreeRequest out;
  // "The subtree range line MUST consist of the string `subtree`, a single
  // space (0x20), the subtree start ..., a single space (0x20), and the
  // subtree end".
  std::string_view line;
  size_t space;
  if (!lines.Next(&line) || !line.starts_with("subtree ") ||
      (space = line.find(' ', 8)) == std::string_view::npos ||
      !ParseDecimal(line.substr(8, space - 8), &out.subtree.start) ||
      !ParseDecimal(line.substr(space + 1), &out.subtree.end)) {
    return Malformed(what, "the first line is not \"subtree <start> <end>\"");
  }
  // "The subtree hash line MUST be the Merkle Tree hash of the subtree
  // encoded in base64."
  if (!lines.Next(&line) || !ParseHash(line, &out.subtree_hash)) {
    return Malformed(what, "the second line is not one hash in base64");
  }
  MTC_ASSIGN_OR_RETURN(out.consistency_proof, ParseProofLines(what, &lines));
  uint64_t tree_size;
  MTC_ASSIGN_OR_RETURN(out.checkpoint,
                       ParseCheckpointNote(what, lines.rest(), &tree_size));
  // "The half-open interval [start, end) MUST be a valid subtree ..., and end
  // MUST be less than or equal to the checkpoint size."
  if (!merkle::IsValidSubtree(out.subtree)) {
    return Malformed(what, out.subtree.ToString() + " is not a valid subtree");
  }
  if (out.subtree.end > tree_size) {
    return Malformed(what, out.subtree.ToString() +
                               " ends past the checkpoint size " +
                               std::to_string(tree_size));
  }
  // docs/design.md §2 item 1: never sign an empty subtree.
  if (out.subtree.empty()) {
    return Malformed(what,
                     "the subtree " + out.subtree.ToString() + " is empty");
  }
  return out;
}

Result<std::string> BuildSignSubtreeRequest(const SignSubtreeRequest& request) {
  auto note = tlog::SerializeSignedNote(request.checkpoint);
  if (!note.ok()) return note.error();
  return Checked("subtree " + std::to_string(request.subtree.start) + " " +
                     std::to_string(request.subtree.end) + "\n" +
                     wire::Base64Encode(request.subtree_hash) + "\n" +
                     ProofLines(request.consistency_proof) + "\n" + *note,
                 &ParseSignSubtreeRequest);
}

Result<std::string> FormatCosignatureLines(
    std::span<const tlog::NoteSignature> signatures) {
  tlog::SignedNote note{std::string(kPlaceholderText),
                        {signatures.begin(), signatures.end()}};
  auto text = tlog::SerializeSignedNote(note);
  if (!text.ok()) return text.error();
  return text->substr(kPlaceholderText.size() + 1);
}

Result<std::vector<tlog::NoteSignature>> ParseCosignatureLines(
    std::string_view body) {
  const std::string what = "cosignature response";
  // "one or more note signature lines ... each starting with the `—`
  // character (U+2014) and ending with a newline character (U+000A)".
  if (body.empty()) return Malformed(what, "no signature lines");
  std::string note = std::string(kPlaceholderText) + "\n" + std::string(body);
  auto parsed = tlog::ParseSignedNote(note);
  if (!parsed.ok()) return parsed.error().WithContext(what);
  // A blank line in the body would have moved the note's split point.
  if (parsed->text != kPlaceholderText) {
    return Malformed(what, "an empty line among the signature lines");
  }
  return std::move(parsed->signatures);
}

std::string FormatTreeSizeBody(uint64_t tree_size) {
  return std::to_string(tree_size) + "\n";
}

Result<uint64_t> ParseTreeSizeBody(std::string_view body) {
  uint64_t size;
  if (!body.ends_with('\n') ||
      !ParseDecimal(body.substr(0, body.size() - 1), &size)) {
    return Malformed("text/x.tlog.size body",
                     "not a decimal size and a newline");
  }
  return size;
}

std::string CheckpointPath(std::string_view origin) {
  crypto::Sha256Digest hash = crypto::Sha256Of(
      {reinterpret_cast<const uint8_t*>(origin.data()), origin.size()});
  return "/" + HexEncode(hash) + std::string(kCheckpointSuffix);
}

Result<std::string> OriginHashFromCheckpointPath(std::string_view path) {
  if (path.size() != 1 + kOriginHashHexSize + kCheckpointSuffix.size() ||
      path[0] != '/' || !path.ends_with(kCheckpointSuffix)) {
    return Malformed("checkpoint path", "not /<origin hash>/checkpoint");
  }
  std::string_view hex = path.substr(1, kOriginHashHexSize);
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Malformed("checkpoint path",
                       "the origin hash is not lower-case hex");
    }
  }
  return std::string(hex);
}

}  // namespace mtc::witness
