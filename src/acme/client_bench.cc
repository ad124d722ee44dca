#include "acme/client_bench.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "acme/client_csr.h"
#include "mtc/crypto/random.h"
#include "mtc/wire/base64.h"

namespace mtc::acme::client {

namespace {

Result<CsrNames> NamesFor(const std::vector<Identifier>& identifiers) {
  CsrNames names;
  for (const auto& id : identifiers) {
    if (id.type == "dns") {
      names.dns_names.push_back(id.value);
    } else if (id.type == "ip") {
      auto ip = ParseIpAddress(id.value);
      if (!ip.ok()) return ip.error();
      names.ip_addresses.push_back(std::move(*ip));
    } else {
      return Error(ErrorCode::kUnsupported,
                   "identifier type \"" + id.type + "\"");
    }
  }
  return names;
}

// Withdraws a token from the responder when the issuance is done with it.
class ProvidedToken {
 public:
  ProvidedToken(Http01Responder& responder, std::string token)
      : responder_(responder), token_(std::move(token)) {}
  ~ProvidedToken() { responder_.Withdraw(token_); }

 private:
  Http01Responder& responder_;
  std::string token_;
};

}  // namespace

Result<Issuance> Issue(AcmeClient& client, const Account& account,
                       const std::vector<Identifier>& identifiers,
                       Http01Responder& responder, bool poll_alternate,
                       const crypto::PrivateKey* certificate_key) {
  auto order = client.NewOrder(account, identifiers);
  if (!order.ok()) return order.error();
  Issuance out;
  out.order_url = order->url;

  // §7.5: one authorization per identifier; answer its http-01 challenge.
  for (const std::string& url : order->authorizations) {
    auto authz = client.GetAuthorization(account, url);
    if (!authz.ok()) return authz.error();
    if (authz->status == "valid") continue;
    const Challenge* challenge = authz->Find("http-01");
    if (challenge == nullptr) {
      return Error(ErrorCode::kUnsupported,
                   "authorization " + url + " offers no http-01 challenge");
    }
    // §8.3: the resource at /.well-known/acme-challenge/<token> holds the
    // key authorization (§8.1).
    responder.Provide(challenge->token,
                      account.key.KeyAuthorizationFor(challenge->token));
    ProvidedToken provided(responder, challenge->token);
    if (Status s = client.RespondToChallenge(account, *challenge); !s.ok()) {
      return s.error();
    }
    auto done = client.WaitForAuthorization(account, url);
    if (!done.ok()) return done.error();
  }

  // §7.4: finalize with a CSR naming exactly the identifiers.
  auto names = NamesFor(identifiers);
  if (!names.ok()) return names.error();
  std::optional<crypto::PrivateKey> fresh_key;
  if (certificate_key == nullptr) {
    auto key = crypto::PrivateKey::Generate(
        crypto::SignatureAlgorithm::kEcdsaP256Sha256);
    if (!key.ok()) return key.error();
    fresh_key.emplace(std::move(*key));
    certificate_key = &*fresh_key;
  }
  auto csr = BuildCsr(*certificate_key, *names);
  if (!csr.ok()) return csr.error();
  auto finalized = client.Finalize(account, *order, *csr);
  if (!finalized.ok()) return finalized.error();
  if (finalized->status != "valid" || finalized->certificate.empty()) {
    finalized = client.WaitForOrder(account, order->url);
    if (!finalized.ok()) return finalized.error();
  }

  // §7.4.2: download the certificate (for an MTC CA, the standalone one).
  out.certificate_url = finalized->certificate;
  auto chain = client.DownloadCertificate(account, out.certificate_url);
  if (!chain.ok()) return chain.error();
  out.chain = std::move(*chain);

  // Draft §ACME Extensions: the landmark-relative certificate is behind
  // rel="acme-optional-alternate"; a client must never wait for it, so one
  // look is all: 200 with it, or 202 + Retry-After until its landmark.
  out.optional_alternate = out.chain.OptionalAlternate();
  if (poll_alternate && !out.optional_alternate.empty()) {
    auto alt = client.PostAsGet(account, out.optional_alternate);
    if (!alt.ok()) return alt.error();
    if (alt->status != 200 && alt->status != 202) {
      return ReplyError("optional alternate", *alt);
    }
    out.optional_alternate_status = alt->status;
  }
  return out;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least p% of values <= it.
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string BenchSummaryLine(const BenchReport& r) {
  char line[160];
  std::snprintf(line, sizeof line,
                "issuances/s: %.1f p50_ms: %.1f p99_ms: %.1f errors: %llu",
                r.issuances_per_second, r.p50_ms, r.p99_ms,
                static_cast<unsigned long long>(r.errors));
  return line;
}

Result<BenchReport> RunAcmeBench(
    const BenchOptions& options, Http01Responder& responder,
    const std::function<void(const BenchProgress&)>& progress) {
  if (options.concurrency < 1) {
    return Error(ErrorCode::kInvalidArgument, "concurrency must be >= 1");
  }
  if (options.identifier_type != "ip" && options.identifier_type != "dns") {
    return Error(ErrorCode::kInvalidArgument,
                 "identifier type must be ip or dns");
  }
  if (options.identifier_type == "ip") {
    if (auto ip = ParseIpAddress(options.ip_address); !ip.ok()) {
      return ip.error();
    }
  }
  if (options.directories.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no ACME directory");
  }
  int workers = static_cast<int>(std::min<uint64_t>(
      options.concurrency, std::max<uint64_t>(options.orders, 1)));

  if (options.connections < 0) {
    return Error(ErrorCode::kInvalidArgument, "connections must be >= 0");
  }
  // Worker i belongs to directory i % n; each directory has a pool of its
  // own, shared by its workers.
  const size_t n = options.directories.size();
  std::vector<std::shared_ptr<net::HttpClientPool>> pools;
  for (size_t d = 0; d < n; ++d) {
    int directory_workers =
        static_cast<int>((static_cast<size_t>(workers) + n - 1 - d) / n);
    size_t connections =
        options.connections > 0
            ? static_cast<size_t>(options.connections)
            : static_cast<size_t>(std::min(std::max(directory_workers, 1),
                                           kDefaultConnections));
    auto pool = net::HttpClientPool::Create(options.client.http, connections);
    if (!pool.ok()) return pool.error();
    pools.push_back(std::move(*pool));
  }
  // Every worker's client is set up before the clock starts.
  std::vector<AcmeClient> clients;
  clients.reserve(workers);
  for (int i = 0; i < workers; ++i) {
    auto client = AcmeClient::Create(options.directories[i % n], options.client,
                                     pools[i % n]);
    if (!client.ok()) return client.error();
    clients.push_back(std::move(*client));
  }
  // A per-run random label keeps dns names of separate runs apart.
  std::string run_label = wire::Base64UrlEncode(crypto::RandomBytes(6));
  std::transform(
      run_label.begin(), run_label.end(), run_label.begin(),
      [](unsigned char c) { return std::isalnum(c) ? std::tolower(c) : 'x'; });

  std::mutex mu;
  std::vector<double> latencies_ms;  // guarded by mu
  BenchReport report;                // guarded by mu
  report.orders = options.orders;
  report.per_directory.resize(n);
  std::atomic<uint64_t> next{0}, done{0}, errors{0};

  auto start = std::chrono::steady_clock::now();
  auto worker = [&](int index) {
    AcmeClient& client = clients[index];
    DirectoryReport& directory = report.per_directory[index % n];
    std::optional<Account> worker_account;
    std::optional<crypto::PrivateKey> worker_key;
    if (!options.certificate_key_per_order) {
      auto key = crypto::PrivateKey::Generate(
          crypto::SignatureAlgorithm::kEcdsaP256Sha256);
      if (key.ok()) worker_key.emplace(std::move(*key));
    }
    for (;;) {
      if (std::chrono::steady_clock::now() - start > options.max_duration) {
        break;
      }
      uint64_t i = next.fetch_add(1);
      if (i >= options.orders) break;
      auto t0 = std::chrono::steady_clock::now();
      Result<Issuance> issued = Error(ErrorCode::kInternal, "not run");
      std::optional<Account> account = worker_account;
      if (!account) {
        auto key = AccountKey::Generate(JwsAlgorithm::kEs256);
        if (!key.ok()) {
          issued = key.error();
        } else if (auto a = client.NewAccount(*key); !a.ok()) {
          issued = a.error();
        } else {
          account = std::move(*a);
          if (!options.account_per_order) worker_account = account;
        }
      }
      if (account) {
        Identifier id;
        id.type = options.identifier_type;
        id.value = options.identifier_type == "ip"
                       ? options.ip_address
                       : std::to_string(i) + "-" + run_label + "." +
                             options.name_suffix;
        issued =
            Issue(client, *account, {id}, responder,
                  /*poll_alternate=*/true, worker_key ? &*worker_key : nullptr);
      }
      double ms = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
      std::lock_guard<std::mutex> lock(mu);
      if (issued.ok()) {
        latencies_ms.push_back(ms);
        ++directory.issued;
        if (issued->optional_alternate.empty()) {
          ++report.alternates_absent;
        } else if (issued->optional_alternate_status == 200) {
          ++report.alternates_ok;
        } else {
          ++report.alternates_pending;
        }
      } else {
        errors.fetch_add(1);
        ++directory.errors;
        if (report.first_errors.size() < 10) {
          report.first_errors.push_back(issued.error().ToString());
        }
      }
      done.fetch_add(1);
    }
  };

  std::mutex progress_mu;
  std::condition_variable progress_cv;
  bool finished = false;  // guarded by progress_mu
  std::thread reporter;
  if (progress) {
    reporter = std::thread([&] {
      std::unique_lock<std::mutex> lock(progress_mu);
      while (!progress_cv.wait_for(lock, std::chrono::seconds(1),
                                   [&] { return finished; })) {
        progress({done.load(), errors.load(),
                  std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count()});
      }
    });
  }
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back(worker, i);
  }
  for (auto& t : threads) t.join();
  auto end = std::chrono::steady_clock::now();
  if (reporter.joinable()) {
    {
      std::lock_guard<std::mutex> lock(progress_mu);
      finished = true;
    }
    progress_cv.notify_all();
    reporter.join();
  }

  std::sort(latencies_ms.begin(), latencies_ms.end());
  report.issued = latencies_ms.size();
  report.not_started = options.orders - std::min(options.orders, next.load());
  report.errors = errors.load() + report.not_started;
  if (report.not_started > 0 && report.first_errors.size() < 10) {
    report.first_errors.push_back(
        std::to_string(report.not_started) +
        " orders not started: the run reached its time limit");
  }
  report.seconds = std::chrono::duration<double>(end - start).count();
  report.issuances_per_second =
      report.seconds > 0 ? report.issued / report.seconds : 0;
  report.p50_ms = Percentile(latencies_ms, 50);
  report.p99_ms = Percentile(latencies_ms, 99);
  report.max_ms = latencies_ms.empty() ? 0 : latencies_ms.back();
  for (int i = 0; i < workers; ++i) {
    report.requests += clients[i].requests();
    report.bad_nonce_retries += clients[i].bad_nonce_retries();
    report.per_directory[i % n].requests += clients[i].requests();
  }
  for (size_t d = 0; d < n; ++d) {
    report.per_directory[d].url = options.directories[d].url;
    report.per_directory[d].connections_opened = pools[d]->connections_opened();
    report.connections_opened += pools[d]->connections_opened();
  }
  return report;
}

}  // namespace mtc::acme::client
