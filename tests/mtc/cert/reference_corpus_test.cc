// Interoperability with the draft authors' reference generator: its
// certificates, entry bundles, tiles and checkpoint (tests/testdata/refdata).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mtc/cert/certificate.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/merkle/node_source.h"
#include "mtc/merkle/proof.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/entry_bundle.h"
#include "mtc/tlog/note.h"
#include "mtc/tlog/tile_path.h"
#include "mtc/wire/pem.h"

namespace mtc::cert {
namespace {

using testing::ReadFileBytes;
using testing::RefCertificates;
using testing::RefdataPath;

std::vector<uint8_t> ReadCertificate(const std::string& file) {
  std::vector<uint8_t> pem = ReadFileBytes(RefdataPath(file));
  return wire::PemDecode(std::string(pem.begin(), pem.end()), "CERTIFICATE")
      .value();
}

TEST(ReferenceCorpusTest, GeneratorOutputIsRead) {
  std::vector<testing::RefCertificate> certs = RefCertificates();
  EXPECT_EQ(certs.size(), 12u);
  EXPECT_EQ(certs[0].file, "cert_10_0.pem");
  EXPECT_EQ(certs[0].subtree, (merkle::Subtree{8, 11}));
  EXPECT_EQ(certs[0].cosigners.size(), 3u);
  EXPECT_EQ(testing::RefLogEntries().size(), 2036u);
}

// Our entry hashing and tile layout reproduce the reference log: every level-0
// and level-1 hash tile byte for byte, and the checkpoint's root.
TEST(ReferenceCorpusTest, TilesAndRootFromEntries) {
  std::vector<std::vector<uint8_t>> entries = testing::RefLogEntries();
  merkle::MemoryTree tree;
  for (const auto& e : entries) {
    ASSERT_TRUE(ParseMtcLogEntry(e).ok());
    // What we serialize from what we parse is the same entry.
    EXPECT_EQ(SerializeMtcLogEntry(ParseMtcLogEntry(e).value()).value(), e);
    tree.AppendEntry(e);
  }
  for (const tlog::Tile& tile : tlog::TilesForGrowth(0, tree.size())) {
    std::vector<uint8_t> expected = ReadFileBytes(RefdataPath(TilePath(tile)));
    std::vector<uint8_t> ours;
    for (uint32_t i = 0; i < tile.width; i++) {
      merkle::Hash h =
          tree.NodeHash(8 * tile.level, tile.index * tlog::kTileWidth + i)
              .value();
      ours.insert(ours.end(), h.begin(), h.end());
    }
    EXPECT_EQ(ours, expected) << TilePath(tile);
  }
  // Entry bundles: our encoding of the entries is the reference's, file by
  // file.
  for (uint64_t n = 0; n * tlog::kTileWidth < tree.size(); n++) {
    tlog::Tile bundle{tlog::Tile::kEntries, n,
                      tlog::TileWidthAt(0, n, tree.size())};
    std::vector<uint8_t> ours;
    for (uint64_t i = n * tlog::kTileWidth;
         i < n * tlog::kTileWidth + bundle.width; i++) {
      ASSERT_TRUE(tlog::AppendToEntryBundle(entries[i], &ours).ok());
    }
    EXPECT_EQ(ours, ReadFileBytes(RefdataPath(TilePath(bundle))))
        << TilePath(bundle);
  }
  std::vector<uint8_t> note_bytes = ReadFileBytes(RefdataPath("checkpoint"));
  auto note =
      tlog::ParseSignedNote(std::string(note_bytes.begin(), note_bytes.end()));
  ASSERT_TRUE(note.ok());
  tlog::Checkpoint cp = tlog::ParseCheckpointText(note->text).value();
  EXPECT_EQ(cp.tree_size, tree.size());
  EXPECT_EQ(cp.root_hash, tree.RootHash());
}

// For every certificate: the log entry it asserts is byte-identical to the
// reference log's entry at its index (two-pass and single-pass hashes agree),
// its proof evaluates to the generator's subtree hash, and our assembly from
// the entry, key and proof gives back the certificate byte for byte.
TEST(ReferenceCorpusTest, CertificatesMatchTheLog) {
  std::vector<std::vector<uint8_t>> entries = testing::RefLogEntries();
  for (const testing::RefCertificate& ref : RefCertificates()) {
    SCOPED_TRACE(ref.file);
    std::vector<uint8_t> der = ReadCertificate(ref.file);
    Certificate cert = ParseCertificate(der).value();
    EXPECT_EQ(cert.signature_algorithm, MtcProofAlgorithmIdentifier());
    EXPECT_EQ(cert.tbs.signature, MtcProofAlgorithmIdentifier());
    EXPECT_EQ(cert.signature_unused_bits, 0);
    MtcProof proof = ParseMtcProof(cert.signature_value).value();
    EXPECT_EQ(SerializeMtcProof(proof).value(), cert.signature_value);
    EXPECT_EQ(proof.subtree, ref.subtree);
    EXPECT_EQ(proof.signatures.size(), ref.cosigners.size());
    for (size_t i = 0; i < proof.signatures.size() && i < ref.cosigners.size();
         i++) {
      EXPECT_EQ(
          TrustAnchorId::FromBinary(proof.signatures[i].cosigner_id)->ToAscii(),
          ref.cosigners[i]);
    }

    // Serial = (log_number << 48) | index, log 1.
    std::vector<uint8_t> expected_serial = {
        0x01,
        0,
        0,
        0,
        0,
        static_cast<uint8_t>(ref.index >> 8),
        static_cast<uint8_t>(ref.index)};
    EXPECT_EQ(cert.tbs.serial, expected_serial);

    MtcLogEntry entry;
    entry.extensions = proof.extensions;
    entry.type = kTbsCertEntry;
    TbsCertificateLogEntry fields = LogEntryFromTbsCertificate(cert.tbs);
    entry.tbs_cert_entry_data = fields.EncodeContents();
    std::vector<uint8_t> serialized = SerializeMtcLogEntry(entry).value();
    EXPECT_EQ(serialized, entries[ref.index]);
    EXPECT_EQ(TbsCertificateLogEntry::ParseContents(entry.tbs_cert_entry_data)
                  .value(),
              fields);
    merkle::Hash entry_hash = LogEntryHash(serialized);
    EXPECT_EQ(SinglePassEntryHash(cert.tbs, EncodeProofExtensions(proof)),
              entry_hash);

    auto evaluated = merkle::EvaluateInclusionProof(
        proof.subtree, ref.index, entry_hash, proof.inclusion_proof);
    if (ref.file == "cert_2035_2.pem") {
      // The generator flipped a proof bit in this one (BitFlipProof).
      EXPECT_TRUE(!evaluated.ok() || *evaluated != ref.subtree_hash);
    } else {
      ASSERT_TRUE(evaluated.ok()) << evaluated.error().ToString();
      EXPECT_EQ(*evaluated, ref.subtree_hash);
    }

    auto assembled = AssembleCertificate(fields, cert.tbs.spki, 1, ref.index,
                                         cert.signature_value);
    ASSERT_TRUE(assembled.ok()) << assembled.error().ToString();
    EXPECT_EQ(*assembled, der);
  }
}

}  // namespace
}  // namespace mtc::cert
