// A test fixture for the ACME server: a real CA (CaService in a temporary
// directory, its sequencer committing every 50 ms), a real SqliteAcmeStore,
// an http-01 responder on a loopback port, and clients that sign their
// requests with test keys as RFC 8555 §6.2 asks.
#ifndef MTC_TESTS_ACME_ACME_SERVER_FIXTURE_H_
#define MTC_TESTS_ACME_ACME_SERVER_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "acme/jws.h"
#include "acme/server.h"
#include "acme/sqlite_acme_store.h"
#include "acme/acme_store.h"
#include "log/ca_config.h"
#include "log/ca_service.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/private_key.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/der.h"
#include "net/http_server.h"

namespace mtc::acme::testing {

inline std::string B64(std::string_view s) {
  return wire::Base64UrlEncode(
      {reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

// An account key and how it signs (RFC 7518 §3.4: ES256 as R || S).
class TestKey {
 public:
  explicit TestKey(crypto::SignatureAlgorithm alg =
                       crypto::SignatureAlgorithm::kEcdsaP256Sha256)
      : key_(std::move(crypto::PrivateKey::Generate(alg)).value()) {}

  nlohmann::json Jwk() const {
    std::vector<uint8_t> raw = key_.public_key().ToRaw();
    if (key_.algorithm() == crypto::SignatureAlgorithm::kEd25519) {
      return {{"kty", "OKP"}, {"crv", "Ed25519"},
              {"x", wire::Base64UrlEncode(raw)}};
    }
    size_t n = (raw.size() - 1) / 2;
    return {{"kty", "EC"},
            {"crv", n == 32 ? "P-256" : "P-384"},
            {"x", wire::Base64UrlEncode({raw.data() + 1, n})},
            {"y", wire::Base64UrlEncode({raw.data() + 1 + n, n})}};
  }
  std::string Alg() const {
    switch (key_.algorithm()) {
      case crypto::SignatureAlgorithm::kEd25519: return "EdDSA";
      case crypto::SignatureAlgorithm::kEcdsaP384Sha384: return "ES384";
      default: return "ES256";
    }
  }
  std::vector<uint8_t> Sign(std::string_view input) const {
    auto sig = key_.Sign(
        {reinterpret_cast<const uint8_t*>(input.data()), input.size()});
    EXPECT_TRUE(sig.ok());
    if (key_.algorithm() == crypto::SignatureAlgorithm::kEd25519) return *sig;
    // Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> R || S.
    size_t n = key_.algorithm() == crypto::SignatureAlgorithm::kEcdsaP256Sha256
                   ? 32 : 48;
    wire::DerReader r(*sig), seq;
    std::span<const uint8_t> rr, ss;
    EXPECT_TRUE(r.ReadSequence(&seq) && seq.ReadUnsignedInteger(&rr) &&
                seq.ReadUnsignedInteger(&ss));
    std::vector<uint8_t> out(2 * n, 0);
    std::copy(rr.begin(), rr.end(), out.begin() + (n - rr.size()));
    std::copy(ss.begin(), ss.end(), out.begin() + (2 * n - ss.size()));
    return out;
  }
  const crypto::PrivateKey& key() const { return key_; }

 private:
  crypto::PrivateKey key_;
};

inline std::vector<std::string> Links(const net::Response& r) {
  std::vector<std::string> out;
  auto range = r.headers.equal_range("Link");
  for (auto it = range.first; it != range.second; ++it)
    out.push_back(it->second);
  return out;
}

// A flattened JWS with the given protected header and payload text.
inline std::string SignJws(const TestKey& key, const nlohmann::json& header,
                           const std::string& payload) {
  std::string protected64 = B64(header.dump());
  std::string payload64 = B64(payload);
  std::string input = protected64 + "." + payload64;
  return nlohmann::json{{"protected", protected64},
                        {"payload", payload64},
                        {"signature", wire::Base64UrlEncode(key.Sign(input))}}
      .dump();
}

// A PKCS#10 request (RFC 2986 §4) for `dns` names and `ips` (4 or 16 bytes)
// with the key of `subject`, signed by `signer` (normally the same key):
//   CertificationRequestInfo ::= SEQUENCE { version INTEGER (0), subject
//     Name, subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute }
// with one extensionRequest attribute holding subjectAltName.
inline std::vector<uint8_t> MakeCsr(
    const crypto::PrivateKey& subject, const crypto::PrivateKey& signer,
    const std::vector<std::string>& dns,
    const std::vector<std::vector<uint8_t>>& ips = {}) {
  const char* sig_oid =
      signer.algorithm() == crypto::SignatureAlgorithm::kEd25519
          ? "1.3.101.112"
          : "1.2.840.10045.4.3.2";
  wire::DerBuilder info;
  info.AddSequence([&](wire::DerBuilder& i) {
    i.AddUint64(0);
    i.AddSequence([](wire::DerBuilder&) {});  // empty subject
    i.AddRawElement(subject.public_key().ToSpkiDer());
    i.AddElement(wire::DerExplicitTag(0), [&](wire::DerBuilder& attrs) {
      attrs.AddSequence([&](wire::DerBuilder& attr) {
        attr.AddOid("1.2.840.113549.1.9.14");
        attr.AddSetOf([&](wire::DerBuilder& values) {
          values.AddSequence([&](wire::DerBuilder& exts) {
            exts.AddSequence([&](wire::DerBuilder& ext) {
              ext.AddOid("2.5.29.17");
              ext.AddElement(wire::kDerOctetString, [&](wire::DerBuilder& v) {
                v.AddSequence([&](wire::DerBuilder& names) {
                  for (const auto& d : dns)
                    names.AddIa5String(d, wire::DerImplicitTag(2));
                  for (const auto& ip : ips)
                    names.AddOctetString(ip, wire::DerImplicitTag(7));
                });
              });
            });
          });
        });
      });
    });
  });
  std::vector<uint8_t> info_der = std::move(info).Finish().value();
  std::vector<uint8_t> sig = signer.Sign(info_der).value();
  wire::DerBuilder csr;
  csr.AddSequence([&](wire::DerBuilder& c) {
    c.AddRawElement(info_der);
    c.AddSequence([&](wire::DerBuilder& alg) { alg.AddOid(sig_oid); });
    c.AddBitString(sig);
  });
  return std::move(csr).Finish().value();
}

inline crypto::PrivateKey NewP256() {
  return std::move(crypto::PrivateKey::Generate(
                       crypto::SignatureAlgorithm::kEcdsaP256Sha256))
      .value();
}

inline net::Request Post(const std::string& path, std::string body) {
  net::Request r;
  r.method = "POST";
  r.target = r.path = path;
  r.headers.emplace("Content-Type", "application/jose+json");
  r.body = std::move(body);
  return r;
}

inline net::Request Get(const std::string& path, std::string method = "GET") {
  net::Request r;
  r.method = std::move(method);
  r.target = r.path = path;
  return r;
}

// The store the server tests run on: SQLite in the CA directory, unless a
// test binary sets another (tests/pg runs the bad-input suite on
// PostgreSQL with this).
using AcmeStoreOpener =
    std::function<Result<std::unique_ptr<AcmeStore>>(const std::string& dir)>;
inline AcmeStoreOpener& AcmeStoreUnderTest() {
  static AcmeStoreOpener opener = [](const std::string& dir)
      -> Result<std::unique_ptr<AcmeStore>> {
    MTC_ASSIGN_OR_RETURN(auto store, SqliteAcmeStore::Open(dir + "/acme.db"));
    return std::unique_ptr<AcmeStore>(std::move(store));
  };
  return opener;
}

// Makes `dir` a CA directory (what `mtc ca init` writes, minus the ACME TLS
// files): an Ed25519 CA key, its CA certificate for serials of logs 1-15,
// and mtc.toml from `config` with algorithm ed25519, log_listen
// 127.0.0.1:0 and a 50 ms checkpoint period. Test failures on error.
inline std::vector<uint8_t> WriteTestCa(const std::string& dir,
                                        log::CaConfig config) {
  config.algorithm = "ed25519";
  config.log_listen = "127.0.0.1:0";
  config.checkpoint_period = std::chrono::milliseconds(50);
  auto key = crypto::PrivateKey::Generate(crypto::SignatureAlgorithm::kEd25519);
  EXPECT_TRUE(key.ok());
  auto ca_id = cert::TrustAnchorId::FromAscii(config.ca_id);
  cert::CaCertificateOptions o;
  o.not_before = std::time(nullptr) - 3600;
  o.not_after = o.not_before + 86400 * 365;
  o.min_serial = uint64_t{1} << 48;
  o.max_serial = (uint64_t{16} << 48) - 1;
  auto der = cert::BuildCaCertificate(*ca_id, key->public_key(), o);
  EXPECT_TRUE(der.ok());
  if (!key.ok() || !der.ok()) return {};
  std::ofstream(dir + "/ca-key.pem") << key->ToPkcs8Pem();
  std::ofstream(dir + "/ca-cert.pem") << *cert::CaCertificateToPem(*der);
  std::ofstream(dir + "/mtc.toml") << log::FormatCaConfig(config);
  return *der;
}

class AcmeServerTest : public ::testing::Test {
 protected:
  static constexpr char kBase[] = "https://acme.test";

  void SetUp() override {
    char tmpl[] = "/tmp/acme_server_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    log::CaConfig config;
    config.landmark_interval = std::chrono::seconds(86400);
    config.max_cert_lifetime = std::chrono::seconds(7 * 86400);
    WriteTestCa(dir_, config);
    ASSERT_FALSE(HasFailure());
    auto ca = log::CaService::Open(dir_);
    ASSERT_TRUE(ca.ok()) << ca.error().ToString();
    ca_ = std::move(ca).value();
    ASSERT_TRUE(ca_->Start().ok());
    auto store = AcmeStoreUnderTest()(dir_);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
    net::ServerOptions responder;
    responder.listen = "127.0.0.1:0";
    auto http = net::HttpServer::Start(responder, [this](const net::Request& r) {
      return Respond(r);
    });
    ASSERT_TRUE(http.ok());
    responder_ = std::move(http).value();
    AcmeServerOptions options;
    options.base_url = kBase;
    options.validation.resolve_all_to = "127.0.0.1";
    options.validation.http01_port = responder_->port();
    options.validation.timeout = std::chrono::seconds(5);
    options.landmark_retry_spread = std::chrono::seconds(0);
    Configure(options);
    server_ = std::make_unique<AcmeServer>(options, store_.get(), ca_.get());
  }

  virtual void Configure(AcmeServerOptions&) {}

  void TearDown() override {
    if (server_) server_->Stop();
    if (responder_) responder_->Stop();
    if (ca_) ca_->Stop();
    server_.reset();
    ca_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The http-01 responder: serves what Provision() put there.
  net::Response Respond(const net::Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = responses_.find(r.path);
    if (it == responses_.end()) return net::TextResponse(404, "no\n");
    return it->second;
  }
  void Provision(const std::string& token, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_["/.well-known/acme-challenge/" + token] =
        net::TextResponse(200, body);
  }
  void ProvisionResponse(const std::string& path, net::Response r) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_[path] = std::move(r);
  }

  std::string Nonce() {
    net::Response r = server_->Handle(Get("/acme/new-nonce", "HEAD"));
    return std::string(*r.Header("Replay-Nonce"));
  }

  // A signed POST of `payload` ("" for POST-as-GET) to `path`, with the
  // account's kid, or the jwk when `kid` is empty.
  net::Response Send(const TestKey& key, const std::string& kid,
                     const std::string& path, const std::string& payload) {
    nlohmann::json header = {{"alg", key.Alg()}, {"nonce", Nonce()},
                             {"url", kBase + path}};
    if (kid.empty()) {
      header["jwk"] = key.Jwk();
    } else {
      header["kid"] = kid;
    }
    return server_->Handle(Post(path, SignJws(key, header, payload)));
  }
  static std::string PathOf(const std::string& url) {
    return url.substr(std::string(kBase).size());
  }
  static nlohmann::json Body(const net::Response& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  static std::string ProblemType(const net::Response& r) {
    auto j = Body(r);
    return j.is_object() && j["type"].is_string()
               ? j["type"].get<std::string>().substr(27)  // after "...:error:"
               : "";
  }

  // Creates an account; returns its URL (the kid).
  std::string NewAccount(const TestKey& key) {
    net::Response r = Send(key, "", "/acme/new-account",
                           R"({"termsOfServiceAgreed":true,"contact":["mailto:a@example.com"]})");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(r.Header("Location").value_or(""));
  }

  // Polls `path` (POST-as-GET) until its status is not one of `waiting`.
  nlohmann::json PollUntilNot(const TestKey& key, const std::string& kid,
                              const std::string& path,
                              std::initializer_list<std::string> waiting) {
    nlohmann::json body;
    for (int i = 0; i < 200; i++) {
      body = Body(Send(key, kid, path, ""));
      std::string status = body.value("status", "");
      if (std::find(waiting.begin(), waiting.end(), status) == waiting.end())
        return body;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return body;
  }

  std::string dir_;
  std::unique_ptr<log::CaService> ca_;
  std::unique_ptr<AcmeStore> store_;
  std::unique_ptr<net::HttpServer> responder_;
  std::unique_ptr<AcmeServer> server_;
  std::mutex mu_;
  std::map<std::string, net::Response> responses_;  // guarded by mu_
};

class AcmeIssuanceTest : public AcmeServerTest {
 protected:
  // Runs an order for `names` through http-01 and finalize; returns the
  // order body once valid. `extra` members join the newOrder payload.
  nlohmann::json Issue(const TestKey& key, const std::string& kid,
                       const std::vector<std::string>& names,
                       const crypto::PrivateKey& cert_key,
                       const nlohmann::json& extra = nlohmann::json::object()) {
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& n : names) ids.push_back({{"type", "dns"}, {"value", n}});
    nlohmann::json request = extra;
    request["identifiers"] = ids;
    net::Response created =
        Send(key, kid, "/acme/new-order", request.dump());
    EXPECT_EQ(created.status, 201) << created.body;
    std::string order_path = PathOf(std::string(*created.Header("Location")));
    nlohmann::json order = Body(created);
    for (const auto& authz_url : order["authorizations"]) {
      std::string authz_path = PathOf(authz_url.get<std::string>());
      nlohmann::json authz = Body(Send(key, kid, authz_path, ""));
      if (authz["status"] == "valid") continue;  // reused
      EXPECT_EQ(authz["status"], "pending");
      for (const auto& c : authz["challenges"]) {
        if (c["type"] != "http-01") continue;
        auto jwk = Jwk::Parse(key.Jwk());
        Provision(c["token"],
                  KeyAuthorization(c["token"].get<std::string>(), *jwk));
        net::Response started = Send(key, kid, PathOf(c["url"]), "{}");
        EXPECT_EQ(started.status, 200) << started.body;
        EXPECT_TRUE(started.Header("Retry-After").has_value());
        auto links = Links(started);
        EXPECT_NE(
            std::find(links.begin(), links.end(),
                      "<" + authz_url.get<std::string>() + ">;rel=\"up\""),
            links.end());
      }
      authz = PollUntilNot(key, kid, authz_path, {"pending"});
      EXPECT_EQ(authz["status"], "valid") << authz.dump();
    }
    order = PollUntilNot(key, kid, order_path, {"pending"});
    EXPECT_EQ(order["status"], "ready") << order.dump();
    std::vector<uint8_t> csr = MakeCsr(cert_key, cert_key, names);
    net::Response fin =
        Send(key, kid, PathOf(order["finalize"]),
             nlohmann::json{{"csr", wire::Base64UrlEncode(csr)}}.dump());
    EXPECT_EQ(fin.status, 200) << fin.body;
    EXPECT_EQ(Body(fin)["status"], "processing");
    EXPECT_TRUE(fin.Header("Retry-After").has_value());
    order = PollUntilNot(key, kid, order_path, {"processing"});
    EXPECT_EQ(order["status"], "valid") << order.dump();
    return order;
  }
};

}  // namespace mtc::acme::testing

#endif  // MTC_TESTS_ACME_ACME_SERVER_FIXTURE_H_
