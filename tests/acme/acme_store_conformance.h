// The AcmeStore conformance suite (acme/acme_store.h, acme/sql_acme_store.h):
// one set of tests that every AcmeStore implementation passes. A test binary
// includes this header in exactly one .cc file and instantiates the suite
// with a factory of fresh, empty databases:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AcmeStoreConformanceTest,
//                            ::testing::Values(MySqliteFactory()),
//                            AcmeStoreFactoryName);
//
// tests/acme/acme_store_conformance_test.cc runs it on SQLite,
// tests/pg/postgres_acme_store_test.cc on PostgreSQL.
#ifndef MTC_TESTS_ACME_ACME_STORE_CONFORMANCE_H_
#define MTC_TESTS_ACME_ACME_STORE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "acme/acme_store.h"
#include "mtc/base/result.h"

namespace mtc::acme::testing {

// One empty database; Open may be called several times, each giving a new
// store object (its own connections) on the same data.
class AcmeStoreDatabase {
 public:
  virtual ~AcmeStoreDatabase() = default;
  virtual Result<std::unique_ptr<AcmeStore>> Open() = 0;
};

struct AcmeStoreFactory {
  std::string name;
  std::function<std::unique_ptr<AcmeStoreDatabase>()> make;
};

inline void PrintTo(const AcmeStoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

inline std::string AcmeStoreFactoryName(
    const ::testing::TestParamInfo<AcmeStoreFactory>& info) {
  return info.param.name;
}

class AcmeStoreConformanceTest
    : public ::testing::TestWithParam<AcmeStoreFactory> {
 protected:
  void SetUp() override {
    database_ = GetParam().make();
    ASSERT_NE(database_, nullptr);
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<AcmeStore> OpenStore() {
    auto opened = database_->Open();
    EXPECT_TRUE(opened.ok()) << opened.error().ToString();
    if (!opened.ok()) return nullptr;
    return std::move(*opened);
  }

  static Account MakeAccount(const std::string& id) {
    Account a;
    a.id = id;
    a.jwk_json = R"({"crv":"P-256","kty":"EC","x":")" + id + R"(","y":"y"})";
    a.thumbprint = "thumb-" + id;
    a.contact = {"mailto:" + id + "@example.com", "mailto:ops@example.org"};
    a.terms_agreed = true;
    a.eab_kid = "kid-" + id;
    a.created_at = 1700000000;
    return a;
  }

  static Challenge MakeChallenge(const std::string& id,
                                 const std::string& type) {
    Challenge c;
    c.id = id;
    c.type = type;
    c.token = "token-" + id;
    return c;
  }

  // An authorization for `value` with an http-01 and a dns-01 challenge.
  static Authorization MakeAuthz(const std::string& id,
                                 const std::string& account_id,
                                 const std::string& value, bool wildcard,
                                 int64_t expires = 1800000000) {
    Authorization a;
    a.id = id;
    a.account_id = account_id;
    a.identifier = Identifier{"dns", value};
    a.wildcard = wildcard;
    a.expires = expires;
    a.challenges.push_back(MakeChallenge(id + "-http", "http-01"));
    a.challenges.push_back(MakeChallenge(id + "-dns", "dns-01"));
    return a;
  }

  static Order MakeOrder(const std::string& id, const std::string& account_id,
                         const std::vector<Identifier>& identifiers,
                         const std::vector<std::string>& authz_ids) {
    Order o;
    o.id = id;
    o.account_id = account_id;
    o.expires = 1700600000;
    o.identifiers = identifiers;
    o.authorization_ids = authz_ids;
    o.created_at = 1700000100;
    return o;
  }

  // An account "acct" and an order `id` for one name with a new
  // authorization `id`-authz, in status `status`.
  void CreateSimpleOrder(const std::string& id, OrderStatus status,
                         const std::string& account = "acct") {
    if (!store_->GetAccount(account)->has_value()) {
      ASSERT_TRUE(store_->CreateAccount(MakeAccount(account)).ok());
    }
    Order o =
        MakeOrder(id, account, {{"dns", id + ".example"}}, {id + "-authz"});
    o.status = status;
    Status s = store_->CreateOrder(
        o, {MakeAuthz(id + "-authz", account, id + ".example", false)});
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }

  static CertificateRecord MakeCertificate(const std::string& id,
                                           const std::string& order_id,
                                           uint64_t index) {
    CertificateRecord c;
    c.id = id;
    c.order_id = order_id;
    c.account_id = "acct";
    c.log_number = 0xfffffffeu;
    c.index = index;
    c.serial_hex = "00ab" + id;
    c.standalone_pem =
        "-----BEGIN CERTIFICATE-----\n" + id + "\n-----END CERTIFICATE-----\n";
    c.tbs_entry = {0x30, 0x00, 0xff, 0x00, 0x01};  // NULs travel as bytes
    c.spki_sha256 = std::vector<uint8_t>(32, 0xa5);
    c.spki_sha256[0] = 0;
    c.not_before = 1700000000;
    c.not_after = 1700604800;
    return c;
  }

  static void ExpectCode(const Status& s, ErrorCode code) {
    ASSERT_FALSE(s.ok()) << "expected " << ErrorCodeName(code);
    EXPECT_EQ(s.error().code(), code) << s.error().ToString();
  }

  std::unique_ptr<AcmeStoreDatabase> database_;
  std::unique_ptr<AcmeStore> store_;
};

inline void ExpectSameAccount(const Account& a, const Account& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.jwk_json, b.jwk_json);
  EXPECT_EQ(a.thumbprint, b.thumbprint);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.contact, b.contact);
  EXPECT_EQ(a.terms_agreed, b.terms_agreed);
  EXPECT_EQ(a.eab_kid, b.eab_kid);
  EXPECT_EQ(a.created_at, b.created_at);
}

inline void ExpectSameOrder(const Order& a, const Order& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.account_id, b.account_id);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.expires, b.expires);
  EXPECT_EQ(a.identifiers, b.identifiers);
  EXPECT_EQ(a.authorization_ids, b.authorization_ids);
  EXPECT_EQ(a.not_before, b.not_before);
  EXPECT_EQ(a.not_after, b.not_after);
  EXPECT_EQ(a.profile, b.profile);
  EXPECT_EQ(a.error_json, b.error_json);
  EXPECT_EQ(a.certificate_id, b.certificate_id);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.replaces, b.replaces);
  EXPECT_EQ(a.replaces_certificate_id, b.replaces_certificate_id);
}

inline void ExpectSameChallenge(const Challenge& a, const Challenge& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.authorization_id, b.authorization_id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.validated, b.validated);
  EXPECT_EQ(a.error_json, b.error_json);
}

inline void ExpectSameAuthz(const Authorization& a, const Authorization& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.account_id, b.account_id);
  EXPECT_EQ(a.identifier, b.identifier);
  EXPECT_EQ(a.wildcard, b.wildcard);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.expires, b.expires);
  ASSERT_EQ(a.challenges.size(), b.challenges.size());
  for (size_t i = 0; i < a.challenges.size(); i++) {
    Challenge want = b.challenges[i];
    if (want.authorization_id.empty()) want.authorization_id = b.id;
    ExpectSameChallenge(a.challenges[i], want);
  }
}

inline void ExpectSameCertificate(const CertificateRecord& a,
                                  const CertificateRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.account_id, b.account_id);
  EXPECT_EQ(a.log_number, b.log_number);
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.serial_hex, b.serial_hex);
  EXPECT_EQ(a.standalone_pem, b.standalone_pem);
  EXPECT_EQ(a.tbs_entry, b.tbs_entry);
  EXPECT_EQ(a.spki_sha256, b.spki_sha256);
  EXPECT_EQ(a.not_before, b.not_before);
  EXPECT_EQ(a.not_after, b.not_after);
  EXPECT_EQ(a.revoked, b.revoked);
  EXPECT_EQ(a.revocation_reason, b.revocation_reason);
  EXPECT_EQ(a.revoked_at, b.revoked_at);
}

// Accounts.

TEST_P(AcmeStoreConformanceTest, AccountRoundTrip) {
  Account a = MakeAccount("a1");
  a.contact = {};  // an empty list survives as empty
  a.eab_kid = "";
  a.terms_agreed = false;
  ASSERT_TRUE(store_->CreateAccount(a).ok());
  Account b = MakeAccount("a2");
  b.jwk_json = R"({"kty":"OKP","crv":"Ed25519","x":"\u00e9\"quoted\""})";
  b.contact = {"mailto:\"odd\" name@example.com", "tel:+1 555 0100"};
  ASSERT_TRUE(store_->CreateAccount(b).ok());

  auto got = store_->GetAccount("a1");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameAccount(**got, a);
  auto by_key = store_->FindAccountByThumbprint(b.thumbprint);
  ASSERT_TRUE(by_key.ok() && by_key->has_value());
  ExpectSameAccount(**by_key, b);

  EXPECT_FALSE(store_->GetAccount("missing")->has_value());
  EXPECT_FALSE(store_->FindAccountByThumbprint("missing")->has_value());

  // Lists are kept as JSON, which holds only UTF-8: refused, not mangled.
  Account bad = MakeAccount("a3");
  bad.contact = {"mailto:\xff@example.com"};
  ExpectCode(store_->CreateAccount(bad), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->GetAccount("a3")->has_value());
}

TEST_P(AcmeStoreConformanceTest, AccountThumbprintAndIdAreUnique) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("a1")).ok());
  Account same_key = MakeAccount("a2");
  same_key.thumbprint = "thumb-a1";
  ExpectCode(store_->CreateAccount(same_key), ErrorCode::kConflict);
  Account same_id = MakeAccount("a1");
  same_id.thumbprint = "other";
  ExpectCode(store_->CreateAccount(same_id), ErrorCode::kConflict);
  EXPECT_FALSE(store_->GetAccount("a2")->has_value());
  EXPECT_FALSE(store_->FindAccountByThumbprint("other")->has_value());
}

TEST_P(AcmeStoreConformanceTest, UpdateAccountAndFinalDeactivation) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("a1")).ok());
  Account update = MakeAccount("a1");
  update.contact = {"mailto:new@example.com"};
  update.terms_agreed = false;
  // Only contact, terms and status change.
  update.jwk_json = "ignored";
  update.thumbprint = "ignored";
  update.eab_kid = "ignored";
  update.created_at = 1;
  ASSERT_TRUE(store_->UpdateAccount(update).ok());
  Account want = MakeAccount("a1");
  want.contact = update.contact;
  want.terms_agreed = false;
  ExpectSameAccount(**store_->GetAccount("a1"), want);

  // RFC 8555 §7.3.6: deactivation is final.
  update.status = AccountStatus::kDeactivated;
  ASSERT_TRUE(store_->UpdateAccount(update).ok());
  EXPECT_EQ((*store_->GetAccount("a1"))->status, AccountStatus::kDeactivated);
  update.status = AccountStatus::kValid;
  ExpectCode(store_->UpdateAccount(update), ErrorCode::kConflict);
  update.status = AccountStatus::kDeactivated;
  update.contact = {"mailto:later@example.com"};
  ExpectCode(store_->UpdateAccount(update), ErrorCode::kConflict);
  ExpectCode(store_->ChangeAccountKey("a1", "{}", "new-thumb"),
             ErrorCode::kConflict);
  EXPECT_EQ((*store_->GetAccount("a1"))->status, AccountStatus::kDeactivated);
  EXPECT_EQ((*store_->GetAccount("a1"))->contact, want.contact);

  ExpectCode(store_->UpdateAccount(MakeAccount("missing")),
             ErrorCode::kNotFound);
}

TEST_P(AcmeStoreConformanceTest, ChangeAccountKey) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("a1")).ok());
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("a2")).ok());
  // RFC 8555 §7.3.5: a key that belongs to another account is a conflict.
  ExpectCode(store_->ChangeAccountKey("a1", "{}", "thumb-a2"),
             ErrorCode::kConflict);
  EXPECT_EQ((*store_->GetAccount("a1"))->thumbprint, "thumb-a1");

  ASSERT_TRUE(store_->ChangeAccountKey("a1", R"({"new":1})", "thumb-new").ok());
  auto moved = store_->FindAccountByThumbprint("thumb-new");
  ASSERT_TRUE(moved.ok() && moved->has_value());
  EXPECT_EQ((*moved)->id, "a1");
  EXPECT_EQ((*moved)->jwk_json, R"({"new":1})");
  EXPECT_FALSE(store_->FindAccountByThumbprint("thumb-a1")->has_value());
  // The old key is free for a new account now.
  Account reuse = MakeAccount("a3");
  reuse.thumbprint = "thumb-a1";
  EXPECT_TRUE(store_->CreateAccount(reuse).ok());
  // Its own current key again is no conflict.
  EXPECT_TRUE(store_->ChangeAccountKey("a1", R"({"new":1})", "thumb-new").ok());
  ExpectCode(store_->ChangeAccountKey("missing", "{}", "t"),
             ErrorCode::kNotFound);
}

// Orders and authorizations.

TEST_P(AcmeStoreConformanceTest, OrderWithAuthorizationsRoundTrip) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("acct")).ok());
  Order o = MakeOrder("o1", "acct",
                      {{"dns", "www.example.com"},
                       {"dns", "*.example.com"},
                       {"ip", "192.0.2.1"}},
                      {"z1", "z2", "z3"});
  o.not_before = 1700000000;
  o.not_after = 1700604800;
  o.profile = "shortlived";
  Authorization z1 = MakeAuthz("z1", "acct", "www.example.com", false);
  // RFC 8555 §7.1.4: the wildcard authorization names the base domain.
  Authorization z2 = MakeAuthz("z2", "acct", "example.com", true);
  z2.challenges = {MakeChallenge("z2-dns", "dns-01")};
  Authorization z3 = MakeAuthz("z3", "acct", "192.0.2.1", false);
  z3.identifier.type = "ip";
  z3.challenges[1] = MakeChallenge("z3-alpn", "tls-alpn-01");
  z3.challenges[1].authorization_id = "z3";
  Status s = store_->CreateOrder(o, {z1, z2, z3});
  ASSERT_TRUE(s.ok()) << s.error().ToString();

  auto got = store_->GetOrder("o1");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameOrder(**got, o);
  for (const Authorization& want : {z1, z2, z3}) {
    auto authz = store_->GetAuthorization(want.id);
    ASSERT_TRUE(authz.ok()) << authz.error().ToString();
    ASSERT_TRUE(authz->has_value()) << want.id;
    ExpectSameAuthz(**authz, want);
  }
  auto challenge = store_->GetChallenge("z3-alpn");
  ASSERT_TRUE(challenge.ok() && challenge->has_value());
  ExpectSameChallenge(**challenge, z3.challenges[1]);
  EXPECT_FALSE(store_->GetOrder("missing")->has_value());
  EXPECT_FALSE(store_->GetAuthorization("missing")->has_value());
  EXPECT_FALSE(store_->GetChallenge("missing")->has_value());

  // A second order reuses z1 and brings no new authorization.
  Order reuse = MakeOrder("o2", "acct", {{"dns", "www.example.com"}}, {"z1"});
  ASSERT_TRUE(store_->CreateOrder(reuse, {}).ok());
  ExpectSameOrder(**store_->GetOrder("o2"), reuse);
}

TEST_P(AcmeStoreConformanceTest, CreateOrderChecksItsAuthorizations) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("acct")).ok());
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("other")).ok());
  ASSERT_TRUE(store_
                  ->CreateOrder(MakeOrder("theirs", "other",
                                          {{"dns", "a.example"}}, {"oz"}),
                                {MakeAuthz("oz", "other", "a.example", false)})
                  .ok());
  Identifier a{"dns", "a.example"};
  struct Case {
    const char* what;
    Order order;
    std::vector<Authorization> authzs;
  };
  std::vector<Case> cases = {
      {"count mismatch",
       MakeOrder("o1", "acct", {a}, {"z1", "z2"}),
       {MakeAuthz("z1", "acct", "a.example", false)}},
      {"unknown authorization",
       MakeOrder("o1", "acct", {a}, {"nope"}),
       {MakeAuthz("z1", "acct", "a.example", false)}},
      {"another account's authorization",
       MakeOrder("o1", "acct", {a}, {"oz"}),
       {MakeAuthz("z1", "acct", "a.example", false)}},
      {"authorization for another name",
       MakeOrder("o1", "acct", {{"dns", "b.example"}}, {"z1"}),
       {MakeAuthz("z1", "acct", "a.example", false)}},
      {"wildcard flag differs",
       MakeOrder("o1", "acct", {{"dns", "*.a.example"}}, {"z1"}),
       {MakeAuthz("z1", "acct", "a.example", false)}},
      {"unknown account",
       MakeOrder("o1", "nobody", {a}, {"z1"}),
       {MakeAuthz("z1", "nobody", "a.example", false)}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ExpectCode(store_->CreateOrder(c.order, c.authzs),
               ErrorCode::kInvalidArgument);
    // All or nothing: neither the order nor its new authorizations stay.
    EXPECT_FALSE(store_->GetOrder("o1")->has_value());
    EXPECT_FALSE(store_->GetAuthorization("z1")->has_value());
    EXPECT_FALSE(store_->GetChallenge("z1-http")->has_value());
  }
  // The same order ID twice is a conflict.
  ASSERT_TRUE(store_
                  ->CreateOrder(MakeOrder("o1", "acct", {a}, {"z1"}),
                                {MakeAuthz("z1", "acct", "a.example", false)})
                  .ok());
  ExpectCode(store_->CreateOrder(MakeOrder("o1", "acct", {a}, {"z1"}), {}),
             ErrorCode::kConflict);
  ExpectCode(store_->CreateOrder(MakeOrder("o3", "acct", {a}, {"z1"}),
                                 {MakeAuthz("z1", "acct", "a.example", false)}),
             ErrorCode::kConflict);
  EXPECT_FALSE(store_->GetOrder("o3")->has_value());
}

TEST_P(AcmeStoreConformanceTest, UpdateOrderIsACompareAndSwap) {
  CreateSimpleOrder("o1", OrderStatus::kPending);
  Order o = **store_->GetOrder("o1");
  o.status = OrderStatus::kProcessing;
  // Wrong `from`: nothing changes.
  ExpectCode(store_->UpdateOrder(o, OrderStatus::kReady), ErrorCode::kConflict);
  EXPECT_EQ((*store_->GetOrder("o1"))->status, OrderStatus::kPending);

  o.status = OrderStatus::kReady;
  ASSERT_TRUE(store_->UpdateOrder(o, OrderStatus::kPending).ok());
  ExpectCode(store_->UpdateOrder(o, OrderStatus::kPending),
             ErrorCode::kConflict);
  o.status = OrderStatus::kInvalid;
  o.error_json = R"({"type":"urn:ietf:params:acme:error:badCSR"})";
  ASSERT_TRUE(store_->UpdateOrder(o, OrderStatus::kReady).ok());
  ExpectSameOrder(**store_->GetOrder("o1"), o);

  Order missing = o;
  missing.id = "missing";
  ExpectCode(store_->UpdateOrder(missing, OrderStatus::kInvalid),
             ErrorCode::kNotFound);
}

TEST_P(AcmeStoreConformanceTest, ListOrderIdsNewestFirstWithLimit) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("acct")).ok());
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("other")).ok());
  ASSERT_TRUE(
      store_
          ->CreateOrder(MakeOrder("z", "acct", {{"dns", "a.example"}}, {"za"}),
                        {MakeAuthz("za", "acct", "a.example", false)})
          .ok());
  // Same created_at for all: creation order decides, not IDs or times.
  for (const char* id : {"m", "b", "y", "c"}) {
    ASSERT_TRUE(
        store_
            ->CreateOrder(MakeOrder(id, "acct", {{"dns", "a.example"}}, {"za"}),
                          {})
            .ok());
  }
  ASSERT_TRUE(store_
                  ->CreateOrder(MakeOrder("o-other", "other",
                                          {{"dns", "a.example"}}, {"zo"}),
                                {MakeAuthz("zo", "other", "a.example", false)})
                  .ok());
  EXPECT_EQ(*store_->ListOrderIds("acct", 100),
            (std::vector<std::string>{"c", "y", "b", "m", "z"}));
  EXPECT_EQ(*store_->ListOrderIds("acct", 2),
            (std::vector<std::string>{"c", "y"}));
  EXPECT_TRUE(store_->ListOrderIds("acct", 0)->empty());
  EXPECT_EQ(*store_->ListOrderIds("other", 100),
            std::vector<std::string>{"o-other"});
  EXPECT_TRUE(store_->ListOrderIds("nobody", 100)->empty());
}

TEST_P(AcmeStoreConformanceTest, UpdateAuthorizationStatus) {
  CreateSimpleOrder("o1", OrderStatus::kPending);
  ExpectCode(
      store_->UpdateAuthorizationStatus("o1-authz", AuthorizationStatus::kValid,
                                        AuthorizationStatus::kRevoked),
      ErrorCode::kConflict);
  ASSERT_TRUE(store_
                  ->UpdateAuthorizationStatus("o1-authz",
                                              AuthorizationStatus::kPending,
                                              AuthorizationStatus::kDeactivated)
                  .ok());
  auto authz = store_->GetAuthorization("o1-authz");
  EXPECT_EQ((*authz)->status, AuthorizationStatus::kDeactivated);
  // Challenges are untouched.
  EXPECT_EQ((*authz)->challenges[0].status, ChallengeStatus::kPending);
  ExpectCode(store_->UpdateAuthorizationStatus("missing",
                                               AuthorizationStatus::kPending,
                                               AuthorizationStatus::kValid),
             ErrorCode::kNotFound);
}

TEST_P(AcmeStoreConformanceTest, FindValidAuthorization) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("acct")).ok());
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("other")).ok());
  const int64_t expires = 1800000000;
  Identifier name{"dns", "example.com"};
  auto create = [&](const std::string& id, const std::string& account,
                    bool wildcard, int64_t exp) {
    Order o =
        MakeOrder("order-" + id, account,
                  {{"dns", wildcard ? "*.example.com" : "example.com"}}, {id});
    ASSERT_TRUE(store_
                    ->CreateOrder(o, {MakeAuthz(id, account, "example.com",
                                                wildcard, exp)})
                    .ok());
  };
  auto validate = [&](const std::string& id) {
    ASSERT_TRUE(store_
                    ->UpdateAuthorizationStatus(id,
                                                AuthorizationStatus::kPending,
                                                AuthorizationStatus::kValid)
                    .ok());
  };
  auto find = [&](const std::string& account, bool wildcard, int64_t now) {
    auto found = store_->FindValidAuthorization(account, name, wildcard, now);
    EXPECT_TRUE(found.ok()) << found.error().ToString();
    return found.ok() && found->has_value() ? (*found)->id : std::string();
  };

  create("pending", "acct", false, expires);
  EXPECT_EQ(find("acct", false, 1), "");  // pending is not reusable
  validate("pending");
  EXPECT_EQ(find("acct", false, expires - 1), "pending");
  EXPECT_EQ(find("acct", false, expires), "");  // expired at `expires`
  EXPECT_EQ(find("acct", true, 1), "");         // the wildcard flag differs
  EXPECT_EQ(find("other", false, 1), "");       // another account's

  create("wild", "acct", true, expires);
  validate("wild");
  EXPECT_EQ(find("acct", true, 1), "wild");
  create("theirs", "other", false, expires);
  validate("theirs");
  EXPECT_EQ(find("other", false, 1), "theirs");

  // The newest of several valid ones, with its challenges.
  create("newer", "acct", false, expires - 100);
  validate("newer");
  EXPECT_EQ(find("acct", false, 1), "newer");
  EXPECT_EQ(find("acct", false, expires - 100), "pending");
  auto found = store_->FindValidAuthorization("acct", name, false, 1);
  ASSERT_TRUE(found.ok() && found->has_value());
  Authorization want =
      MakeAuthz("newer", "acct", "example.com", false, expires - 100);
  want.status = AuthorizationStatus::kValid;
  ExpectSameAuthz(**found, want);
  // Other identifier types do not match.
  EXPECT_FALSE(
      store_->FindValidAuthorization("acct", {"ip", "example.com"}, false, 1)
          ->has_value());
}

TEST_P(AcmeStoreConformanceTest, UpdateChallengeMovesItsAuthorization) {
  CreateSimpleOrder("o1", OrderStatus::kPending);
  CreateSimpleOrder("o2", OrderStatus::kPending);
  Challenge c = **store_->GetChallenge("o1-authz-http");

  c.status = ChallengeStatus::kProcessing;
  ExpectCode(store_->UpdateChallenge(c, ChallengeStatus::kProcessing),
             ErrorCode::kConflict);
  ASSERT_TRUE(store_->UpdateChallenge(c, ChallengeStatus::kPending).ok());
  // Processing leaves the authorization pending.
  EXPECT_EQ((*store_->GetAuthorization("o1-authz"))->status,
            AuthorizationStatus::kPending);

  c.status = ChallengeStatus::kValid;
  c.validated = 1700000500;
  ASSERT_TRUE(store_->UpdateChallenge(c, ChallengeStatus::kProcessing).ok());
  auto authz = store_->GetAuthorization("o1-authz");
  EXPECT_EQ((*authz)->status, AuthorizationStatus::kValid);
  ExpectSameChallenge((*authz)->challenges[0], c);
  EXPECT_EQ((*authz)->challenges[1].status, ChallengeStatus::kPending);

  // The other challenge cannot fail the authorization that is valid now:
  // nothing changes (RFC 8555 §7.1.6 moves only pending authorizations).
  Challenge other = **store_->GetChallenge("o1-authz-dns");
  other.status = ChallengeStatus::kInvalid;
  other.error_json = R"({"type":"urn:ietf:params:acme:error:dns"})";
  ExpectCode(store_->UpdateChallenge(other, ChallengeStatus::kPending),
             ErrorCode::kConflict);
  EXPECT_EQ((*store_->GetChallenge("o1-authz-dns"))->status,
            ChallengeStatus::kPending);
  EXPECT_EQ((*store_->GetAuthorization("o1-authz"))->status,
            AuthorizationStatus::kValid);

  // A failed challenge fails its pending authorization, with its error.
  Challenge failing = **store_->GetChallenge("o2-authz-dns");
  failing.status = ChallengeStatus::kInvalid;
  failing.error_json = R"({"type":"urn:ietf:params:acme:error:dns"})";
  ASSERT_TRUE(store_->UpdateChallenge(failing, ChallengeStatus::kPending).ok());
  EXPECT_EQ((*store_->GetAuthorization("o2-authz"))->status,
            AuthorizationStatus::kInvalid);
  ExpectSameChallenge(**store_->GetChallenge("o2-authz-dns"), failing);

  Challenge missing = c;
  missing.id = "missing";
  ExpectCode(store_->UpdateChallenge(missing, ChallengeStatus::kPending),
             ErrorCode::kNotFound);
}

TEST_P(AcmeStoreConformanceTest, ChallengeOfDeactivatedAuthorizationIsAtomic) {
  CreateSimpleOrder("o1", OrderStatus::kPending);
  ASSERT_TRUE(store_
                  ->UpdateAuthorizationStatus("o1-authz",
                                              AuthorizationStatus::kPending,
                                              AuthorizationStatus::kDeactivated)
                  .ok());
  Challenge c = **store_->GetChallenge("o1-authz-http");
  c.status = ChallengeStatus::kValid;
  c.validated = 5;
  ExpectCode(store_->UpdateChallenge(c, ChallengeStatus::kPending),
             ErrorCode::kConflict);
  // Neither moved.
  auto stored = store_->GetChallenge("o1-authz-http");
  EXPECT_EQ((*stored)->status, ChallengeStatus::kPending);
  EXPECT_EQ((*stored)->validated, 0);
  EXPECT_EQ((*store_->GetAuthorization("o1-authz"))->status,
            AuthorizationStatus::kDeactivated);
}

// Certificates.

TEST_P(AcmeStoreConformanceTest, PutCertificateMovesProcessingToValidOnly) {
  CreateSimpleOrder("o1", OrderStatus::kReady);
  CertificateRecord cert = MakeCertificate("c1", "o1", 0xfffffffffffffff0u);
  ExpectCode(store_->PutCertificate(cert), ErrorCode::kConflict);
  EXPECT_FALSE(store_->GetCertificate("c1")->has_value());
  EXPECT_EQ((*store_->GetOrder("o1"))->status, OrderStatus::kReady);

  Order o = **store_->GetOrder("o1");
  o.status = OrderStatus::kProcessing;
  ASSERT_TRUE(store_->UpdateOrder(o, OrderStatus::kReady).ok());
  CertificateRecord wrong_account = cert;
  wrong_account.account_id = "other";
  EXPECT_FALSE(store_->PutCertificate(wrong_account).ok());
  Status s = store_->PutCertificate(cert);
  ASSERT_TRUE(s.ok()) << s.error().ToString();

  Order issued = **store_->GetOrder("o1");
  EXPECT_EQ(issued.status, OrderStatus::kValid);
  EXPECT_EQ(issued.certificate_id, "c1");
  auto got = store_->GetCertificate("c1");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  ASSERT_TRUE(got->has_value());
  ExpectSameCertificate(**got, cert);
  auto by_serial = store_->FindCertificateBySerial(cert.serial_hex);
  ASSERT_TRUE(by_serial.ok() && by_serial->has_value());
  ExpectSameCertificate(**by_serial, cert);
  EXPECT_FALSE(store_->GetCertificate("missing")->has_value());
  EXPECT_FALSE(store_->FindCertificateBySerial("00")->has_value());

  // An order is issued once.
  CertificateRecord again = MakeCertificate("c2", "o1", 7);
  ExpectCode(store_->PutCertificate(again), ErrorCode::kConflict);
  EXPECT_FALSE(store_->GetCertificate("c2")->has_value());
  EXPECT_EQ((*store_->GetOrder("o1"))->certificate_id, "c1");
  ExpectCode(store_->PutCertificate(MakeCertificate("c3", "missing", 8)),
             ErrorCode::kNotFound);
}

TEST_P(AcmeStoreConformanceTest, CertificateSerialAndEntryAreUnique) {
  for (const char* id : {"o1", "o2", "o3"}) {
    CreateSimpleOrder(id, OrderStatus::kProcessing);
  }
  ASSERT_TRUE(store_->PutCertificate(MakeCertificate("c1", "o1", 5)).ok());
  CertificateRecord same_serial = MakeCertificate("c2", "o2", 6);
  same_serial.serial_hex = "00abc1";
  ExpectCode(store_->PutCertificate(same_serial), ErrorCode::kConflict);
  // One log entry is one certificate (docs/design.md §5).
  ExpectCode(store_->PutCertificate(MakeCertificate("c2", "o2", 5)),
             ErrorCode::kConflict);
  // A failed put leaves the order processing.
  EXPECT_EQ((*store_->GetOrder("o2"))->status, OrderStatus::kProcessing);
  EXPECT_TRUE(store_->PutCertificate(MakeCertificate("c2", "o2", 6)).ok());
}

// RFC 8555 §7.3.4: an external account key binds one account; accounts
// without a binding (empty eab_kid) are not constrained by it.
TEST_P(AcmeStoreConformanceTest, ExternalAccountKeyBindsOneAccount) {
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("a1")).ok());
  Account same_kid = MakeAccount("a2");
  same_kid.eab_kid = "kid-a1";
  ExpectCode(store_->CreateAccount(same_kid), ErrorCode::kConflict);
  EXPECT_FALSE(store_->GetAccount("a2")->has_value());
  for (const char* id : {"a3", "a4"}) {
    Account unbound = MakeAccount(id);
    unbound.eab_kid = "";
    Status s = store_->CreateAccount(unbound);
    EXPECT_TRUE(s.ok()) << s.error().ToString();
  }
  EXPECT_EQ((*store_->GetAccount("a1"))->eab_kid, "kid-a1");
}

// RFC 9773 §5: an order replaces a certificate of its own account, and a
// certificate is replaced by at most one order that is not invalid.
TEST_P(AcmeStoreConformanceTest, OneLiveOrderReplacesACertificate) {
  CreateSimpleOrder("o1", OrderStatus::kProcessing);
  ASSERT_TRUE(store_->PutCertificate(MakeCertificate("c1", "o1", 1)).ok());
  auto replacing = [&](const std::string& id, const std::string& account) {
    Order o = MakeOrder(id, account, {{"dns", "o1.example"}}, {id + "-authz"});
    o.replaces = "AA.q8E";
    o.replaces_certificate_id = "c1";
    return o;
  };
  Order r1 = replacing("r1", "acct");
  Status s = store_->CreateOrder(
      r1, {MakeAuthz("r1-authz", "acct", "o1.example", false)});
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ExpectSameOrder(**store_->GetOrder("r1"), r1);
  // A second live replacement is refused and leaves nothing behind.
  ExpectCode(
      store_->CreateOrder(replacing("r2", "acct"),
                          {MakeAuthz("r2-authz", "acct", "o1.example", false)}),
      ErrorCode::kConflict);
  EXPECT_FALSE(store_->GetOrder("r2")->has_value());
  EXPECT_FALSE(store_->GetAuthorization("r2-authz")->has_value());
  // Another account's certificate, or none at all.
  ASSERT_TRUE(store_->CreateAccount(MakeAccount("other")).ok());
  ExpectCode(store_->CreateOrder(
                 replacing("r3", "other"),
                 {MakeAuthz("r3-authz", "other", "o1.example", false)}),
             ErrorCode::kInvalidArgument);
  Order unknown = replacing("r4", "acct");
  unknown.replaces_certificate_id = "missing";
  ExpectCode(store_->CreateOrder(
                 unknown, {MakeAuthz("r4-authz", "acct", "o1.example", false)}),
             ErrorCode::kInvalidArgument);
  // Once the replacing order is invalid, another may replace the
  // certificate.
  Order failed = r1;
  failed.status = OrderStatus::kInvalid;
  ASSERT_TRUE(store_->UpdateOrder(failed, OrderStatus::kPending).ok());
  s = store_->CreateOrder(replacing("r5", "acct"),
                          {MakeAuthz("r5-authz", "acct", "o1.example", false)});
  EXPECT_TRUE(s.ok()) << s.error().ToString();
}

TEST_P(AcmeStoreConformanceTest, RevocationOnceAndListed) {
  for (const char* id : {"o1", "o2", "o3"}) {
    CreateSimpleOrder(id, OrderStatus::kProcessing);
  }
  ASSERT_TRUE(store_->PutCertificate(MakeCertificate("c1", "o1", 1)).ok());
  ASSERT_TRUE(store_->PutCertificate(MakeCertificate("c2", "o2", 2)).ok());
  ASSERT_TRUE(store_->PutCertificate(MakeCertificate("c3", "o3", 3)).ok());
  EXPECT_TRUE(store_->ListRevoked()->empty());

  ASSERT_TRUE(store_->RevokeCertificate("c3", 1, 1700000300).ok());
  ASSERT_TRUE(store_->RevokeCertificate("c1", 4, 1700000400).ok());
  // RFC 8555 §7.6: alreadyRevoked.
  ExpectCode(store_->RevokeCertificate("c3", 5, 1700000500),
             ErrorCode::kConflict);
  ExpectCode(store_->RevokeCertificate("missing", 0, 1), ErrorCode::kNotFound);

  auto revoked = store_->ListRevoked();
  ASSERT_TRUE(revoked.ok()) << revoked.error().ToString();
  ASSERT_EQ(revoked->size(), 2u);
  CertificateRecord want3 = MakeCertificate("c3", "o3", 3);
  want3.revoked = true;
  want3.revocation_reason = 1;
  want3.revoked_at = 1700000300;
  ExpectSameCertificate((*revoked)[0], want3);
  EXPECT_EQ((*revoked)[1].id, "c1");
  EXPECT_EQ((*revoked)[1].revocation_reason, 4);
  EXPECT_FALSE((*store_->GetCertificate("c2"))->revoked);
}

// Durability and concurrency.

TEST_P(AcmeStoreConformanceTest, ReopenedStoreSeesEverything) {
  CreateSimpleOrder("o1", OrderStatus::kProcessing);
  ASSERT_TRUE(store_->PutCertificate(MakeCertificate("c1", "o1", 1)).ok());
  ASSERT_TRUE(store_->RevokeCertificate("c1", 3, 99).ok());
  store_.reset();
  std::unique_ptr<AcmeStore> reopened = OpenStore();
  ASSERT_NE(reopened, nullptr);
  ExpectSameAccount(**reopened->GetAccount("acct"), MakeAccount("acct"));
  EXPECT_EQ((*reopened->GetOrder("o1"))->status, OrderStatus::kValid);
  EXPECT_EQ((*reopened->GetAuthorization("o1-authz"))->challenges.size(), 2u);
  EXPECT_EQ(reopened->ListRevoked()->size(), 1u);
  EXPECT_EQ(*reopened->ListOrderIds("acct", 10),
            std::vector<std::string>{"o1"});
}

// Racers, each on its own store object (as separate CA processes would be)
// or all on one (threads of one process), try the same compare-and-swaps
// at once: exactly one wins each, the others get kConflict.
class AcmeStoreRaceTest : public AcmeStoreConformanceTest {
 protected:
  static constexpr int kRacers = 4;
  static constexpr int kRounds = 20;

  // Runs `attempt(store, racer, round)` for every racer at once, round by
  // round, and checks that exactly one attempt per round succeeded.
  void Race(bool separate_stores,
            const std::function<Status(AcmeStore&, int, int)>& attempt) {
    std::vector<std::unique_ptr<AcmeStore>> stores;
    for (int i = 0; i < kRacers && separate_stores; i++) {
      stores.push_back(OpenStore());
      ASSERT_NE(stores.back(), nullptr);
    }
    std::vector<std::atomic<int>> wins(kRounds);
    std::atomic<int> errors{0};
    std::barrier sync(kRacers);
    std::vector<std::thread> threads;
    for (int t = 0; t < kRacers; t++) {
      threads.emplace_back([&, t] {
        AcmeStore& store = separate_stores ? *stores[t] : *store_;
        for (int round = 0; round < kRounds; round++) {
          sync.arrive_and_wait();
          Status s = attempt(store, t, round);
          if (s.ok()) {
            wins[round]++;
          } else if (s.error().code() != ErrorCode::kConflict) {
            ADD_FAILURE() << s.error().ToString();
            errors++;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    for (int round = 0; round < kRounds; round++) {
      EXPECT_EQ(wins[round].load(), 1) << "round " << round;
    }
  }
};

TEST_P(AcmeStoreRaceTest, OneWinnerPerCompareAndSwap) {
  for (int round = 0; round < kRounds; round++) {
    CreateSimpleOrder("o" + std::to_string(round), OrderStatus::kProcessing);
  }
  for (bool separate : {true, false}) {
    SCOPED_TRACE(separate ? "separate stores" : "one store");
    const std::string tag = separate ? "s" : "t";
    // Creating an account: the thumbprint is taken once.
    Race(separate, [&](AcmeStore& store, int racer, int round) {
      Account a = MakeAccount(tag + std::to_string(round) + "-" +
                              std::to_string(racer));
      a.thumbprint = tag + "key" + std::to_string(round);
      return store.CreateAccount(a);
    });
    // Moving an order: pending -> ready by everyone at once.
    for (int round = 0; round < kRounds; round++) {
      CreateSimpleOrder(tag + "p" + std::to_string(round),
                        OrderStatus::kPending);
    }
    Race(separate, [&](AcmeStore& store, int, int round) {
      Order o = **store.GetOrder(tag + "p" + std::to_string(round));
      o.status = OrderStatus::kReady;
      return store.UpdateOrder(o, OrderStatus::kPending);
    });
    // Validating a challenge: racers on both challenges of one
    // authorization, each moving its challenge and the authorization.
    Race(separate, [&](AcmeStore& store, int racer, int round) {
      std::string authz = tag + "p" + std::to_string(round) + "-authz";
      Challenge c =
          **store.GetChallenge(authz + (racer % 2 ? "-http" : "-dns"));
      c.status = ChallengeStatus::kValid;
      c.validated = racer + 1;
      return store.UpdateChallenge(c, ChallengeStatus::kPending);
    });
    // Issuing for an order (separate stores), then revoking what was
    // issued (one store).
    Race(separate, [&](AcmeStore& store, int racer, int round) -> Status {
      std::string order_id = "o" + std::to_string(round);
      if (separate) {
        return store.PutCertificate(MakeCertificate(
            "rc" + std::to_string(round) + "-" + std::to_string(racer),
            order_id, 1000 * round + racer));
      }
      Order o = **store.GetOrder(order_id);
      return store.RevokeCertificate(o.certificate_id, racer, round);
    });
  }
  for (int round = 0; round < kRounds; round++) {
    Order o = **store_->GetOrder("o" + std::to_string(round));
    EXPECT_EQ(o.status, OrderStatus::kValid);
    auto cert = store_->GetCertificate(o.certificate_id);
    ASSERT_TRUE(cert.ok() && cert->has_value());
    EXPECT_TRUE((*cert)->revoked);
    EXPECT_EQ((*cert)->revoked_at, round);
  }
  EXPECT_EQ(store_->ListRevoked()->size(), size_t{kRounds});
}

}  // namespace mtc::acme::testing

#endif  // MTC_TESTS_ACME_ACME_STORE_CONFORMANCE_H_
