// Durable sequencing of one issuance log: the real sequencer, commit
// protocol and storage (a DirectoryTileStore with its file-system syncs, a
// SQLite state store), appending `--entries` MTCLogEntries of 400 bytes.
//
// Usage: sequencer_bench --entries N --period MS --dir PATH
//                        [--window W] [--rate R]
//
// Without --rate the bench appends as fast as the sequencer takes entries,
// keeping at most W appended and not yet resolved (default: one period's
// worth of 250,000 entries/s, at least 1,000), and the log's max_pending is
// W, so Append never fails. With --rate it appends R entries per second on
// a fixed schedule (the window still bounds what is in flight), to measure
// latency at a given load.
//
// Latency is from the Append call to the moment the entry's resolved
// proof is taken from its future, for every entry. Ends with one line:
// "entries/s: X p99_ms: Y rss_mb: Z", rss_mb being the process's resident
// memory at the end; lines before it give p50, the largest resident memory
// seen (sampled every 100 ms) and where the commits spent their time.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
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

// Latencies in 0.1 ms buckets up to 600 s: fixed memory whatever the count.
class Histogram {
 public:
  void Add(double ms) {
    size_t b = static_cast<size_t>(ms * 10);
    counts_[std::min(b, counts_.size() - 1)]++;
    total_++;
  }
  double Percentile(double p) const {
    uint64_t rank = static_cast<uint64_t>(p * static_cast<double>(total_));
    uint64_t seen = 0;
    for (size_t b = 0; b < counts_.size(); b++) {
      seen += counts_[b];
      if (seen > rank) return static_cast<double>(b + 1) / 10;
    }
    return static_cast<double>(counts_.size()) / 10;
  }

 private:
  std::vector<uint32_t> counts_ = std::vector<uint32_t>(6'000'000);
  uint64_t total_ = 0;
};

int Usage() {
  std::fprintf(stderr,
               "usage: sequencer_bench --entries N --period MS --dir PATH "
               "[--window W] [--rate R]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t entries = 0, period_ms = 0, window = 0, rate = 0;
  std::string dir;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (i + 1 >= argc) return Usage();
    if (flag == "--entries")
      entries = std::stoull(argv[i + 1]);
    else if (flag == "--period")
      period_ms = std::stoull(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
    else if (flag == "--window")
      window = std::stoull(argv[i + 1]);
    else if (flag == "--rate")
      rate = std::stoull(argv[i + 1]);
    else
      return Usage();
  }
  if (entries == 0 || period_ms == 0 || dir.empty()) return Usage();
  if (window == 0) window = std::max<uint64_t>(1000, 250 * period_ms);
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

  // Where the commits spent their time (written on the sequencer thread,
  // read after Stop()).
  mtc::log::CommitStats total;
  uint64_t commits = 0, largest_commit = 0;
  mtc::log::IssuanceLogOptions options{
      mtc::cert::TrustAnchorId::FromAscii("32473.1").value()};
  options.checkpoint_period = std::chrono::milliseconds(period_ms);
  options.max_pending = window;
  options.on_commit = [&](const mtc::log::CommitStats& s) {
    commits++;
    largest_commit = std::max(largest_commit, s.entries);
    total.entries += s.entries;
    total.prepare += s.prepare;
    total.stage += s.stage;
    total.commit += s.commit;
    total.publish += s.publish;
    total.sign += s.sign;
    total.resolve += s.resolve;
  };
  auto log =
      mtc::log::IssuanceLog::Open(options, &*key, tiles->get(), state->get());
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.error().ToString().c_str());
    return 1;
  }
  (*log)->Start();

  // Appended entries in order; a second thread waits for each to resolve.
  struct InFlight {
    Clock::time_point start;
    std::future<mtc::Result<mtc::log::IssuedEntry>> done;
  };
  std::mutex mu;
  std::condition_variable changed;
  std::deque<InFlight> in_flight;  // guarded by mu
  uint64_t unresolved = 0;         // appended, not yet resolved; guarded by mu
  Histogram latencies;             // owned by the waiter thread
  uint64_t errors = 0;             // owned by the waiter thread
  std::thread waiter([&] {
    for (uint64_t n = 0; n < entries; n++) {
      InFlight f;
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&] { return !in_flight.empty(); });
        f = std::move(in_flight.front());
        in_flight.pop_front();
      }
      // Poll rather than block: a blocked waiter costs the sequencer a
      // wake-up per entry, which a CA's many request threads would not
      // (they wait on different entries). 0.1 ms is the histogram's
      // resolution.
      while (f.done.wait_for(std::chrono::seconds(0)) !=
             std::future_status::ready) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      auto end = Clock::now();
      auto r = f.done.get();
      if (!r.ok()) errors++;
      latencies.Add(
          std::chrono::duration<double, std::milli>(end - f.start).count());
      bool was_full;
      {
        std::lock_guard<std::mutex> lock(mu);
        was_full = unresolved == window;
        unresolved--;
      }
      if (was_full) changed.notify_all();
    }
  });
  std::atomic<bool> sampling{true};
  std::atomic<double> max_rss{0};
  std::thread sampler([&] {
    while (sampling.load()) {
      double rss = RssMb();
      if (rss > max_rss.load()) max_rss.store(rss);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  uint64_t next_report = std::max<uint64_t>(1, entries / 10);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < entries; i++) {
    if (rate > 0) {
      std::this_thread::sleep_until(
          t0 + std::chrono::nanoseconds(i * 1'000'000'000 / rate));
    }
    std::vector<uint8_t> entry = Entry(i);
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return unresolved < window; });
      unresolved++;
      in_flight.push_back({Clock::now(), (*log)->Append(std::move(entry))});
    }
    changed.notify_all();
    if (i + 1 == next_report) {
      std::fprintf(stderr, "  %llu entries appended, %.0f MB resident\n",
                   static_cast<unsigned long long>(i + 1), RssMb());
      next_report += std::max<uint64_t>(1, entries / 10);
    }
  }
  waiter.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  (*log)->Stop();
  sampling.store(false);
  sampler.join();

  auto s = [](std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
  };
  std::fprintf(stderr,
               "  tree size %llu, %llu errors, %.2f s, p50 %.1f ms, "
               "largest RSS %.0f MB\n",
               static_cast<unsigned long long>((*log)->head().size),
               static_cast<unsigned long long>(errors), seconds,
               latencies.Percentile(0.50), max_rss.load());
  std::fprintf(stderr,
               "  %llu commits (largest %llu entries); seconds spent: "
               "prepare %.2f, stage %.2f, commit %.2f, publish %.2f, "
               "sign %.2f, resolve %.2f\n",
               static_cast<unsigned long long>(commits),
               static_cast<unsigned long long>(largest_commit),
               s(total.prepare), s(total.stage), s(total.commit),
               s(total.publish), s(total.sign), s(total.resolve));
  std::printf("entries/s: %.0f p99_ms: %.1f rss_mb: %.0f\n", entries / seconds,
              latencies.Percentile(0.99), RssMb());
  return errors == 0 ? 0 : 1;
}
