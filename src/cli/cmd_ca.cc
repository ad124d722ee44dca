// `mtc ca ...`: the certification authority (docs/design.md §8).
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "acme/acme_tls.h"
#include "acme/server.h"
#include "acme/server_options.h"
#include "acme/shared_sequencer.h"
#include "acme/stores.h"
#include "cli_util.h"
#include "log/ca_config.h"
#include "log/ca_service.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/csr.h"
#include "mtc/crypto/private_key.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/url.h"

namespace mtc::cli {

namespace {

namespace fs = std::filesystem;

struct InitOptions {
  std::string dir;
  log::CaConfig config;
  std::string checkpoint_period = "1s";
  std::string landmark_interval = "1h";
  std::string max_cert_lifetime = "7d";
  std::string landmark_retry_spread = "30s";
};

// The CA certificate for `config`: unsigned (RFC 9925), the CA ID as subject,
// serials of logs 1..max_log_number admitted.
Result<std::string> MakeCaCertificate(const log::CaConfig& config,
                                      const crypto::PrivateKey& key) {
  MTC_ASSIGN_OR_RETURN(cert::TrustAnchorId ca_id,
                       cert::TrustAnchorId::FromAscii(config.ca_id));
  cert::CaCertificateOptions options;
  int64_t now = std::time(nullptr);
  options.not_before = now - 3600;
  options.not_after = now + int64_t{10} * 365 * 86400;
  options.min_serial = uint64_t{1} << 48;  // log 1, index 0
  options.max_serial = config.max_log_number == 65535
                           ? ~uint64_t{0}
                           : ((uint64_t{config.max_log_number} + 1) << 48) - 1;
  MTC_ASSIGN_OR_RETURN(
      std::vector<uint8_t> der,
      cert::BuildCaCertificate(ca_id, key.public_key(), options));
  return cert::CaCertificateToPem(der);
}

int Init(InitOptions o) {
  for (auto [text, out] :
       {std::pair{&o.checkpoint_period, &o.config.checkpoint_period}}) {
    auto d = log::ParseDuration(*text);
    if (!d.ok())
      return ReportError("ca init",
                         d.error().WithContext("--checkpoint-period"));
    *out = *d;
  }
  struct Seconds {
    const char* flag;
    std::string* text;
    std::chrono::seconds* out;
  };
  for (Seconds s : {Seconds{"--landmark-interval", &o.landmark_interval,
                            &o.config.landmark_interval},
                    Seconds{"--max-cert-lifetime", &o.max_cert_lifetime,
                            &o.config.max_cert_lifetime},
                    Seconds{"--landmark-retry-spread", &o.landmark_retry_spread,
                            &o.config.landmark_retry_spread}}) {
    auto d = log::ParseDuration(*s.text);
    if (!d.ok()) return ReportError("ca init", d.error().WithContext(s.flag));
    *s.out = std::chrono::duration_cast<std::chrono::seconds>(*d);
  }
  Status valid = o.config.Validate();
  if (!valid.ok()) return ReportError("ca init", valid.error());
  fs::path dir(o.dir);
  if (fs::exists(dir / "mtc.toml")) {
    return ReportError(
        "ca init",
        Error(ErrorCode::kConflict, (dir / "mtc.toml").string() +
                                        " exists: this directory holds a CA"));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return ReportError(
        "ca init",
        Error(ErrorCode::kIo, "cannot create " + o.dir + ": " + ec.message()));
  }
  auto alg = crypto::ParseSignatureAlgorithm(o.config.algorithm);
  if (!alg.ok()) return ReportError("ca init", alg.error());
  auto key = crypto::PrivateKey::Generate(*alg);
  if (!key.ok()) return ReportError("ca init", key.error());
  auto ca_cert = MakeCaCertificate(o.config, *key);
  if (!ca_cert.ok()) return ReportError("ca init", ca_cert.error());
  // The key first, the configuration last: a directory with mtc.toml is a
  // complete CA.
  for (auto [name, contents, mode] :
       {std::tuple{"ca-key.pem", key->ToPkcs8Pem(), 0600u},
        std::tuple{"ca-cert.pem", *ca_cert, 0644u},
        std::tuple{"mtc.toml", log::FormatCaConfig(o.config), 0644u}}) {
    Status w = WriteFileAtomic((dir / name).string(), contents, mode, false);
    if (!w.ok()) return ReportError("ca init", w.error());
  }
  // The ACME endpoint's TLS certificate and the anchor clients trust.
  Status tls = acme::EnsureAcmeTlsFiles(o.dir, o.config.host);
  if (!tls.ok()) return ReportError("ca init", tls.error());
  std::cout << "CA " << o.config.ca_id << " (" << o.config.algorithm
            << ") initialized in " << o.dir << "\n"
            << "  settings:       " << (dir / "mtc.toml").string() << "\n"
            << "  CA certificate: " << (dir / "ca-cert.pem").string() << "\n"
            << "  ACME TLS trust: " << (dir / acme::kAcmeCaFile).string()
            << "\n"
            << "  log 1:          " << o.config.LogPrefixUrl(1) << "\n";
  return kExitOk;
}

// The ACME server over HTTPS on acme_listen (docs/design.md §8), with its
// store in DIR/acme.db.
struct AcmeEndpoint {
  std::unique_ptr<acme::AcmeStore> store;
  std::unique_ptr<acme::AcmeServer> server;
  std::unique_ptr<net::HttpServer> http;
  // Set once `server` exists; the listener answers 503 before that.
  std::shared_ptr<std::atomic<acme::AcmeServer*>> ready =
      std::make_shared<std::atomic<acme::AcmeServer*>>(nullptr);

  void Stop() {
    if (http) http->Stop();
    if (server) server->Stop();
  }
};

Result<AcmeEndpoint> StartAcme(const std::string& dir, log::CaService& ca,
                               const std::string& acme_listen) {
  const log::CaConfig& c = ca.config();
  MTC_RETURN_IF_ERROR(acme::EnsureAcmeTlsFiles(dir, c.host));
  AcmeEndpoint e;
  MTC_ASSIGN_OR_RETURN(e.store, acme::OpenAcmeStore(c, dir));
  acme::AcmeServerOptions options = acme::AcmeServerOptionsFromConfig(c);
  net::ServerOptions http;
  http.listen = acme_listen.empty() ? c.acme_listen : acme_listen;
  // Handlers block on the store; a write waits for its group's fsync
  // (SqliteDatabase), so more threads let more writes share one commit.
  http.threads = 16;
  http.max_body_bytes = options.max_body_bytes;
  http.tls = net::TlsFiles{dir + "/" + acme::kAcmeServerCertFile,
                           dir + "/" + acme::kAcmeServerKeyFile};
  auto ready = e.ready;
  MTC_ASSIGN_OR_RETURN(
      e.http, net::HttpServer::Start(http, [ready](const net::Request& r) {
        acme::AcmeServer* server = ready->load();
        if (server == nullptr) return net::TextResponse(503, "starting\n");
        return server->Handle(r);
      }));
  options.base_url = "https://" + net::FormatHostPort(c.host, e.http->port());
  e.server = std::make_unique<acme::AcmeServer>(options, e.store.get(), &ca);
  ready->store(e.server.get());
  return e;
}

struct ServeOptions {
  std::string dir;
  std::string acme_listen;  // empty: mtc.toml's
  std::string log_listen;   // empty: mtc.toml's
};

// Set when a shared process lost the sequencer role: it stops and exits
// with a failure, for its supervisor to start it again as a follower.
std::atomic<bool> g_role_lost{false};

int Serve(const ServeOptions& o) {
  BlockTerminationSignals();
  const std::string& dir = o.dir;
  auto config = log::LoadCaConfig(dir + "/mtc.toml");
  if (!config.ok()) return ReportError("ca serve", config.error());
  // On PostgreSQL, several processes may serve this CA; one sequences.
  bool shared = acme::IsPostgresStorage(config->storage);
  auto service = log::CaService::Open(dir, acme::OpenLogStateStore, shared);
  if (!service.ok()) return ReportError("ca serve", service.error());
  if (!o.log_listen.empty()) (*service)->set_log_listen(o.log_listen);
  Status started = (*service)->Start();
  if (!started.ok()) return ReportError("ca serve", started.error());
  std::unique_ptr<acme::SharedSequencer> sequencer;
  if (shared) {
    auto s = acme::SharedSequencer::Start(service->get(), config->storage, [] {
      g_role_lost.store(true);
      ::kill(::getpid(), SIGTERM);
    });
    if (!s.ok()) return ReportError("ca serve", s.error());
    sequencer = std::move(s).value();
  }
  auto acme_endpoint = StartAcme(dir, **service, o.acme_listen);
  if (!acme_endpoint.ok())
    return ReportError("ca serve", acme_endpoint.error());
  const log::CaConfig& c = (*service)->config();
  uint32_t n = (*service)->current_log();
  std::cout << "CA " << c.ca_id << " serving from " << dir << "\n";
  // Earlier logs are served read-only; the current one last.
  for (uint32_t k = 1; k <= n; k++) {
    std::cout << "log " << k << ": " << (*service)->LogUrl(k) << "\n";
  }
  std::cout << "acme directory: " << acme_endpoint->server->DirectoryUrl()
            << "\n  (TLS trust anchor: " << dir << "/" << acme::kAcmeCaFile
            << ")\n";
  auto size = (*service)->CommittedSize();
  std::cout << "  checkpoint every " << log::FormatDuration(c.checkpoint_period)
            << ", tree size " << (size.ok() ? *size : 0) << "\n";
  if (sequencer) {
    std::cout << "sequencer role: "
              << (sequencer->holder()
                      ? "held by this process"
                      : "held by another process; entries are handed to it")
              << "\n";
  }
  std::cout << std::flush;
  std::string sig = WaitForTerminationSignal();
  std::cout << sig << ": stopping after the pending commit" << std::endl;
  // ACME first: no new requests, then the issuances in flight (handed-over
  // entries come back through the sequencer) before the log stops.
  if (acme_endpoint->http) acme_endpoint->http->Stop();
  if (sequencer) sequencer->Stop();
  acme_endpoint->Stop();
  (*service)->Stop();
  // The role is released only now, after the log's last commit.
  sequencer.reset();
  return g_role_lost.load() ? kExitError : kExitOk;
}

struct IssueOptions {
  std::string dir;
  std::string csr;
  std::string out;
};

// Through the running CA's admin endpoint; nullopt when no CA answers there.
// Whether a CA process holds DIR/lock (`mtc ca serve`), tried without
// waiting. A running CA must be asked over its admin endpoint; otherwise the
// directory is opened here.
bool CaIsServing(const std::string& dir) {
  auto lock = log::CaDirectoryLock::Acquire(dir);
  return !lock.ok() && lock.error().code() == ErrorCode::kConflict;
}

// Asks the running CA (DIR/admin holds its admin URL and token). Never falls
// back to the directory once the request may have been sent: a CA killed
// after committing the entry and before answering has logged it, and a
// second try would log the request twice.
Result<std::string> IssueOnline(const std::string& dir,
                                const std::string& csr_pem) {
  MTC_ASSIGN_OR_RETURN(std::string admin, ReadFile(dir + "/admin"));
  std::istringstream in(admin);
  std::string url, token;
  in >> url >> token;
  MTC_ASSIGN_OR_RETURN(auto client, net::HttpClient::Create({}));
  net::Headers headers;
  headers.emplace("Authorization", "Bearer " + token);
  headers.emplace("Content-Type", "application/pkcs10");
  auto response = client.Post(url + "/issue", csr_pem, headers);
  if (!response.ok()) {
    return Error(response.error().code(),
                 "the CA serving " + dir + " did not answer (" +
                     response.error().message() +
                     "); the request may be in the log already");
  }
  if (response->status != 200) {
    return Error(ErrorCode::kInvalidArgument,
                 "the CA refused: " + response->body);
  }
  return std::move(response->body);
}

int Issue(const IssueOptions& o) {
  auto pem = ReadFile(o.csr);
  if (!pem.ok()) return ReportError("ca issue", pem.error());
  auto csr = cert::ParseCsrPem(*pem);
  if (!csr.ok()) return ReportError("ca issue", csr.error().WithContext(o.csr));
  std::string certificate;
  if (CaIsServing(o.dir)) {
    auto online = IssueOnline(o.dir, *pem);
    if (!online.ok()) return ReportError("ca issue", online.error());
    certificate = std::move(online).value();
  } else {
    // No CA serving: open it here and commit at once.
    auto service = log::CaService::Open(o.dir, acme::OpenLogStateStore);
    if (!service.ok()) return ReportError("ca issue", service.error());
    auto issued = (*service)->IssueFromCsr(*csr, /*commit_now=*/true);
    if (!issued.ok()) return ReportError("ca issue", issued.error());
    certificate = issued->pem;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  std::string path = o.out + "/cert.pem";
  Status w = WriteFileAtomic(path, certificate, 0644, /*overwrite=*/true);
  if (!w.ok()) return ReportError("ca issue", w.error());
  std::cout << "wrote " << path << "\n";
  return kExitOk;
}

int RotateLog(const std::string& dir) {
  auto next = log::RotateLog(dir, acme::OpenLogStateStore);
  if (!next.ok()) return ReportError("ca rotate-log", next.error());
  std::cout << "issuance moves to log " << *next
            << " when the CA next starts; earlier logs stay served read-only\n";
  return kExitOk;
}

}  // namespace

void RegisterCaCommands(CLI::App& app, int* exit_code) {
  CLI::App* ca = app.add_subcommand("ca", "Run a Merkle Tree Certificates CA");
  ca->require_subcommand(1);

  auto o = std::make_shared<InitOptions>();
  CLI::App* init = ca->add_subcommand(
      "init", "Create a CA: settings (mtc.toml), cosigner key, CA certificate");
  init->add_option("--dir", o->dir, "The CA's directory")->required();
  init->add_option("--ca-id", o->config.ca_id, "CA ID (trust anchor ID)")
      ->capture_default_str();
  init->add_option("--algorithm", o->config.algorithm, "CA cosigner algorithm")
      ->capture_default_str();
  init->add_option("--host", o->config.host, "Host name in the CA's URLs")
      ->capture_default_str();
  init->add_option("--acme-listen", o->config.acme_listen,
                   "ACME HTTPS listener")
      ->capture_default_str();
  init->add_option("--log-listen", o->config.log_listen, "Log HTTP listener")
      ->capture_default_str();
  init->add_option("--http01-port", o->config.http01_port,
                   "Port http-01 validation connects to")
      ->capture_default_str();
  init->add_option("--tls-alpn01-port", o->config.tls_alpn01_port,
                   "Port tls-alpn-01 validation connects to")
      ->capture_default_str();
  init->add_option("--resolve-all-to", o->config.resolve_all_to,
                   "Test mode: validate every identifier against this address");
  init->add_option("--dns-resolver", o->config.dns_resolver,
                   "Resolver for dns-01")
      ->capture_default_str();
  init->add_option("--checkpoint-period", o->checkpoint_period,
                   "Sequencer period (>= 50ms)")
      ->capture_default_str();
  init->add_option("--landmark-interval", o->landmark_interval,
                   "Time between landmarks")
      ->capture_default_str();
  init->add_option("--max-cert-lifetime", o->max_cert_lifetime,
                   "Certificate lifetime; sets max_active_landmarks")
      ->capture_default_str();
  init->add_option("--landmark-retry-spread", o->landmark_retry_spread,
                   "Random spread added to Retry-After")
      ->capture_default_str();
  init->add_option("--storage", o->config.storage,
                   "sqlite or a postgres:// URL")
      ->capture_default_str();
  init->add_option("--max-log-number", o->config.max_log_number,
                   "Highest log number the CA certificate admits")
      ->capture_default_str();
  init->add_option("--orders-per-account-per-minute",
                   o->config.orders_per_account_per_minute,
                   "newOrder rate limit per account (0: none)")
      ->capture_default_str();
  init->callback([=] { *exit_code = Init(*o); });

  auto serve_options = std::make_shared<ServeOptions>();
  CLI::App* serve = ca->add_subcommand(
      "serve",
      "Run the CA: sequencer, landmarks, ACME, and its logs over HTTP "
      "(prints 'log N: URL' when ready; stops on SIGINT/SIGTERM). On "
      "PostgreSQL storage several processes may serve one CA directory; one "
      "holds the sequencer role");
  serve
      ->add_option("--dir", serve_options->dir,
                   "The CA's directory (mtc ca init)")
      ->required();
  serve->add_option("--acme-listen", serve_options->acme_listen,
                    "ACME listener address (default: mtc.toml's acme_listen)");
  serve->add_option("--log-listen", serve_options->log_listen,
                    "Log listener address (default: mtc.toml's log_listen)");
  serve->callback([=] { *exit_code = Serve(*serve_options); });

  auto issue_options = std::make_shared<IssueOptions>();
  CLI::App* issue =
      ca->add_subcommand("issue",
                         "Put a CSR straight into the log (private PKIs "
                         "without ACME) and write the "
                         "standalone certificate; uses the running CA, or the "
                         "directory when none runs");
  issue->add_option("--dir", issue_options->dir, "The CA's directory")
      ->required();
  issue->add_option("--csr", issue_options->csr, "The request (PEM)")
      ->required();
  issue->add_option("--out", issue_options->out, "Directory for cert.pem")
      ->required();
  issue->callback([=] { *exit_code = Issue(*issue_options); });

  auto rotate_dir = std::make_shared<std::string>();
  CLI::App* rotate = ca->add_subcommand("rotate-log",
                                        "Move issuance to the next log number "
                                        "(draft §Log Failures); the CA must be "
                                        "stopped");
  rotate->add_option("--dir", *rotate_dir, "The CA's directory")->required();
  rotate->callback([=] { *exit_code = RotateLog(*rotate_dir); });
}

}  // namespace mtc::cli
