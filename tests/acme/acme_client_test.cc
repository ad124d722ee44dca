// The ACME client's parsers (links, Retry-After, orders, authorizations),
// its CSR builder checked by the CA's CSR parser, the http-01 responder over
// a real loopback connection, and the bench's summary arithmetic.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/client_bench.h"
#include "acme/client_csr.h"
#include "acme/client_http01.h"
#include "mtc/cert/csr.h"
#include "mtc/crypto/private_key.h"
#include "net/http_client.h"

namespace mtc::acme::client {
namespace {

net::Headers LinkHeaders(std::vector<std::string> values) {
  net::Headers h;
  for (auto& v : values) h.emplace("Link", std::move(v));
  return h;
}

TEST(ParseLinks, SeparateFieldsAsRfc8555Section7_4_2) {
  // RFC 8555 §7.4.2's example plus the draft's optional alternate.
  auto links = ParseLinks(
      LinkHeaders(
          {"<https://example.com/acme/directory>;rel=\"index\"",
           "<https://example.com/acme/cert/mAt3xBGaobw/1>;rel=\"alternate\"",
           "</acme/cert/7/alternate>; rel=\"acme-optional-alternate\""}),
      "https://example.com:8443/acme/cert/mAt3xBGaobw");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].rel, "index");
  EXPECT_EQ(links[1].url, "https://example.com/acme/cert/mAt3xBGaobw/1");
  EXPECT_EQ(links[1].rel, "alternate");
  // A path is resolved against the request's origin.
  EXPECT_EQ(links[2].url, "https://example.com:8443/acme/cert/7/alternate");
  EXPECT_EQ(links[2].rel, std::string(kOptionalAlternateRel));
}

TEST(ParseLinks, SeveralLinksInOneFieldAndSeveralRelTypes) {
  // RFC 8288 §3.5's forms: comma-separated links, quoted commas and
  // semicolons inside parameters, a rel with two types, upper case.
  auto links = ParseLinks(
      LinkHeaders({"<https://a.test/x>; title=\"a, b; c\"; rel=\"Up index\", "
                   "<https://a.test/y>;rel=alternate"}),
      "https://a.test/");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].url, "https://a.test/x");
  EXPECT_EQ(links[0].rel, "up");
  EXPECT_EQ(links[1].rel, "index");
  EXPECT_EQ(links[2].url, "https://a.test/y");
  EXPECT_EQ(links[2].rel, "alternate");
}

TEST(ParseLinks, IgnoresGarbage) {
  EXPECT_TRUE(
      ParseLinks(LinkHeaders({"not a link", "<unterminated"}), "").empty());
  EXPECT_TRUE(ParseLinks(LinkHeaders({"<https://a.test/>"}), "").empty());
}

TEST(ParseRetryAfter, DelaySecondsAndHttpDate) {
  using std::chrono::seconds;
  // RFC 9110 §10.2.3's two examples.
  EXPECT_EQ(ParseRetryAfter("120"), seconds(120));
  auto now = std::chrono::system_clock::from_time_t(946684799 - 60);
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 1999 23:59:59 GMT", now), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 1999 23:59:59 GMT",
                            now + std::chrono::hours(1)),
            seconds(0));
  EXPECT_EQ(ParseRetryAfter(" 0 "), seconds(0));
  EXPECT_FALSE(ParseRetryAfter("-1").has_value());
  EXPECT_FALSE(ParseRetryAfter("1.5").has_value());
  EXPECT_FALSE(ParseRetryAfter("soon").has_value());
  EXPECT_FALSE(ParseRetryAfter("").has_value());
}

TEST(ParseOrder, Rfc8555Section7_1_3Example) {
  auto object = nlohmann::json::parse(R"({
     "status": "valid",
     "expires": "2016-01-20T14:09:07.99Z",
     "identifiers": [
       { "type": "dns", "value": "www.example.org" },
       { "type": "dns", "value": "example.org" }
     ],
     "notBefore": "2016-01-01T00:00:00Z",
     "notAfter": "2016-01-08T00:00:00Z",
     "authorizations": [
       "https://example.com/acme/authz/PAniVnsZcis",
       "https://example.com/acme/authz/r4HqLzrSrpI"
     ],
     "finalize": "https://example.com/acme/order/TOlocE8rfgo/finalize",
     "certificate": "https://example.com/acme/cert/mAt3xBGaobw"
   })");
  auto order = ParseOrder(object, "https://example.com/acme/order/TOlocE8rfgo");
  ASSERT_TRUE(order.ok()) << order.error().ToString();
  EXPECT_EQ(order->status, "valid");
  ASSERT_EQ(order->authorizations.size(), 2u);
  EXPECT_EQ(order->authorizations[1],
            "https://example.com/acme/authz/r4HqLzrSrpI");
  EXPECT_EQ(order->finalize,
            "https://example.com/acme/order/TOlocE8rfgo/finalize");
  EXPECT_EQ(order->certificate, "https://example.com/acme/cert/mAt3xBGaobw");

  object.erase("finalize");
  EXPECT_FALSE(ParseOrder(object, "u").ok());
  object["finalize"] = "f";
  object["authorizations"] = {1};
  EXPECT_FALSE(ParseOrder(object, "u").ok());
  EXPECT_FALSE(ParseOrder(nlohmann::json::array(), "u").ok());
}

TEST(ParseAuthorization, Rfc8555Section7_1_4Example) {
  auto object = nlohmann::json::parse(R"({
     "status": "valid",
     "expires": "2015-03-01T14:09:07.99Z",
     "identifier": { "type": "dns", "value": "www.example.org" },
     "challenges": [
       {
         "url": "https://example.com/acme/chall/prV_B7yEyA4",
         "type": "http-01",
         "status": "valid",
         "token": "DGyRejmCefe7v4NfDGDKfA",
         "validated": "2014-12-01T12:05:58.16Z"
       }
     ],
     "wildcard": false
   })");
  auto authz = ParseAuthorization(object, "https://example.com/acme/authz/1");
  ASSERT_TRUE(authz.ok()) << authz.error().ToString();
  EXPECT_EQ(authz->status, "valid");
  EXPECT_EQ(authz->identifier.value, "www.example.org");
  const Challenge* http01 = authz->Find("http-01");
  ASSERT_NE(http01, nullptr);
  EXPECT_EQ(http01->token, "DGyRejmCefe7v4NfDGDKfA");
  EXPECT_EQ(http01->url, "https://example.com/acme/chall/prV_B7yEyA4");
  EXPECT_EQ(authz->Find("dns-01"), nullptr);

  object["challenges"][0].erase("url");
  EXPECT_FALSE(ParseAuthorization(object, "u").ok());
}

TEST(Directory, RequiresTheThreeUrls) {
  nlohmann::json d = {{"newNonce", "https://a/n"},
                      {"newAccount", "https://a/acct"},
                      {"newOrder", "https://a/order"},
                      {"renewalInfo", "https://a/ari"},
                      {"meta", {{"termsOfService", "https://a/tos"}}}};
  auto dir = Directory::FromJson(d, "https://a/dir");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->renewal_info, "https://a/ari");
  EXPECT_EQ(dir->meta["termsOfService"], "https://a/tos");
  d.erase("newNonce");
  EXPECT_FALSE(Directory::FromJson(d, "https://a/dir").ok());
}

TEST(ReplyError, NamesStepStatusAndProblem) {
  AcmeReply reply;
  reply.url = "https://a/acme/finalize/1";
  reply.status = 403;
  reply.json = {{"type", AcmeErrorUrn("orderNotReady")},
                {"detail", "order is pending"},
                {"subproblems",
                 {{{"type", AcmeErrorUrn("unauthorized")},
                   {"detail", "no"},
                   {"identifier", {{"type", "dns"}, {"value", "x.test"}}}}}}};
  Error e = ReplyError("finalize", reply);
  EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message().find("finalize https://a/acme/finalize/1: HTTP 403"),
            std::string::npos);
  EXPECT_NE(e.message().find("orderNotReady: order is pending"),
            std::string::npos);
  EXPECT_NE(e.message().find("x.test: urn:ietf:params:acme:error:unauthorized"),
            std::string::npos);
  reply.status = 400;
  reply.json["type"] = AcmeErrorUrn("badNonce");
  EXPECT_EQ(ReplyError("x", reply).code(), ErrorCode::kUnavailable);
  reply.status = 404;
  reply.json = nullptr;
  EXPECT_EQ(ReplyError("x", reply).code(), ErrorCode::kNotFound);
}

TEST(BuildCsr, TheCaParsesWhatTheClientBuilds) {
  for (auto alg : {crypto::SignatureAlgorithm::kEcdsaP256Sha256,
                   crypto::SignatureAlgorithm::kEcdsaP384Sha384,
                   crypto::SignatureAlgorithm::kEd25519,
                   crypto::SignatureAlgorithm::kMlDsa44}) {
    auto key = crypto::PrivateKey::Generate(alg);
    ASSERT_TRUE(key.ok());
    CsrNames names;
    names.dns_names = {"a.example", "b.example"};
    names.ip_addresses = {ParseIpAddress("127.0.0.1").value(),
                          ParseIpAddress("2001:db8::1").value()};
    auto der = BuildCsr(*key, names);
    ASSERT_TRUE(der.ok()) << der.error().ToString();
    // cert::ParseCsr checks the DER strictly and verifies the signature.
    auto csr = cert::ParseCsr(*der);
    ASSERT_TRUE(csr.ok()) << crypto::SignatureAlgorithmName(alg) << ": "
                          << csr.error().ToString();
    EXPECT_EQ(csr->dns_names, names.dns_names);
    EXPECT_EQ(csr->ip_addresses, names.ip_addresses);
    EXPECT_EQ(csr->spki, key->public_key().ToSpkiDer());
    EXPECT_TRUE(csr->subject_text.empty());
  }
}

TEST(BuildCsr, RejectsNoNamesAndBadAddresses) {
  auto key = crypto::PrivateKey::Generate(
      crypto::SignatureAlgorithm::kEcdsaP256Sha256);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(BuildCsr(*key, {}).ok());
  CsrNames bad;
  bad.ip_addresses = {{1, 2, 3}};
  EXPECT_FALSE(BuildCsr(*key, bad).ok());
  EXPECT_FALSE(ParseIpAddress("127.0.0.256").ok());
  EXPECT_FALSE(ParseIpAddress("example.com").ok());
  EXPECT_EQ(ParseIpAddress("10.1.2.3").value(),
            (std::vector<uint8_t>{10, 1, 2, 3}));
}

TEST(Http01Responder, AnswersRegisteredTokensOnly) {
  auto responder = Http01Responder::Start("127.0.0.1:0");
  ASSERT_TRUE(responder.ok()) << responder.error().ToString();
  auto client = net::HttpClient::Create();
  ASSERT_TRUE(client.ok());
  std::string base =
      "http://127.0.0.1:" + std::to_string((*responder)->port()) +
      std::string(kAcmeChallengePath);
  (*responder)->Provide("tok1", "tok1.thumb");

  auto hit = client->Get(base + "tok1");
  ASSERT_TRUE(hit.ok()) << hit.error().ToString();
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->body, "tok1.thumb");

  auto miss = client->Get(base + "tok2");
  ASSERT_TRUE(miss.ok());
  EXPECT_EQ(miss->status, 404);
  auto other_path = client->Get(
      "http://127.0.0.1:" + std::to_string((*responder)->port()) + "/tok1");
  ASSERT_TRUE(other_path.ok());
  EXPECT_EQ(other_path->status, 404);

  (*responder)->Withdraw("tok1");
  auto gone = client->Get(base + "tok1");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->status, 404);
  EXPECT_EQ((*responder)->served(), 1u);
  EXPECT_EQ((*responder)->not_found(), 3u);
}

TEST(Bench, PercentileIsNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 50), 50);
  EXPECT_EQ(Percentile(v, 99), 99);
  EXPECT_EQ(Percentile(v, 100), 100);
  EXPECT_EQ(Percentile({7}, 99), 7);
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({1, 2, 3}, 50), 2);
}

TEST(Bench, SummaryLineFormat) {
  BenchReport r;
  r.issuances_per_second = 1234.56;
  r.p50_ms = 12.34;
  r.p99_ms = 99.99;
  r.errors = 3;
  EXPECT_EQ(BenchSummaryLine(r),
            "issuances/s: 1234.6 p50_ms: 12.3 p99_ms: 100.0 errors: 3");
}

}  // namespace
}  // namespace mtc::acme::client
