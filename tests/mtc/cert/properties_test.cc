// Tests of certificate properties (draft-ietf-tls-trust-anchor-ids §6) and
// of the properties of MTC certificates (draft-ietf-plants-merkle-tree-certs
// §Use in TLS; docs/design.md §2 item 7).
#include "mtc/cert/properties.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/wire/pem.h"

namespace mtc::cert {
namespace {

// Hex digits, with spaces between fields for reading.
std::vector<uint8_t> Hex(std::string_view spaced_hex) {
  std::string hex(spaced_hex);
  std::erase(hex, ' ');
  return HexDecode(hex).value();
}

TrustAnchorId Id(std::string_view ascii) {
  return TrustAnchorId::FromAscii(ascii).value();
}

std::string ReadTestdata(const std::string& relative_path) {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) + "/" + relative_path,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The example file of draft-ietf-tls-trust-anchor-ids §6.4, verbatim.
std::string SpecExample() {
  return ReadTestdata("spec/trust-anchor-ids-6.4-example.pem");
}

// The example's CertificatePropertyList, written out field by field.
const char kSpecExampleListHex[] =
    "003b "                               // CertificatePropertyList, 59
    "0000 0004 81fd5901 "                 // trust_anchor_id 32473.1
    "0001 002b "                          // trust_anchor_group_inclusions
    "0029 "                               //   TrustAnchorRangeList, 41
    "03 910b02 "                          //   base 2187.2
    "0000000000000064 00000000000000c8 "  //   min 100, max 200
    "04 81fd5903 "                        //   base 32473.3
    "000000000000002a ffffffffffffffff "  //   min 42, max MAX
    "0002 0000";                          // trust_anchor_negotiation

CertificateProperties SpecExampleProperties() {
  // "A trust_anchor_id property of 32473.1; a trust_anchor_group_inclusions
  // property with two group inclusions: 2187.2.100 to 2187.2.200,
  // 32473.3.42 to 32473.3.MAX; a trust_anchor_negotiation property".
  CertificateProperties p;
  p.trust_anchor_id = Id("32473.1");
  p.trust_anchor_group_inclusions = {
      {Id("2187.2").binary(), 100, 200},
      {Id("32473.3").binary(), 42, UINT64_MAX},
  };
  p.trust_anchor_negotiation = true;
  return p;
}

TEST(CertificatePropertiesTest, SpecExampleList) {
  std::vector<uint8_t> bytes = Hex(kSpecExampleListHex);
  Result<CertificateProperties> parsed = ParseCertificatePropertyList(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(*parsed, SpecExampleProperties());
  EXPECT_EQ(HexEncode(SerializeCertificatePropertyList(*parsed).value()),
            HexEncode(bytes));
  // The ranges mean what the example says.
  const TrustAnchorRange& second = parsed->trust_anchor_group_inclusions[1];
  EXPECT_FALSE(second.Contains(Id("32473.3.41").binary()));
  EXPECT_TRUE(second.Contains(Id("32473.3.42").binary()));
  EXPECT_TRUE(second.Contains(Id("32473.3.18446744073709551615").binary()));
}

TEST(CertificatePropertiesTest, SpecExampleFile) {
  Result<CertificateChainWithProperties> chain =
      ParseCertificateChainWithProperties(SpecExample());
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  EXPECT_EQ(chain->properties, SpecExampleProperties());
  ASSERT_EQ(chain->certificates.size(), 2u);
  EXPECT_EQ(chain->certificates[0].size(), 0x15bu);  // "MIIBVz": 4 + 0x157
  EXPECT_EQ(chain->certificates[1].size(), 0x149u);
  EXPECT_EQ(EncodeCertificateChainWithProperties(*chain).value(),
            SpecExample());
}

TEST(CertificatePropertiesTest, EmptyList) {
  CertificateProperties empty;
  EXPECT_EQ(SerializeCertificatePropertyList(empty).value(), Hex("0000"));
  EXPECT_EQ(ParseCertificatePropertyList(Hex("0000")).value(), empty);
}

TEST(CertificatePropertiesTest, UnknownPropertiesArePreservedInOrder) {
  std::vector<uint8_t> bytes =
      Hex("0015 "
          "0000 0002 8101 "  // trust_anchor_id 129
          "0003 0001 ff "    // unknown type 3
          "ff00 0000 "       // private use, empty
          "ffff 0002 abcd");
  Result<CertificateProperties> parsed = ParseCertificatePropertyList(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->trust_anchor_id, Id("129"));
  EXPECT_TRUE(parsed->trust_anchor_group_inclusions.empty());
  EXPECT_FALSE(parsed->trust_anchor_negotiation);
  std::vector<UnknownCertificateProperty> unknown = {
      {3, {0xff}}, {0xff00, {}}, {0xffff, {0xab, 0xcd}}};
  EXPECT_EQ(parsed->unknown, unknown);
  EXPECT_EQ(SerializeCertificatePropertyList(*parsed).value(), bytes);
}

TEST(CertificatePropertiesTest, RoundTrips) {
  std::vector<CertificateProperties> cases;
  cases.push_back(SpecExampleProperties());
  cases.push_back(StandaloneCertificateProperties(Id("32473.1")));
  cases.push_back(
      LandmarkRelativeCertificateProperties(Id("32473.1"), 1, 42, 169).value());
  CertificateProperties only_negotiation;
  only_negotiation.trust_anchor_negotiation = true;
  cases.push_back(only_negotiation);
  CertificateProperties many;
  for (uint64_t i = 0; i < 300; i++) {
    many.trust_anchor_group_inclusions.push_back(
        {Id("1." + std::to_string(i)).binary(), i, i * i});
  }
  many.unknown = {{7, std::vector<uint8_t>(1000, 7)}};
  cases.push_back(many);
  for (const CertificateProperties& p : cases) {
    std::vector<uint8_t> bytes = SerializeCertificatePropertyList(p).value();
    Result<CertificateProperties> parsed = ParseCertificatePropertyList(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_EQ(*parsed, p);
  }
}

TEST(CertificatePropertiesTest, ParserRejects) {
  const char* cases[] = {
      "",                // no length
      "00",              // short length
      "0001",            // length past the end
      "0000 00",         // trailing data
      "0004 0000 0004",  // data past the end
      "0003 0002 00",    // truncated header
      // Out of order and duplicates, known or not (§6).
      "000c 0002 0000 0000 0004 81fd5901",
      "000c 0000 0002 8101 0000 0002 8101",
      "0008 0002 0000 0002 0000",
      "0008 0005 0000 0005 0000",
      "0008 0006 0000 0005 0000",
      // trust_anchor_id that is not a trust anchor ID's binary form.
      "0004 0000 0000",       // empty
      "0005 0000 0001 81",    // ends mid-component
      "0006 0000 0002 8001",  // non-minimal
      // trust_anchor_group_inclusions.
      "0006 0001 0002 0000",  // empty TrustAnchorRangeList
      "0004 0001 0000",       // no TrustAnchorRangeList
      // A byte after the TrustAnchorRangeList.
      "0019 0001 0015 0012 01 01 0000000000000000 0000000000000000 00",
      // An empty base; a base ending mid-component; a truncated max.
      "0017 0001 0013 0011 00 0000000000000000 0000000000000000",
      "0018 0001 0014 0012 01 81 0000000000000000 0000000000000000",
      "0017 0001 0013 0011 01 01 0000000000000000 00000000000000",
      // trust_anchor_negotiation with data.
      "0005 0002 0001 00",
  };
  for (const char* hex : cases) {
    Result<CertificateProperties> r = ParseCertificatePropertyList(Hex(hex));
    ASSERT_FALSE(r.ok()) << hex;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << hex;
  }
  std::vector<uint8_t> example = Hex(kSpecExampleListHex);
  for (size_t n = 0; n < example.size(); n++) {
    EXPECT_FALSE(ParseCertificatePropertyList(std::span(example).first(n)).ok())
        << n;
  }
}

TEST(CertificatePropertiesTest, SerializerRejects) {
  CertificateProperties p;
  p.unknown = {{2, {}}};  // a known type
  EXPECT_FALSE(SerializeCertificatePropertyList(p).ok());
  p.unknown = {{5, {}}, {4, {}}};
  EXPECT_FALSE(SerializeCertificatePropertyList(p).ok());
  p.unknown = {{5, {}}, {5, {}}};
  EXPECT_FALSE(SerializeCertificatePropertyList(p).ok());
  p.unknown = {{5, std::vector<uint8_t>(65536)}};
  EXPECT_FALSE(SerializeCertificatePropertyList(p).ok());
  p = CertificateProperties();
  p.trust_anchor_group_inclusions = {{{0x81}, 0, 1}};
  EXPECT_FALSE(SerializeCertificatePropertyList(p).ok());
  p.trust_anchor_group_inclusions = {{{}, 0, 1}};
  EXPECT_FALSE(SerializeCertificatePropertyList(p).ok());
}

std::string ReplaceAll(std::string s, std::string_view from,
                       std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos;
       at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

TEST(CertificatePropertiesTest, FileLineEndings) {
  std::string lf(SpecExample());
  std::string crlf = ReplaceAll(lf, "\n", "\r\n");
  // The ABNF ends without an eol; files usually have one. Either is taken,
  // with LF or CRLF throughout.
  for (const std::string& text : {lf, lf.substr(0, lf.size() - 1), crlf,
                                  crlf.substr(0, crlf.size() - 2)}) {
    Result<CertificateChainWithProperties> chain =
        ParseCertificateChainWithProperties(text);
    ASSERT_TRUE(chain.ok()) << chain.error().ToString();
    EXPECT_EQ(chain->properties, SpecExampleProperties());
  }
}

TEST(CertificatePropertiesTest, FileRejects) {
  std::string lf(SpecExample());
  std::string properties_block =
      lf.substr(0, lf.find("-----BEGIN CERTIFICATE-----\n"));
  std::string certificates = lf.substr(properties_block.size());
  std::string first_certificate =
      certificates.substr(0, certificates.find("-----BEGIN", 10));
  std::string crlf = ReplaceAll(lf, "\n", "\r\n");
  const std::string cases[] = {
      // "MUST NOT include explanatory text", anywhere.
      "Properties:\n" + lf,
      properties_block + "text\n" + certificates,
      properties_block + "\n" + certificates,
      lf + "\n",
      lf + "trailer\n",
      // Mixed line endings; a CR-only eol.
      crlf.substr(0, crlf.size() - 2) + "\n",
      ReplaceAll(lf, "-----\n", "-----\r\n"),
      ReplaceAll(lf, "\n", "\r"),
      // Non-strict base64 lines.
      ReplaceAll(lf, "Kv//////////AAIAAA==", "Kv//////////\nAAIAAA=="),
      // The blocks: properties first, then at least one certificate.
      properties_block,
      certificates,
      first_certificate + properties_block +
          certificates.substr(first_certificate.size()),
      properties_block + properties_block + certificates,
      properties_block +
          wire::PemEncode(wire::kPemPrivateKey, Hex("3000")).value() +
          certificates,
      // A certificate that is not DER, or not a Certificate.
      properties_block +
          wire::PemEncode(wire::kPemCertificate, Hex("3000")).value(),
      properties_block + wire::PemEncode(wire::kPemCertificate,
                                         Hex("308107300030000301"
                                             "00"))  // long-form length
                             .value(),
      // Bad properties.
      wire::PemEncode(wire::kPemCertificateProperties, Hex("000100")).value() +
          certificates,
  };
  for (const std::string& text : cases) {
    Result<CertificateChainWithProperties> r =
        ParseCertificateChainWithProperties(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << text;
  }
}

TEST(CertificatePropertiesTest, EncoderRejects) {
  CertificateChainWithProperties chain;
  EXPECT_FALSE(EncodeCertificateChainWithProperties(chain).ok());
  chain.certificates = {Hex("3000")};
  EXPECT_FALSE(EncodeCertificateChainWithProperties(chain).ok());
  chain.certificates = {Hex("300730003000030100"), Hex("3000")};
  EXPECT_FALSE(EncodeCertificateChainWithProperties(chain).ok());
}

TEST(MtcCertificatePropertiesTest, Standalone) {
  // §Standalone Certificates (TLS): "A standalone certificate has a trust
  // anchor ID of the corresponding CA ID".
  CertificateProperties p = StandaloneCertificateProperties(Id("32473.1"));
  EXPECT_EQ(SerializeCertificatePropertyList(p).value(),
            Hex("0008 0000 0004 81fd5901"));
}

TEST(MtcCertificatePropertiesTest, LandmarkRelativeSpecExample) {
  // §Landmark-Relative Certificates (TLS): "the trust anchor ID for landmark
  // 42 of CA 32473.1 and log number 8 is 32473.1.1.8.42"; §Single-Log
  // Landmark Groups: "a relying party which is up-to-date as of landmark 42
  // of log 8 of CA 32473.1 would send an ID of 32473.1.2.8.42". With the
  // draft's 169 active landmarks (7 days, one an hour), relying parties up to
  // date as of landmarks 42 to 210 still hold landmark 42.
  CertificateProperties p =
      LandmarkRelativeCertificateProperties(Id("32473.1"), 8, 42, 169).value();
  EXPECT_EQ(p.trust_anchor_id, Id("32473.1.1.8.42"));
  ASSERT_EQ(p.trust_anchor_group_inclusions.size(), 1u);
  const TrustAnchorRange& groups = p.trust_anchor_group_inclusions[0];
  EXPECT_EQ(groups.base, Id("32473.1.2.8").binary());
  EXPECT_EQ(groups.min, 42u);
  EXPECT_EQ(groups.max, 210u);
  EXPECT_TRUE(groups.Contains(Id("32473.1.2.8.42").binary()));
  EXPECT_TRUE(groups.Contains(Id("32473.1.2.8.210").binary()));
  EXPECT_FALSE(groups.Contains(Id("32473.1.2.8.41").binary()));
  EXPECT_FALSE(groups.Contains(Id("32473.1.2.8.211").binary()));
  EXPECT_FALSE(groups.Contains(Id("32473.1.2.9.42").binary()));
  EXPECT_TRUE(p.trust_anchor_negotiation);
  EXPECT_TRUE(p.unknown.empty());

  // Written out field by field.
  EXPECT_EQ(HexEncode(SerializeCertificatePropertyList(p).value()),
            HexEncode(Hex("002c "
                          "0000 0007 81fd590101082a "  // 32473.1.1.8.42
                          "0001 0019 0017 "
                          "06 81fd59010208 "  // base 32473.1.2.8
                          "000000000000002a 00000000000000d2 "  // 42, 210
                          "0002 0000")));
}

TEST(MtcCertificatePropertiesTest, LandmarkGroupsMatchTheDefinition) {
  // Every small case against §Single-Log Landmark Groups read literally:
  // group L' holds "each landmark of log N from L' - max_active_landmarks + 1
  // to L', inclusive".
  for (uint64_t max_active = 1; max_active <= 6; max_active++) {
    for (uint64_t landmark = 1; landmark <= 20; landmark++) {
      CertificateProperties p = LandmarkRelativeCertificateProperties(
                                    Id("32473.1"), 3, landmark, max_active)
                                    .value();
      const TrustAnchorRange& groups = p.trust_anchor_group_inclusions[0];
      for (uint64_t group = 0; group <= 30; group++) {
        bool in_group = static_cast<int64_t>(group - max_active + 1) <=
                            static_cast<int64_t>(landmark) &&
                        landmark <= group;
        std::vector<uint8_t> group_id =
            Id("32473.1.2.3." + std::to_string(group)).binary();
        EXPECT_EQ(groups.Contains(group_id), in_group)
            << "max_active " << max_active << " landmark " << landmark
            << " group " << group;
      }
    }
  }
}

TEST(MtcCertificatePropertiesTest, LandmarkRelativeLimits) {
  TrustAnchorId ca = Id("32473.1");
  EXPECT_FALSE(LandmarkRelativeCertificateProperties(ca, 0, 1, 1).ok());
  EXPECT_FALSE(LandmarkRelativeCertificateProperties(ca, 65536, 1, 1).ok());
  EXPECT_TRUE(LandmarkRelativeCertificateProperties(ca, 65535, 1, 1).ok());
  EXPECT_FALSE(LandmarkRelativeCertificateProperties(ca, 1, 0, 1).ok());
  EXPECT_FALSE(LandmarkRelativeCertificateProperties(ca, 1, 1, 0).ok());
  // The last group saturates at 2^64 - 1.
  CertificateProperties p =
      LandmarkRelativeCertificateProperties(ca, 1, UINT64_MAX - 1, 10).value();
  EXPECT_EQ(p.trust_anchor_group_inclusions[0].max, UINT64_MAX);
  p = LandmarkRelativeCertificateProperties(ca, 1, UINT64_MAX, UINT64_MAX)
          .value();
  EXPECT_EQ(p.trust_anchor_group_inclusions[0].min, UINT64_MAX);
  EXPECT_EQ(p.trust_anchor_group_inclusions[0].max, UINT64_MAX);
  // IDs over 255 bytes.
  std::string long_id = "1";
  while (long_id.size() < 2 * 250) long_id += ".1";
  Result<CertificateProperties> too_long =
      LandmarkRelativeCertificateProperties(Id(long_id), 1, UINT64_MAX, 1);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), ErrorCode::kInvalidArgument);
}

TEST(MtcCertificatePropertiesTest, FileWithReferenceCertificate) {
  // A landmark-relative certificate's download: properties, then the
  // certificate (an MTC has no intermediates; the trust anchor is omitted).
  std::vector<uint8_t> der =
      wire::PemDecode(ReadTestdata("refdata/cert_10_0.pem"),
                      wire::kPemCertificate)
          .value();
  CertificateChainWithProperties chain;
  chain.properties =
      LandmarkRelativeCertificateProperties(Id("32473.1"), 1, 1, 169).value();
  chain.certificates = {der};
  std::string text = EncodeCertificateChainWithProperties(chain).value();
  EXPECT_TRUE(text.starts_with("-----BEGIN CERTIFICATE PROPERTIES-----\n"));
  EXPECT_NE(text.find("-----END CERTIFICATE PROPERTIES-----\n"
                      "-----BEGIN CERTIFICATE-----\n"),
            std::string::npos);
  EXPECT_TRUE(text.ends_with("-----END CERTIFICATE-----\n"));
  Result<CertificateChainWithProperties> parsed =
      ParseCertificateChainWithProperties(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->properties, chain.properties);
  EXPECT_EQ(parsed->certificates, chain.certificates);
}

}  // namespace
}  // namespace mtc::cert
