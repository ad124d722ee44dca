#include "mtc/wire/pem.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"
#include "mtc/wire/reader.h"

namespace mtc::wire {
namespace {

std::string ReadTestFile(const std::string& name) {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) + "/" + name,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos;
       pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// draft-ietf-tls-trust-anchor-ids §6.4, the example
// application/pem-certificate-chain-with-properties file (tests/testdata/spec).
std::string ChainWithProperties() {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) +
                   "/spec/trust-anchor-ids-6.4-example.pem");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(PemTest, ExactEncoding) {
  const std::vector<uint8_t> der = {0x30, 0x00};
  Result<std::string> pem = PemEncode(kPemCertificate, der);
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(*pem,
            "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");

  // 48 bytes fill exactly one 64-character line.
  std::vector<uint8_t> bytes(49, 0xff);
  pem = PemEncode(kPemPublicKey, bytes);
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(*pem, "-----BEGIN PUBLIC KEY-----\n" + std::string(64, '/') +
                      "\n/w==\n-----END PUBLIC KEY-----\n");
}

TEST(PemTest, RoundTripsEverySizeAndLabel) {
  for (std::string_view label :
       {kPemCertificate, kPemCertificateProperties, kPemCertificateRequest,
        kPemPrivateKey, kPemPublicKey, std::string_view("X509 CRL"),
        std::string_view("A-B"), std::string_view("")}) {
    std::vector<uint8_t> bytes;
    for (size_t n = 0; n <= 200; n++) {
      Result<std::string> pem = PemEncode(label, bytes);
      ASSERT_TRUE(pem.ok()) << label;
      // Lines of 64 characters but the last (RFC 7468 §3).
      std::istringstream lines(*pem);
      std::vector<std::string> body;
      for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("-----")) body.push_back(line);
      }
      for (size_t i = 0; i + 1 < body.size(); i++) {
        EXPECT_EQ(body[i].size(), 64u);
      }
      if (!body.empty()) {
        EXPECT_GE(body.back().size(), 4u);
        EXPECT_LE(body.back().size(), 64u);
      }
      Result<std::vector<uint8_t>> back = PemDecode(*pem, label);
      ASSERT_TRUE(back.ok())
          << label << " " << n << " " << back.error().ToString();
      EXPECT_EQ(*back, bytes);
      Result<std::vector<uint8_t>> crlf =
          PemDecode(Replace(*pem, "\n", "\r\n"), label);
      ASSERT_TRUE(crlf.ok()) << label << " " << n;
      EXPECT_EQ(*crlf, bytes);
      bytes.push_back(static_cast<uint8_t>(n * 131 + 7));
    }
  }
}

TEST(PemTest, ChainWithPropertiesExample) {
  Result<std::vector<PemBlock>> blocks = PemDecodeAll(ChainWithProperties());
  ASSERT_TRUE(blocks.ok()) << blocks.error().ToString();
  ASSERT_EQ(blocks->size(), 3u);
  EXPECT_EQ((*blocks)[0].label, "CERTIFICATE PROPERTIES");
  EXPECT_EQ((*blocks)[1].label, "CERTIFICATE");
  EXPECT_EQ((*blocks)[2].label, "CERTIFICATE");

  // Each block re-encodes to its own text.
  std::string again;
  for (const PemBlock& b : *blocks) again += *PemEncode(b.label, b.bytes);
  EXPECT_EQ(again, ChainWithProperties());

  // CertificatePropertyList (§6): trust_anchor_id 32473.1, group inclusions
  // 2187.2.100-200 and 32473.3.42-MAX, trust_anchor_negotiation.
  Reader list((*blocks)[0].bytes), props;
  ASSERT_TRUE(list.ReadU16LengthPrefixed(&props) && list.Done());
  uint16_t type;
  Reader data;
  ASSERT_TRUE(props.ReadU16(&type) && props.ReadU16LengthPrefixed(&data));
  EXPECT_EQ(type, 0);
  // The trust anchor ID in its binary form (§3): RELATIVE-OID contents.
  EXPECT_EQ(*RelativeOidToText(data.rest()), "32473.1");
  ASSERT_TRUE(props.ReadU16(&type) && props.ReadU16LengthPrefixed(&data));
  EXPECT_EQ(type, 1);
  Reader inclusions;
  ASSERT_TRUE(data.ReadU16LengthPrefixed(&inclusions) && data.Done());
  std::vector<std::string> groups;
  while (!inclusions.Done()) {
    Reader group;
    uint64_t low, high;
    ASSERT_TRUE(inclusions.ReadU8LengthPrefixed(&group) &&
                inclusions.ReadU64(&low) && inclusions.ReadU64(&high));
    groups.push_back(*RelativeOidToText(group.rest()) + ":" +
                     std::to_string(low) + "-" + std::to_string(high));
  }
  EXPECT_EQ(groups, (std::vector<std::string>{
                        "2187.2:100-200", "32473.3:42-18446744073709551615"}));
  ASSERT_TRUE(props.ReadU16(&type) && props.ReadU16LengthPrefixed(&data));
  EXPECT_EQ(type, 2);
  EXPECT_TRUE(data.Done() && props.Done());

  // The certificates are DER.
  for (size_t i = 1; i < 3; i++) {
    DerReader r((*blocks)[i].bytes), cert;
    EXPECT_TRUE(r.ReadSequence(&cert) && r.Done());
  }
}

TEST(PemTest, ReferenceCertificatesReencodeIdentically) {
  for (const char* name : {"refdata/ca_cert.pem", "refdata/cert_10_0.pem"}) {
    std::string text = ReadTestFile(name);
    ASSERT_FALSE(text.empty()) << name;
    Result<std::vector<uint8_t>> der = PemDecode(text, kPemCertificate);
    ASSERT_TRUE(der.ok()) << name << ": " << der.error().ToString();
    EXPECT_EQ(HexEncode(std::span(*der).first(2)), "3082") << name;
    EXPECT_EQ(*PemEncode(kPemCertificate, *der), text) << name;
  }
}

TEST(PemTest, SkipsTextOutsideBlocks) {
  // RFC 7468 §5.2: explanatory text before and between blocks.
  std::string text =
      "Subject: CN=Atlantis\n"
      "Issuer: CN=Atlantis\n\n" +
      *PemEncode(kPemCertificate, std::vector<uint8_t>{1, 2, 3}) +
      "some text\r\n\n" + *PemEncode(kPemPrivateKey, std::vector<uint8_t>{4}) +
      "trailer";
  Result<std::vector<PemBlock>> blocks = PemDecodeAll(text);
  ASSERT_TRUE(blocks.ok()) << blocks.error().ToString();
  EXPECT_EQ(*blocks, (std::vector<PemBlock>{{"CERTIFICATE", {1, 2, 3}},
                                            {"PRIVATE KEY", {4}}}));
  // The END line may end the input without a line ending.
  std::string last = *PemEncode(kPemCertificate, std::vector<uint8_t>{9});
  last.pop_back();
  EXPECT_TRUE(PemDecode(last, kPemCertificate).ok());
}

TEST(PemTest, RejectsNonStrictText) {
  const std::string full(64, 'A');
  struct Case {
    const char* name;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"no block", ""},
      {"no block, text", "hello\n"},
      {"wrong END label",
       "-----BEGIN CERTIFICATE-----\nMAA=\n-----END PRIVATE KEY-----\n"},
      {"END label of another length",
       "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATES-----\n"},
      {"END label with a space",
       "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE -----\n"},
      {"END with four dashes",
       "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE----\n"},
      {"no END", "-----BEGIN CERTIFICATE-----\nMAA=\n"},
      {"no END, at the end", "-----BEGIN CERTIFICATE-----\nMAA="},
      {"65-character line", "-----BEGIN CERTIFICATE-----\n" + full +
                                "A\nMAA=\n-----END CERTIFICATE-----\n"},
      {"63-character line, then more",
       "-----BEGIN CERTIFICATE-----\n" + full.substr(1) +
           "\nMAA=\n-----END CERTIFICATE-----\n"},
      {"short line, then more",
       "-----BEGIN CERTIFICATE-----\nAAAA\nAAAA\n-----END CERTIFICATE-----\n"},
      {"blank line inside",
       "-----BEGIN CERTIFICATE-----\n\nMAA=\n-----END CERTIFICATE-----\n"},
      {"blank line before END",
       "-----BEGIN CERTIFICATE-----\nMAA=\n\n-----END CERTIFICATE-----\n"},
      {"RFC 1421 headers",
       "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
       "DEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nMAA=\n"
       "-----END RSA PRIVATE KEY-----\n"},
      {"trailing space in base64",
       "-----BEGIN CERTIFICATE-----\nMAA= \n-----END CERTIFICATE-----\n"},
      {"leading space in base64",
       "-----BEGIN CERTIFICATE-----\n MAA=\n-----END CERTIFICATE-----\n"},
      {"tab in base64",
       "-----BEGIN CERTIFICATE-----\nMA\tA=\n-----END CERTIFICATE-----\n"},
      {"trailing space on BEGIN",
       "-----BEGIN CERTIFICATE----- \nMAA=\n-----END CERTIFICATE-----\n"},
      {"BEGIN with four dashes",
       "-----BEGIN CERTIFICATE----\nMAA=\n-----END CERTIFICATE-----\n"},
      {"BEGIN without a space", "-----BEGINCERTIFICATE-----\nMAA=\n"},
      {"lower-case begin",
       "-----begin CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"},
      {"BEGIN with four leading dashes",
       "----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"},
      {"label with two spaces",
       "-----BEGIN CERTIFICATE  PROPERTIES-----\nMAA=\n"
       "-----END CERTIFICATE  PROPERTIES-----\n"},
      {"label ending in a hyphen",
       "-----BEGIN CERTIFICATE------\nMAA=\n-----END CERTIFICATE------\n"},
      {"nested BEGIN",
       "-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAA=\n"
       "-----END CERTIFICATE-----\n-----END CERTIFICATE-----\n"},
      {"stray END",
       "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAA=\n"
       "-----END CERTIFICATE-----\n"},
      {"padding missing",
       "-----BEGIN CERTIFICATE-----\nMAA\n-----END CERTIFICATE-----\n"},
      {"non-zero trailing bits",
       "-----BEGIN CERTIFICATE-----\nMAB=\n-----END CERTIFICATE-----\n"},
      {"padding inside", "-----BEGIN CERTIFICATE-----\n" + full.substr(4) +
                             "AA==\nAAAA\n-----END CERTIFICATE-----\n"},
      {"base64url characters",
       "-----BEGIN CERTIFICATE-----\nMA-_\n-----END CERTIFICATE-----\n"},
      {"lone CR line endings",
       "-----BEGIN CERTIFICATE-----\rMAA=\r-----END CERTIFICATE-----\r"},
      {"good block, then a bad one",
       "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
       "-----BEGIN CERTIFICATE-----\nMAA\n-----END CERTIFICATE-----\n"},
  };
  for (const Case& c : cases) {
    Result<std::vector<PemBlock>> blocks = PemDecodeAll(c.text);
    EXPECT_FALSE(blocks.ok()) << c.name;
    if (!blocks.ok()) {
      EXPECT_EQ(blocks.error().code(), ErrorCode::kMalformed);
    }
    EXPECT_FALSE(PemDecode(c.text, kPemCertificate).ok()) << c.name;
  }
}

TEST(PemTest, DecodeWantsExactlyOneBlockWithTheLabel) {
  std::string cert = *PemEncode(kPemCertificate, std::vector<uint8_t>{1});
  std::string key = *PemEncode(kPemPrivateKey, std::vector<uint8_t>{2});
  EXPECT_TRUE(PemDecode(cert, kPemCertificate).ok());
  EXPECT_FALSE(PemDecode(cert, kPemPrivateKey).ok());
  EXPECT_FALSE(PemDecode(cert, "CERTIFICATE PROPERTIES").ok());
  EXPECT_FALSE(PemDecode(cert + key, kPemCertificate).ok());
  EXPECT_FALSE(PemDecode(cert + cert, kPemCertificate).ok());
  Result<std::vector<PemBlock>> both = PemDecodeAll(cert + key);
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->size(), 2u);
}

TEST(PemTest, LabelsFollowRfc7468) {
  for (std::string_view good :
       {"CERTIFICATE", "CERTIFICATE PROPERTIES", "X509 CRL", "A-B", "a",
        "ENCRYPTED PRIVATE KEY", "!~", ""}) {
    EXPECT_TRUE(PemEncode(good, std::vector<uint8_t>{1}).ok()) << good;
  }
  for (std::string_view bad :
       {"-CERT", "CERT-", "CERT ", " CERT", "A  B", "A--B", "A- B", "A -B",
        "A\tB", "A\nB", "\xc3\x89", "-", " "}) {
    Result<std::string> pem = PemEncode(bad, std::vector<uint8_t>{1});
    EXPECT_FALSE(pem.ok()) << bad;
    if (!pem.ok()) {
      EXPECT_EQ(pem.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace mtc::wire
