// Tests of §Verifying Certificate Signatures against the draft authors'
// reference corpus (tests/testdata/refdata) and of the relying party's inputs.
#include "mtc/verify/relying_party.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "mtc/cert/refdata_testutil.h"
#include "mtc/crypto/private_key.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/pem.h"

namespace mtc::verify {
namespace {

using cert::testing::ReadFileBytes;
using cert::testing::RefCertificate;
using cert::testing::RefCertificates;
using cert::testing::RefdataPath;

std::map<std::string, crypto::PublicKey> ReferenceKeys() {
  std::vector<uint8_t> bytes = ReadFileBytes(RefdataPath("mtc.json"));
  auto json = nlohmann::json::parse(bytes.begin(), bytes.end());
  std::map<std::string, crypto::PublicKey> out;
  for (const auto& c : json["Cosigners"]) {
    auto der = wire::Base64Decode(c["PrivateKey"].get<std::string>()).value();
    out.emplace(c["CosignerID"].get<std::string>(),
                crypto::PrivateKey::FromPkcs8Der(der)->public_key());
  }
  return out;
}

// The CA 32473.1 and every other reference cosigner; the CA's signature and
// `quorum` others required.
RelyingPartyConfig ReferenceConfig(size_t quorum) {
  auto keys = ReferenceKeys();
  RelyingPartyConfig config{cert::TrustAnchorId::FromAscii("32473.1").value(),
                            keys.at("32473.1"),
                            {},
                            true,
                            0,
                            {},
                            {}};
  for (const auto& [id, key] : keys) {
    if (id == "32473.1") continue;
    config.cosigners.push_back(
        {cert::TrustAnchorId::FromAscii(id).value(), key});
  }
  config.quorum = quorum;
  // minSerial (1, 0) and maxSerial (5, 2^48 - 1) of the reference CA.
  config.revoked = RangesOutside(uint64_t{1} << 48, (uint64_t{6} << 48) - 1);
  return config;
}

std::vector<uint8_t> CertificateDer(const std::string& file) {
  std::vector<uint8_t> pem = ReadFileBytes(RefdataPath(file));
  return wire::PemDecode(std::string(pem.begin(), pem.end()), "CERTIFICATE")
      .value();
}

Result<Verified> Verify(const RelyingPartyConfig& config,
                        std::span<const uint8_t> der) {
  MTC_ASSIGN_OR_RETURN(cert::Certificate c, cert::ParseCertificate(der));
  return VerifyCertificateSignature(config, c);
}

// The policy a certificate is tested under: the CA plus every other cosigner
// that signed it (landmark-style ones: the trusted subtree alone).
RelyingPartyConfig PolicyFor(const RefCertificate& ref) {
  RelyingPartyConfig config =
      ReferenceConfig(ref.cosigners.size() - (ref.cosigners.empty() ? 0 : 1));
  if (ref.cosigners.empty()) {
    config.trusted_subtrees.push_back({1, ref.subtree, ref.subtree_hash});
  }
  return config;
}

TEST(ReferenceVerifyTest, EveryCertificateVerifiesWithTheRightInputs) {
  for (const RefCertificate& ref : RefCertificates()) {
    SCOPED_TRACE(ref.file);
    std::vector<uint8_t> der = CertificateDer(ref.file);
    auto verified = Verify(PolicyFor(ref), der);
    if (ref.file == "cert_2035_2.pem") {  // the flipped proof bit
      EXPECT_FALSE(verified.ok());
      continue;
    }
    ASSERT_TRUE(verified.ok()) << verified.error().ToString();
    EXPECT_EQ(verified->log_number, 1u);
    EXPECT_EQ(verified->index, ref.index);
    EXPECT_EQ(verified->subtree_hash, ref.subtree_hash);
    EXPECT_EQ(verified->by_trusted_subtree, ref.cosigners.empty());
    if (!ref.cosigners.empty()) {
      EXPECT_EQ(verified->valid_cosigners, ref.cosigners);
    }
  }
}

TEST(ReferenceVerifyTest, WrongInputsAreRejectedAtTheirStep) {
  auto has = [](const Result<Verified>& r, const std::string& step) {
    return !r.ok() && r.error().message().rfind(step, 0) == 0;
  };
  std::vector<uint8_t> standalone =
      CertificateDer("cert_10_1.pem");  // 32473.1 + .2.3
  EXPECT_TRUE(Verify(ReferenceConfig(1), standalone).ok());
  EXPECT_TRUE(has(Verify(ReferenceConfig(2), standalone), "step 12"));
  RelyingPartyConfig no_ca = ReferenceConfig(0);
  no_ca.ca_key =
      crypto::PrivateKey::Generate(crypto::SignatureAlgorithm::kMlDsa44)
          ->public_key();
  EXPECT_TRUE(has(Verify(no_ca, standalone), "step 12"));
  RelyingPartyConfig unknown_ignored = ReferenceConfig(0);
  unknown_ignored.cosigners.clear();
  EXPECT_TRUE(Verify(unknown_ignored, standalone).ok());

  // Landmark-style: nothing without the trusted subtree; a wrong hash fails.
  std::vector<uint8_t> landmark = CertificateDer("cert_10_2.pem");
  EXPECT_TRUE(has(Verify(ReferenceConfig(0), landmark), "step 12"));
  RelyingPartyConfig wrong = ReferenceConfig(0);
  merkle::Hash bad{};
  wrong.trusted_subtrees.push_back({1, {0, 32}, bad});
  EXPECT_TRUE(has(Verify(wrong, landmark), "step 11"));
  wrong.trusted_subtrees[0].log_number = 2;  // another log: does not match
  EXPECT_TRUE(has(Verify(wrong, landmark), "step 12"));

  // Revoked ranges, and another CA.
  RelyingPartyConfig revoked = ReferenceConfig(1);
  revoked.revoked.push_back(
      {(uint64_t{1} << 48) + 10, (uint64_t{1} << 48) + 10});
  EXPECT_TRUE(has(Verify(revoked, standalone), "step 4"));
  RelyingPartyConfig other_ca = ReferenceConfig(1);
  other_ca.ca_id = cert::TrustAnchorId::FromAscii("32473.9").value();
  EXPECT_TRUE(has(Verify(other_ca, standalone), "step 6"));
}

// Changing any single byte of the TBSCertificate or the proof makes
// verification fail: every TBSCertificate byte and at least 200 positions
// spread over the rest of each certificate.
TEST(ReferenceVerifyTest, EverySingleByteChangeIsRejected) {
  for (const RefCertificate& ref : RefCertificates()) {
    if (ref.file == "cert_2035_2.pem") continue;
    SCOPED_TRACE(ref.file);
    RelyingPartyConfig config = PolicyFor(ref);
    std::vector<uint8_t> der = CertificateDer(ref.file);
    cert::Certificate parsed = cert::ParseCertificate(der).value();
    size_t tbs_end = 4 + parsed.tbs_der.size();  // outer header is 4 bytes
    std::vector<size_t> positions;
    for (size_t i = 0; i < tbs_end; i++) positions.push_back(i);
    size_t rest = der.size() - tbs_end;
    size_t step = std::max<size_t>(1, rest / 250);
    for (size_t i = tbs_end; i < der.size(); i += step) positions.push_back(i);
    positions.push_back(der.size() - 1);
    ASSERT_GE(positions.size(), 200u);
    for (size_t pos : positions) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
        std::vector<uint8_t> changed = der;
        changed[pos] ^= mask;
        ASSERT_FALSE(Verify(config, changed).ok()) << "byte " << pos;
      }
    }
  }
}

// Interop: the reference CA certificate gives the configuration its
// generator's config describes.
TEST(ReferenceVerifyTest, CaCertificateGivesTheConfiguration) {
  std::vector<uint8_t> pem = ReadFileBytes(RefdataPath("ca_cert.pem"));
  auto ca = cert::ParseCaCertificatePem(std::string(pem.begin(), pem.end()));
  ASSERT_TRUE(ca.ok()) << ca.error().ToString();
  RelyingPartyConfig config = ConfigFromCaCertificate(*ca);
  RelyingPartyConfig expected = ReferenceConfig(0);
  EXPECT_EQ(config.ca_id.ToAscii(), "32473.1");
  EXPECT_TRUE(config.ca_key == expected.ca_key);
  ASSERT_EQ(config.revoked.size(), 2u);
  EXPECT_EQ(config.revoked[0].first, 0u);
  EXPECT_EQ(config.revoked[0].last, (uint64_t{1} << 48) - 1);
  EXPECT_EQ(config.revoked[1].first, uint64_t{6} << 48);
  EXPECT_EQ(config.revoked[1].last, ~uint64_t{0});
  EXPECT_TRUE(config.require_ca_signature);
  EXPECT_TRUE(config.cosigners.empty());
  // With it alone, the CA-signed reference certificates verify.
  auto verified = Verify(config, CertificateDer("cert_10_1.pem"));
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
}

TEST(TrustedSubtreesFileTest, RoundTripAndRejections) {
  auto parsed = ParseTrustedSubtrees(
      "# log start end hash\n"
      "1 0 32 FuB1S/AVQxq3AkJmS+motlqcwNSi6FOJG3Noa4KaGF4=\n"
      "\n"
      "1 32 34 n45YX8aNgPT/JiC5jjTDOE4l1ZF/te899ttPlHJIb5A=\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].subtree, (merkle::Subtree{32, 34}));
  EXPECT_EQ(ParseTrustedSubtrees(FormatTrustedSubtrees(*parsed)).value().size(),
            2u);
  for (const char* bad :
       {"1 0 32\n", "0 0 32 FuB1S/AVQxq3AkJmS+motlqcwNSi6FOJG3Noa4KaGF4=\n",
        "1 1 5 FuB1S/AVQxq3AkJmS+motlqcwNSi6FOJG3Noa4KaGF4=\n",
        "1 0 32 FuB1S/AVQxq3AkJmS+motlqcwNSi6FOJG3Noa4KaGF\n",
        "1  0 32 FuB1S/AVQxq3AkJmS+motlqcwNSi6FOJG3Noa4KaGF4=\n",
        "1 3 3 FuB1S/AVQxq3AkJmS+motlqcwNSi6FOJG3Noa4KaGF4=\n"}) {
    EXPECT_FALSE(ParseTrustedSubtrees(bad).ok()) << bad;
  }
}

TEST(RevokedRangesTest, OutsideMinAndMax) {
  auto ranges = RangesOutside(10, 20);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_TRUE(ranges[0].Contains(0) && ranges[0].Contains(9) &&
              !ranges[0].Contains(10));
  EXPECT_TRUE(ranges[1].Contains(21) && ranges[1].Contains(~uint64_t{0}));
  EXPECT_TRUE(RangesOutside(0, ~uint64_t{0}).empty());
}

}  // namespace
}  // namespace mtc::verify
