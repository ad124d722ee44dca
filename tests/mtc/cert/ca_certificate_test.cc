// Tests of the CA certificate (draft-ietf-plants-merkle-tree-certs
// §Representing Certification Authorities; RFC 9925 unsigned certificates).
// The known answer is the draft authors' reference generator's ca_cert.pem
// (tests/testdata/refdata, made from refdata/mtc.json).
#include "mtc/cert/ca_certificate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "mtc/base/hex.h"
#include "mtc/crypto/private_key.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"
#include "mtc/wire/pem.h"

namespace mtc::cert {
namespace {

using crypto::PrivateKey;
using crypto::PublicKey;
using crypto::SignatureAlgorithm;
using wire::DerBuilder;

std::string ReadTestdata(const std::string& relative_path) {
  std::ifstream in(std::string(MTC_TESTDATA_DIR) + "/" + relative_path,
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<uint8_t> Hex(std::string_view hex) {
  return HexDecode(hex).value();
}

// 2020-01-01T00:00:00Z and 2030-12-31T23:59:59Z, the CACert validity of
// mtc.json.
constexpr int64_t kRefNotBefore = 1577836800;
constexpr int64_t kRefNotAfter = 1924991999;

struct Reference {
  std::string pem;
  std::vector<uint8_t> der;
  nlohmann::json config;  // mtc.json
};

const Reference& Ref() {
  static const Reference* ref = [] {
    auto* r = new Reference;
    r->pem = ReadTestdata("refdata/ca_cert.pem");
    r->der = wire::PemDecode(r->pem, wire::kPemCertificate).value();
    r->config = nlohmann::json::parse(ReadTestdata("refdata/mtc.json"));
    return r;
  }();
  return *ref;
}

// mtc.json's serials: {"Log": N, "Index": I} is (N << 48) | I (§Certificate
// Format).
uint64_t RefSerial(const char* which) {
  const nlohmann::json& s = Ref().config.at("CACert").at(which);
  return (s.at("Log").get<uint64_t>() << 48) | s.at("Index").get<uint64_t>();
}

// The private key of cosigner `id` in mtc.json.
PrivateKey RefCosignerKey(const std::string& id) {
  for (const nlohmann::json& c : Ref().config.at("Cosigners")) {
    if (c.at("CosignerID") == id) {
      std::vector<uint8_t> der =
          wire::Base64Decode(c.at("PrivateKey").get<std::string>()).value();
      return PrivateKey::FromPkcs8Der(der).value();
    }
  }
  ADD_FAILURE() << "no cosigner " << id;
  return PrivateKey::Generate(SignatureAlgorithm::kEd25519).value();
}

TrustAnchorId CaId() {
  return TrustAnchorId::FromAscii(Ref().config.at("ID").get<std::string>())
      .value();
}

// The options that reproduce the reference certificate.
CaCertificateOptions RefOptions() {
  CaCertificateOptions o;
  o.serial_number = {1};
  o.not_before = kRefNotBefore;
  o.not_after = kRefNotAfter;
  o.min_serial = RefSerial("MinSerial");
  o.max_serial = RefSerial("MaxSerial");
  o.issuer = UnsignedIssuer::kPlaceholder;
  o.subject_key_identifier = false;
  return o;
}

TEST(CaCertificateTest, ReferenceValues) {
  // What `openssl asn1parse` shows of the reference extension, checked by
  // hand against mtc.json: id-sha256 without parameters, id-ml-dsa-44,
  // (1 << 48) | 0 and (5 << 48) | (2^48 - 1).
  EXPECT_EQ(RefSerial("MinSerial"), uint64_t{1} << 48);
  EXPECT_EQ(RefSerial("MaxSerial"), (uint64_t{6} << 48) - 1);
  EXPECT_EQ(Ref().config.at("CACert").at("NotBefore"), "2020-01-01T00:00:00Z");
  EXPECT_EQ(Ref().config.at("CACert").at("NotAfter"), "2030-12-31T23:59:59Z");
}

TEST(CaCertificateTest, ParsesReferenceCertificate) {
  Result<CaCertificate> ca = ParseCaCertificatePem(Ref().pem);
  ASSERT_TRUE(ca.ok()) << ca.error().ToString();
  EXPECT_EQ(ca->ca_id.ToAscii(), "32473.1");
  EXPECT_EQ(ca->signature_algorithm(), SignatureAlgorithm::kMlDsa44);
  EXPECT_EQ(ca->authority.log_hash, LogHash::kSha256);
  EXPECT_EQ(ca->authority.min_serial, RefSerial("MinSerial"));
  EXPECT_EQ(ca->authority.max_serial, RefSerial("MaxSerial"));
  EXPECT_EQ(ca->not_before, kRefNotBefore);
  EXPECT_EQ(ca->not_after, kRefNotAfter);
  EXPECT_EQ(ca->serial_number, std::vector<uint8_t>{1});
  EXPECT_EQ(ca->issuer, UnsignedIssuer::kPlaceholder);
  EXPECT_FALSE(ca->subject_key_identifier.has_value());
  // The subject key is the public half of cosigner 32473.1's key.
  PrivateKey key = RefCosignerKey("32473.1");
  EXPECT_EQ(ca->public_key, key.public_key());
  EXPECT_EQ(ca->spki_der, key.public_key().ToSpkiDer());
  // §Revoked Ranges: [0, minSerial) and (maxSerial, 2^64) are revoked.
  EXPECT_FALSE(ca->authority.AllowsSerial((uint64_t{1} << 48) - 1));
  EXPECT_TRUE(ca->authority.AllowsSerial(uint64_t{1} << 48));
  EXPECT_TRUE(ca->authority.AllowsSerial((uint64_t{6} << 48) - 1));
  EXPECT_FALSE(ca->authority.AllowsSerial(uint64_t{6} << 48));
}

TEST(CaCertificateTest, BuilderReproducesReferenceByteForByte) {
  PrivateKey key = RefCosignerKey("32473.1");
  Result<std::vector<uint8_t>> der =
      BuildCaCertificate(CaId(), key.public_key(), RefOptions());
  ASSERT_TRUE(der.ok()) << der.error().ToString();
  EXPECT_EQ(HexEncode(*der), HexEncode(Ref().der));
  EXPECT_EQ(CaCertificateToPem(*der).value(), Ref().pem);
}

TEST(CaCertificateTest, DefaultFormNamesTheCaAsIssuerAndKeyIdentifier) {
  // Our default differs from the reference in the two places the draft and
  // RFC 9925 leave open: issuer = subject, and a subject key identifier of
  // the CA ID (§Representing Certification Authorities: "SHOULD be set to the
  // CA ID").
  PrivateKey key = RefCosignerKey("32473.1");
  CaCertificateOptions options = RefOptions();
  options.issuer = UnsignedIssuer::kSubject;
  options.subject_key_identifier = true;
  std::vector<uint8_t> der =
      BuildCaCertificate(CaId(), key.public_key(), options).value();
  Result<CaCertificate> ca = ParseCaCertificate(der);
  ASSERT_TRUE(ca.ok()) << ca.error().ToString();
  EXPECT_EQ(ca->issuer, UnsignedIssuer::kSubject);
  EXPECT_EQ(ca->subject_key_identifier, CaId().binary());
  EXPECT_EQ(ca->subject_key_identifier, Hex("81fd5901"));

  // The two differences, exactly: issuer is the subject's DER, and a
  // non-critical subjectKeyIdentifier (2.5.29.14) sits before the MTC
  // extension.
  std::string hex = HexEncode(der);
  std::string name = HexEncode(EncodeCaIdName(CaId()));
  EXPECT_NE(hex.find("300a06082b06010505070624" + name + "301e"),
            std::string::npos);
  EXPECT_NE(
      hex.find("300d0603551d0e0406040481fd5901303f060a2b0601040182da4b2f02"),
      std::string::npos);
}

TEST(CaCertificateTest, ExtensionKnownAnswer) {
  // The reference certificate's extnValue.
  std::vector<uint8_t> value =
      Hex("302c300b0609608648016503040201300b0609608648016503040311020701000000"
          "000000020705ffffffffffff");
  MtcCertificationAuthority expected;
  expected.sig_alg = SignatureAlgorithm::kMlDsa44;
  expected.min_serial = uint64_t{1} << 48;
  expected.max_serial = (uint64_t{6} << 48) - 1;
  EXPECT_EQ(ParseMtcCertificationAuthority(value).value(), expected);
  EXPECT_EQ(SerializeMtcCertificationAuthority(expected), value);
}

TEST(CaCertificateTest, ExtensionRoundTripsEveryAlgorithm) {
  for (SignatureAlgorithm alg : crypto::kAllSignatureAlgorithms) {
    for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128},
                       uint64_t{1} << 63, UINT64_MAX}) {
      MtcCertificationAuthority a;
      a.sig_alg = alg;
      a.min_serial = v;
      a.max_serial = UINT64_MAX - v;
      std::vector<uint8_t> der = SerializeMtcCertificationAuthority(a);
      Result<MtcCertificationAuthority> parsed =
          ParseMtcCertificationAuthority(der);
      ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
      EXPECT_EQ(*parsed, a);
    }
  }
}

TEST(CaCertificateTest, ExtensionRejections) {
  const std::string sha256 = "300b0609608648016503040201";
  const std::string mldsa44 = "300b0609608648016503040311";
  const std::string serials = "020100020100";
  struct Case {
    const char* name;
    std::string log_hash;
    std::string sig_alg;
    ErrorCode code;
  };
  const Case cases[] = {
      // RFC 5912 mda-sha256 "preferredAbsent": NULL is tolerated by the
      // ASN.1, but no implementation writes it; we take the reference form.
      {"sha256 NULL parameters", "300d06096086480165030402010500", mldsa44,
       ErrorCode::kMalformed},
      {"sha384", "300b0609608648016503040202", mldsa44,
       ErrorCode::kUnsupported},
      {"sigAlg with parameters", sha256, "300d06096086480165030403110500",
       ErrorCode::kMalformed},
      {"rsa sigAlg", sha256, "300d06092a864886f70d01010b0500",
       ErrorCode::kUnsupported},
      // ecdsa-with-SHA512 is no algorithm of ours.
      {"ecdsa-with-SHA512", sha256, "300a06082a8648ce3d040304",
       ErrorCode::kUnsupported},
  };
  auto wrap = [](const std::string& body) {
    std::vector<uint8_t> b = Hex(body);
    // Built with push_back: GCC 12 misreports -Warray-bounds for an insert
    // into a vector made from a two-element initializer list.
    std::vector<uint8_t> out;
    out.reserve(b.size() + 2);
    out.push_back(0x30);
    out.push_back(static_cast<uint8_t>(b.size()));
    out.insert(out.end(), b.begin(), b.end());
    return out;
  };
  for (const Case& c : cases) {
    Result<MtcCertificationAuthority> r =
        ParseMtcCertificationAuthority(wrap(c.log_hash + c.sig_alg + serials));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code)
        << c.name << ": " << r.error().ToString();
  }
  // Negative, over 64 bits, missing, extra, and trailing data.
  for (const std::string& body :
       {sha256 + mldsa44 + "0201ff020100",
        sha256 + mldsa44 + "0209010000000000000000020100",
        sha256 + mldsa44 + "020100", sha256 + mldsa44 + serials + "020100",
        mldsa44 + sha256 + serials}) {
    EXPECT_FALSE(ParseMtcCertificationAuthority(wrap(body)).ok()) << body;
  }
  std::vector<uint8_t> trailing = wrap(sha256 + mldsa44 + serials);
  EXPECT_TRUE(ParseMtcCertificationAuthority(trailing).ok());
  trailing.push_back(0);
  EXPECT_FALSE(ParseMtcCertificationAuthority(trailing).ok());
}

TEST(CaCertificateTest, RoundTripEveryAlgorithmAndForm) {
  for (SignatureAlgorithm alg : crypto::kAllSignatureAlgorithms) {
    PrivateKey key = PrivateKey::Generate(alg).value();
    for (UnsignedIssuer issuer :
         {UnsignedIssuer::kSubject, UnsignedIssuer::kPlaceholder}) {
      for (bool ski : {false, true}) {
        CaCertificateOptions o;
        o.serial_number = Hex("00ff0102030405060708090a0b0c0d0e0f101112");
        o.not_before = -631152000;  // 1950-01-01: UTCTime
        o.not_after = 2524608000;   // 2050-01-01: GeneralizedTime
        o.min_serial = 7;
        o.max_serial = 7;
        o.issuer = issuer;
        o.subject_key_identifier = ski;
        TrustAnchorId id = TrustAnchorId::FromAscii("44363.47.1000").value();
        std::vector<uint8_t> der =
            BuildCaCertificate(id, key.public_key(), o).value();
        Result<CaCertificate> ca = ParseCaCertificate(der);
        ASSERT_TRUE(ca.ok()) << ca.error().ToString();
        EXPECT_EQ(ca->ca_id, id);
        EXPECT_EQ(ca->public_key, key.public_key());
        EXPECT_EQ(ca->signature_algorithm(), alg);
        EXPECT_EQ(ca->serial_number,
                  Hex("ff0102030405060708090a0b0c0d0e0f101112"));
        EXPECT_EQ(ca->not_before, o.not_before);
        EXPECT_EQ(ca->not_after, o.not_after);
        EXPECT_EQ(ca->authority.min_serial, 7u);
        EXPECT_EQ(ca->authority.max_serial, 7u);
        EXPECT_EQ(ca->issuer, issuer);
        EXPECT_EQ(ca->subject_key_identifier.has_value(), ski);

        // Parse -> options -> build gives the same bytes.
        CaCertificateOptions again;
        again.serial_number = ca->serial_number;
        again.not_before = ca->not_before;
        again.not_after = ca->not_after;
        again.min_serial = ca->authority.min_serial;
        again.max_serial = ca->authority.max_serial;
        again.issuer = ca->issuer;
        again.subject_key_identifier = ca->subject_key_identifier.has_value();
        EXPECT_EQ(BuildCaCertificate(ca->ca_id, ca->public_key, again).value(),
                  der);
      }
    }
  }
}

TEST(CaCertificateTest, BuilderRejectsOptionsOutOfContract) {
  PrivateKey key = RefCosignerKey("32473.1");
  auto build = [&](const CaCertificateOptions& o) {
    return BuildCaCertificate(CaId(), key.public_key(), o);
  };
  CaCertificateOptions o = RefOptions();
  o.serial_number = {};
  EXPECT_FALSE(build(o).ok());
  o.serial_number = {0, 0};
  EXPECT_FALSE(build(o).ok());
  o.serial_number = std::vector<uint8_t>(20, 0x7f);  // 20 octets: fine
  EXPECT_TRUE(build(o).ok());
  o.serial_number = std::vector<uint8_t>(20, 0x80);  // 21 with sign octet
  EXPECT_FALSE(build(o).ok());
  o = RefOptions();
  o.not_after = o.not_before - 1;
  EXPECT_FALSE(build(o).ok());
  o = RefOptions();
  o.not_after = 253402300800;  // year 10000
  EXPECT_FALSE(build(o).ok());
}

// A certificate assembled from parts, to change one part at a time. The
// defaults are the reference certificate's.
struct Extension {
  std::string oid;
  bool critical;
  std::vector<uint8_t> value;
};

struct Parts {
  std::optional<uint64_t> version = 2;
  std::vector<uint8_t> serial_contents = {1};  // INTEGER contents octets
  std::vector<uint8_t> tbs_algorithm = Hex("300a06082b06010505070624");
  std::vector<uint8_t> issuer = Hex("3010310e300c06082b060105050719010c00");
  int64_t not_before = kRefNotBefore;
  int64_t not_after = kRefNotAfter;
  std::vector<uint8_t> subject = EncodeCaIdName(CaId());
  std::vector<uint8_t> spki =
      RefCosignerKey("32473.1").public_key().ToSpkiDer();
  std::vector<uint8_t> after_spki;  // raw, e.g. a unique identifier
  bool has_extensions = true;
  std::vector<Extension> extensions = {
      {"2.5.29.15", true, Hex("03020204")},
      {"2.5.29.19", true, Hex("30030101ff")},
      {"1.3.6.1.4.1.44363.47.2", true,
       SerializeMtcCertificationAuthority(
           {.sig_alg = SignatureAlgorithm::kMlDsa44,
            .min_serial = uint64_t{1} << 48,
            .max_serial = (uint64_t{6} << 48) - 1})},
  };
  std::vector<uint8_t> algorithm = Hex("300a06082b06010505070624");
  std::vector<uint8_t> signature = {0x00};  // BIT STRING contents octets
  std::vector<uint8_t> trailing;            // after the Certificate

  std::vector<uint8_t> Assemble() const {
    DerBuilder b;
    b.AddSequence([&](DerBuilder& cert) {
      cert.AddSequence([&](DerBuilder& tbs) {
        if (version.has_value()) {
          tbs.AddElement(wire::DerExplicitTag(0),
                         [&](DerBuilder& v) { v.AddUint64(*version); });
        }
        tbs.AddElement(wire::kDerInteger, serial_contents);
        tbs.AddRawElement(tbs_algorithm);
        tbs.AddRawElement(issuer);
        tbs.AddSequence([&](DerBuilder& validity) {
          validity.AddTime(not_before);
          validity.AddTime(not_after);
        });
        tbs.AddRawElement(subject);
        tbs.AddRawElement(spki);
        if (!after_spki.empty()) tbs.AddRawElement(after_spki);
        if (has_extensions) {
          tbs.AddElement(wire::DerExplicitTag(3), [&](DerBuilder& wrapper) {
            wrapper.AddSequence([&](DerBuilder& exts) {
              for (const Extension& e : extensions) {
                exts.AddSequence([&](DerBuilder& ext) {
                  ext.AddOid(e.oid);
                  if (e.critical) ext.AddBool(true);
                  ext.AddOctetString(e.value);
                });
              }
            });
          });
        }
      });
      cert.AddRawElement(algorithm);
      cert.AddElement(wire::kDerBitString, signature);
    });
    std::vector<uint8_t> out = std::move(b).Finish().value();
    out.insert(out.end(), trailing.begin(), trailing.end());
    return out;
  }
};

TEST(CaCertificateTest, PartsAssembleTheReference) {
  EXPECT_EQ(HexEncode(Parts().Assemble()), HexEncode(Ref().der));
}

TEST(CaCertificateTest, ParserAcceptsUnknownNonCriticalExtensionsInAnyOrder) {
  Parts p;
  p.extensions.insert(p.extensions.begin(), {"1.2.3.4", false, {0x05, 0x00}});
  std::swap(p.extensions[1], p.extensions[3]);
  // An authority key identifier, which RFC 9925 §3.3 says SHOULD be omitted.
  p.extensions.push_back({"2.5.29.35", false, Hex("3000")});
  // A non-critical key usage (RFC 5280: SHOULD be critical) with more bits.
  p.extensions[3] = {"2.5.29.15", false, Hex("03020186")};
  EXPECT_TRUE(ParseCaCertificate(p.Assemble()).ok());
  // A pathLenConstraint.
  p = Parts();
  p.extensions[1].value = Hex("30060101ff020100");
  Result<CaCertificate> ca = ParseCaCertificate(p.Assemble());
  EXPECT_TRUE(ca.ok()) << ca.error().ToString();
}

TEST(CaCertificateTest, ParserRejects) {
  struct Case {
    const char* name;
    void (*mutate)(Parts&);
    ErrorCode code;
  };
  const Case cases[] = {
      {"trailing data", [](Parts& p) { p.trailing = {0}; },
       ErrorCode::kMalformed},
      {"version v1 (absent)", [](Parts& p) { p.version.reset(); },
       ErrorCode::kMalformed},
      {"version v2", [](Parts& p) { p.version = 1; }, ErrorCode::kMalformed},
      {"serial zero", [](Parts& p) { p.serial_contents = {0}; },
       ErrorCode::kMalformed},
      {"serial negative", [](Parts& p) { p.serial_contents = {0xff}; },
       ErrorCode::kMalformed},
      {"serial not minimal",
       [](Parts& p) {
         p.serial_contents = {0, 1};
       },
       ErrorCode::kMalformed},
      {"serial 21 octets", [](Parts& p) { p.serial_contents.assign(21, 0x01); },
       ErrorCode::kMalformed},
      {"signed (ecdsa-with-SHA256)",
       [](Parts& p) {
         p.tbs_algorithm = p.algorithm = Hex("300a06082a8648ce3d040302");
         p.signature = {0x00, 0x30, 0x00};
       },
       ErrorCode::kUnsupported},
      {"id-alg-unsigned with NULL parameters",
       [](Parts& p) {
         p.tbs_algorithm = p.algorithm = Hex("300c06082b060105050706240500");
       },
       ErrorCode::kMalformed},
      {"algorithms differ",
       [](Parts& p) { p.tbs_algorithm = Hex("300a06082a8648ce3d040302"); },
       ErrorCode::kMalformed},
      {"non-empty signature",
       [](Parts& p) {
         p.signature = {0x00, 0x00};
       },
       ErrorCode::kMalformed},
      {"subject not a CA ID",
       [](Parts& p) {
         p.subject = Hex("300f310d300b06035504030c0466756f6f");  // CN=fuoo
       },
       ErrorCode::kMalformed},
      {"subject ID not canonical",
       [](Parts& p) {
         // UTF8String "32473.01".
         p.subject =
             Hex("301a31183016060a2b0601040182da4b2f010c0833323437332e3031");
       },
       ErrorCode::kMalformed},
      {"issuer another name",
       [](Parts& p) {
         p.issuer = EncodeCaIdName(TrustAnchorId::FromAscii("32473.2").value());
       },
       ErrorCode::kMalformed},
      {"notAfter before notBefore",
       [](Parts& p) { p.not_after = p.not_before - 1; }, ErrorCode::kMalformed},
      {"issuerUniqueID", [](Parts& p) { p.after_spki = Hex("81020000"); },
       ErrorCode::kMalformed},
      {"subjectUniqueID", [](Parts& p) { p.after_spki = Hex("82020000"); },
       ErrorCode::kMalformed},
      {"no extensions", [](Parts& p) { p.has_extensions = false; },
       ErrorCode::kMalformed},
      {"empty extensions", [](Parts& p) { p.extensions.clear(); },
       ErrorCode::kMalformed},
      {"no MTC extension", [](Parts& p) { p.extensions.pop_back(); },
       ErrorCode::kMalformed},
      {"MTC extension not critical",
       [](Parts& p) { p.extensions[2].critical = false; },
       ErrorCode::kMalformed},
      {"MTC extension twice",
       [](Parts& p) { p.extensions.push_back(p.extensions[2]); },
       ErrorCode::kMalformed},
      {"sigAlg does not match key (ML-DSA-65)",
       [](Parts& p) {
         p.extensions[2].value = SerializeMtcCertificationAuthority(
             {.sig_alg = SignatureAlgorithm::kMlDsa65});
       },
       ErrorCode::kMalformed},
      {"sigAlg does not match key (ECDSA P-256)",
       [](Parts& p) {
         p.spki = RefCosignerKey("32473.2.1").public_key().ToSpkiDer();
         p.extensions[2].value = SerializeMtcCertificationAuthority(
             {.sig_alg = SignatureAlgorithm::kEcdsaP384Sha384});
       },
       ErrorCode::kMalformed},
      {"no key usage",
       [](Parts& p) { p.extensions.erase(p.extensions.begin()); },
       ErrorCode::kMalformed},
      {"key usage without keyCertSign",
       [](Parts& p) { p.extensions[0].value = Hex("03020780"); },
       ErrorCode::kMalformed},
      {"key usage with a trailing zero bit",
       [](Parts& p) { p.extensions[0].value = Hex("03020104"); },
       ErrorCode::kMalformed},
      {"no basic constraints",
       [](Parts& p) { p.extensions.erase(p.extensions.begin() + 1); },
       ErrorCode::kMalformed},
      {"basic constraints cA FALSE",
       [](Parts& p) { p.extensions[1].value = Hex("3000"); },
       ErrorCode::kMalformed},
      {"basic constraints cA FALSE encoded",
       [](Parts& p) { p.extensions[1].value = Hex("3003010100"); },
       ErrorCode::kMalformed},
      {"basic constraints not critical",
       [](Parts& p) { p.extensions[1].critical = false; },
       ErrorCode::kMalformed},
      {"critical subject key identifier",
       [](Parts& p) {
         p.extensions.push_back({"2.5.29.14", true, Hex("040481fd5901")});
       },
       ErrorCode::kMalformed},
      {"unknown critical extension",
       [](Parts& p) {
         p.extensions.push_back({"1.2.3.4", true, Hex("0500")});
       },
       ErrorCode::kUnsupported},
      {"RSA key",
       [](Parts& p) {
         // A 512-bit RSA SubjectPublicKeyInfo.
         p.spki =
             Hex("305c300d06092a864886f70d0101010500034b003048024100e407fe48fa"
                 "9cad8dd5bb5fca5ef424ad15dc9d5f65eedf031ae7c1242d8bd544949fdd"
                 "ebc2a826b24a95d75eb5c4e746f8cdb314ab785482b0ac525eb2b5b89502"
                 "03010001");
       },
       ErrorCode::kUnsupported},
  };
  for (const Case& c : cases) {
    Parts p;
    c.mutate(p);
    Result<CaCertificate> r = ParseCaCertificate(p.Assemble());
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().code(), c.code)
        << c.name << ": " << r.error().ToString();
  }
}

TEST(CaCertificateTest, ParserRejectsEveryTruncation) {
  const std::vector<uint8_t>& der = Ref().der;
  for (size_t n = 0; n < der.size(); n++) {
    EXPECT_FALSE(ParseCaCertificate(std::span(der).first(n)).ok()) << n;
  }
}

TEST(CaCertificateTest, Pem) {
  // The reference file is the canonical PEM of its DER.
  EXPECT_EQ(CaCertificateToPem(Ref().der).value(), Ref().pem);
  // A non-CA certificate is not written.
  EXPECT_FALSE(CaCertificateToPem(Hex("3000")).ok());
  // Another label, or two blocks, are refused.
  std::string key_pem = wire::PemEncode(wire::kPemPublicKey, Ref().der).value();
  EXPECT_FALSE(ParseCaCertificatePem(key_pem).ok());
  EXPECT_FALSE(ParseCaCertificatePem(Ref().pem + Ref().pem).ok());
}

}  // namespace
}  // namespace mtc::cert
