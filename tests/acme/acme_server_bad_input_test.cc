// Malformed and hostile requests: each gets its status and problem type
// (RFC 8555 §6.7), and a refused request leaves nothing in the store.
#include "acme_server_fixture.h"
#include "mtc/crypto/random.h"

namespace mtc::acme::testing {
namespace {

class AcmeBadInputTest : public AcmeServerTest {
 protected:
  void SetUp() override {
    AcmeServerTest::SetUp();
    kid_ = NewAccount(key_);
    other_kid_ = NewAccount(other_);
  }

  // Sends `payload` to `path` with a header built from the defaults and
  // then `edit`.
  net::Response SendWith(const TestKey& signer, const std::string& path,
                         const std::string& payload,
                         const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json h = {{"alg", signer.Alg()},
                        {"nonce", Nonce()},
                        {"url", std::string(kBase) + path},
                        {"kid", kid_}};
    edit(h);
    return server_->Handle(Post(path, SignJws(signer, h, payload)));
  }

  void ExpectProblem(const net::Response& r, int status,
                     const std::string& type, const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body;
    EXPECT_EQ(ProblemType(r), type) << what << ": " << r.body;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json") << what;
    EXPECT_TRUE(r.Header("Replay-Nonce").has_value()) << what;
    cases_++;
  }

  size_t OrderCount(const std::string& kid) {
    auto ids = store_->ListOrderIds(kid.substr(kid.rfind('/') + 1), 1000);
    EXPECT_TRUE(ids.ok());
    return ids.ok() ? ids->size() : 0;
  }

  static constexpr char kOrder[] =
      R"({"identifiers":[{"type":"dns","value":"a.example"}]})";

  TestKey key_, other_;
  std::string kid_, other_kid_;
  int cases_ = 0;
};

TEST_F(AcmeBadInputTest, JwsAndNonce) {
  auto none = [](nlohmann::json&) {};
  // §6.5: nonces.
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) { h.erase("nonce"); }),
                400, "badNonce", "missing nonce");
  std::string used = Nonce();
  auto with_used = [&](nlohmann::json& h) { h["nonce"] = used; };
  EXPECT_EQ(SendWith(key_, PathOf(kid_), "", with_used).status, 200);
  ExpectProblem(SendWith(key_, PathOf(kid_), "", with_used), 400, "badNonce",
                "reused nonce");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) {
                           h["nonce"] =
                               wire::Base64UrlEncode(crypto::RandomBytes(16));
                         }),
                400, "badNonce", "forged nonce");
  // §6.4: the url is the request's.
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) {
                           h["url"] = std::string(kBase) + "/acme/revoke-cert";
                         }),
                401, "unauthorized", "signature over another URL");
  // §6.2: algorithms and key forms.
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) { h["alg"] = "none"; }),
                400, "badSignatureAlgorithm", "alg none");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) { h["alg"] = "HS256"; }),
                400, "badSignatureAlgorithm", "alg HS256");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) { h["alg"] = "ES384"; }),
                400, "badSignatureAlgorithm", "alg the key does not use");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [&](nlohmann::json& h) { h["jwk"] = key_.Jwk(); }),
                400, "malformed", "both jwk and kid");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) { h.erase("kid"); }),
                400, "malformed", "neither jwk nor kid");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [&](nlohmann::json& h) { h["kid"] = other_kid_; }),
                400, "malformed", "kid of another account");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) {
                           h["kid"] = "https://evil.test/acme/acct/x";
                         }),
                400, "accountDoesNotExist", "kid of another server");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [](nlohmann::json& h) {
                           h["kid"] = std::string(kBase) + "/acme/acct/nobody";
                         }),
                400, "accountDoesNotExist", "kid of no account");
  TestKey fresh;
  ExpectProblem(SendWith(fresh, "/acme/new-account", "{}",
                         [&](nlohmann::json& h) {
                           h.erase("kid");
                           h["jwk"] = other_.Jwk();
                         }),
                400, "malformed", "jwk of one key, signed by another");
  ExpectProblem(SendWith(key_, "/acme/new-account", "{}", none), 400,
                "malformed", "newAccount with a kid");
  ExpectProblem(SendWith(key_, "/acme/new-order", kOrder,
                         [&](nlohmann::json& h) {
                           h.erase("kid");
                           h["jwk"] = key_.Jwk();
                         }),
                400, "malformed", "newOrder with a jwk");
  ExpectProblem(
      SendWith(key_, "/acme/new-order", kOrder,
               [](nlohmann::json& h) {
                 h["jwk"] = {{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}};
                 h.erase("kid");
                 h["alg"] = "RS256";
               }),
      400, "badPublicKey", "RSA key too small");

  // The envelope itself.
  net::Request wrong_type = Post("/acme/new-order", "{}");
  wrong_type.headers.erase("Content-Type");
  wrong_type.headers.emplace("Content-Type", "application/json");
  ExpectProblem(server_->Handle(wrong_type), 415, "malformed", "Content-Type");
  ExpectProblem(server_->Handle(Post("/acme/new-order", "not json")), 400,
                "malformed", "body not JSON");
  ExpectProblem(server_->Handle(Post("/acme/new-order", "[1,2]")), 400,
                "malformed", "body an array");
  ExpectProblem(
      server_->Handle(Post("/acme/new-order", std::string(200 * 1024, 'x'))),
      413, "malformed", "oversized body");
  nlohmann::json h = {{"alg", key_.Alg()},
                      {"nonce", Nonce()},
                      {"url", std::string(kBase) + "/acme/new-order"},
                      {"kid", kid_}};
  nlohmann::json jws = nlohmann::json::parse(SignJws(key_, h, kOrder));
  jws["header"] = {{"kid", kid_}};
  ExpectProblem(server_->Handle(Post("/acme/new-order", jws.dump())), 400,
                "malformed", "unprotected header");
  jws.erase("header");
  jws["signature"] = jws["signature"].get<std::string>() + "=";
  ExpectProblem(server_->Handle(Post("/acme/new-order", jws.dump())), 400,
                "malformed", "base64 padding");
  jws = nlohmann::json::parse(SignJws(key_, h, kOrder));
  std::string sig = jws["signature"];
  sig[5] = sig[5] == 'A' ? 'B' : 'A';
  jws["signature"] = sig;
  ExpectProblem(server_->Handle(Post("/acme/new-order", jws.dump())), 400,
                "malformed", "bad signature");
  std::string deep(100, '[');
  deep += std::string(100, ']');
  ExpectProblem(SendWith(key_, "/acme/new-order",
                         std::string(R"({"identifiers":)") + deep + "}", none),
                400, "malformed", "deeply nested payload");
  ExpectProblem(SendWith(key_, "/acme/new-order", "[]", none), 400, "malformed",
                "payload an array");
  // Resources and methods.
  ExpectProblem(server_->Handle(Get("/acme/new-order")), 405, "malformed",
                "GET on a POST resource");
  ExpectProblem(SendWith(key_, "/acme/nothing", "", none), 404, "malformed",
                "unknown resource");
  ExpectProblem(server_->Handle(Get("/directory", "POST")), 405, "malformed",
                "POST to the directory");

  EXPECT_EQ(OrderCount(kid_), 0u);
  EXPECT_FALSE(
      store_->FindAccountByThumbprint(Jwk::Parse(fresh.Jwk())->Thumbprint())
          ->has_value());
  EXPECT_GE(cases_, 27);
}

TEST_F(AcmeBadInputTest, AccountsOrdersAndOwnership) {
  auto none = [](nlohmann::json&) {};
  auto jwk = [](const TestKey& k) {
    return [&k](nlohmann::json& h) {
      h.erase("kid");
      h["jwk"] = k.Jwk();
    };
  };
  TestKey fresh;
  ExpectProblem(SendWith(fresh, "/acme/new-account",
                         R"({"contact":["tel:+15555550100"]})", jwk(fresh)),
                400, "unsupportedContact", "tel: contact");
  ExpectProblem(
      SendWith(fresh, "/acme/new-account",
               R"({"contact":["mailto:a@b@example.com"]})", jwk(fresh)),
      400, "invalidContact", "two @");
  ExpectProblem(
      SendWith(fresh, "/acme/new-account",
               R"({"contact":["mailto:a@example.com?subject=x"]})", jwk(fresh)),
      400, "invalidContact", "hfields");
  ExpectProblem(SendWith(fresh, "/acme/new-account",
                         R"({"contact":"mailto:a@example.com"})", jwk(fresh)),
                400, "malformed", "contact not an array");
  ExpectProblem(SendWith(fresh, "/acme/new-account",
                         R"({"onlyReturnExisting":"yes"})", jwk(fresh)),
                400, "malformed", "onlyReturnExisting not a boolean");
  EXPECT_FALSE(
      store_->FindAccountByThumbprint(Jwk::Parse(fresh.Jwk())->Thumbprint())
          ->has_value());

  ExpectProblem(SendWith(key_, PathOf(kid_), R"({"status":"valid"})", none),
                400, "malformed", "account status other than deactivated");
  ExpectProblem(SendWith(key_, PathOf(other_kid_), "", none), 403,
                "unauthorized", "another account's URL");

  for (
      auto [payload, type, what] :
      std::vector<std::tuple<std::string, std::string, std::string>>{
          {R"({"identifiers":[{"type":"email","value":"a@example.com"}]})",
           "unsupportedIdentifier", "unknown identifier type"},
          {R"({"identifiers":[]})", "malformed", "no identifiers"},
          {R"({"identifiers":"a.example"})", "malformed",
           "identifiers a string"},
          {R"({"identifiers":[{"type":"dns"}]})", "malformed", "no value"},
          {R"({"identifiers":[{"type":"dns","value":"a_b.example"}]})",
           "rejectedIdentifier", "underscore"},
          {R"({"identifiers":[{"type":"dns","value":"a.*.example"}]})",
           "rejectedIdentifier", "inner wildcard"},
          {R"({"identifiers":[{"type":"dns","value":"localhost"}]})",
           "rejectedIdentifier", "single label"},
          {R"({"identifiers":[{"type":"dns","value":"1.2.3.4"}]})",
           "rejectedIdentifier", "IP as dns"},
          {R"({"identifiers":[{"type":"dns","value":"-a.example"}]})",
           "rejectedIdentifier", "leading hyphen"},
          {R"({"identifiers":[{"type":"ip","value":"999.1.1.1"}]})",
           "rejectedIdentifier", "bad IPv4"},
          {R"({"identifiers":[{"type":"dns","value":"a.example"}],"notBefore":"2030-01-01T00:00:00Z"})",
           "malformed", "notBefore"},
      }) {
    ExpectProblem(SendWith(key_, "/acme/new-order", payload, none), 400, type,
                  what);
  }
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 101; i++) {
    many.push_back(
        {{"type", "dns"}, {"value", "n" + std::to_string(i) + ".example"}});
  }
  ExpectProblem(SendWith(key_, "/acme/new-order",
                         nlohmann::json{{"identifiers", many}}.dump(), none),
                400, "malformed", "101 identifiers");
  EXPECT_EQ(OrderCount(kid_), 0u);

  // Another account's order, authorization, challenge, finalize.
  net::Response order = Send(other_, other_kid_, "/acme/new-order", kOrder);
  ASSERT_EQ(order.status, 201);
  std::string order_path = PathOf(std::string(*order.Header("Location")));
  std::string authz_path = PathOf(Body(order)["authorizations"][0]);
  std::string chall_path = PathOf(
      Body(Send(other_, other_kid_, authz_path, ""))["challenges"][0]["url"]);
  ExpectProblem(SendWith(key_, order_path, "", none), 403, "unauthorized",
                "another account's order");
  ExpectProblem(SendWith(key_, authz_path, "", none), 403, "unauthorized",
                "another account's authorization");
  ExpectProblem(SendWith(key_, chall_path, "{}", none), 403, "unauthorized",
                "another account's challenge");
  ExpectProblem(
      SendWith(key_, order_path + "/finalize", R"({"csr":"AA"})", none), 403,
      "unauthorized", "another account's finalize");
  // The owner finalizing before the order is ready.
  crypto::PrivateKey k = NewP256();
  std::string csr = wire::Base64UrlEncode(MakeCsr(k, k, {"a.example"}));
  ExpectProblem(Send(other_, other_kid_, order_path + "/finalize",
                     nlohmann::json{{"csr", csr}}.dump()),
                403, "orderNotReady", "finalize before ready");
  ExpectProblem(SendWith(key_, "/acme/order/nosuchorder", "", none), 404,
                "malformed", "unknown order");
  ExpectProblem(server_->Handle(Get("/acme/cert/nosuchcert/alternate")), 404,
                "malformed", "alternate of no certificate");
  ExpectProblem(server_->Handle(Get("/acme/renewal-info/nodot")), 400,
                "malformed", "certID without a dot");
  ExpectProblem(SendWith(key_, "/acme/revoke-cert",
                         R"({"certificate":"MAA","reason":7})", none),
                400, "badRevocationReason", "reason 7");
  ExpectProblem(
      SendWith(key_, "/acme/revoke-cert", R"({"certificate":"MAA"})", none),
      400, "malformed", "certificate garbage");
  EXPECT_EQ(Body(Send(other_, other_kid_, order_path, ""))["status"],
            "pending");
}

class AcmeReadyOrderTest : public AcmeBadInputTest {
 protected:
  // An order for a.example whose http-01 challenge passed; returns its path.
  std::string ReadyOrder() {
    net::Response created = Send(key_, kid_, "/acme/new-order", kOrder);
    EXPECT_EQ(created.status, 201);
    std::string authz_path = PathOf(Body(created)["authorizations"][0]);
    nlohmann::json authz_body = Body(Send(key_, kid_, authz_path, ""));
    for (const auto& c : authz_body["challenges"]) {
      if (c["type"] != "http-01") continue;
      Provision(c["token"], KeyAuthorization(c["token"].get<std::string>(),
                                             *Jwk::Parse(key_.Jwk())));
      challenge_path_ = PathOf(c["url"]);
      EXPECT_EQ(Send(key_, kid_, challenge_path_, "{}").status, 200);
    }
    PollUntilNot(key_, kid_, authz_path, {"pending"});
    return PathOf(std::string(*created.Header("Location")));
  }
  std::string challenge_path_;
};

TEST_F(AcmeReadyOrderTest, BadCsrsLeaveTheOrderReady) {
  std::string order_path = ReadyOrder();
  auto none = [](nlohmann::json&) {};
  crypto::PrivateKey k = NewP256(), other = NewP256();
  auto finalize = [&](const std::string& payload, const std::string& what) {
    ExpectProblem(SendWith(key_, order_path + "/finalize", payload, none), 400,
                  "badCSR", what);
  };
  finalize(nlohmann::json{{"csr", wire::Base64UrlEncode(MakeCsr(
                                      k, k, {"a.example", "x.example"}))}}
               .dump(),
           "CSR with an extra name");
  finalize(nlohmann::json{{"csr",
                           wire::Base64UrlEncode(MakeCsr(k, k, {"b.example"}))}}
               .dump(),
           "CSR with another name");
  finalize(nlohmann::json{{"csr", wire::Base64UrlEncode(
                                      MakeCsr(k, other, {"a.example"}))}}
               .dump(),
           "CSR signed by another key");
  finalize(R"({"csr":"!!!"})", "CSR not base64url");
  finalize(R"({"csr":"MAA"})", "CSR not DER");
  ExpectProblem(SendWith(key_, order_path + "/finalize", "{}", none), 400,
                "malformed", "finalize without csr");
  // Still ready: none of them moved the order.
  EXPECT_EQ(Body(Send(key_, kid_, order_path, ""))["status"], "ready");
  // A replayed challenge response changes nothing.
  net::Response replay = Send(key_, kid_, challenge_path_, "{}");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(Body(replay)["status"], "valid");
}

class AcmeRedirectTest : public AcmeBadInputTest {};

TEST_F(AcmeRedirectTest, Http01RedirectToAPrivateAddressIsRefused) {
  net::Response created = Send(key_, kid_, "/acme/new-order", kOrder);
  std::string authz_path = PathOf(Body(created)["authorizations"][0]);
  nlohmann::json authz_body = Body(Send(key_, kid_, authz_path, ""));
  for (const auto& c : authz_body["challenges"]) {
    if (c["type"] != "http-01") continue;
    net::Response redirect;
    redirect.status = 302;
    redirect.AddHeader("Location",
                       "http://10.0.0.1/.well-known/acme-challenge/x");
    ProvisionResponse(
        "/.well-known/acme-challenge/" + c["token"].get<std::string>(),
        redirect);
    EXPECT_EQ(Send(key_, kid_, PathOf(c["url"]), "{}").status, 200);
  }
  nlohmann::json authz = PollUntilNot(key_, kid_, authz_path, {"pending"});
  EXPECT_EQ(authz["status"], "invalid");
  for (const auto& c : authz["challenges"]) {
    if (c["type"] == "http-01") {
      EXPECT_EQ(c["error"]["type"], "urn:ietf:params:acme:error:connection")
          << c;
    }
  }
}

TEST_F(AcmeRedirectTest, Http01FollowsARedirectOnTheSameHost) {
  net::Response created = Send(key_, kid_, "/acme/new-order", kOrder);
  std::string authz_path = PathOf(Body(created)["authorizations"][0]);
  nlohmann::json authz_body = Body(Send(key_, kid_, authz_path, ""));
  for (const auto& c : authz_body["challenges"]) {
    if (c["type"] != "http-01") continue;
    std::string token = c["token"];
    net::Response redirect;
    redirect.status = 301;
    redirect.AddHeader("Location", "http://a.example/moved/" + token);
    ProvisionResponse("/.well-known/acme-challenge/" + token, redirect);
    ProvisionResponse(
        "/moved/" + token,
        net::TextResponse(
            200, KeyAuthorization(token, *Jwk::Parse(key_.Jwk())) + "\n"));
    EXPECT_EQ(Send(key_, kid_, PathOf(c["url"]), "{}").status, 200);
  }
  EXPECT_EQ(PollUntilNot(key_, kid_, authz_path, {"pending"})["status"],
            "valid");
}

}  // namespace
}  // namespace mtc::acme::testing
