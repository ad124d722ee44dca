// newOrder "replaces" (RFC 9773 §5): a renewal names the certificate it
// replaces by its certID (§4.1); the server checks the account, a shared
// identifier and that no other live order replaces it.
#include "acme_server_fixture.h"
#include "mtc/cert/certificate.h"
#include "mtc/wire/pem.h"

namespace mtc::acme::testing {
namespace {

class AcmeReplacesTest : public AcmeIssuanceTest {
 protected:
  void SetUp() override {
    AcmeIssuanceTest::SetUp();
    kid_ = NewAccount(key_);
    nlohmann::json order =
        Issue(key_, kid_, {"a.example", "b.example"}, cert_key_);
    cert_id_ = CertId(PathOf(order["certificate"]));
  }

  // §4.1: base64url(AKI keyIdentifier) "." base64url(serial). Ours have no
  // AKI; lego, like others, then sends an empty first part.
  std::string CertId(const std::string& cert_path) {
    net::Response pem = Send(key_, kid_, cert_path, "");
    EXPECT_EQ(pem.status, 200);
    auto blocks = wire::PemDecodeAll(pem.body);
    EXPECT_TRUE(blocks.ok() && !blocks->empty());
    auto leaf = cert::ParseCertificate((*blocks)[0].bytes);
    EXPECT_TRUE(leaf.ok());
    return "." + wire::Base64UrlEncode(leaf->tbs.serial);
  }

  net::Response Replace(const TestKey& key, const std::string& kid,
                        const nlohmann::json& replaces,
                        const std::string& name = "a.example") {
    nlohmann::json request = {
        {"identifiers", {{{"type", "dns"}, {"value", name}}}},
        {"replaces", replaces}};
    return Send(key, kid, "/acme/new-order", request.dump());
  }

  TestKey key_;
  std::string kid_;
  crypto::PrivateKey cert_key_ = NewP256();
  std::string cert_id_;
};

// §5: "If the Server accepts a new-order request with a "replaces" field,
// it MUST reflect that field in the response and in subsequent requests
// for the corresponding Order object."
TEST_F(AcmeReplacesTest, ReplacementIsAcceptedAndReflected) {
  net::Response r = Replace(key_, kid_, cert_id_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["replaces"], cert_id_);
  std::string order_path = PathOf(std::string(*r.Header("Location")));
  EXPECT_EQ(Body(Send(key_, kid_, order_path, ""))["replaces"], cert_id_);
  // Orders that replace nothing say nothing about it.
  net::Response plain =
      Send(key_, kid_, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"a.example"}]})");
  ASSERT_EQ(plain.status, 201);
  EXPECT_FALSE(Body(plain).contains("replaces"));
}

// §5: "If the Server rejects the request because the identified
// certificate has already been marked as replaced, it MUST return an HTTP
// 409 (Conflict) with a problem document of type "alreadyReplaced"".
TEST_F(AcmeReplacesTest, SecondReplacementIsAlreadyReplaced) {
  net::Response first = Replace(key_, kid_, cert_id_);
  ASSERT_EQ(first.status, 201) << first.body;
  net::Response second = Replace(key_, kid_, cert_id_, "b.example");
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(ProblemType(second), "alreadyReplaced");
  // The same certificate named with a sign octet and an AKI part is the
  // same certificate.
  std::string serial = cert_id_.substr(1);
  auto bytes = *wire::Base64UrlDecode(serial);
  bytes.insert(bytes.begin(), 0);
  net::Response padded =
      Replace(key_, kid_, "AQID." + wire::Base64UrlEncode(bytes));
  EXPECT_EQ(padded.status, 409) << padded.body;

  // "... by a different Order that is not "invalid"": once the replacing
  // order fails, the certificate may be replaced again.
  std::string order_path = PathOf(std::string(*first.Header("Location")));
  std::string order_id = order_path.substr(order_path.rfind('/') + 1);
  Order order = **store_->GetOrder(order_id);
  OrderStatus from = order.status;
  order.status = OrderStatus::kInvalid;
  ASSERT_TRUE(store_->UpdateOrder(order, from).ok());
  net::Response third = Replace(key_, kid_, cert_id_);
  EXPECT_EQ(third.status, 201) << third.body;
}

// §5: "Servers SHOULD check that the identified certificate and the New
// Order request correspond to the same ACME Account, that they share at
// least one identifier"; "If any of these checks fail, the Server SHOULD
// reject the new-order request."
TEST_F(AcmeReplacesTest, OtherAccountOrNoSharedIdentifierIsRefused) {
  TestKey other;
  std::string other_kid = NewAccount(other);
  net::Response foreign = Replace(other, other_kid, cert_id_);
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  EXPECT_EQ(ProblemType(foreign), "unauthorized");
  net::Response unrelated = Replace(key_, kid_, cert_id_, "c.example");
  EXPECT_EQ(unrelated.status, 400) << unrelated.body;
  EXPECT_EQ(ProblemType(unrelated), "malformed");
  // Neither refusal marked the certificate replaced.
  EXPECT_EQ(Replace(key_, kid_, cert_id_).status, 201);
}

// §4.1's certID syntax, and certificates this CA never issued.
TEST_F(AcmeReplacesTest, BadOrUnknownCertIdIsRefused) {
  for (const nlohmann::json& bad :
       {nlohmann::json("no-dot"), nlohmann::json("AA.!!"),
        nlohmann::json("AA."), nlohmann::json("=.AQ"), nlohmann::json(7)}) {
    net::Response r = Replace(key_, kid_, bad);
    EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.body;
    EXPECT_EQ(ProblemType(r), "malformed");
  }
  net::Response unknown = Replace(key_, kid_, "AA.AQIDBA");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
}

}  // namespace
}  // namespace mtc::acme::testing
