// External account binding in newAccount (RFC 8555 §7.3.4), driven through
// the server's handlers: the directory's meta, the binding's checks and the
// problem each failure gets.
#include "acme/eab.h"
#include "acme_server_fixture.h"

namespace mtc::acme::testing {
namespace {

class AcmeEabTest : public AcmeServerTest {
 protected:
  AcmeEabTest() : key1_(32, 0x11), key2_(48, 0x22) {}

  void Configure(AcmeServerOptions& options) override {
    options.external_account_required = required_;
    options.external_account_keys["kid-1"] = key1_;
    options.external_account_keys["kid-2"] = key2_;
  }

  // The binding a client computes (§7.3.4); `header` members override the
  // usual ones.
  nlohmann::json Binding(const TestKey& account, const std::string& kid,
                         const std::vector<uint8_t>& mac_key,
                         const nlohmann::json& header_changes = {},
                         const nlohmann::json* payload = nullptr) {
    nlohmann::json header = {{"alg", "HS256"},
                             {"kid", kid},
                             {"url", std::string(kBase) + "/acme/new-account"}};
    if (header_changes.is_object()) header.update(header_changes);
    std::string protected64 = B64(header.dump());
    std::string payload64 =
        B64(payload != nullptr ? payload->dump() : account.Jwk().dump());
    MacAlgorithm alg = *ParseMacAlgorithm(header["alg"].get<std::string>());
    auto mac = ComputeMac(alg, mac_key, protected64 + "." + payload64);
    EXPECT_TRUE(mac.ok());
    return {{"protected", protected64},
            {"payload", payload64},
            {"signature", wire::Base64UrlEncode(*mac)}};
  }

  net::Response NewAccountWith(const TestKey& key,
                               const nlohmann::json& binding) {
    nlohmann::json payload = {{"termsOfServiceAgreed", true}};
    if (!binding.is_null()) payload["externalAccountBinding"] = binding;
    return Send(key, "", "/acme/new-account", payload.dump());
  }

  std::optional<Account> StoredAccount(const net::Response& r) {
    std::string url(r.Header("Location").value_or(""));
    auto id = url.substr(url.rfind('/') + 1);
    auto account = store_->GetAccount(id);
    if (!account.ok() || !account->has_value()) return std::nullopt;
    return **account;
  }

  bool required_ = true;
  std::vector<uint8_t> key1_;
  std::vector<uint8_t> key2_;
};

class AcmeEabOptionalTest : public AcmeEabTest {
 protected:
  AcmeEabOptionalTest() { required_ = false; }
};

// §7.3.4: a CA that requires a binding "MUST provide the value "true" in
// the "externalAccountRequired" subfield of the "meta" field".
TEST_F(AcmeEabTest, DirectorySaysExternalAccountRequired) {
  auto d = Body(server_->Handle(Get("/directory")));
  EXPECT_EQ(d["meta"]["externalAccountRequired"], true);
}

// §7.3.4: a good binding creates the account, bound to the key ID, and the
// returned account object "MUST include an "externalAccountBinding" field
// with the same value as the field in the request".
TEST_F(AcmeEabTest, GoodBindingCreatesABoundAccount) {
  TestKey key;
  nlohmann::json binding = Binding(key, "kid-1", key1_);
  net::Response r = NewAccountWith(key, binding);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["externalAccountBinding"], binding);
  auto account = StoredAccount(r);
  ASSERT_TRUE(account.has_value());
  EXPECT_EQ(account->eab_kid, "kid-1");
  // HS512 with the other key works as well (RFC 7518 §3.2).
  TestKey other(crypto::SignatureAlgorithm::kEd25519);
  r = NewAccountWith(other, Binding(other, "kid-2", key2_, {{"alg", "HS512"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(StoredAccount(r)->eab_kid, "kid-2");
  // The account's key finds it again without a binding (§7.3.1).
  net::Response again =
      Send(key, "", "/acme/new-account", R"({"onlyReturnExisting":true})");
  EXPECT_EQ(again.status, 200) << again.body;
}

// §7.3.4 step 4: the MAC must verify. Not the holder of the key: 403
// unauthorized.
TEST_F(AcmeEabTest, WrongMacIsUnauthorized) {
  TestKey key;
  net::Response r = NewAccountWith(key, Binding(key, "kid-1", key2_));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ProblemType(r), "unauthorized");
  EXPECT_FALSE(StoredAccount(r).has_value());
}

// §7.3.4 step 3: a key identifier the CA never handed out.
TEST_F(AcmeEabTest, UnknownKidIsUnauthorized) {
  TestKey key;
  net::Response r = NewAccountWith(key, Binding(key, "kid-3", key1_));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ProblemType(r), "unauthorized");
}

// §7.3.4 step 5: the binding vouches for another key than the one that
// signed the request.
TEST_F(AcmeEabTest, PayloadKeyOtherThanTheAccountKeyIsUnauthorized) {
  TestKey key, other;
  nlohmann::json other_jwk = other.Jwk();
  net::Response r =
      NewAccountWith(key, Binding(key, "kid-1", key1_, {}, &other_jwk));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ProblemType(r), "unauthorized");
}

// §7.3.4: "The "url" field MUST be set to the same value as the outer JWS".
TEST_F(AcmeEabTest, UrlMismatchIsMalformed) {
  TestKey key;
  net::Response r = NewAccountWith(
      key, Binding(key, "kid-1", key1_,
                   {{"url", std::string(kBase) + "/acme/new-order"}}));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ProblemType(r), "malformed");
}

// §7.3.4: "The "nonce" field MUST NOT be present".
TEST_F(AcmeEabTest, NonceInTheBindingIsMalformed) {
  TestKey key;
  net::Response r =
      NewAccountWith(key, Binding(key, "kid-1", key1_, {{"nonce", Nonce()}}));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ProblemType(r), "malformed");
}

// §7.3.4: "If the CA receives a newAccount request without an
// "externalAccountBinding" field, then it SHOULD reply with an error of
// type "externalAccountRequired"".
TEST_F(AcmeEabTest, MissingBindingWhenRequired) {
  TestKey key;
  net::Response r = NewAccountWith(key, nullptr);
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ProblemType(r), "externalAccountRequired");
  EXPECT_FALSE(StoredAccount(r).has_value());
}

// One external account key, one ACME account (docs/acme.md): a second
// account cannot bind a key ID already bound.
TEST_F(AcmeEabTest, KeyIdBindsOneAccount) {
  TestKey first, second;
  ASSERT_EQ(NewAccountWith(first, Binding(first, "kid-1", key1_)).status, 201);
  net::Response r = NewAccountWith(second, Binding(second, "kid-1", key1_));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(ProblemType(r), "unauthorized");
  EXPECT_EQ(NewAccountWith(second, Binding(second, "kid-2", key2_)).status,
            201);
}

// Not required: an account without a binding is created unbound, and the
// directory says so; a binding that is sent is still checked.
TEST_F(AcmeEabOptionalTest, NotRequiredAndAbsent) {
  auto d = Body(server_->Handle(Get("/directory")));
  EXPECT_EQ(d["meta"]["externalAccountRequired"], false);
  TestKey key;
  net::Response r = NewAccountWith(key, nullptr);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(Body(r).contains("externalAccountBinding"));
  EXPECT_EQ(StoredAccount(r)->eab_kid, "");
  TestKey bound;
  EXPECT_EQ(NewAccountWith(bound, Binding(bound, "kid-1", key2_)).status, 403);
  r = NewAccountWith(bound, Binding(bound, "kid-1", key1_));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(StoredAccount(r)->eab_kid, "kid-1");
}

// A CA without keys does not verify bindings, and so (§7.3.4) "MUST NOT
// reflect the "externalAccountBinding" field in the resulting account".
TEST_F(AcmeServerTest, BindingIgnoredWithoutKeys) {
  TestKey key;
  nlohmann::json payload = {
      {"externalAccountBinding",
       {{"protected", B64(R"({"alg":"HS256","kid":"k","url":"u"})")},
        {"payload", B64(key.Jwk().dump())},
        {"signature", "AAAA"}}}};
  net::Response r = Send(key, "", "/acme/new-account", payload.dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(Body(r).contains("externalAccountBinding"));
}

}  // namespace
}  // namespace mtc::acme::testing
