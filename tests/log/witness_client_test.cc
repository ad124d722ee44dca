// End to end over loopback HTTP: the CA's sequencer asks our witness
// (tlog-witness add-checkpoint + sign-subtree) to cosign each commit, and the
// certificates carry the CA's and the witness's signatures.
#include "log/witness_client.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "log/memory_state_store.h"
#include "log/memory_tile_store.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/cosigned_message.h"
#include "mtc/cert/log_entry.h"
#include "mtc/verify/relying_party.h"
#include "net/http_server.h"
#include "witness/protocol.h"
#include "witness/witness.h"

namespace mtc::log {
namespace {

using crypto::PrivateKey;
using crypto::SignatureAlgorithm;

constexpr char kWitnessName[] = "oid/1.3.6.1.4.1.32473.2.1";

struct Fixture {
  PrivateKey ca_key =
      PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value();
  cert::TrustAnchorId ca_id = cert::TrustAnchorId::FromAscii("32473.1").value();
  std::string origin = "oid/1.3.6.1.4.1.32473.1.0.1";
  PrivateKey witness_key =
      PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value();
  std::string dir = std::filesystem::temp_directory_path() /
                    ("mtc-witness-client-" + std::to_string(::getpid()));
  std::unique_ptr<witness::Witness> witness;
  std::unique_ptr<net::HttpServer> server;
  MemoryTileStore tiles;
  MemoryLogStateStore state;

  Fixture() {
    std::filesystem::create_directories(dir);
    auto ca = tlog::NoteCosigner::Create("oid/1.3.6.1.4.1.32473.1",
                                         ca_key.public_key());
    witness::WitnessOptions o{
        kWitnessName,
        PrivateKey::FromPkcs8Der(witness_key.ToPkcs8Der()).value(),
        {{origin, {ca.value()}}},
        dir + "/witness.db"};
    witness = witness::Witness::Open(std::move(o)).value();
    server = net::HttpServer::Start({}, [this](const net::Request& r) {
               witness::Response a;
               if (r.path == witness::kAddCheckpointPath) {
                 a = witness->HandleAddCheckpoint(r.body);
               } else if (r.path == witness::kSignSubtreePath) {
                 a = witness->HandleSignSubtree(r.body);
               } else {
                 return net::TextResponse(404, "");
               }
               net::Response out;
               out.status = a.status;
               out.AddHeader("Content-Type", a.content_type);
               out.body = a.body;
               return out;
             }).value();
  }
  ~Fixture() {
    server->Stop();
    std::filesystem::remove_all(dir);
  }
  WitnessConfig Config(bool required, std::string url = "") {
    auto cosigner =
        tlog::NoteCosigner::Create(kWitnessName, witness_key.public_key())
            .value();
    return {kWitnessName, url.empty() ? "http://" + server->address() : url,
            tlog::FormatVerifierKey(cosigner.ToVerifierKey()), required,
            std::chrono::milliseconds(5000)};
  }
};

std::vector<uint8_t> NullEntry() {
  return cert::SerializeMtcLogEntry(cert::MtcLogEntry{}).value();
}

TEST(WitnessClientTest, CommitsCarryTheWitnessSignature) {
  Fixture f;
  auto client = WitnessClient::Create({f.Config(true)}, &f.tiles).value();
  IssuanceLogOptions options{f.ca_id};
  options.cosign = client->AsCosignFunction();
  auto log = IssuanceLog::Open(options, &f.ca_key, &f.tiles, &f.state).value();
  verify::RelyingPartyConfig rp{f.ca_id, f.ca_key.public_key()};
  rp.cosigners.push_back({cert::TrustAnchorId::FromAscii("32473.2.1").value(),
                          f.witness_key.public_key()});
  rp.quorum = 1;
  for (int round = 0; round < 3; round++) {
    std::vector<std::future<Result<IssuedEntry>>> futures;
    for (int i = 0; i < 5 + 100 * round; i++)
      futures.push_back(log->Append(NullEntry()));
    ASSERT_TRUE(log->CommitNow().ok());
    for (auto& fut : futures) {
      auto issued = fut.get();
      ASSERT_TRUE(issued.ok()) << issued.error().ToString();
      cert::MtcProof proof = issued->Proof();
      ASSERT_EQ(proof.signatures.size(), 2u);  // the CA and the witness, sorted
      // A null entry's "certificate" cannot be assembled; check the subtree
      // signatures the way the verifier does.
      std::string log_origin = f.origin;
      for (const auto& s : proof.signatures) {
        auto id = cert::TrustAnchorId::FromBinary(s.cosigner_id).value();
        const crypto::PublicKey& key = id.ToAscii() == "32473.1"
                                           ? f.ca_key.public_key()
                                           : f.witness_key.public_key();
        merkle::Hash h =
            merkle::EvaluateInclusionProof(proof.subtree, issued->index,
                                           merkle::HashLeaf(NullEntry()),
                                           proof.inclusion_proof)
                .value();
        EXPECT_TRUE(tlog::VerifySubtreeSignature(
                        key, cert::OidName(id.ToAscii()), log_origin,
                        proof.subtree, h, s.signature)
                        .ok());
      }
    }
  }
  EXPECT_EQ(f.witness->GetState(f.origin).value()->tree_size, log->head().size);
}

TEST(WitnessClientTest, RequiredWitnessDownFailsTheBatchNotTheLog) {
  Fixture f;
  // A port nothing listens on.
  auto client =
      WitnessClient::Create({f.Config(true, "http://127.0.0.1:1")}, &f.tiles)
          .value();
  IssuanceLogOptions options{f.ca_id};
  options.cosign = client->AsCosignFunction();
  auto log = IssuanceLog::Open(options, &f.ca_key, &f.tiles, &f.state).value();
  auto fut = log->Append(NullEntry());
  ASSERT_TRUE(log->CommitNow().ok());
  EXPECT_FALSE(fut.get().ok());
  EXPECT_FALSE(log->fatal_error().has_value());
  EXPECT_EQ(log->head().size, 1u);  // committed all the same
}

TEST(WitnessClientTest, OptionalWitnessDownIsSkipped) {
  Fixture f;
  auto client =
      WitnessClient::Create({f.Config(false, "http://127.0.0.1:1")}, &f.tiles)
          .value();
  IssuanceLogOptions options{f.ca_id};
  options.cosign = client->AsCosignFunction();
  auto log = IssuanceLog::Open(options, &f.ca_key, &f.tiles, &f.state).value();
  auto fut = log->Append(NullEntry());
  ASSERT_TRUE(log->CommitNow().ok());
  auto issued = fut.get();
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->Proof().signatures.size(), 1u);  // the CA's alone
}

}  // namespace
}  // namespace mtc::log
