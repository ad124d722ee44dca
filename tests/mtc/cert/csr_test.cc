// CSRs made by OpenSSL's X509_REQ parse to what was requested; tampered,
// mis-signed and non-DER ones are rejected, each for the reason it should be.
#include "mtc/cert/csr.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "mtc/cert/log_entry_builder.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/cert/x509_text.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/der.h"

namespace mtc::cert {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using UniquePkey = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using UniqueReq = std::unique_ptr<X509_REQ, Free<X509_REQ, X509_REQ_free>>;
using UniqueMdCtx =
    std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using UniqueBio = std::unique_ptr<BIO, Free<BIO, BIO_free_all>>;

constexpr char kSan[] =
    "DNS:example.com,DNS:www.example.com,IP:192.0.2.1,IP:2001:db8::1";
const std::vector<uint8_t> kIpv4 = {192, 0, 2, 1};
const std::vector<uint8_t> kIpv6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                    0,    0,    0,    0,    0, 0, 0, 1};

// One kind of subject key: how OpenSSL generates it, the digest X509_REQ_sign
// takes for it (none for Ed25519 and ML-DSA) and the name ParseCsr reports.
struct KeyKind {
  std::string test_name;
  std::string algorithm_name;
  UniquePkey (*generate)();
  const EVP_MD* (*md)();
};

UniquePkey GenerateP256() {
  return UniquePkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}
UniquePkey GenerateP384() {
  return UniquePkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
}
UniquePkey GenerateEd25519() {
  return UniquePkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}
UniquePkey GenerateMlDsa44() {
  return UniquePkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ML-DSA-44"));
}
UniquePkey GenerateRsa2048() {
  return UniquePkey(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
}
const EVP_MD* NoDigest() { return nullptr; }

const KeyKind kP256 = {"P256", "ecdsa-p256-sha256", GenerateP256, EVP_sha256};
const KeyKind kP384 = {"P384", "ecdsa-p384-sha384", GenerateP384, EVP_sha384};
const KeyKind kEd25519 = {"Ed25519", "ed25519", GenerateEd25519, NoDigest};
const KeyKind kMlDsa44 = {"MlDsa44", "ml-dsa-44", GenerateMlDsa44, NoDigest};
const KeyKind kRsa2048 = {"Rsa2048", "rsa-2048", GenerateRsa2048, EVP_sha256};

std::vector<uint8_t> SpkiOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  std::vector<uint8_t> out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

// A CSR for O=Example, CN=example.com with key `key`, requesting kSan and a
// critical keyUsage, signed by `signer` (default: `key`) with digest `md`.
UniqueReq MakeReq(EVP_PKEY* key, const EVP_MD* md, EVP_PKEY* signer = nullptr) {
  UniqueReq req(X509_REQ_new());
  EXPECT_EQ(X509_REQ_set_version(req.get(), X509_REQ_VERSION_1), 1);
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  EXPECT_EQ(X509_NAME_add_entry_by_txt(
                name, "O", MBSTRING_ASC,
                reinterpret_cast<const unsigned char*>("Example"), -1, -1, 0),
            1);
  EXPECT_EQ(
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>("example.com"), -1, -1, 0),
      1);
  EXPECT_EQ(X509_REQ_set_pubkey(req.get(), key), 1);
  STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
  X509_EXTENSION* san =
      X509V3_EXT_nconf_nid(nullptr, nullptr, NID_subject_alt_name, kSan);
  X509_EXTENSION* key_usage = X509V3_EXT_nconf_nid(
      nullptr, nullptr, NID_key_usage, "critical,digitalSignature");
  EXPECT_NE(san, nullptr);
  EXPECT_NE(key_usage, nullptr);
  sk_X509_EXTENSION_push(extensions, san);
  sk_X509_EXTENSION_push(extensions, key_usage);
  EXPECT_EQ(X509_REQ_add_extensions(req.get(), extensions), 1);
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  EXPECT_GT(X509_REQ_sign(req.get(), signer ? signer : key, md), 0);
  return req;
}

std::vector<uint8_t> MakeCsr(EVP_PKEY* key, const EVP_MD* md,
                             EVP_PKEY* signer = nullptr) {
  UniqueReq req = MakeReq(key, md, signer);
  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  std::vector<uint8_t> out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

// The three fields of a CertificationRequest.
struct CsrParts {
  std::vector<uint8_t> info;       // whole element
  std::vector<uint8_t> algorithm;  // whole element
  std::vector<uint8_t> signature;  // the BIT STRING's bytes
};

CsrParts Split(std::span<const uint8_t> csr) {
  wire::DerReader outer(csr), request;
  std::span<const uint8_t> info, algorithm, signature;
  EXPECT_TRUE(outer.ReadSequence(&request) &&
              request.ReadFullElement(wire::kDerSequence, &info) &&
              request.ReadFullElement(wire::kDerSequence, &algorithm) &&
              request.ReadByteAlignedBitString(&signature) && request.Done());
  return {{info.begin(), info.end()},
          {algorithm.begin(), algorithm.end()},
          {signature.begin(), signature.end()}};
}

// SEQUENCE { info, algorithm, BIT STRING signature, extra }, with `info`,
// `algorithm` and `extra` copied byte for byte even when they are not DER.
std::vector<uint8_t> Assemble(std::span<const uint8_t> info,
                              std::span<const uint8_t> algorithm,
                              std::span<const uint8_t> signature,
                              std::span<const uint8_t> extra = {}) {
  wire::DerBuilder bit_string;
  bit_string.AddBitString(signature);
  std::vector<uint8_t> contents(info.begin(), info.end());
  contents.insert(contents.end(), algorithm.begin(), algorithm.end());
  std::vector<uint8_t> sig = std::move(bit_string).Finish().value();
  contents.insert(contents.end(), sig.begin(), sig.end());
  contents.insert(contents.end(), extra.begin(), extra.end());
  wire::DerBuilder b;
  b.AddElement(wire::kDerSequence, contents);
  return std::move(b).Finish().value();
}

// A CertificationRequest of `info` (any bytes) with `csr`'s
// signatureAlgorithm, correctly signed by `key`: so a rejection is about
// `info`, not the signature.
std::vector<uint8_t> Resign(std::span<const uint8_t> csr,
                            std::span<const uint8_t> info, EVP_PKEY* key,
                            const EVP_MD* md) {
  UniqueMdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, info.data(), info.size()),
            1);
  std::vector<uint8_t> signature(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), signature.data(), &len, info.data(),
                           info.size()),
            1);
  signature.resize(len);
  return Assemble(info, Split(csr).algorithm, signature);
}

// `element` with its length in one more octet than DER allows.
std::vector<uint8_t> WithLongLength(std::span<const uint8_t> element) {
  // The length octets after the identifier: short form n or long form
  // 0x8k followed by k octets.
  size_t length_octets = element[1] < 0x80 ? 1 : 1 + (element[1] & 0x7f);
  std::vector<uint8_t> length(element.begin() + 1,
                              element.begin() + 1 + length_octets);
  if (length_octets == 1) {
    length.insert(length.begin(), 0x81);
  } else {
    length[0]++;
    length.insert(length.begin() + 1, 0x00);
  }
  std::vector<uint8_t> out(element.begin(), element.begin() + 1);
  out.insert(out.end(), length.begin(), length.end());
  out.insert(out.end(), element.begin() + 1 + length_octets, element.end());
  return out;
}

class CsrKeyTest : public ::testing::TestWithParam<KeyKind> {};

TEST_P(CsrKeyTest, ParsesWhatWasRequested) {
  UniquePkey key = GetParam().generate();
  ASSERT_NE(key, nullptr);
  std::vector<uint8_t> der = MakeCsr(key.get(), GetParam().md());
  auto csr = ParseCsr(der);
  ASSERT_TRUE(csr.ok()) << csr.error().ToString();
  EXPECT_EQ(CsrKeyAlgorithmName(csr->public_key), GetParam().algorithm_name);
  EXPECT_EQ(csr->public_key.index(), GetParam().test_name == "Rsa2048" ? 1 : 0);
  EXPECT_EQ(csr->spki, SpkiOf(key.get()));
  EXPECT_EQ(csr->common_name, "example.com");
  EXPECT_EQ(csr->subject_text, "O=Example, CN=example.com");
  EXPECT_EQ(NameToString(csr->subject).value(), csr->subject_text);
  EXPECT_EQ(csr->dns_names,
            (std::vector<std::string>{"example.com", "www.example.com"}));
  EXPECT_EQ(csr->ip_addresses,
            (std::vector<std::vector<uint8_t>>{kIpv4, kIpv6}));
  EXPECT_EQ(csr->other_extension_oids, std::vector<std::string>{"2.5.29.15"});
  EXPECT_EQ(csr->info_der, Split(der).info);
}

TEST_P(CsrKeyTest, PemParsesLikeDer) {
  UniquePkey key = GetParam().generate();
  UniqueReq req = MakeReq(key.get(), GetParam().md());
  UniqueBio bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509_REQ(bio.get(), req.get()), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));
  auto from_pem = ParseCsrPem(pem);
  ASSERT_TRUE(from_pem.ok()) << from_pem.error().ToString();
  unsigned char* der = nullptr;
  int der_len = i2d_X509_REQ(req.get(), &der);
  std::vector<uint8_t> bytes(der, der + der_len);
  OPENSSL_free(der);
  EXPECT_EQ(from_pem->info_der, ParseCsr(bytes).value().info_der);
}

TEST_P(CsrKeyTest, TamperedSignatureIsRejected) {
  UniquePkey key = GetParam().generate();
  std::vector<uint8_t> der = MakeCsr(key.get(), GetParam().md());
  der.back() ^= 0x01;
  auto csr = ParseCsr(der);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kVerificationFailed)
      << csr.error().ToString();
  EXPECT_NE(csr.error().message().find("CSR signature"), std::string::npos);
}

TEST_P(CsrKeyTest, TamperedNameIsRejected) {
  UniquePkey key = GetParam().generate();
  std::vector<uint8_t> der = MakeCsr(key.get(), GetParam().md());
  // The first "example.com" is the subject's commonName; the SAN follows.
  std::string cn = "example.com";
  auto it = std::search(der.begin(), der.end(), cn.begin(), cn.end());
  ASSERT_NE(it, der.end());
  it[1] = 'y';  // "eyample.com"
  auto csr = ParseCsr(der);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kVerificationFailed)
      << csr.error().ToString();
}

TEST_P(CsrKeyTest, SignedByAnotherKeyIsRejected) {
  UniquePkey key = GetParam().generate();
  UniquePkey other = GetParam().generate();
  auto csr = ParseCsr(MakeCsr(key.get(), GetParam().md(), other.get()));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kVerificationFailed)
      << csr.error().ToString();
}

TEST_P(CsrKeyTest, EntryFromTheRequestBuilds) {
  UniquePkey key = GetParam().generate();
  auto csr = ParseCsr(MakeCsr(key.get(), GetParam().md()));
  ASSERT_TRUE(csr.ok()) << csr.error().ToString();
  CertificateInputs in{TrustAnchorId::FromAscii("32473.1").value()};
  in.not_before = 1767225600;  // 2026-01-01T00:00:00Z
  in.not_after = in.not_before + 7 * 86400;
  in.subject_common_name = csr->common_name;
  in.dns_names = csr->dns_names;
  in.ip_addresses = csr->ip_addresses;
  in.key_usage = kDigitalSignature;
  in.ext_key_usage = {kServerAuthOid};
  in.spki = csr->spki;
  auto entry = BuildLogEntry(in);
  ASSERT_TRUE(entry.ok()) << entry.error().ToString();
  EXPECT_EQ(entry->subject_public_key_info_hash, crypto::Sha256Of(csr->spki));
  EXPECT_EQ(NameToString(entry->subject).value(), "CN=example.com");
}

INSTANTIATE_TEST_SUITE_P(CsrKeys, CsrKeyTest,
                         ::testing::Values(kP256, kP384, kEd25519, kMlDsa44,
                                           kRsa2048),
                         [](const ::testing::TestParamInfo<KeyKind>& info) {
                           return info.param.test_name;
                         });

TEST(CsrTest, ResignedCsrParses) {
  // Resign is the tool of the rejection tests below; it must not break a
  // good CSR itself.
  UniquePkey key = GenerateEd25519();
  std::vector<uint8_t> der = MakeCsr(key.get(), nullptr);
  CsrParts parts = Split(der);
  EXPECT_EQ(Assemble(parts.info, parts.algorithm, parts.signature), der);
  EXPECT_TRUE(ParseCsr(Resign(der, parts.info, key.get(), nullptr)).ok());
}

TEST(CsrTest, WrongSignatureAlgorithmIsRejected) {
  // P-256 with SHA-384 and RSA with SHA-384 are valid X.509 but not the one
  // algorithm each key signs with here.
  struct Case {
    UniquePkey (*generate)();
    const EVP_MD* (*wrong_md)();
    std::string want;
  };
  for (const Case& c :
       {Case{GenerateP256, EVP_sha384, "1.2.840.10045.4.3.2"},
        Case{GenerateP384, EVP_sha256, "1.2.840.10045.4.3.3"},
        Case{GenerateRsa2048, EVP_sha384, "1.2.840.113549.1.1.11"}}) {
    UniquePkey key = c.generate();
    auto csr = ParseCsr(MakeCsr(key.get(), c.wrong_md()));
    ASSERT_FALSE(csr.ok());
    EXPECT_EQ(csr.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(csr.error().message().find("signs with " + c.want),
              std::string::npos)
        << csr.error().ToString();
  }
}

TEST(CsrTest, SignatureAlgorithmOfAnotherKeyTypeIsRejected) {
  // An Ed25519 key's CSR that claims ML-DSA-44 (and carries a genuine Ed25519
  // signature).
  UniquePkey key = GenerateEd25519();
  std::vector<uint8_t> der = MakeCsr(key.get(), nullptr);
  CsrParts parts = Split(der);
  ASSERT_EQ(parts.algorithm,
            (std::vector<uint8_t>{0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70}));
  // AlgorithmIdentifier { id-ml-dsa-44 } (RFC 9881 §2).
  const std::vector<uint8_t> ml_dsa_44 = {0x30, 0x0b, 0x06, 0x09, 0x60,
                                          0x86, 0x48, 0x01, 0x65, 0x03,
                                          0x04, 0x03, 0x11};
  std::vector<uint8_t> tampered =
      Assemble(parts.info, ml_dsa_44, parts.signature);
  auto csr = ParseCsr(tampered);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kUnsupported)
      << csr.error().ToString();
}

TEST(CsrTest, Version1IsRejected) {
  UniquePkey key = GenerateEd25519();
  std::vector<uint8_t> der = MakeCsr(key.get(), nullptr);
  std::vector<uint8_t> original_info = Split(der).info;
  wire::DerReader info_outer(original_info), info;
  uint64_t version;
  ASSERT_TRUE(info_outer.ReadSequence(&info) && info.ReadUint64(&version));
  ASSERT_EQ(version, 0u);
  wire::DerBuilder b;
  b.AddSequence([&](wire::DerBuilder& v1) {
    v1.AddUint64(1);
    // subject, subjectPKInfo and attributes, unchanged.
    while (!info.empty()) {
      wire::DerTag tag;
      std::span<const uint8_t> contents, element;
      ASSERT_TRUE(info.ReadAnyElement(&tag, &contents, &element));
      v1.AddRawElement(element);
    }
  });
  auto csr =
      ParseCsr(Resign(der, std::move(b).Finish().value(), key.get(), nullptr));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(csr.error().message().find("version 1"), std::string::npos)
      << csr.error().ToString();
}

TEST(CsrTest, TrailingDataIsRejected) {
  UniquePkey key = GenerateEd25519();
  std::vector<uint8_t> der = MakeCsr(key.get(), nullptr);
  std::vector<uint8_t> after = der;
  after.push_back(0x00);
  auto csr = ParseCsr(after);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kMalformed);

  // A NULL after the signature, inside the CertificationRequest.
  CsrParts parts = Split(der);
  const std::vector<uint8_t> null = {0x05, 0x00};
  csr = ParseCsr(Assemble(parts.info, parts.algorithm, parts.signature, null));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(csr.error().message().find("data after"), std::string::npos)
      << csr.error().ToString();
}

TEST(CsrTest, NonDerLengthIsRejected) {
  UniquePkey key = GenerateEd25519();
  std::vector<uint8_t> der = MakeCsr(key.get(), nullptr);
  ASSERT_TRUE(ParseCsr(der).ok());
  auto csr = ParseCsr(WithLongLength(der));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kMalformed);

  // Inside the signed part, with a valid signature over the non-DER bytes.
  csr = ParseCsr(
      Resign(der, WithLongLength(Split(der).info), key.get(), nullptr));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kMalformed)
      << csr.error().ToString();
}

TEST(CsrTest, NonDerBooleanInExtensionRequestIsRejected) {
  // keyUsage's `critical TRUE` as 0x01 rather than 0xff (X.690 §11.1),
  // validly signed.
  UniquePkey key = GenerateEd25519();
  std::vector<uint8_t> der = MakeCsr(key.get(), nullptr);
  std::vector<uint8_t> info = Split(der).info;
  const std::vector<uint8_t> der_true = {0x01, 0x01, 0xff};
  auto it =
      std::search(info.begin(), info.end(), der_true.begin(), der_true.end());
  ASSERT_NE(it, info.end());
  it[2] = 0x01;
  auto csr = ParseCsr(Resign(der, info, key.get(), nullptr));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(csr.error().message().find("extensionRequest"), std::string::npos)
      << csr.error().ToString();
}

TEST(CsrTest, SmallRsaKeyIsRejected) {
  UniquePkey key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  auto csr = ParseCsr(MakeCsr(key.get(), EVP_sha256()));
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code(), ErrorCode::kUnsupported)
      << csr.error().ToString();
}

TEST(CsrTest, WrongPemLabelIsRejected) {
  UniquePkey key = GenerateEd25519();
  UniqueReq req = MakeReq(key.get(), nullptr);
  UniqueBio bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509_REQ(bio.get(), req.get()), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));
  for (std::string from :
       {"BEGIN CERTIFICATE REQUEST", "END CERTIFICATE REQUEST"}) {
    pem.replace(pem.find(from), from.size(),
                from.substr(0, from.find(' ')) + " CERTIFICATE");
  }
  EXPECT_FALSE(ParseCsrPem(pem).ok());
}

}  // namespace
}  // namespace mtc::cert
