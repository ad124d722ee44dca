// The CA's side of C2SP tlog-witness: after each commit, ask every configured
// witness to cosign the new checkpoint (`add-checkpoint`, resending from the
// witness's size after a 409) and then each non-empty covering subtree
// (`sign-subtree`), in parallel, each with its own timeout
// (draft-ietf-plants-merkle-tree-certs §Standalone Certificates steps 4-5).
#ifndef MTC_LOG_WITNESS_CLIENT_H_
#define MTC_LOG_WITNESS_CLIENT_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log/ca_config.h"
#include "log/issuance_log.h"
#include "log/storage.h"
#include "mtc/base/result.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/tlog/cosignature.h"

namespace mtc::log {

class WitnessClient {
 public:
  // `tiles` (the log's, for consistency proofs) must outlive the client. A
  // witness's name must be "oid/1.3.6.1.4.1.<ID>" so that its signatures can
  // go into certificates under cosigner ID <ID>.
  static Result<std::unique_ptr<WitnessClient>> Create(
      const std::vector<WitnessConfig>& witnesses, const TileStore* tiles);

  // The IssuanceLog's CosignFunction: per subtree, the signatures of every
  // witness that answered in time; an error when a required one did not.
  Result<std::vector<std::vector<cert::SubtreeSignature>>> Cosign(
      const std::string& checkpoint_note,
      const std::vector<merkle::Subtree>& subtrees,
      const std::vector<merkle::Hash>& hashes);

  CosignFunction AsCosignFunction() {
    return
        [this](const std::string& note, const std::vector<merkle::Subtree>& s,
               const std::vector<merkle::Hash>& h) {
          return Cosign(note, s, h);
        };
  }

 private:
  struct Witness {
    WitnessConfig config;
    tlog::NoteCosigner cosigner;
    cert::TrustAnchorId id;
    std::mutex mu;
    uint64_t known_size = 0;  // guarded by mu: the size the witness last had
  };

  explicit WitnessClient(const TileStore* tiles) : tiles_(tiles) {}
  // One witness's signatures for every subtree, or why it gave none.
  Result<std::vector<std::vector<uint8_t>>> AskOne(
      Witness& w, const std::string& checkpoint_note,
      const std::vector<merkle::Subtree>& subtrees,
      const std::vector<merkle::Hash>& hashes);

  const TileStore* const tiles_;
  std::vector<std::unique_ptr<Witness>> witnesses_;
};

}  // namespace mtc::log

#endif  // MTC_LOG_WITNESS_CLIENT_H_
