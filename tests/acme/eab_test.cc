// External account binding parsing and MAC checks (RFC 8555 §7.3.4), with
// the HMAC known answers of RFC 4231.
#include "acme/eab.h"

#include <gtest/gtest.h>

#include "acme_server_fixture.h"
#include "mtc/base/hex.h"

namespace mtc::acme::testing {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// RFC 4231 §4.3, test case 2 (key "Jefe"), for each hash RFC 7518 §3.2
// pairs with HS256, HS384 and HS512.
TEST(EabMacTest, Rfc4231TestCase2) {
  const std::string data = "what do ya want for nothing?";
  struct Case {
    MacAlgorithm alg;
    const char* hex;
  };
  for (Case c : {
           Case{MacAlgorithm::kHs256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3"
                "843"},
           Case{MacAlgorithm::kHs384,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322"
                "445e8e2240ca5e69e2c78b3239ecfab21649"},
           Case{MacAlgorithm::kHs512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea25"
                "05549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a"
                "38bce737"},
       }) {
    auto mac = ComputeMac(c.alg, Bytes("Jefe"), data);
    ASSERT_TRUE(mac.ok()) << mac.error().ToString();
    EXPECT_EQ(HexEncode(*mac), c.hex) << MacAlgorithmName(c.alg);
  }
}

// RFC 4231 §4.2, test case 1: a 20-byte key of 0x0b.
TEST(EabMacTest, Rfc4231TestCase1) {
  auto mac = ComputeMac(MacAlgorithm::kHs256, std::vector<uint8_t>(20, 0x0b),
                        "Hi There");
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(HexEncode(*mac),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_FALSE(ComputeMac(MacAlgorithm::kHs256, {}, "x").ok());
}

// RFC 7518 §3.1: the names; §7.3.4: "alg" MUST be a MAC algorithm.
TEST(EabMacTest, AlgorithmNames) {
  EXPECT_EQ(*ParseMacAlgorithm("HS256"), MacAlgorithm::kHs256);
  EXPECT_EQ(*ParseMacAlgorithm("HS384"), MacAlgorithm::kHs384);
  EXPECT_EQ(*ParseMacAlgorithm("HS512"), MacAlgorithm::kHs512);
  for (const char* bad : {"ES256", "none", "hs256", "HS1", ""}) {
    auto parsed = ParseMacAlgorithm(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  }
}

constexpr char kUrl[] = "https://acme.test/acme/new-account";

class EabVerifyTest : public ::testing::Test {
 protected:
  EabVerifyTest() : jwk_(*Jwk::Parse(account_.Jwk())), mac_key_(32, 0x42) {
    keys_["kid-1"] = mac_key_;
  }

  // A binding as a client builds it (§7.3.4), with `header` members
  // overriding the usual ones (null removes one).
  nlohmann::json Binding(const nlohmann::json& header_changes = {},
                         const nlohmann::json* payload = nullptr,
                         MacAlgorithm alg = MacAlgorithm::kHs256,
                         std::vector<uint8_t> key = {}) {
    nlohmann::json header = {{"alg", std::string(MacAlgorithmName(alg))},
                             {"kid", "kid-1"},
                             {"url", kUrl}};
    if (header_changes.is_object()) {
      for (const auto& [name, value] : header_changes.items()) {
        if (value.is_null()) {
          header.erase(name);
        } else {
          header[name] = value;
        }
      }
    }
    std::string protected64 = B64(header.dump());
    std::string payload64 =
        B64(payload != nullptr ? payload->dump() : account_.Jwk().dump());
    auto mac = ComputeMac(alg, key.empty() ? mac_key_ : key,
                          protected64 + "." + payload64);
    EXPECT_TRUE(mac.ok());
    return {{"protected", protected64},
            {"payload", payload64},
            {"signature", wire::Base64UrlEncode(*mac)}};
  }

  Result<std::string> Verify(const nlohmann::json& binding,
                             std::string_view url = kUrl) {
    return VerifyExternalAccountBinding(binding, url, jwk_, keys_);
  }

  static void ExpectCode(const Result<std::string>& r, ErrorCode code) {
    ASSERT_FALSE(r.ok()) << "expected " << ErrorCodeName(code);
    EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  }

  TestKey account_;
  Jwk jwk_;
  std::vector<uint8_t> mac_key_;
  ExternalAccountKeys keys_;
};

// §7.3.4 steps 1-5 pass: the binding names its key ID.
TEST_F(EabVerifyTest, GoodBindingInEveryMacAlgorithm) {
  for (MacAlgorithm alg :
       {MacAlgorithm::kHs256, MacAlgorithm::kHs384, MacAlgorithm::kHs512}) {
    auto kid = Verify(Binding({}, nullptr, alg));
    ASSERT_TRUE(kid.ok()) << kid.error().ToString();
    EXPECT_EQ(*kid, "kid-1");
  }
}

// §7.3.4 step 4: the MAC must verify with the key of "kid".
TEST_F(EabVerifyTest, WrongMacIsUnauthorized) {
  ExpectCode(Verify(Binding({}, nullptr, MacAlgorithm::kHs256,
                            std::vector<uint8_t>(32, 0x43))),
             ErrorCode::kVerificationFailed);
  // A prefix of the right MAC (a truncated HMAC, RFC 2104 §5) is refused.
  nlohmann::json truncated = Binding();
  auto mac = *wire::Base64UrlDecode(truncated["signature"].get<std::string>());
  mac.resize(16);
  truncated["signature"] = wire::Base64UrlEncode(mac);
  ExpectCode(Verify(truncated), ErrorCode::kVerificationFailed);
  // The MAC covers the header: another algorithm with the same MAC fails.
  nlohmann::json swapped = Binding({}, nullptr, MacAlgorithm::kHs384);
  swapped["signature"] = Binding()["signature"];
  ExpectCode(Verify(swapped), ErrorCode::kVerificationFailed);
}

// §7.3.4 step 3: an unknown key identifier.
TEST_F(EabVerifyTest, UnknownKidIsUnauthorized) {
  ExpectCode(Verify(Binding({{"kid", "kid-2"}})),
             ErrorCode::kVerificationFailed);
}

// §7.3.4 step 5: the payload must be the account key of the outer JWS.
TEST_F(EabVerifyTest, PayloadOtherThanTheAccountKeyIsUnauthorized) {
  nlohmann::json other = TestKey().Jwk();
  ExpectCode(Verify(Binding({}, &other)), ErrorCode::kVerificationFailed);
  nlohmann::json not_a_key = {{"kty", "oct"}, {"k", "AAAA"}};
  ExpectCode(Verify(Binding({}, &not_a_key)), ErrorCode::kVerificationFailed);
}

// §7.3.4 step 2: the protected header's criteria.
TEST_F(EabVerifyTest, HeaderCriteriaAreMalformed) {
  // "url" MUST be that of the outer JWS.
  ExpectCode(Verify(Binding({{"url", "https://acme.test/acme/new-order"}})),
             ErrorCode::kMalformed);
  ExpectCode(Verify(Binding(), "https://other.test/acme/new-account"),
             ErrorCode::kMalformed);
  // "nonce" MUST NOT be present.
  ExpectCode(Verify(Binding({{"nonce", "AAAA"}})), ErrorCode::kMalformed);
  // "alg" MUST indicate a MAC algorithm.
  ExpectCode(Verify(Binding({{"alg", "ES256"}})), ErrorCode::kMalformed);
  ExpectCode(Verify(Binding({{"alg", "none"}})), ErrorCode::kMalformed);
  for (const char* missing : {"alg", "kid", "url"}) {
    ExpectCode(Verify(Binding({{missing, nullptr}})), ErrorCode::kMalformed);
  }
  ExpectCode(Verify(Binding({{"kid", ""}})), ErrorCode::kMalformed);
  ExpectCode(Verify(Binding({{"kid", 7}})), ErrorCode::kMalformed);
  ExpectCode(Verify(Binding({{"jwk", account_.Jwk()}})), ErrorCode::kMalformed);
  ExpectCode(Verify(Binding({{"crit", {"exp"}}})), ErrorCode::kMalformed);
}

// §7.3.4 step 1: a well-formed flattened JWS (RFC 7515 §7.2.2).
TEST_F(EabVerifyTest, NotAFlattenedJwsIsMalformed) {
  nlohmann::json good = Binding();
  ExpectCode(Verify(nlohmann::json("a.b.c")), ErrorCode::kMalformed);
  ExpectCode(Verify(nlohmann::json::array()), ErrorCode::kMalformed);
  for (const char* member : {"protected", "payload", "signature"}) {
    nlohmann::json missing = good;
    missing.erase(member);
    ExpectCode(Verify(missing), ErrorCode::kMalformed);
    nlohmann::json padded = good;
    padded[member] = good[member].get<std::string>() + "=";
    ExpectCode(Verify(padded), ErrorCode::kMalformed);
    nlohmann::json number = good;
    number[member] = 1;
    ExpectCode(Verify(number), ErrorCode::kMalformed);
  }
  nlohmann::json unprotected = good;
  unprotected["header"] = {{"kid", "kid-1"}};
  ExpectCode(Verify(unprotected), ErrorCode::kMalformed);
  nlohmann::json array_payload = good;
  array_payload["payload"] = B64("[]");
  ExpectCode(Verify(array_payload), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace mtc::acme::testing
