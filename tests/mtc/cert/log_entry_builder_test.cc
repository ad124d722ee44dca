// The entries we build from the reference generator's own inputs (mtc.json)
// are byte for byte the entries in its log.
#include "mtc/cert/log_entry_builder.h"

#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "mtc/base/hex.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/wire/base64.h"

namespace mtc::cert {
namespace {

int64_t ParseTime(const std::string& rfc3339) {
  std::tm tm{};
  strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return timegm(&tm);
}

// One MTCLogEntry from one element of mtc.json's "Entries".
std::vector<uint8_t> EntryFromJson(const nlohmann::json& j,
                                   const TrustAnchorId& ca) {
  MtcLogEntry entry;
  if (j.value("Null", false)) return SerializeMtcLogEntry(entry).value();
  CertificateInputs in{ca};
  in.not_before = ParseTime(j["NotBefore"]);
  in.not_after = ParseTime(j["NotAfter"]);
  if (j.contains("Subject"))
    in.subject_common_name = j["Subject"]["CommonName"];
  for (const auto& n : j.value("DNSNames", nlohmann::json::array())) {
    in.dns_names.push_back(n);
  }
  for (const auto& ku : j.value("KeyUsage", nlohmann::json::array())) {
    if (ku == "DigitalSignature") in.key_usage |= kDigitalSignature;
    if (ku == "CertSign") in.key_usage |= kKeyCertSign;
  }
  for (const auto& eku : j.value("ExtKeyUsage", nlohmann::json::array())) {
    if (eku == "ServerAuth") in.ext_key_usage.push_back(kServerAuthOid);
  }
  in.is_ca = j.value("IsCA", false);
  if (j.contains("MaxPathLen"))
    in.max_path_len = j["MaxPathLen"].get<uint64_t>();
  in.spki = wire::Base64Decode(j["PublicKey"].get<std::string>()).value();
  entry.type = kTbsCertEntry;
  entry.tbs_cert_entry_data = BuildLogEntry(in).value().EncodeContents();
  return SerializeMtcLogEntry(entry).value();
}

TEST(LogEntryBuilderTest, ReferenceInputsGiveTheReferenceLog) {
  std::vector<uint8_t> bytes =
      testing::ReadFileBytes(testing::RefdataPath("mtc.json"));
  auto json = nlohmann::json::parse(bytes.begin(), bytes.end());
  TrustAnchorId ca =
      TrustAnchorId::FromAscii(json["ID"].get<std::string>()).value();
  std::vector<std::vector<uint8_t>> log = testing::RefLogEntries();
  size_t index = 0;
  for (const auto& j : json["Entries"]) {
    std::vector<uint8_t> ours = EntryFromJson(j, ca);
    int repeat = j.value("Repeat", 1);
    for (int r = 0; r < repeat; r++, index++) {
      ASSERT_LT(index, log.size());
      ASSERT_EQ(HexEncode(ours), HexEncode(log[index])) << "entry " << index;
    }
  }
  EXPECT_EQ(index, log.size());
}

// RFC 5280 §4.2.1.3 with X.690 §11.2.2: trailing zero bits are removed.
TEST(LogEntryBuilderTest, KeyUsageEncoding) {
  EXPECT_EQ(HexEncode(EncodeKeyUsage(kDigitalSignature)), "03020780");
  EXPECT_EQ(HexEncode(EncodeKeyUsage(kKeyCertSign)), "03020204");
  EXPECT_EQ(HexEncode(EncodeKeyUsage(kKeyCertSign | kCrlSign)), "03020106");
  EXPECT_EQ(HexEncode(EncodeKeyUsage(kDigitalSignature | kDecipherOnly)),
            "0303078080");
}

}  // namespace
}  // namespace mtc::cert
