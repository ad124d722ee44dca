// Durable sequencing throughput of one issuance log: the real sequencer,
// commit protocol and storage (a DirectoryTileStore with fsync, a SQLite
// state store), appending `--entries` entries of about 400 bytes as fast as
// the sequencer takes them.
//
// Usage: sequencer_bench --entries N --period MS --dir PATH [--window W]
// Ends with one line: "entries/s: X p99_ms: Y rss_mb: Z", where p99_ms is the
// 99th percentile from Append to the entry's resolved proof, and rss_mb the
// process's resident memory at the end.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "log/directory_tile_store.h"
#include "log/issuance_log.h"
#include "log/sqlite_state_store.h"
#include "mtc/cert/log_entry.h"
#include "mtc/crypto/private_key.h"

namespace {

using Clock = std::chrono::steady_clock;

double RssMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// An MTCLogEntry of 400 bytes whose contents vary with `i`.
std::vector<uint8_t> Entry(uint64_t i) {
  mtc::cert::MtcLogEntry e;
  e.type = mtc::cert::kTbsCertEntry;
  e.tbs_cert_entry_data.assign(396, 0x5a);
  std::memcpy(e.tbs_cert_entry_data.data(), &i, sizeof(i));
  return mtc::cert::SerializeMtcLogEntry(e).value();
}

int Usage() {
  std::fprintf(stderr,
               "usage: sequencer_bench --entries N --period MS --dir PATH "
               "[--window W]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t entries = 0, period_ms = 0, window = 0;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--entries")
      entries = std::stoull(argv[i + 1]);
    else if (flag == "--period")
      period_ms = std::stoull(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
    else if (flag == "--window")
      window = std::stoull(argv[i + 1]);
    else
      return Usage();
  }
  if (entries == 0 || period_ms == 0 || dir.empty()) return Usage();
  // By default keep two periods' worth of the target rate in flight.
  if (window == 0)
    window = std::max<uint64_t>(1000, 2 * 200'000 * period_ms / 1000);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto key = mtc::crypto::PrivateKey::Generate(
      mtc::crypto::SignatureAlgorithm::kMlDsa44);
  auto tiles = mtc::log::DirectoryTileStore::Open(dir + "/log1");
  auto state = mtc::log::SqliteLogStateStore::Open(dir + "/state.db");
  if (!key.ok() || !tiles.ok() || !state.ok()) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  mtc::log::IssuanceLogOptions options{
      mtc::cert::TrustAnchorId::FromAscii("32473.1").value()};
  options.checkpoint_period = std::chrono::milliseconds(period_ms);
  options.max_pending = window * 2;
  auto log =
      mtc::log::IssuanceLog::Open(options, &*key, tiles->get(), state->get());
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.error().ToString().c_str());
    return 1;
  }
  (*log)->Start();

  struct InFlight {
    Clock::time_point start;
    std::future<mtc::Result<mtc::log::IssuedEntry>> done;
  };
  std::deque<InFlight> in_flight;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(entries);
  uint64_t errors = 0, next_report = entries / 10;
  auto finish_one = [&] {
    InFlight f = std::move(in_flight.front());
    in_flight.pop_front();
    auto r = f.done.get();
    if (!r.ok()) errors++;
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - f.start)
            .count());
  };
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < entries; i++) {
    while (in_flight.size() >= window) finish_one();
    in_flight.push_back({Clock::now(), (*log)->Append(Entry(i))});
    if (i + 1 == next_report) {
      std::fprintf(stderr, "  %llu entries appended, %.0f MB resident\n",
                   static_cast<unsigned long long>(i + 1), RssMb());
      next_report += entries / 10;
    }
  }
  while (!in_flight.empty()) finish_one();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  (*log)->Stop();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  double p50 = latencies_ms[latencies_ms.size() / 2];
  double p99 = latencies_ms[latencies_ms.size() * 99 / 100];
  std::fprintf(stderr, "  tree size %llu, %llu errors, p50 %.1f ms, %.2f s\n",
               static_cast<unsigned long long>((*log)->head().size),
               static_cast<unsigned long long>(errors), p50, seconds);
  std::printf("entries/s: %.0f p99_ms: %.1f rss_mb: %.0f\n", entries / seconds,
              p99, RssMb());
  return errors == 0 ? 0 : 1;
}
