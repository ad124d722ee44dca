// One complete ACME issuance as a client performs it, and the load
// generator behind `mtc acme-bench` that runs many of them at once.
#ifndef MTC_ACME_CLIENT_BENCH_H_
#define MTC_ACME_CLIENT_BENCH_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/client_http01.h"
#include "mtc/base/result.h"
#include "mtc/crypto/private_key.h"

namespace mtc::acme::client {

// What one issuance obtained.
struct Issuance {
  std::string order_url;
  std::string certificate_url;
  CertificateChain chain;
  // The rel="acme-optional-alternate" URL (draft §ACME Extensions), and the
  // status of the one POST-as-GET made on it (200 with the
  // landmark-relative certificate, or 202 + Retry-After before its
  // landmark); 0 when the server offered no such link.
  std::string optional_alternate;
  int optional_alternate_status = 0;
};

// RFC 8555 §7.4 from a newly created order to the certificate: fetches each
// authorization, answers its http-01 challenge through `responder` (§8.3),
// waits for it to become valid, finalizes with a CSR naming exactly the
// identifiers, waits for the order, downloads the certificate, and polls
// its optional alternate once when `poll_alternate`. The CSR is for
// `certificate_key`, or for a fresh P-256 key when it is null.
// Authorizations already valid (reused, §7.1.3) are skipped.
Result<Issuance> Issue(AcmeClient& client, const Account& account,
                       const std::vector<Identifier>& identifiers,
                       Http01Responder& responder, bool poll_alternate = true,
                       const crypto::PrivateKey* certificate_key = nullptr);

struct BenchOptions {
  // Fetched once by the caller; at least one. Worker i sends all its orders
  // to directories[i % directories.size()] (several servers of one CA, say),
  // through that directory's own connection pool.
  std::vector<Directory> directories;
  ClientOptions client;
  uint64_t orders = 100;
  // Issuances in flight at once, one thread each.
  int concurrency = 8;
  // HTTPS connections the workers of one directory share (one
  // net::HttpClientPool per directory); 0 means min(that directory's
  // workers, kDefaultConnections).
  int connections = 0;
  // "ip": every order names `ip_address` (RFC 8738; needs no DNS);
  // "dns": order i names "<i>-<random>.<name_suffix>", which the server
  // must resolve to the responder.
  std::string identifier_type = "ip";
  std::string ip_address = "127.0.0.1";
  std::string name_suffix = "acme-bench.test";
  // true: a new account (and key) for every order, so no authorization is
  // ever reused; false: one account per worker (with "dns" identifiers,
  // each order still names a new name, so it still needs its own
  // authorization and challenge).
  bool account_per_order = true;
  // true: each CSR is for a fresh P-256 key; false: each worker generates
  // one key and puts it in a new CSR for every order.
  bool certificate_key_per_order = true;
  // No order starts after this much time; orders left unstarted count as
  // errors, so a server that stops answering ends the run.
  std::chrono::milliseconds max_duration{600'000};
};

inline constexpr int kDefaultConnections = 64;

struct BenchProgress {
  uint64_t done = 0;
  uint64_t errors = 0;
  double seconds = 0;
};

// One directory's share of a run.
struct DirectoryReport {
  std::string url;
  uint64_t issued = 0;
  uint64_t errors = 0;  // failed issuances (orders never started are not
                        // any directory's)
  uint64_t requests = 0;
  uint64_t connections_opened = 0;
};

struct BenchReport {
  uint64_t orders = 0;
  uint64_t issued = 0;
  uint64_t errors = 0;
  double seconds = 0;  // first request to last answer
  double issuances_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  uint64_t requests = 0;
  uint64_t bad_nonce_retries = 0;
  uint64_t connections_opened = 0;
  uint64_t alternates_ok = 0;             // answered 200
  uint64_t alternates_pending = 0;        // answered 202
  uint64_t alternates_absent = 0;         // certificate had no such link
  uint64_t not_started = 0;               // orders skipped after max_duration
  std::vector<std::string> first_errors;  // up to 10
  // In the order of BenchOptions::directories; the totals above are their
  // sums.
  std::vector<DirectoryReport> per_directory;
};

// Runs `options.orders` issuances on `options.concurrency` threads, each
// with its own AcmeClient (and nonce) for its directory, the threads of one
// directory sending through one pool of `options.connections` connections,
// all answering challenges through `responder` (the servers of all the
// directories must validate at its port).
// `progress` (may be empty) is called about once a second from a separate
// thread. Fails only when no client can be set up; failed issuances are
// counted in the report.
Result<BenchReport> RunAcmeBench(
    const BenchOptions& options, Http01Responder& responder,
    const std::function<void(const BenchProgress&)>& progress);

// "issuances/s: X p50_ms: Y p99_ms: Z errors: E".
std::string BenchSummaryLine(const BenchReport& report);

// The nearest-rank percentile (0 < p <= 100) of `sorted` (ascending); 0 for
// an empty input.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace mtc::acme::client

#endif  // MTC_ACME_CLIENT_BENCH_H_
