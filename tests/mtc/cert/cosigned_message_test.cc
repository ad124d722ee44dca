// Tests of CosignedMessage (draft-ietf-plants-merkle-tree-certs §Signature
// Format; C2SP tlog-cosignature §ML-DSA-44 signed message).
#include "mtc/cert/cosigned_message.h"

#include <gtest/gtest.h>

#include "mtc/base/hex.h"

namespace mtc::cert {
namespace {

CosignedMessage Example() {
  CosignedMessage m;
  m.cosigner_name = OidName("32473.1");
  m.log_origin = OidName("32473.1.0.1");
  m.subtree = {8, 13};
  m.subtree_hash.fill(0xab);
  return m;
}

TEST(CosignedMessageTest, NamesFromTrustAnchorIds) {
  // §Signature Format: "the trust anchor ID 32473.1 would be encoded as the
  // ASCII string oid/1.3.6.1.4.1.32473.1".
  EXPECT_EQ(OidName("32473.1"), "oid/1.3.6.1.4.1.32473.1");
}

TEST(CosignedMessageTest, ExactEncoding) {
  auto ascii_hex = [](const std::string& s) {
    return HexEncode(std::vector<uint8_t>(s.begin(), s.end()));
  };
  // Written out field by field from the struct.
  std::string expected =
      ascii_hex(std::string("subtree/v1\n", 11)) + "00" +  // label
      "17" + ascii_hex("oid/1.3.6.1.4.1.32473.1") +        // cosigner_name
      "0000000000000000" +                                 // timestamp
      "1b" + ascii_hex("oid/1.3.6.1.4.1.32473.1.0.1") +    // log_origin
      "0000000000000008" +                                 // start
      "000000000000000d" +                                 // end
      HexEncode(Example().subtree_hash);                   // hash
  std::vector<uint8_t> bytes = SerializeCosignedMessage(Example()).value();
  EXPECT_EQ(HexEncode(bytes), expected);
  EXPECT_EQ(ParseCosignedMessage(bytes).value(), Example());
}

TEST(CosignedMessageTest, RulesEnforced) {
  CosignedMessage m = Example();
  m.timestamp = 1;  // non-zero timestamp needs start == 0
  EXPECT_FALSE(SerializeCosignedMessage(m).ok());
  m.subtree = {0, 13};
  EXPECT_TRUE(SerializeCosignedMessage(m).ok());
  m = Example();
  m.subtree = {1, 5};
  EXPECT_FALSE(SerializeCosignedMessage(m).ok());
  m = Example();
  m.cosigner_name.clear();
  EXPECT_FALSE(SerializeCosignedMessage(m).ok());
  m = Example();
  m.log_origin = std::string(256, 'o');
  EXPECT_FALSE(SerializeCosignedMessage(m).ok());
}

TEST(CosignedMessageTest, ParseRejectsEveryTruncationAndTrailingData) {
  std::vector<uint8_t> bytes = SerializeCosignedMessage(Example()).value();
  for (size_t n = 0; n < bytes.size(); n++) {
    EXPECT_FALSE(ParseCosignedMessage(std::span(bytes).first(n)).ok()) << n;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(ParseCosignedMessage(longer).ok());
  std::vector<uint8_t> bad_label = bytes;
  bad_label[11] = 1;
  EXPECT_FALSE(ParseCosignedMessage(bad_label).ok());
}

}  // namespace
}  // namespace mtc::cert
