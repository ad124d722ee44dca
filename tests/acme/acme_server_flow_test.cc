// The ACME server driven through its handlers with signed requests: the
// resources of RFC 8555 §7 in the order a client uses them, over a real CA
// and a real SqliteAcmeStore, http-01 answered by a loopback responder.
#include <arpa/inet.h>

#include "acme_server_fixture.h"
#include "mtc/base/hex.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/properties.h"
#include "mtc/wire/pem.h"

namespace mtc::acme::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(AcmeServerTest, DirectoryListsResourcesAndMeta) {
  net::Response r = server_->Handle(Get("/directory"));
  ASSERT_EQ(r.status, 200);
  auto d = Body(r);
  EXPECT_EQ(d["newNonce"], std::string(kBase) + "/acme/new-nonce");
  EXPECT_EQ(d["newAccount"], std::string(kBase) + "/acme/new-account");
  EXPECT_EQ(d["newOrder"], std::string(kBase) + "/acme/new-order");
  EXPECT_EQ(d["revokeCert"], std::string(kBase) + "/acme/revoke-cert");
  EXPECT_EQ(d["keyChange"], std::string(kBase) + "/acme/key-change");
  EXPECT_EQ(d["renewalInfo"], std::string(kBase) + "/acme/renewal-info");
  EXPECT_EQ(d["meta"]["externalAccountRequired"], false);
  EXPECT_TRUE(d["meta"]["caaIdentities"].is_array());
  EXPECT_TRUE(r.Header("Replay-Nonce").has_value());
}

TEST_F(AcmeServerTest, NewNonceHeadAndGet) {
  // RFC 8555 §7.2.
  net::Response head = server_->Handle(Get("/acme/new-nonce", "HEAD"));
  net::Response get = server_->Handle(Get("/acme/new-nonce"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(get.status, 204);
  EXPECT_EQ(head.Header("Cache-Control"), "no-store");
  EXPECT_EQ(get.Header("Cache-Control"), "no-store");
  EXPECT_NE(head.Header("Replay-Nonce"), get.Header("Replay-Nonce"));
  auto links = Links(get);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0], "<https://acme.test/directory>;rel=\"index\"");
}

TEST_F(AcmeServerTest, AccountLifecycle) {
  TestKey key;
  std::string kid = NewAccount(key);
  ASSERT_EQ(kid.rfind("https://acme.test/acme/acct/", 0), 0u) << kid;
  // §7.3.1: the same key again finds the account.
  net::Response again = Send(key, "", "/acme/new-account", "{}");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.Header("Location"), kid);
  // onlyReturnExisting with an unknown key.
  TestKey other;
  net::Response none =
      Send(other, "", "/acme/new-account", R"({"onlyReturnExisting":true})");
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(ProblemType(none), "accountDoesNotExist");
  // §7.3.2: update the contact.
  net::Response updated =
      Send(key, kid, PathOf(kid), R"({"contact":["mailto:b@example.com"]})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["contact"][0], "mailto:b@example.com");
  // §7.3.6: deactivation; the account is then refused.
  net::Response off =
      Send(key, kid, PathOf(kid), R"({"status":"deactivated"})");
  ASSERT_EQ(off.status, 200);
  EXPECT_EQ(Body(off)["status"], "deactivated");
  net::Response refused =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"a.example"}]})");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(ProblemType(refused), "unauthorized");
}

TEST_F(AcmeServerTest, KeyRollover) {
  TestKey old_key, new_key;
  std::string kid = NewAccount(old_key);
  // §7.3.5: the inner JWS, signed by the new key, has a "jwk", the outer
  // "url" and no "nonce", and names the account and the old key.
  std::string url = std::string(kBase) + "/acme/key-change";
  nlohmann::json inner_header = {
      {"alg", new_key.Alg()}, {"jwk", new_key.Jwk()}, {"url", url}};
  std::string inner = SignJws(
      new_key, inner_header,
      nlohmann::json{{"account", kid}, {"oldKey", old_key.Jwk()}}.dump());
  net::Response r = Send(old_key, kid, "/acme/key-change", inner);
  ASSERT_EQ(r.status, 200) << r.body;
  // The new key now speaks for the account, the old one no longer does.
  net::Response found =
      Send(new_key, "", "/acme/new-account", R"({"onlyReturnExisting":true})");
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.Header("Location"), kid);
  net::Response old = Send(old_key, kid, PathOf(kid), "");
  EXPECT_EQ(old.status, 400) << old.body;
  EXPECT_EQ(ProblemType(old), "malformed");
}

TEST_F(AcmeIssuanceTest, Http01OrderToCertificate) {
  TestKey key;
  std::string kid = NewAccount(key);
  crypto::PrivateKey cert_key = NewP256();
  nlohmann::json order = Issue(key, kid, {"a.example", "b.example"}, cert_key);
  std::string cert_path = PathOf(order["certificate"]);

  // Default (no Accept): the PEM chain, end-entity first, then the CA's.
  net::Response pem = Send(key, kid, cert_path, "");
  ASSERT_EQ(pem.status, 200) << pem.body;
  EXPECT_EQ(pem.Header("Content-Type"), "application/pem-certificate-chain");
  auto blocks = wire::PemDecodeAll(pem.body);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  auto leaf = cert::ParseCertificate((*blocks)[0].bytes);
  ASSERT_TRUE(leaf.ok()) << leaf.error().ToString();
  EXPECT_EQ((*blocks)[1].bytes,
            *wire::PemDecode(ca_->ca_certificate_pem(), "CERTIFICATE"));
  // Each Link in a field of its own; the landmark certificate only as an
  // optional alternate (draft §ACME Extensions), the log's prefix URL.
  auto links = Links(pem);
  std::string alt_url = std::string(kBase) + cert_path + "/alternate";
  EXPECT_THAT(links, ::testing::Contains("<" + alt_url +
                                         ">;rel=\"acme-optional-alternate\""));
  EXPECT_THAT(links,
              ::testing::Contains("<" + ca_->LogUrl(1) +
                                  ">;rel=\"c2sp.org/mtc-tlog/prefix-url\""));
  for (const auto& l : links)
    EXPECT_THAT(l, ::testing::Not(HasSubstr("rel=\"alternate\"")));

  // With properties when asked (docs/design.md §2 item 7).
  nlohmann::json header = {{"alg", key.Alg()},
                           {"nonce", Nonce()},
                           {"url", std::string(kBase) + cert_path},
                           {"kid", kid}};
  net::Request req = Post(cert_path, SignJws(key, header, ""));
  req.headers.emplace(
      "Accept", "application/pem-certificate-chain-with-properties, */*;q=0.1");
  net::Response props = server_->Handle(req);
  ASSERT_EQ(props.status, 200);
  EXPECT_EQ(props.Header("Content-Type"),
            "application/pem-certificate-chain-with-properties");
  auto chain = cert::ParseCertificateChainWithProperties(props.body);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  EXPECT_EQ(chain->properties.trust_anchor_id->ToAscii(), "32473.1");
  EXPECT_EQ(chain->certificates.at(0), (*blocks)[0].bytes);

  // A second order for the same names reuses the valid authorizations.
  net::Response second =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"a.example"}]})");
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(Body(second)["status"], "ready");

  // ARI (RFC 9773 §4.2): the suggested window lies at 2/3..3/4 of the life.
  std::string serial64 = wire::Base64UrlEncode(leaf->tbs.serial);
  net::Response ari = server_->Handle(Get("/acme/renewal-info/AA." + serial64));
  ASSERT_EQ(ari.status, 200) << ari.body;
  auto window = Body(ari)["suggestedWindow"];
  EXPECT_TRUE(window["start"].is_string());
  EXPECT_TRUE(ari.Header("Retry-After").has_value());

  // Revocation by the account, then the list and ARI show it.
  std::string cert64 = wire::Base64UrlEncode((*blocks)[0].bytes);
  net::Response revoked =
      Send(key, kid, "/acme/revoke-cert",
           nlohmann::json{{"certificate", cert64}, {"reason", 4}}.dump());
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  net::Response twice = Send(key, kid, "/acme/revoke-cert",
                             nlohmann::json{{"certificate", cert64}}.dump());
  EXPECT_EQ(ProblemType(twice), "alreadyRevoked");
  auto list = Body(server_->Handle(Get("/acme/revoked")));
  ASSERT_EQ(list["revoked"].size(), 1u);
  EXPECT_EQ(list["revoked"][0]["serial"], HexEncode(leaf->tbs.serial));
  EXPECT_EQ(list["revoked"][0]["reason"], 4);
}

TEST_F(AcmeIssuanceTest, OptionalAlternate) {
  // The allocator makes at most one landmark per interval (one day here),
  // the first one as soon as the log has an entry. So the first certificate
  // gets its landmark within the landmark thread's second, and a second one
  // issued after that waits for the next interval (draft §ACME Extensions).
  TestKey key;
  std::string kid = NewAccount(key);
  crypto::PrivateKey cert_key = NewP256();
  std::string first = PathOf(Issue(key, kid, {"a.example"}, cert_key)["certificate"]);
  net::Response alt;
  for (int i = 0; i < 100; i++) {
    alt = server_->Handle(Get(first + "/alternate"));
    if (alt.status != 202) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(alt.status, 200) << alt.body;
  EXPECT_EQ(alt.Header("Content-Type"), "application/pem-certificate-chain");
  auto blocks = wire::PemDecodeAll(alt.body);
  ASSERT_TRUE(blocks.ok());
  auto landmark_cert = cert::ParseCertificate((*blocks)[0].bytes);
  ASSERT_TRUE(landmark_cert.ok());
  // A landmark-relative MTCProof carries no signatures and the same entry.
  auto standalone = wire::PemDecodeAll(Send(key, kid, first, "").body);
  auto standalone_cert = cert::ParseCertificate((*standalone)[0].bytes);
  EXPECT_EQ(landmark_cert->tbs_der, standalone_cert->tbs_der);
  EXPECT_LT(landmark_cert->signature_value.size(),
            standalone_cert->signature_value.size());
  net::Request with_props = Get(first + "/alternate");
  with_props.headers.emplace("Accept",
                             "application/pem-certificate-chain-with-properties");
  net::Response props = server_->Handle(with_props);
  ASSERT_EQ(props.status, 200);
  auto chain = cert::ParseCertificateChainWithProperties(props.body);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  // docs/design.md §2 item 7: <CA ID>.1.<log>.<landmark>, negotiation only.
  EXPECT_EQ(chain->properties.trust_anchor_id->ToAscii(), "32473.1.1.1.1");
  EXPECT_TRUE(chain->properties.trust_anchor_negotiation);

  std::string second =
      PathOf(Issue(key, kid, {"a.example"}, cert_key)["certificate"]);
  net::Response wait = server_->Handle(Get(second + "/alternate"));
  EXPECT_EQ(wait.status, 202) << wait.body;
  ASSERT_TRUE(wait.Header("Retry-After").has_value());
  int seconds = std::stoi(std::string(*wait.Header("Retry-After")));
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 86401);
}

TEST_F(AcmeIssuanceTest, RevokeWithTheCertificateKey) {
  TestKey key;
  std::string kid = NewAccount(key);
  TestKey cert_key;  // P-256, used both for the certificate and the JWS
  nlohmann::json order = Issue(key, kid, {"c.example"}, cert_key.key());
  auto pem =
      wire::PemDecodeAll(Send(key, kid, PathOf(order["certificate"]), "").body);
  ASSERT_TRUE(pem.ok());
  std::string cert64 = wire::Base64UrlEncode((*pem)[0].bytes);
  // Another key may not revoke it.
  TestKey stranger;
  net::Response refused = Send(stranger, "", "/acme/revoke-cert",
                               nlohmann::json{{"certificate", cert64}}.dump());
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(ProblemType(refused), "unauthorized");
  // §7.6: the certificate's own key, as a jwk.
  net::Response ok =
      Send(cert_key, "", "/acme/revoke-cert",
           nlohmann::json{{"certificate", cert64}, {"reason", 1}}.dump());
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(AcmeIssuanceTest, WrongKeyAuthorizationFailsTheOrder) {
  TestKey key;
  std::string kid = NewAccount(key);
  net::Response created =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"d.example"}]})");
  ASSERT_EQ(created.status, 201);
  std::string order_path = PathOf(std::string(*created.Header("Location")));
  std::string authz_path = PathOf(Body(created)["authorizations"][0]);
  nlohmann::json authz = Body(Send(key, kid, authz_path, ""));
  for (const auto& c : authz["challenges"]) {
    if (c["type"] != "http-01") continue;
    Provision(c["token"], c["token"].get<std::string>() + ".wrong");
    ASSERT_EQ(Send(key, kid, PathOf(c["url"]), "{}").status, 200);
    // Answering again while it is processing changes nothing.
    EXPECT_EQ(Send(key, kid, PathOf(c["url"]), "{}").status, 200);
  }
  authz = PollUntilNot(key, kid, authz_path, {"pending"});
  EXPECT_EQ(authz["status"], "invalid");
  bool saw_error = false;
  for (const auto& c : authz["challenges"]) {
    if (c["type"] == "http-01") {
      EXPECT_EQ(c["status"], "invalid");
      EXPECT_EQ(c["error"]["type"],
                "urn:ietf:params:acme:error:incorrectResponse");
      saw_error = true;
    }
  }
  EXPECT_TRUE(saw_error);
  nlohmann::json order = Body(Send(key, kid, order_path, ""));
  EXPECT_EQ(order["status"], "invalid");
}

TEST_F(AcmeIssuanceTest, IpIdentifierGetsHttp01Only) {
  // RFC 8738 §7: no dns-01 for ip identifiers.
  TestKey key;
  std::string kid = NewAccount(key);
  net::Response created =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"ip","value":"192.0.2.7"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  nlohmann::json authz =
      Body(Send(key, kid, PathOf(Body(created)["authorizations"][0]), ""));
  ASSERT_EQ(authz["challenges"].size(), 1u);
  EXPECT_EQ(authz["challenges"][0]["type"], "http-01");
  EXPECT_EQ(authz["identifier"]["value"], "192.0.2.7");
}

TEST_F(AcmeIssuanceTest, WildcardGetsDns01Only) {
  TestKey key;
  std::string kid = NewAccount(key);
  net::Response created =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"*.w.example"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  nlohmann::json authz =
      Body(Send(key, kid, PathOf(Body(created)["authorizations"][0]), ""));
  EXPECT_EQ(authz["identifier"]["value"], "w.example");
  EXPECT_EQ(authz["wildcard"], true);
  ASSERT_EQ(authz["challenges"].size(), 1u);
  EXPECT_EQ(authz["challenges"][0]["type"], "dns-01");
}

}  // namespace
}  // namespace mtc::acme::testing
