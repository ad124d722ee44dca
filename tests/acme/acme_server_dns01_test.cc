// dns-01 (RFC 8555 §8.4): the DNS message code against RFC 1035's formats,
// a lookup through a DNS server on loopback, and a wildcard certificate
// issued through it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "acme/dns_client.h"
#include "acme_server_fixture.h"
#include "mtc/crypto/sha256.h"

namespace mtc::acme::testing {
namespace {

// A UDP DNS server on 127.0.0.1 answering TXT queries from a table
// (RFC 1035 §4.1: header, the question echoed, answers whose name is a
// pointer to the question's, §4.1.4).
class LoopbackDns {
 public:
  LoopbackDns() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~LoopbackDns() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Set(const std::string& name, std::vector<std::string> values) {
    std::lock_guard<std::mutex> lock(mu_);
    records_[name] = std::move(values);
  }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      uint8_t buf[512];
      sockaddr_in from{};
      socklen_t from_len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0,
                             reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 17) continue;
      // QNAME from offset 12.
      std::string name;
      size_t i = 12;
      while (i < static_cast<size_t>(n) && buf[i] != 0) {
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<char*>(buf + i + 1), buf[i]);
        i += buf[i] + 1;
      }
      size_t question_end = i + 5;  // zero octet, QTYPE, QCLASS
      std::vector<std::string> values;
      bool known;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = records_.find(name);
        known = it != records_.end();
        if (known) values = it->second;
      }
      std::vector<uint8_t> out(buf, buf + question_end);
      out[2] = 0x81;                 // QR, RD
      out[3] = known ? 0x80 : 0x83;  // RA, RCODE 0 or 3 (NXDOMAIN)
      out[6] = 0;
      out[7] = static_cast<uint8_t>(values.size());
      for (const auto& v : values) {
        uint8_t rr[] = {0xc0,
                        0x0c,
                        0,
                        16,
                        0,
                        1,
                        0,
                        0,
                        0,
                        60,
                        0,
                        static_cast<uint8_t>(v.size() + 1),
                        static_cast<uint8_t>(v.size())};
        out.insert(out.end(), rr, rr + sizeof rr);
        out.insert(out.end(), v.begin(), v.end());
      }
      ::sendto(fd_, out.data(), out.size(), 0,
               reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, std::vector<std::string>> records_;  // guarded by mu_
  std::thread thread_;
};

TEST(DnsClientTest, QueryIsRfc1035Format) {
  // §4.1.1 header (ID, RD, QDCOUNT 1) and §4.1.2 question for
  // "example.com" TXT (type 16, §3.2.2) class IN.
  auto q = BuildDnsQuery(0x1234, "example.com", 16);
  ASSERT_TRUE(q.ok());
  std::vector<uint8_t> want = {
      0x12, 0x34, 0x01, 0x00, 0,   1, 0,   0,   0,   0, 0, 0,  7, 'e', 'x',
      'a',  'm',  'p',  'l',  'e', 3, 'c', 'o', 'm', 0, 0, 16, 0, 1};
  EXPECT_EQ(*q, want);
  EXPECT_FALSE(BuildDnsQuery(1, "a..example", 16).ok());
  EXPECT_FALSE(BuildDnsQuery(1, std::string(64, 'a') + ".example", 16).ok());
}

TEST(DnsClientTest, ParsesTxtAnswers) {
  auto q = *BuildDnsQuery(7, "_acme-challenge.a.example", 16);
  std::vector<uint8_t> r = q;
  r[2] = 0x81;
  r[3] = 0x80;
  r[7] = 2;  // ANCOUNT
  // One record of two <character-string>s (concatenated), one plain; the
  // names are pointers to the question (0xc00c).
  std::vector<uint8_t> rr1 = {0xc0, 0x0c, 0, 16, 0,   1,   0, 0,   0,
                              60,   0,    6, 2,  'a', 'b', 2, 'c', 'd'};
  std::vector<uint8_t> rr2 = {0xc0, 0x0c, 0,  16, 0, 1, 0,
                              0,    0,    60, 0,  2, 1, 'z'};
  r.insert(r.end(), rr1.begin(), rr1.end());
  r.insert(r.end(), rr2.begin(), rr2.end());
  auto txt = ParseTxtResponse(r, 7, "_acme-challenge.a.example");
  ASSERT_TRUE(txt.ok()) << txt.error().ToString();
  EXPECT_EQ(*txt, (std::vector<std::string>{"abcd", "z"}));
  EXPECT_FALSE(ParseTxtResponse(r, 8, "_acme-challenge.a.example").ok());
  EXPECT_FALSE(ParseTxtResponse(r, 7, "_acme-challenge.b.example").ok());
  std::vector<uint8_t> truncated = r;
  truncated[2] |= 0x02;  // TC
  EXPECT_EQ(ParseTxtResponse(truncated, 7, "_acme-challenge.a.example")
                .error()
                .code(),
            ErrorCode::kUnavailable);
  std::vector<uint8_t> short_rr(r.begin(), r.end() - 1);
  EXPECT_FALSE(ParseTxtResponse(short_rr, 7, "_acme-challenge.a.example").ok());
  std::vector<uint8_t> nx = q;
  nx[2] = 0x81;
  nx[3] = 0x83;
  auto none = ParseTxtResponse(nx, 7, "_acme-challenge.a.example");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(DnsClientTest, LooksUpThroughALoopbackServer) {
  LoopbackDns dns;
  dns.Set("_acme-challenge.a.example", {"one", "two"});
  auto txt = LookupTxt(dns.address(), "_acme-challenge.a.example",
                       std::chrono::seconds(2));
  ASSERT_TRUE(txt.ok()) << txt.error().ToString();
  EXPECT_EQ(*txt, (std::vector<std::string>{"one", "two"}));
  auto none = LookupTxt(dns.address(), "_acme-challenge.b.example",
                        std::chrono::seconds(2));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

class AcmeDns01Test : public AcmeServerTest {
 protected:
  void Configure(AcmeServerOptions& options) override {
    options.validation.dns_resolver = dns_.address();
  }
  LoopbackDns dns_;
};

TEST_F(AcmeDns01Test, WildcardCertificateThroughDns01) {
  TestKey key;
  std::string kid = NewAccount(key);
  net::Response created =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"*.w.example"},
                                                  {"type":"dns","value":"w.example"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string order_path = PathOf(std::string(*created.Header("Location")));
  // Both authorizations (the wildcard's and the base name's) ask for a TXT
  // record at the same name; publish both values, as clients do.
  std::vector<std::string> values, challenge_paths, authz_paths;
  nlohmann::json order_body = Body(created);
  for (const auto& url : order_body["authorizations"]) {
    authz_paths.push_back(PathOf(url));
    nlohmann::json authz_body = Body(Send(key, kid, PathOf(url), ""));
    for (const auto& c : authz_body["challenges"]) {
      if (c["type"] != "dns-01") continue;
      std::string ka = KeyAuthorization(c["token"].get<std::string>(),
                                        *Jwk::Parse(key.Jwk()));
      auto digest = crypto::Sha256Of(
          {reinterpret_cast<const uint8_t*>(ka.data()), ka.size()});
      values.push_back(wire::Base64UrlEncode(digest));
      challenge_paths.push_back(PathOf(c["url"]));
    }
  }
  ASSERT_EQ(values.size(), 2u);
  dns_.Set("_acme-challenge.w.example", values);
  for (const auto& p : challenge_paths) {
    EXPECT_EQ(Send(key, kid, p, "{}").status, 200);
  }
  for (const auto& p : authz_paths) {
    EXPECT_EQ(PollUntilNot(key, kid, p, {"pending"})["status"], "valid");
  }
  nlohmann::json order = PollUntilNot(key, kid, order_path, {"pending"});
  ASSERT_EQ(order["status"], "ready") << order.dump();
  crypto::PrivateKey cert_key = NewP256();
  std::string csr = wire::Base64UrlEncode(
      MakeCsr(cert_key, cert_key, {"*.w.example", "w.example"}));
  net::Response fin = Send(key, kid, PathOf(order["finalize"]),
                           nlohmann::json{{"csr", csr}}.dump());
  ASSERT_EQ(fin.status, 200) << fin.body;
  order = PollUntilNot(key, kid, order_path, {"processing"});
  EXPECT_EQ(order["status"], "valid") << order.dump();
}

TEST_F(AcmeDns01Test, MissingRecordFailsTheChallenge) {
  TestKey key;
  std::string kid = NewAccount(key);
  net::Response created =
      Send(key, kid, "/acme/new-order",
           R"({"identifiers":[{"type":"dns","value":"*.v.example"}]})");
  std::string authz_path = PathOf(Body(created)["authorizations"][0]);
  auto c = Body(Send(key, kid, authz_path, ""))["challenges"][0];
  dns_.Set("_acme-challenge.v.example", {"not-the-digest"});
  EXPECT_EQ(Send(key, kid, PathOf(c["url"]), "{}").status, 200);
  nlohmann::json authz = PollUntilNot(key, kid, authz_path, {"pending"});
  EXPECT_EQ(authz["status"], "invalid");
  EXPECT_EQ(authz["challenges"][0]["error"]["type"],
            "urn:ietf:params:acme:error:incorrectResponse");
}

}  // namespace
}  // namespace mtc::acme::testing
