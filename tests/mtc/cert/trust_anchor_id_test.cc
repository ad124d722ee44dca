// Tests of trust anchor IDs (draft-ietf-tls-trust-anchor-ids §3) and the CA ID
// distinguished name (draft-ietf-plants-merkle-tree-certs §Certification
// Authority Identifiers).
#include "mtc/cert/trust_anchor_id.h"

#include <gtest/gtest.h>

#include "mtc/base/hex.h"

namespace mtc::cert {
namespace {

std::vector<uint8_t> FromHex(std::string_view hex) {
  return HexDecode(hex).value();
}

// §3: "The example ID's DER encoding is the six-octet sequence {0x0d, 0x04,
// 0x81, 0xfd, 0x59, 0x01} ... binary representation {0x81, 0xfd, 0x59, 0x01}
// ... ASCII representation is 32473.1".
TEST(TrustAnchorIdTest, SpecExampleInAllThreeForms) {
  auto id = TrustAnchorId::FromAscii("32473.1");
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  EXPECT_EQ(HexEncode(id->binary()), "81fd5901");
  EXPECT_EQ(HexEncode(id->ToDer()), "0d0481fd5901");
  EXPECT_EQ(TrustAnchorId::FromBinary(FromHex("81fd5901"))->ToAscii(),
            "32473.1");
  EXPECT_EQ(TrustAnchorId::FromDer(FromHex("0d0481fd5901"))->ToAscii(),
            "32473.1");
}

TEST(TrustAnchorIdTest, RejectsInvalidForms) {
  for (const char* bad : {"", ".", "1.", ".1", "01.2", "1..2", "1.a", "-1",
                          "1.18446744073709551616"}) {
    EXPECT_FALSE(TrustAnchorId::FromAscii(bad).ok()) << bad;
  }
  for (const char* bad : {"", "80", "8001", "81", "0181"}) {
    EXPECT_FALSE(TrustAnchorId::FromBinary(FromHex(bad)).ok()) << bad;
  }
  EXPECT_FALSE(TrustAnchorId::FromBinary(std::vector<uint8_t>(256, 1)).ok());
  EXPECT_TRUE(TrustAnchorId::FromBinary(std::vector<uint8_t>(255, 1)).ok());
  EXPECT_FALSE(
      TrustAnchorId::FromDer(FromHex("060481fd5901")).ok());  // OID tag
  EXPECT_FALSE(TrustAnchorId::FromDer(FromHex("0d0481fd590100")).ok());
}

// §Certification Authority Identifiers: log N is {caID logs(0) N}, landmark L
// of log N is {caID landmarks(1) N L}.
TEST(TrustAnchorIdTest, ChildIds) {
  auto ca = TrustAnchorId::FromAscii("32473.1").value();
  const uint64_t log[] = {0, 1};
  EXPECT_EQ(ca.Child(log)->ToAscii(), "32473.1.0.1");
  const uint64_t landmark[] = {1, 1, 300};
  EXPECT_EQ(ca.Child(landmark)->ToAscii(), "32473.1.1.1.300");
}

// §Certificate Format: shorter byte strings first, then lexicographic.
TEST(TrustAnchorIdTest, CosignerIdOrder) {
  EXPECT_TRUE(CosignerIdLess(FromHex("ff"), FromHex("0000")));
  EXPECT_TRUE(CosignerIdLess(FromHex("0001"), FromHex("0002")));
  EXPECT_FALSE(CosignerIdLess(FromHex("0002"), FromHex("0002")));
  EXPECT_FALSE(CosignerIdLess(FromHex("0000"), FromHex("ff")));
}

// trust-anchor-ids §3.1.
TEST(TrustAnchorRangeTest, Contains) {
  auto base = TrustAnchorId::FromAscii("32473.1.2.1").value();
  TrustAnchorRange range{base.binary(), 10, 300};
  auto id = [](const char* ascii) {
    return TrustAnchorId::FromAscii(ascii)->binary();
  };
  EXPECT_TRUE(range.Contains(id("32473.1.2.1.10")));
  EXPECT_TRUE(range.Contains(id("32473.1.2.1.300")));
  EXPECT_FALSE(range.Contains(id("32473.1.2.1.9")));
  EXPECT_FALSE(range.Contains(id("32473.1.2.1.301")));
  EXPECT_FALSE(range.Contains(id("32473.1.2.1")));       // rest empty
  EXPECT_FALSE(range.Contains(id("32473.1.2.1.10.1")));  // two components
  EXPECT_FALSE(range.Contains(id("32473.1.2.2.10")));    // other base
  std::vector<uint8_t> padded = base.binary();
  padded.insert(padded.end(), {0x80, 0x0a});  // non-minimal 10
  EXPECT_FALSE(range.Contains(padded));
  TrustAnchorRange open{base.binary(), 0, ~uint64_t{0}};
  EXPECT_TRUE(open.Contains(id("32473.1.2.1.18446744073709551615")));
  std::vector<uint8_t> bad_base = base.binary();
  bad_base.push_back(0x81);  // ends mid-component
  EXPECT_FALSE(
      (TrustAnchorRange{bad_base, 0, 5}.Contains(id("32473.1.2.1.1.1"))));
}

// §Certification Authority Identifiers: for ID 32473.1 the experimental form
// is "1.3.6.1.4.1.44363.47.1=#0c0733323437332e31".
TEST(CaIdNameTest, ExperimentalForm) {
  auto ca = TrustAnchorId::FromAscii("32473.1").value();
  std::vector<uint8_t> name = EncodeCaIdName(ca);
  EXPECT_NE(HexEncode(name).find("0c0733323437332e31"), std::string::npos);
  EXPECT_EQ(HexEncode(name),
            "301931173015060a2b0601040182da4b2f01"
            "0c0733323437332e31");
  EXPECT_EQ(ParseCaIdName(name)->ToAscii(), "32473.1");
  // Not canonical, not the right attribute, trailing data.
  EXPECT_FALSE(ParseCaIdName(FromHex("301931173015060a2b0601040182da4b2f02"
                                     "0c0733323437332e31"))
                   .ok());
  EXPECT_FALSE(ParseCaIdName(FromHex("301a31183016060a2b0601040182da4b2f01"
                                     "0c083033323437332e31"))
                   .ok());
  std::vector<uint8_t> longer = name;
  longer.push_back(0);
  EXPECT_FALSE(ParseCaIdName(longer).ok());
}

}  // namespace
}  // namespace mtc::cert
