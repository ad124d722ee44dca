// HttpServer and HttpClient over TLS 1.3 with a self-signed P-256
// certificate for 127.0.0.1 made here with OpenSSL; raw OpenSSL clients for
// what HttpClient would never offer (TLS 1.2, a single group).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/net_testutil.h"

namespace mtc::net {
namespace {

using testing::RawConnection;
using testing::TempDir;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using UniqueEvpPkey =
    std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using UniqueX509 = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using UniqueSslCtx = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using UniqueSsl = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Writes a fresh P-256 key and a self-signed certificate with the given
// subjectAltName to `dir`/`name`.{crt,key}; returns the file names.
TlsFiles MakeSelfSigned(const TempDir& dir, const std::string& name,
                        const char* subject_alt_name) {
  UniqueEvpPkey key(EVP_EC_gen("P-256"));
  EXPECT_NE(key, nullptr);
  UniqueX509 cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      subject, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  EXPECT_TRUE(AddExtension(cert.get(), NID_subject_alt_name, subject_alt_name));
  EXPECT_TRUE(
      AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);

  TlsFiles files;
  files.certificate_chain_file = (dir.path() / (name + ".crt")).string();
  files.private_key_file = (dir.path() / (name + ".key")).string();
  FILE* out = fopen(files.certificate_chain_file.c_str(), "w");
  EXPECT_NE(out, nullptr);
  EXPECT_EQ(PEM_write_X509(out, cert.get()), 1);
  fclose(out);
  out = fopen(files.private_key_file.c_str(), "w");
  EXPECT_NE(out, nullptr);
  EXPECT_EQ(PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr,
                                 nullptr),
            1);
  fclose(out);
  return files;
}

Response Echo(const Request& request) {
  Response response = TextResponse(
      200, request.method + " " + request.target + " " + request.body);
  response.AddHeader("Link", "<https://ca/a>;rel=\"up\"");
  response.AddHeader("Link", "<https://ca/b>;rel=\"index\"");
  return response;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

struct Handshake {
  bool ok = false;
  std::string version;
  std::string group;
};

// A TLS handshake by a bare OpenSSL client offering versions up to
// `max_version` and, when set, only `groups`. Blocking with a 5 s receive
// timeout.
Handshake RawHandshake(uint16_t port, int max_version, const char* groups) {
  Handshake result;
  RawConnection raw(port);
  if (!raw.connected()) return result;
  timeval timeout{5, 0};
  setsockopt(raw.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  UniqueSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  if (groups != nullptr) SSL_CTX_set1_groups_list(ctx.get(), groups);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  UniqueSsl ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), raw.fd());
  result.ok = SSL_connect(ssl.get()) == 1;
  if (result.ok) {
    result.version = SSL_get_version(ssl.get());
    const char* group = SSL_get0_group_name(ssl.get());
    result.group = group != nullptr ? group : "";
    SSL_shutdown(ssl.get());
  }
  return result;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = MakeSelfSigned(dir_, "server", "IP:127.0.0.1,DNS:localhost");
    ServerOptions options;
    options.tls = files_;
    Result<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(options, Echo);
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(server).value();
  }

  std::string Url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) +
           std::string(path);
  }

  HttpClient TrustingClient(const std::string& ca_file) {
    ClientOptions options;
    options.ca_file = ca_file;
    options.timeout = std::chrono::milliseconds(5000);
    Result<HttpClient> client = HttpClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.error().ToString();
    return std::move(client).value();
  }

  TempDir dir_;
  TlsFiles files_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsTest, ClientTrustingTheCertificate) {
  EXPECT_TRUE(server_->tls());
  HttpClient client = TrustingClient(files_.certificate_chain_file);
  Result<Response> get = client.Get(Url("/x?y=1"));
  ASSERT_TRUE(get.ok()) << get.error().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /x?y=1 ");
  EXPECT_EQ(get->headers.count("link"), 2u);

  Result<Response> post = client.Post(Url("/p"), "body");
  ASSERT_TRUE(post.ok()) << post.error().ToString();
  EXPECT_EQ(post->body, "POST /p body");

  Result<Response> head = client.Head(Url("/x?y=1"));
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("content-length"), "12");  // "HEAD /x?y=1 "

  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server_->stats().connections_accepted, 1u);

  // Stop() closes the idle TLS connection without waiting out the grace.
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(2000));
}

TEST_F(TlsTest, UntrustedCertificateIsRejected) {
  TlsFiles other = MakeSelfSigned(dir_, "other", "IP:127.0.0.1");
  HttpClient client = TrustingClient(other.certificate_chain_file);
  Result<Response> response = client.Get(Url("/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kVerificationFailed)
      << response.error().ToString();
}

TEST_F(TlsTest, CertificateForAnotherNameIsRejected) {
  TlsFiles wrong_name = MakeSelfSigned(dir_, "wrong", "DNS:example.com");
  ServerOptions options;
  options.tls = wrong_name;
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(options, Echo);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  HttpClient client = TrustingClient(wrong_name.certificate_chain_file);
  Result<Response> response = client.Get(
      "https://127.0.0.1:" + std::to_string((*server)->port()) + "/");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kVerificationFailed)
      << response.error().ToString();
}

TEST_F(TlsTest, Tls12IsRejected) {
  Handshake tls12 = RawHandshake(server_->port(), TLS1_2_VERSION, nullptr);
  EXPECT_FALSE(tls12.ok);
  EXPECT_TRUE(testing::WaitFor(
      [&] { return server_->stats().tls_handshake_failures == 1; },
      std::chrono::milliseconds(5000)));
  Handshake tls13 = RawHandshake(server_->port(), TLS1_3_VERSION, nullptr);
  EXPECT_TRUE(tls13.ok);
  EXPECT_EQ(tls13.version, "TLSv1.3");
}

TEST_F(TlsTest, PrefersX25519Mlkem768AndFallsBackToX25519) {
  // OpenSSL 3.5 clients offer X25519MLKEM768 by default.
  Handshake hybrid =
      RawHandshake(server_->port(), TLS1_3_VERSION, "X25519MLKEM768:X25519");
  ASSERT_TRUE(hybrid.ok);
  EXPECT_TRUE(EqualsIgnoringCase(hybrid.group, "X25519MLKEM768"))
      << hybrid.group;
  Handshake classic = RawHandshake(server_->port(), TLS1_3_VERSION, "X25519");
  ASSERT_TRUE(classic.ok);
  // OpenSSL spells this one "x25519".
  EXPECT_TRUE(EqualsIgnoringCase(classic.group, "X25519")) << classic.group;
}

TEST_F(TlsTest, PlainHttpToTheTlsPortFails) {
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string received = raw.ReadAll(std::chrono::milliseconds(5000));
  EXPECT_TRUE(raw.peer_closed());
  EXPECT_EQ(received.find("HTTP/1.1"), std::string::npos);
  EXPECT_EQ(server_->stats().requests, 0u);
}

TEST_F(TlsTest, BadTlsFiles) {
  ServerOptions missing;
  missing.tls =
      TlsFiles{(dir_.path() / "nope.crt").string(), files_.private_key_file};
  Result<std::unique_ptr<HttpServer>> server = HttpServer::Start(missing, Echo);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code(), ErrorCode::kIo);

  TlsFiles other = MakeSelfSigned(dir_, "other", "IP:127.0.0.1");
  ServerOptions mismatched;
  mismatched.tls =
      TlsFiles{files_.certificate_chain_file, other.private_key_file};
  server = HttpServer::Start(mismatched, Echo);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().code(), ErrorCode::kInvalidArgument)
      << server.error().ToString();

  ClientOptions client_options;
  client_options.ca_file = (dir_.path() / "nope.pem").string();
  Result<HttpClient> client = HttpClient::Create(client_options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code(), ErrorCode::kIo);
}

}  // namespace
}  // namespace mtc::net
