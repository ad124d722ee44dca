// `mtc acme-bench`: a load generator that runs complete ACME issuances
// (RFC 8555) against a server and reports throughput and latency
// (docs/performance.md, "ACME issuance (acme-bench)").
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "acme/client.h"
#include "acme/client_bench.h"
#include "acme/client_http01.h"
#include "cli_util.h"
#include "net/url.h"

namespace mtc::cli {

namespace {

struct BenchFlags {
  std::vector<std::string> directories;
  std::string ca_bundle;
  std::string http01_host = "127.0.0.1";
  int http01_port = 5002;
  uint64_t orders = 100;
  int concurrency = 8;
  int connections = 0;
  std::string identifier_type = "ip";
  std::string ip = "127.0.0.1";
  std::string name_suffix = "acme-bench.test";
  std::string account = "per-order";
  std::string certificate_key = "per-order";
  int poll_interval_ms = 50;
  int max_poll_wait_ms = 1000;
  int timeout_s = 120;
  int request_timeout_s = 10;
  int max_seconds = 600;
  std::vector<int> server_pids;
  bool quiet = false;
};

// utime + stime of a process in seconds (proc(5): fields 14 and 15 of
// /proc/PID/stat, in clock ticks), or -1 when it cannot be read.
double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // Fields 3..13 precede utime.
  for (int i = 3; i <= 13 && fields >> field; ++i) {
  }
  if (!(fields >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

int RunBench(const BenchFlags& f) {
  const std::string command = "acme-bench";
  if (f.account != "per-order" && f.account != "per-worker") {
    return ReportError(command, Error(ErrorCode::kInvalidArgument,
                                      "--account is per-order or per-worker"));
  }
  if (f.http01_port < 0 || f.http01_port > 65535) {
    return ReportError(command, Error(ErrorCode::kInvalidArgument,
                                      "--http01-port out of range"));
  }
  acme::client::ClientOptions client;
  client.http.ca_file = f.ca_bundle;
  client.http.user_agent = "mtc-acme-bench";
  client.http.timeout = std::chrono::seconds(f.request_timeout_s);
  client.poll.interval = std::chrono::milliseconds(f.poll_interval_ms);
  client.poll.max_wait = std::chrono::milliseconds(f.max_poll_wait_ms);
  client.poll.timeout = std::chrono::seconds(f.timeout_s);

  std::vector<acme::client::Directory> directories;
  for (const std::string& url : f.directories) {
    auto connected = acme::client::AcmeClient::Connect(url, client);
    if (!connected.ok()) return ReportError(command, connected.error());
    directories.push_back(connected->directory());
  }

  auto responder = acme::client::Http01Responder::Start(
      net::FormatHostPort(f.http01_host, static_cast<uint16_t>(f.http01_port)));
  if (!responder.ok()) return ReportError(command, responder.error());

  acme::client::BenchOptions options;
  options.directories = std::move(directories);
  options.client = client;
  options.orders = f.orders;
  options.concurrency = f.concurrency;
  options.connections = f.connections;
  options.identifier_type = f.identifier_type;
  options.ip_address = f.ip;
  options.name_suffix = f.name_suffix;
  options.account_per_order = f.account == "per-order";
  options.certificate_key_per_order = f.certificate_key == "per-order";
  options.max_duration = std::chrono::seconds(f.max_seconds);

  std::vector<double> cpu_before;
  for (int pid : f.server_pids) cpu_before.push_back(ProcessCpuSeconds(pid));
  double self_before = ProcessCpuSeconds(getpid());

  uint64_t last_done = 0;
  auto progress = [&](const acme::client::BenchProgress& p) {
    if (f.quiet) return;
    std::fprintf(stderr,
                 "acme-bench: %5.1f s  %llu/%llu done  %llu errors  %llu/s\n",
                 p.seconds, static_cast<unsigned long long>(p.done),
                 static_cast<unsigned long long>(f.orders),
                 static_cast<unsigned long long>(p.errors),
                 static_cast<unsigned long long>(p.done - last_done));
    last_done = p.done;
  };
  auto report = acme::client::RunAcmeBench(options, **responder, progress);
  (*responder)->Stop();
  if (!report.ok()) return ReportError(command, report.error());

  for (const std::string& e : report->first_errors) {
    std::cerr << "acme-bench: error: " << e << "\n";
  }
  std::fprintf(
      stderr,
      "acme-bench: %llu issued in %.2f s (%llu orders, concurrency %d, "
      "account %s, certificate key %s, %s identifiers); max_ms %.1f; "
      "%llu requests on %llu connections, "
      "%llu badNonce retries; optional alternate: %llu 200, %llu "
      "202, %llu absent; http-01 answers %llu\n",
      static_cast<unsigned long long>(report->issued), report->seconds,
      static_cast<unsigned long long>(f.orders), f.concurrency,
      f.account.c_str(), f.certificate_key.c_str(), f.identifier_type.c_str(),
      report->max_ms, static_cast<unsigned long long>(report->requests),
      static_cast<unsigned long long>(report->connections_opened),
      static_cast<unsigned long long>(report->bad_nonce_retries),
      static_cast<unsigned long long>(report->alternates_ok),
      static_cast<unsigned long long>(report->alternates_pending),
      static_cast<unsigned long long>(report->alternates_absent),
      static_cast<unsigned long long>((*responder)->served()));
  if (report->per_directory.size() > 1) {
    for (size_t d = 0; d < report->per_directory.size(); ++d) {
      const acme::client::DirectoryReport& r = report->per_directory[d];
      std::fprintf(stderr,
                   "acme-bench: directory %zu %s: %llu issued, %llu failed, "
                   "%llu requests on %llu connections\n",
                   d + 1, r.url.c_str(),
                   static_cast<unsigned long long>(r.issued),
                   static_cast<unsigned long long>(r.errors),
                   static_cast<unsigned long long>(r.requests),
                   static_cast<unsigned long long>(r.connections_opened));
    }
  }
  uint64_t attempts = report->issued + report->errors;
  double self_cpu = ProcessCpuSeconds(getpid()) - self_before;
  if (attempts > 0 && self_before >= 0) {
    std::fprintf(stderr, "acme-bench: client cpu_ms/issuance: %.2f\n",
                 1000 * self_cpu / attempts);
  }
  // With several servers, each line divides one process's CPU by all the
  // issuances of the run (not by those it served), so the lines add up to
  // the total printed after them.
  double servers_cpu = 0;
  bool servers_readable = true;
  for (size_t i = 0; i < f.server_pids.size(); ++i) {
    double after = ProcessCpuSeconds(f.server_pids[i]);
    if (cpu_before[i] < 0 || after < 0 || attempts == 0) {
      std::fprintf(stderr, "acme-bench: server pid %d: cpu not readable\n",
                   f.server_pids[i]);
      servers_readable = false;
      continue;
    }
    servers_cpu += after - cpu_before[i];
    std::fprintf(
        stderr,
        "acme-bench: server pid %d cpu_ms/issuance: %.2f (%.2f s cpu)\n",
        f.server_pids[i], 1000 * (after - cpu_before[i]) / attempts,
        after - cpu_before[i]);
  }
  if (f.server_pids.size() > 1 && servers_readable) {
    std::fprintf(stderr,
                 "acme-bench: servers total (%zu pids) cpu_ms/issuance: %.2f "
                 "(%.2f s cpu)\n",
                 f.server_pids.size(), 1000 * servers_cpu / attempts,
                 servers_cpu);
  }
  std::cout << acme::client::BenchSummaryLine(*report) << std::endl;
  return report->errors == 0 ? kExitOk : kExitInvalid;
}

}  // namespace

void RegisterAcmeCommands(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* bench = app.add_subcommand(
      "acme-bench",
      "Run complete ACME issuances (account, order, http-01, finalize, "
      "certificate, optional alternate) against a server and print\n"
      "'issuances/s: X p50_ms: Y p99_ms: Z errors: E'");
  bench
      ->add_option("--directory", f->directories,
                   "ACME directory URL; repeatable: worker i uses the "
                   "(i mod N)th, each directory with its own connections")
      ->required();
  bench->add_option("--ca-bundle", f->ca_bundle,
                    "PEM certificates trusted for the server's TLS "
                    "(default: the system's)");
  bench
      ->add_option("--http01-port", f->http01_port,
                   "Port of the built-in http-01 responder (the server "
                   "validates there)")
      ->capture_default_str();
  bench
      ->add_option("--http01-host", f->http01_host,
                   "Address the responder listens on")
      ->capture_default_str();
  bench->add_option("--orders", f->orders, "Issuances to run")
      ->capture_default_str();
  bench
      ->add_option("--concurrency", f->concurrency,
                   "Issuances in flight at once (one thread each)")
      ->capture_default_str();
  bench
      ->add_option("--connections", f->connections,
                   "HTTPS connections the threads of one directory share "
                   "(0: the smaller of its threads and 64)")
      ->capture_default_str();
  bench
      ->add_option("--identifier-type", f->identifier_type,
                   "ip: every order names --ip (RFC 8738, no DNS needed); "
                   "dns: order i names <i>-<run>.<--name-suffix>")
      ->check(CLI::IsMember({"ip", "dns"}))
      ->capture_default_str();
  bench->add_option("--ip", f->ip, "The IP identifier of every order")
      ->capture_default_str();
  bench
      ->add_option("--name-suffix", f->name_suffix,
                   "Domain under which dns identifiers are made")
      ->capture_default_str();
  bench
      ->add_option("--account", f->account,
                   "per-order: a new account for every order (no "
                   "authorization reuse); per-worker: one per thread")
      ->check(CLI::IsMember({"per-order", "per-worker"}))
      ->capture_default_str();
  bench
      ->add_option("--certificate-key", f->certificate_key,
                   "per-order: each CSR is for a fresh P-256 key; "
                   "per-worker: one key per thread, a new CSR per order")
      ->check(CLI::IsMember({"per-order", "per-worker"}))
      ->capture_default_str();
  bench
      ->add_option("--poll-interval-ms", f->poll_interval_ms,
                   "Wait between polls when the server sends no Retry-After")
      ->capture_default_str();
  bench
      ->add_option("--max-poll-wait-ms", f->max_poll_wait_ms,
                   "Longest wait between polls, whatever Retry-After says")
      ->capture_default_str();
  bench
      ->add_option("--timeout", f->timeout_s,
                   "Seconds one authorization or order may take")
      ->capture_default_str();
  bench
      ->add_option("--request-timeout", f->request_timeout_s,
                   "Seconds one HTTP request may take")
      ->capture_default_str();
  bench
      ->add_option("--max-seconds", f->max_seconds,
                   "Start no order after this many seconds (the rest count "
                   "as errors)")
      ->capture_default_str();
  bench->add_option("--server-pid", f->server_pids,
                    "Report this process's CPU time per issuance "
                    "(/proc/PID/stat; repeatable: each, then the total)");
  bench->add_flag("--quiet", f->quiet, "No progress lines on stderr");
  bench->callback([=] { *exit_code = RunBench(*f); });
}

}  // namespace mtc::cli
