#include "log/witness_client.h"

#include <future>

#include "log/tile_node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/note.h"
#include "net/http_client.h"
#include "witness/protocol.h"
#include "witness/witness_config.h"

namespace mtc::log {

namespace {

constexpr std::string_view kOidPrefix = "oid/1.3.6.1.4.1.";

std::string Join(const std::string& prefix, std::string_view path) {
  std::string out = prefix;
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + std::string(path);
}

Error WitnessError(const std::string& name, const std::string& why) {
  return Error(ErrorCode::kUnavailable, "witness " + name + ": " + why);
}

}  // namespace

Result<std::unique_ptr<WitnessClient>> WitnessClient::Create(
    const std::vector<WitnessConfig>& witnesses, const TileStore* tiles) {
  std::unique_ptr<WitnessClient> client(new WitnessClient(tiles));
  for (const WitnessConfig& c : witnesses) {
    if (c.name.rfind(kOidPrefix, 0) != 0) {
      return Error(
          ErrorCode::kInvalidArgument,
          "witness name \"" + c.name + "\" is not oid/1.3.6.1.4.1.<ID>");
    }
    MTC_ASSIGN_OR_RETURN(
        cert::TrustAnchorId id,
        cert::TrustAnchorId::FromAscii(c.name.substr(kOidPrefix.size())));
    auto cosigner = witness::NoteCosignerFromVerifierKey(c.vkey);
    if (!cosigner.ok())
      return cosigner.error().WithContext("witness " + c.name);
    if (cosigner->name() != c.name) {
      return Error(
          ErrorCode::kInvalidArgument,
          "witness " + c.name + ": its vkey names " + cosigner->name());
    }
    client->witnesses_.push_back(std::unique_ptr<Witness>(
        new Witness{c, std::move(cosigner).value(), std::move(id), {}, 0}));
  }
  return client;
}

Result<std::vector<std::vector<uint8_t>>> WitnessClient::AskOne(
    Witness& w, const std::string& checkpoint_note,
    const std::vector<merkle::Subtree>& subtrees,
    const std::vector<merkle::Hash>& hashes) {
  std::lock_guard<std::mutex> lock(w.mu);
  net::ClientOptions options;
  options.timeout = w.config.timeout;
  MTC_ASSIGN_OR_RETURN(net::HttpClient http, net::HttpClient::Create(options));
  MTC_ASSIGN_OR_RETURN(tlog::SignedNote note,
                       tlog::ParseSignedNote(checkpoint_note));
  MTC_ASSIGN_OR_RETURN(tlog::Checkpoint cp,
                       tlog::ParseCheckpointText(note.text));
  TileNodeSource source(*tiles_, cp.tree_size);

  // add-checkpoint, from the size the witness last had; a 409 tells us its
  // real size, and we resend once from there.
  tlog::NoteSignature cosignature;
  for (int attempt = 0;; attempt++) {
    witness::AddCheckpointRequest request{
        std::min(w.known_size, cp.tree_size), {}, note};
    if (request.old_size > 0) {
      MTC_ASSIGN_OR_RETURN(request.consistency_proof,
                           merkle::GenerateRfc9162ConsistencyProof(
                               source, request.old_size, cp.tree_size));
    }
    MTC_ASSIGN_OR_RETURN(std::string body,
                         witness::BuildAddCheckpointRequest(request));
    auto response =
        http.Post(Join(w.config.url, witness::kAddCheckpointPath), body);
    if (!response.ok())
      return WitnessError(w.config.name, response.error().message());
    if (response->status == 409 && attempt == 0) {
      auto size = witness::ParseTreeSizeBody(response->body);
      if (!size.ok())
        return WitnessError(w.config.name, "409 without a tree size");
      w.known_size = *size;
      continue;
    }
    if (response->status != 200) {
      return WitnessError(w.config.name, "add-checkpoint answered " +
                                             std::to_string(response->status) +
                                             ": " + response->body);
    }
    auto lines = witness::ParseCosignatureLines(response->body);
    if (!lines.ok())
      return WitnessError(w.config.name, lines.error().message());
    bool found = false;
    for (const tlog::NoteSignature& s : *lines) {
      if (!w.cosigner.Matches(s)) continue;
      auto verified = tlog::VerifyCheckpointCosignature(w.cosigner, cp, s);
      if (!verified.ok())
        return WitnessError(w.config.name, verified.error().message());
      cosignature = s;
      found = true;
    }
    if (!found) return WitnessError(w.config.name, "no cosignature of its key");
    w.known_size = cp.tree_size;
    break;
  }

  // sign-subtree for each covering subtree, against the checkpoint it just
  // cosigned.
  tlog::SignedNote reference = note;
  reference.signatures.push_back(cosignature);
  std::string origin = cp.origin;
  std::vector<std::vector<uint8_t>> out;
  for (size_t i = 0; i < subtrees.size(); i++) {
    witness::SignSubtreeRequest request{subtrees[i], hashes[i], {}, reference};
    MTC_ASSIGN_OR_RETURN(
        request.consistency_proof,
        merkle::GenerateConsistencyProof(source, cp.tree_size, subtrees[i]));
    MTC_ASSIGN_OR_RETURN(std::string body,
                         witness::BuildSignSubtreeRequest(request));
    auto response =
        http.Post(Join(w.config.url, witness::kSignSubtreePath), body);
    if (!response.ok())
      return WitnessError(w.config.name, response.error().message());
    if (response->status != 200) {
      return WitnessError(w.config.name, "sign-subtree answered " +
                                             std::to_string(response->status) +
                                             ": " + response->body);
    }
    auto lines = witness::ParseCosignatureLines(response->body);
    if (!lines.ok())
      return WitnessError(w.config.name, lines.error().message());
    std::vector<uint8_t> raw;
    for (const tlog::NoteSignature& s : *lines) {
      if (!w.cosigner.Matches(s)) continue;
      auto r = tlog::RawFromNoteSignature(s);
      if (!r.ok()) return WitnessError(w.config.name, r.error().message());
      Status ok = tlog::VerifySubtreeSignature(
          w.cosigner.key(), w.config.name, origin, subtrees[i], hashes[i], *r);
      if (!ok.ok()) return WitnessError(w.config.name, "bad subtree signature");
      raw = std::move(r).value();
    }
    if (raw.empty())
      return WitnessError(w.config.name, "no subtree signature of its key");
    out.push_back(std::move(raw));
  }
  return out;
}

Result<std::vector<std::vector<cert::SubtreeSignature>>> WitnessClient::Cosign(
    const std::string& checkpoint_note,
    const std::vector<merkle::Subtree>& subtrees,
    const std::vector<merkle::Hash>& hashes) {
  std::vector<std::future<Result<std::vector<std::vector<uint8_t>>>>> answers;
  for (auto& w : witnesses_) {
    answers.push_back(std::async(std::launch::async, [&, wp = w.get()] {
      return AskOne(*wp, checkpoint_note, subtrees, hashes);
    }));
  }
  std::vector<std::vector<cert::SubtreeSignature>> out(subtrees.size());
  for (size_t k = 0; k < witnesses_.size(); k++) {
    auto answer = answers[k].get();
    if (!answer.ok()) {
      if (witnesses_[k]->config.required) return answer.error();
      std::fprintf(stderr, "%s (optional; certificates go without it)\n",
                   answer.error().message().c_str());
      continue;
    }
    for (size_t i = 0; i < subtrees.size(); i++) {
      out[i].push_back({witnesses_[k]->id.binary(), std::move((*answer)[i])});
    }
  }
  return out;
}

}  // namespace mtc::log
