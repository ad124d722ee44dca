// Tests of VerifyLog and FetchTrustedSubtrees over HTTP on loopback: the
// draft authors' reference log (tests/testdata/refdata, log 1 of CA 32473.1)
// verifies; copies of it with one thing broken each fail with a message that
// names it; trusted subtrees fetched from it are the generator's landmark
// subtrees and accept its landmark-relative certificates
// (draft-ietf-plants-merkle-tree-certs §Trusted Subtrees).
#include "log/log_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "log/directory_tile_store.h"
#include "log/temp_dir_testutil.h"
#include "log/tile_node_source.h"
#include "log/tile_writer.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/cosigned_message.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/subtree.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/cosignature.h"
#include "mtc/tlog/entry_bundle.h"
#include "mtc/tlog/landmarks.h"
#include "mtc/tlog/note.h"
#include "mtc/verify/relying_party.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/pem.h"
#include "net/http_server.h"
#include "net/static_files.h"

namespace mtc::log {
namespace {

namespace fs = std::filesystem;

using cert::testing::ReadFileBytes;
using cert::testing::RefdataPath;
using crypto::PrivateKey;
using crypto::SignatureAlgorithm;
using ::testing::HasSubstr;

constexpr uint64_t kRefSize = 2036;
constexpr char kRefCaId[] = "32473.1";

std::string ReadText(const std::string& path) {
  std::vector<uint8_t> bytes = ReadFileBytes(path);
  return std::string(bytes.begin(), bytes.end());
}

void WriteBytes(const std::string& path, std::span<const uint8_t> bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void WriteText(const std::string& path, std::string_view text) {
  WriteBytes(path, std::span(reinterpret_cast<const uint8_t*>(text.data()),
                             text.size()));
}

// The reference corpus's private key of `cosigner_id`, from mtc.json.
PrivateKey ReferenceKey(const std::string& cosigner_id) {
  auto json = nlohmann::json::parse(ReadText(RefdataPath("mtc.json")));
  for (const auto& c : json["Cosigners"]) {
    if (c["CosignerID"].get<std::string>() != cosigner_id) continue;
    auto der = wire::Base64Decode(c["PrivateKey"].get<std::string>()).value();
    return PrivateKey::FromPkcs8Der(der).value();
  }
  ADD_FAILURE() << "no cosigner " << cosigner_id << " in mtc.json";
  return PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
}

cert::CaCertificate ReferenceCa() {
  auto ca = cert::ParseCaCertificatePem(ReadText(RefdataPath("ca_cert.pem")));
  EXPECT_TRUE(ca.ok()) << ca.error().ToString();
  return std::move(ca).value();
}

// A CA certificate for `ca_id` with `key` as the CA cosigner key.
cert::CaCertificate MakeCa(std::string_view ca_id, const PrivateKey& key) {
  auto id = cert::TrustAnchorId::FromAscii(ca_id).value();
  auto der = cert::BuildCaCertificate(id, key.public_key(), {});
  EXPECT_TRUE(der.ok()) << der.error().ToString();
  return cert::ParseCaCertificate(*der).value();
}

// A checkpoint note of `checkpoint` signed by `keys` (name, key), each with
// timestamp 0.
std::string SignedCheckpoint(
    const tlog::Checkpoint& checkpoint,
    const std::vector<std::pair<std::string, const PrivateKey*>>& keys) {
  tlog::SignedNote note;
  note.text = tlog::FormatCheckpointText(checkpoint).value();
  for (const auto& [name, key] : keys) {
    auto sig = tlog::SignCheckpoint(*key, name, checkpoint, 0);
    EXPECT_TRUE(sig.ok()) << sig.error().ToString();
    note.signatures.push_back(*sig);
  }
  return tlog::SerializeSignedNote(note).value();
}

tlog::Checkpoint ReferenceCheckpoint() {
  auto note = tlog::ParseSignedNote(ReadText(RefdataPath("checkpoint")));
  return tlog::ParseCheckpointText(note.value().text).value();
}

// Serves a log directory at http://127.0.0.1:<port><url_prefix>; files are
// read per request, so a test may change them while it runs.
class LogServer {
 public:
  LogServer(const std::string& root, const std::string& url_prefix) {
    net::StaticFilesOptions files;
    files.url_prefix = url_prefix;
    files.root = root;
    auto handler = net::StaticFiles::Create(files);
    EXPECT_TRUE(handler.ok()) << handler.error().ToString();
    if (!handler.ok()) return;
    net::ServerOptions options;
    options.listen = "127.0.0.1:0";
    auto server = net::HttpServer::Start(options, *handler);
    EXPECT_TRUE(server.ok()) << server.error().ToString();
    if (!server.ok()) return;
    server_ = std::move(server).value();
    // The log prefix has no trailing slash (docs/design.md §2 item 4).
    prefix_ = "http://127.0.0.1:" + std::to_string(server_->port()) +
              url_prefix.substr(0, url_prefix.size() - 1);
  }

  const std::string& prefix() const { return prefix_; }

 private:
  std::unique_ptr<net::HttpServer> server_;
  std::string prefix_;
};

VerifyLogOptions TestVerifyOptions() {
  VerifyLogOptions options;
  options.client.timeout = std::chrono::seconds(5);
  return options;
}

TrustedSubtreeOptions TestSubtreeOptions() {
  TrustedSubtreeOptions options;
  options.client.timeout = std::chrono::seconds(5);
  return options;
}

// A copy of the reference log in a temporary directory, served under /1/.
class LogVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(RefdataPath("tile"), dir_.Sub("tile"),
             fs::copy_options::recursive);
    fs::copy_file(RefdataPath("checkpoint"), dir_.Sub("checkpoint"));
    server_ = std::make_unique<LogServer>(dir_.path(), "/1/");
    ASSERT_FALSE(server_->prefix().empty());
  }

  Result<LogReport> Verify() {
    return VerifyLog(server_->prefix(), ca_, TestVerifyOptions());
  }

  // Expects VerifyLog to fail as the log being inconsistent, with a message
  // containing `needle`.
  void ExpectInconsistent(const std::string& needle) {
    auto report = Verify();
    ASSERT_FALSE(report.ok()) << "verified although " << needle;
    EXPECT_EQ(report.error().code(), ErrorCode::kVerificationFailed)
        << report.error().ToString();
    EXPECT_THAT(report.error().message(), HasSubstr(needle));
  }

  void FlipByte(const std::string& path, size_t offset) {
    std::vector<uint8_t> bytes = ReadFileBytes(dir_.Sub(path));
    ASSERT_LT(offset, bytes.size());
    bytes[offset] ^= 0x01;
    WriteBytes(dir_.Sub(path), bytes);
  }

  testing::TempDir dir_;
  std::unique_ptr<LogServer> server_;
  cert::CaCertificate ca_ = ReferenceCa();
};

// The reference log holds together: every entry, tile and the root.
TEST_F(LogVerifierTest, Verifies) {
  std::vector<LogProgress> progress;
  VerifyLogOptions options = TestVerifyOptions();
  options.progress_interval = 512;
  options.progress = [&](const LogProgress& p) { progress.push_back(p); };
  auto report = VerifyLog(server_->prefix(), ca_, options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->origin, "oid/1.3.6.1.4.1.32473.1.0.1");
  EXPECT_EQ(report->log_number, 1u);
  EXPECT_EQ(report->tree_size, kRefSize);
  EXPECT_EQ(wire::Base64Encode(report->root_hash),
            "NJ3SgtvJ9RarbzpFB9Oyh+jW3OWRlfUVBjjKT0BvuAE=");
  EXPECT_EQ(report->signed_by,
            std::vector<std::string>{"oid/1.3.6.1.4.1.32473.1"});
  EXPECT_EQ(report->entries, kRefSize);
  EXPECT_EQ(report->entry_bundles, 8u);
  // tile/0/000..006, tile/0/007.p/244, tile/1/000.p/7.
  EXPECT_EQ(report->tiles_checked, 9u);

  // The entry types, read straight from the bytes: u16 length of the
  // extensions, the extensions, u16 type (§Log Entries).
  uint64_t nulls = 0, tbs = 0;
  for (const std::vector<uint8_t>& e : cert::testing::RefLogEntries()) {
    ASSERT_GE(e.size(), 4u);
    size_t ext = size_t{e[0]} << 8 | e[1];
    ASSERT_GE(e.size(), 4 + ext);
    uint16_t type = static_cast<uint16_t>(e[2 + ext] << 8 | e[3 + ext]);
    (type == 0 ? nulls : tbs)++;
  }
  EXPECT_EQ(report->null_entries, nulls);
  EXPECT_EQ(report->tbs_cert_entries, tbs);
  EXPECT_EQ(nulls + tbs, kRefSize);
  EXPECT_GT(nulls, 0u);
  EXPECT_GT(tbs, 0u);

  ASSERT_EQ(progress.size(), 4u);  // 512, 1024, 1536, 2036
  EXPECT_EQ(progress[0].entries_verified, 512u);
  EXPECT_EQ(progress.back().entries_verified, kRefSize);
  EXPECT_EQ(progress.back().tree_size, kRefSize);
  EXPECT_EQ(progress.back().tiles_checked, 9u);
}

TEST_F(LogVerifierTest, CorruptLevel0TileByte) {
  FlipByte("tile/0/003", 5 * 32 + 7);
  ExpectInconsistent(
      "hash tile tile/0/003 does not match the entries: its hash 5 differs "
      "from the Merkle Tree Hash of entries [773, 774)");
}

TEST_F(LogVerifierTest, CorruptPartialTileByte) {
  FlipByte("tile/0/007.p/244", 243 * 32);
  ExpectInconsistent("hash tile tile/0/007.p/244 does not match");
}

TEST_F(LogVerifierTest, CorruptLevel1TileByte) {
  FlipByte("tile/1/000.p/7", 2 * 32 + 31);
  ExpectInconsistent(
      "hash tile tile/1/000.p/7 does not match the entries: its hash 2 "
      "differs from the Merkle Tree Hash of entries [512, 768)");
}

TEST_F(LogVerifierTest, TruncatedTile) {
  std::vector<uint8_t> bytes = ReadFileBytes(dir_.Sub("tile/0/001"));
  bytes.pop_back();
  WriteBytes(dir_.Sub("tile/0/001"), bytes);
  ExpectInconsistent("hash tile tile/0/001 has 8191 bytes, not 8192");
}

// A byte of an entry's subjectPublicKeyInfoHash: the entry still parses, but
// its hash no longer matches the level-0 tile.
TEST_F(LogVerifierTest, CorruptBundleByte) {
  std::vector<uint8_t> bundle = ReadFileBytes(dir_.Sub("tile/entries/002"));
  auto entries = tlog::ParseEntryBundle(bundle);
  ASSERT_TRUE(entries.ok());
  size_t target = 0;
  uint64_t index = 0;
  for (size_t i = 0; i < entries->size() && target == 0; i++) {
    auto entry = cert::ParseMtcLogEntry((*entries)[i]);
    ASSERT_TRUE(entry.ok());
    if (entry->type != cert::kTbsCertEntry) continue;
    auto tbs =
        cert::TbsCertificateLogEntry::ParseContents(entry->tbs_cert_entry_data);
    ASSERT_TRUE(tbs.ok());
    const merkle::Hash& h = tbs->subject_public_key_info_hash;
    auto at = std::search((*entries)[i].begin(), (*entries)[i].end(), h.begin(),
                          h.end());
    ASSERT_NE(at, (*entries)[i].end());
    target = static_cast<size_t>(&*at - bundle.data()) + 3;
    index = 512 + i;
  }
  ASSERT_NE(target, 0u) << "no tbs_cert_entry in tile/entries/002";
  FlipByte("tile/entries/002", target);
  ExpectInconsistent(
      "hash tile tile/0/002 does not match the entries: its "
      "hash " +
      std::to_string(index - 512) +
      " differs from the Merkle Tree Hash of entries [" +
      std::to_string(index) + ", " + std::to_string(index + 1) + ")");
}

TEST_F(LogVerifierTest, TruncatedBundle) {
  std::vector<uint8_t> bytes = ReadFileBytes(dir_.Sub("tile/entries/004"));
  bytes.pop_back();
  WriteBytes(dir_.Sub("tile/entries/004"), bytes);
  ExpectInconsistent("entry bundle tile/entries/004");
}

TEST_F(LogVerifierTest, EntryThatIsNotAnMtcLogEntry) {
  // The first entry of bundle 1 with an unknown MTCLogEntryType: its length
  // is unchanged, so the bundle still splits.
  std::vector<uint8_t> bundle = ReadFileBytes(dir_.Sub("tile/entries/001"));
  size_t ext = size_t{bundle[2]} << 8 | bundle[3];
  bundle[2 + 2 + ext] = 0x7f;
  WriteBytes(dir_.Sub("tile/entries/001"), bundle);
  ExpectInconsistent("entry 256 (in tile/entries/001)");
}

// A checkpoint edited without the CA's key: its signature fails.
TEST_F(LogVerifierTest, CheckpointRootEdited) {
  std::string note = ReadText(dir_.Sub("checkpoint"));
  size_t root = note.find("NJ3S");
  ASSERT_NE(root, std::string::npos);
  note[root] = 'M';
  WriteText(dir_.Sub("checkpoint"), note);
  ExpectInconsistent("checkpoint");
}

// A checkpoint the CA signed over a root that is not its entries'.
TEST_F(LogVerifierTest, CheckpointRootWrongButSigned) {
  PrivateKey ca_key = ReferenceKey(kRefCaId);
  tlog::Checkpoint checkpoint = ReferenceCheckpoint();
  checkpoint.root_hash[0] ^= 1;
  WriteText(dir_.Sub("checkpoint"),
            SignedCheckpoint(checkpoint, {{cert::OidName(kRefCaId), &ca_key}}));
  ExpectInconsistent(
      "the Merkle Tree Hash of the 2036 entries is "
      "NJ3SgtvJ9RarbzpFB9Oyh+jW3OWRlfUVBjjKT0BvuAE=, not the "
      "checkpoint's root");
}

// A checkpoint the CA signed over a larger tree than the log serves.
TEST_F(LogVerifierTest, CheckpointLargerThanTheLog) {
  PrivateKey ca_key = ReferenceKey(kRefCaId);
  tlog::Checkpoint checkpoint = ReferenceCheckpoint();
  checkpoint.tree_size = 2100;
  WriteText(dir_.Sub("checkpoint"),
            SignedCheckpoint(checkpoint, {{cert::OidName(kRefCaId), &ca_key}}));
  // Bundle 7 is full in a tree of 2100 entries; the log has 244 of them.
  ExpectInconsistent(
      "tile/entries/007 is missing, but the checkpoint of "
      "tree size 2100 requires it");
}

TEST_F(LogVerifierTest, MissingTile) {
  fs::remove(dir_.Sub("tile/0/005"));
  ExpectInconsistent(
      "tile/0/005 is missing, but the checkpoint of tree size 2036 requires "
      "it");
}

TEST_F(LogVerifierTest, MissingPartialTileWithoutFullTile) {
  fs::remove(dir_.Sub("tile/1/000.p/7"));
  ExpectInconsistent("tile/1/000.p/7 is missing");
}

TEST_F(LogVerifierTest, MissingBundle) {
  fs::remove(dir_.Sub("tile/entries/006"));
  ExpectInconsistent("tile/entries/006 is missing");
}

TEST_F(LogVerifierTest, WrongCaKey) {
  ca_ = MakeCa(kRefCaId,
               PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value());
  ExpectInconsistent("checkpoint carries no signature of a known cosigner");
}

// The CA ID names the cosigner and the origin: another CA's certificate with
// the same key finds no signature of its own name.
TEST_F(LogVerifierTest, OtherCaId) {
  PrivateKey ca_key = ReferenceKey(kRefCaId);
  ca_ = MakeCa("32473.7", ca_key);
  ExpectInconsistent("no signature of a known cosigner");
}

// DESIGN §2 item 4: the checkpoint of log 1 lives under <CA prefix>/1.
TEST_F(LogVerifierTest, PrefixNotEndingInTheLogNumber) {
  LogServer other(dir_.path(), "/2/");
  auto report = VerifyLog(other.prefix(), ca_, TestVerifyOptions());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_THAT(report.error().message(),
              HasSubstr("the checkpoint is of log 1, but the log prefix"));
  EXPECT_THAT(report.error().message(), HasSubstr("does not end in /1"));
  // "/11" does not end in "/1" either.
  LogServer eleven(dir_.path(), "/11/");
  report = VerifyLog(eleven.prefix(), ca_, TestVerifyOptions());
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.error().message(), HasSubstr("does not end in /1"));
}

// No checkpoint or no server: the check could not be made, which is not an
// inconsistent log.
TEST_F(LogVerifierTest, NoCheckpointOrNoServer) {
  fs::remove(dir_.Sub("checkpoint"));
  auto report = Verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kNotFound)
      << report.error().ToString();
  server_.reset();
  report = VerifyLog("http://127.0.0.1:9/1", ca_, TestVerifyOptions());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kUnavailable)
      << report.error().ToString();
  report = VerifyLog("not a url", ca_, TestVerifyOptions());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kInvalidArgument);
}

// The landmarks behind the reference generator's landmark-relative
// certificates, which use [0, 32), [32, 34) and [1024, 2036): landmark 1 at
// tree size 34, covered by [0, 32) and [32, 34), and landmark 2 at 2036,
// covered by [0, 1024) and [1024, 2036) (§Selecting Two Subtrees).
constexpr char kRefLandmarks[] = "2 2\n2036\n34\n0\n";

class TrustedSubtreesTest : public LogVerifierTest {
 protected:
  void SetUp() override {
    LogVerifierTest::SetUp();
    WriteText(dir_.Sub("landmarks"), kRefLandmarks);
  }

  Result<std::vector<verify::TrustedSubtree>> Fetch(
      std::span<const verify::Cosigner> cosigners = {}, size_t quorum = 0,
      uint64_t max_active = std::numeric_limits<uint64_t>::max()) {
    TrustedSubtreeOptions options = TestSubtreeOptions();
    options.max_active_landmarks = max_active;
    return FetchTrustedSubtrees(server_->prefix(), ca_, cosigners, quorum,
                                options);
  }

  void ExpectFetchInconsistent(const std::string& needle) {
    auto subtrees = Fetch();
    ASSERT_FALSE(subtrees.ok()) << "fetched although " << needle;
    EXPECT_EQ(subtrees.error().code(), ErrorCode::kVerificationFailed)
        << subtrees.error().ToString();
    EXPECT_THAT(subtrees.error().message(), HasSubstr(needle));
  }
};

TEST_F(TrustedSubtreesTest, AreTheActiveLandmarkSubtrees) {
  auto subtrees = Fetch();
  ASSERT_TRUE(subtrees.ok()) << subtrees.error().ToString();

  // The active landmark subtrees of §Landmark Tree Sizes, and their hashes
  // from the reference tiles read straight from disk.
  auto window = tlog::LandmarkWindow::Parse(kRefLandmarks, 2, kRefSize);
  ASSERT_TRUE(window.ok());
  std::vector<merkle::Subtree> expected = window->ActiveSubtrees();
  EXPECT_EQ(expected, (std::vector<merkle::Subtree>{
                          {0, 32}, {32, 34}, {0, 1024}, {1024, 2036}}));
  auto store = DirectoryTileStore::Open(RefdataPath(""));
  ASSERT_TRUE(store.ok());
  TileNodeSource source(**store, kRefSize);
  ASSERT_EQ(subtrees->size(), expected.size());
  for (size_t i = 0; i < expected.size(); i++) {
    EXPECT_EQ((*subtrees)[i].log_number, 1u);
    EXPECT_EQ((*subtrees)[i].subtree, expected[i]) << i;
    EXPECT_EQ((*subtrees)[i].hash, *merkle::SubtreeHash(source, expected[i]))
        << expected[i].ToString();
  }

  // Known answers from the generator: the subtrees of its landmark-relative
  // certificates are among them, with the hashes it printed.
  int found = 0;
  for (const auto& cert : cert::testing::RefCertificates()) {
    if (!cert.cosigners.empty()) continue;
    auto it = std::find_if(subtrees->begin(), subtrees->end(),
                           [&](const verify::TrustedSubtree& t) {
                             return t.subtree == cert.subtree;
                           });
    ASSERT_NE(it, subtrees->end()) << cert.file;
    EXPECT_EQ(it->hash, cert.subtree_hash) << cert.file;
    found++;
  }
  EXPECT_EQ(found, 6);
}

// The written file is what `mtc verify --subtrees` reads, and it accepts the
// generator's landmark-relative certificates (and still rejects the one
// with a flipped proof bit).
TEST_F(TrustedSubtreesTest, AcceptTheReferenceLandmarkCertificates) {
  auto subtrees = Fetch();
  ASSERT_TRUE(subtrees.ok()) << subtrees.error().ToString();
  auto parsed =
      verify::ParseTrustedSubtrees(verify::FormatTrustedSubtrees(*subtrees));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  verify::RelyingPartyConfig config = verify::ConfigFromCaCertificate(ca_);
  config.trusted_subtrees = *parsed;
  int accepted = 0;
  for (const auto& ref : cert::testing::RefCertificates()) {
    if (!ref.cosigners.empty()) continue;
    auto blocks = wire::PemDecodeAll(ReadText(RefdataPath(ref.file)));
    ASSERT_TRUE(blocks.ok());
    auto cert = cert::ParseCertificate(blocks->front().bytes);
    ASSERT_TRUE(cert.ok()) << ref.file;
    auto verified = verify::VerifyCertificateSignature(config, *cert);
    if (ref.file == "cert_2035_2.pem") {
      EXPECT_FALSE(verified.ok()) << ref.file;
      continue;
    }
    ASSERT_TRUE(verified.ok())
        << ref.file << ": " << verified.error().ToString();
    EXPECT_TRUE(verified->by_trusted_subtree) << ref.file;
    accepted++;
  }
  EXPECT_EQ(accepted, 5);
}

TEST_F(TrustedSubtreesTest, TheExampleWindowOfTwoLandmarks) {
  WriteText(dir_.Sub("landmarks"), "2 2\n2036\n1000\n0\n");
  auto subtrees = Fetch();
  ASSERT_TRUE(subtrees.ok()) << subtrees.error().ToString();
  std::vector<merkle::Subtree> expected = tlog::LandmarkSubtrees(0, 1000);
  for (const merkle::Subtree& s : tlog::LandmarkSubtrees(1000, 2036)) {
    expected.push_back(s);
  }
  ASSERT_EQ(subtrees->size(), expected.size());
  auto store = DirectoryTileStore::Open(RefdataPath(""));
  ASSERT_TRUE(store.ok());
  TileNodeSource source(**store, kRefSize);
  for (size_t i = 0; i < expected.size(); i++) {
    EXPECT_EQ((*subtrees)[i].subtree, expected[i]);
    EXPECT_EQ((*subtrees)[i].hash, *merkle::SubtreeHash(source, expected[i]));
  }
}

TEST_F(TrustedSubtreesTest, WrongCaKey) {
  ca_ = MakeCa(kRefCaId,
               PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value());
  ExpectFetchInconsistent("no signature of a known cosigner");
}

// §Publishing Landmarks: tree sizes at most the log's latest tree size.
TEST_F(TrustedSubtreesTest, LandmarkBeyondTheCheckpoint) {
  WriteText(dir_.Sub("landmarks"), "2 2\n2037\n34\n0\n");
  ExpectFetchInconsistent("tree size 2037 exceeds the log's tree size 2036");
}

TEST_F(TrustedSubtreesTest, MalformedLandmarksFile) {
  WriteText(dir_.Sub("landmarks"), "2 2\n34\n2036\n0\n");
  ExpectFetchInconsistent("landmarks: invalid landmarks file");
}

TEST_F(TrustedSubtreesTest, MoreActiveLandmarksThanTheCaAllows) {
  auto subtrees = Fetch({}, 0, 1);
  ASSERT_FALSE(subtrees.ok());
  EXPECT_EQ(subtrees.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_THAT(subtrees.error().message(),
              HasSubstr("exceeds max_active_landmarks 1"));
}

TEST_F(TrustedSubtreesTest, NoLandmarksFile) {
  fs::remove(dir_.Sub("landmarks"));
  auto subtrees = Fetch();
  ASSERT_FALSE(subtrees.ok());
  EXPECT_EQ(subtrees.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(subtrees.error().message(), HasSubstr("landmarks"));
}

// A log that serves a wrong hash inside a landmark subtree: the hash the
// tiles give is not taken on faith, its consistency proof fails against the
// signed root.
TEST_F(TrustedSubtreesTest, TileInsideASubtreeCorrupted) {
  FlipByte("tile/0/000", 3);  // entry 0's hash, inside [0, 32)
  ExpectFetchInconsistent(
      "landmark subtree [0, 32) is not consistent with the checkpoint of tree "
      "size 2036");
}

TEST_F(TrustedSubtreesTest, MissingTile) {
  fs::remove(dir_.Sub("tile/1/000.p/7"));
  ExpectFetchInconsistent("tile/1/000.p/7");
}

// The reference checkpoint's other cosigners (ECDSA P-256, ML-DSA-65 and -87)
// have no checkpoint note format: they cannot count toward a quorum.
TEST_F(TrustedSubtreesTest, CosignersWithoutNoteFormatDoNotCount) {
  std::vector<verify::Cosigner> cosigners = {
      {cert::TrustAnchorId::FromAscii("32473.2.1").value(),
       ReferenceKey("32473.2.1").public_key()}};
  auto subtrees = Fetch(cosigners, 1);
  ASSERT_FALSE(subtrees.ok());
  EXPECT_EQ(subtrees.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_THAT(subtrees.error().message(),
              HasSubstr("signed by 0 of the cosigners given, fewer than the "
                        "quorum of 1"));
  EXPECT_THAT(subtrees.error().message(), HasSubstr("32473.2.1"));
  // Quorum 0: the CA's signature alone.
  EXPECT_TRUE(Fetch(cosigners, 0).ok());
}

// §Trusted Cosigners: the CA's signature plus a quorum of witnesses, here
// Ed25519 (cosignature/v1) and ML-DSA-44 (subtree/v1) ones.
TEST_F(TrustedSubtreesTest, QuorumOfWitnesses) {
  PrivateKey ca_key = ReferenceKey(kRefCaId);
  PrivateKey ed = PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
  PrivateKey ml = PrivateKey::Generate(SignatureAlgorithm::kMlDsa44).value();
  PrivateKey absent =
      PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
  WriteText(dir_.Sub("checkpoint"),
            SignedCheckpoint(ReferenceCheckpoint(),
                             {{cert::OidName(kRefCaId), &ca_key},
                              {cert::OidName("32473.3.1"), &ed},
                              {cert::OidName("32473.3.2"), &ml}}));
  std::vector<verify::Cosigner> cosigners = {
      {cert::TrustAnchorId::FromAscii("32473.3.1").value(), ed.public_key()},
      {cert::TrustAnchorId::FromAscii("32473.3.2").value(), ml.public_key()},
      {cert::TrustAnchorId::FromAscii("32473.3.3").value(),
       absent.public_key()}};
  auto two = Fetch(cosigners, 2);
  ASSERT_TRUE(two.ok()) << two.error().ToString();
  EXPECT_EQ(two->size(), 4u);
  auto three = Fetch(cosigners, 3);
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_THAT(three.error().message(),
              HasSubstr("signed by 2 of the cosigners given, fewer than the "
                        "quorum of 3"));
  // More than the cosigners given is a usage error.
  auto four = Fetch(cosigners, 4);
  ASSERT_FALSE(four.ok());
  EXPECT_EQ(four.error().code(), ErrorCode::kInvalidArgument);

  // The witnesses sign, but not the CA: a relying party requires the CA.
  WriteText(dir_.Sub("checkpoint"),
            SignedCheckpoint(ReferenceCheckpoint(),
                             {{cert::OidName("32473.3.1"), &ed},
                              {cert::OidName("32473.3.2"), &ml}}));
  auto no_ca = Fetch(cosigners, 2);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_THAT(no_ca.error().message(),
              HasSubstr("not signed by the CA cosigner "
                        "oid/1.3.6.1.4.1.32473.1"));
}

// VerifyLogCheckpoint alone: the origin's form.
TEST(LogVerifierCheckpointTest, Origins) {
  PrivateKey key = PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
  cert::CaCertificate ca = MakeCa("32473.5", key);
  std::string name = cert::OidName("32473.5");
  struct Case {
    const char* origin;
    const char* prefix;
    bool ok;
  } cases[] = {
      {"oid/1.3.6.1.4.1.32473.5.0.1", "http://h/ca/1", true},
      {"oid/1.3.6.1.4.1.32473.5.0.65535", "http://h/65535/", true},
      {"oid/1.3.6.1.4.1.32473.5.0.0", "http://h/0", false},
      {"oid/1.3.6.1.4.1.32473.5.0.65536", "http://h/65536", false},
      {"oid/1.3.6.1.4.1.32473.5.0.01", "http://h/01", false},
      {"oid/1.3.6.1.4.1.32473.5.1.1", "http://h/1", false},
      {"oid/1.3.6.1.4.1.32473.5", "http://h/1", false},
      {"oid/1.3.6.1.4.1.32473.6.0.1", "http://h/1", false},
      {"oid/1.3.6.1.4.1.32473.5.0.1", "http://h/2", false},
      {"oid/1.3.6.1.4.1.32473.5.0.1", "http://h/21", false},
  };
  for (const Case& c : cases) {
    tlog::Checkpoint checkpoint;
    checkpoint.origin = c.origin;
    checkpoint.tree_size = 5;
    std::string note = SignedCheckpoint(checkpoint, {{name, &key}});
    auto verified = VerifyLogCheckpoint(note, c.prefix, ca, {}, 0);
    EXPECT_EQ(verified.ok(), c.ok) << c.origin << " at " << c.prefix;
    if (!verified.ok()) {
      EXPECT_EQ(verified.error().code(), ErrorCode::kVerificationFailed);
    }
  }
  tlog::Checkpoint huge;
  huge.origin = "oid/1.3.6.1.4.1.32473.5.0.1";
  huge.tree_size = uint64_t{1} << 48;
  auto verified = VerifyLogCheckpoint(SignedCheckpoint(huge, {{name, &key}}),
                                      "http://h/1", ca, {}, 0);
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.error().message(), HasSubstr("2^48 - 1"));
}

// A log this project's tile writer builds, with an Ed25519 CA: larger than
// the reference log (three tile levels), grown in steps, read at a
// checkpoint whose partial tiles the log has deleted.
class LogVerifierWrittenLogTest : public ::testing::Test {
 protected:
  static constexpr char kCaId[] = "32473.9";

  // Null entries with an extension holding the index, so that all differ.
  static std::vector<uint8_t> Entry(uint64_t i) {
    cert::MtcLogEntry entry;
    std::vector<uint8_t> data(8);
    for (int b = 0; b < 8; b++)
      data[b] = static_cast<uint8_t>(i >> (56 - 8 * b));
    entry.extensions.push_back({0x1234, data});
    return cert::SerializeMtcLogEntry(entry).value();
  }

  // Grows the log to `size` entries as a CA commit does (tile_writer.h).
  void GrowTo(uint64_t size) {
    std::vector<std::vector<uint8_t>> entries;
    for (uint64_t i = tree_.size(); i < size; i++) entries.push_back(Entry(i));
    auto tiles = ComputeTilesForGrowth(**store_, tree_.size(), entries);
    ASSERT_TRUE(tiles.ok()) << tiles.error().ToString();
    std::vector<StagedObject> staged;
    for (TileData& t : *tiles) staged.push_back({t.path, std::move(t.data)});
    ASSERT_TRUE((*store_)->PutStaged(staged).ok());
    for (const auto& e : entries) tree_.AppendEntry(e);
  }

  // Publishes the checkpoint of the current size.
  void PublishCheckpoint() {
    tlog::Checkpoint checkpoint;
    checkpoint.origin = cert::OidName(std::string(kCaId) + ".0.3");
    checkpoint.tree_size = tree_.size();
    checkpoint.root_hash = tree_.RootHash();
    std::string note =
        SignedCheckpoint(checkpoint, {{cert::OidName(kCaId), &key_}});
    ASSERT_TRUE((*store_)
                    ->PutMutable(
                        "checkpoint",
                        std::span(reinterpret_cast<const uint8_t*>(note.data()),
                                  note.size()))
                    .ok());
  }

  testing::TempDir dir_;
  Result<std::unique_ptr<DirectoryTileStore>> store_ =
      DirectoryTileStore::Open(dir_.path());
  merkle::MemoryTree tree_;
  PrivateKey key_ = PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
  cert::CaCertificate ca_ = MakeCa(kCaId, key_);
};

TEST_F(LogVerifierWrittenLogTest, ThreeLevelsGrownInSteps) {
  ASSERT_TRUE(store_.ok());
  for (uint64_t size : {1, 255, 256, 300, 65536, 65536 + 256 * 3 + 5}) {
    GrowTo(size);
  }
  PublishCheckpoint();
  LogServer server(dir_.path(), "/3/");
  std::vector<LogProgress> progress;
  VerifyLogOptions options = TestVerifyOptions();
  options.progress = [&](const LogProgress& p) { progress.push_back(p); };
  auto report = VerifyLog(server.prefix(), ca_, options);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->log_number, 3u);
  EXPECT_EQ(report->entries, 66309u);
  EXPECT_EQ(report->null_entries, 66309u);
  EXPECT_EQ(report->tbs_cert_entries, 0u);
  EXPECT_EQ(report->entry_bundles, 260u);
  // Level 0: 259 full + 1 partial; level 1: 1 full + 1 partial (width 3);
  // level 2: 1 partial (width 1).
  EXPECT_EQ(report->tiles_checked, 263u);
  ASSERT_EQ(progress.size(), 2u);  // 65536 and the end
  EXPECT_EQ(progress[0].entries_verified, 65536u);
  EXPECT_EQ(progress[1].entries_verified, 66309u);
}

// tlog-tiles §Partial Tiles: once the full tiles exist, a log may delete the
// partial ones of an older checkpoint; the verifier reads the full ones.
TEST_F(LogVerifierWrittenLogTest, PartialTilesDeletedAfterTheFullOnesExist) {
  ASSERT_TRUE(store_.ok());
  GrowTo(300);
  PublishCheckpoint();
  GrowTo(512);
  fs::remove(dir_.Sub("tile/0/001.p/44"));
  fs::remove(dir_.Sub("tile/entries/001.p/44"));
  LogServer server(dir_.path(), "/3/");
  auto report = VerifyLog(server.prefix(), ca_, TestVerifyOptions());
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->entries, 300u);
  EXPECT_EQ(report->tiles_checked, 3u);  // 0/000, 0/001 (as .p/44), 1/000.p/1
}

TEST_F(LogVerifierWrittenLogTest, EmptyLog) {
  ASSERT_TRUE(store_.ok());
  PublishCheckpoint();
  LogServer server(dir_.path(), "/3/");
  auto report = VerifyLog(server.prefix(), ca_, TestVerifyOptions());
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->entries, 0u);
  EXPECT_EQ(report->tiles_checked, 0u);
}

}  // namespace
}  // namespace mtc::log
