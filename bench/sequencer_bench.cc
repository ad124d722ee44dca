// Durable sequencing of one issuance log: the real sequencer, commit
// protocol and storage (a DirectoryTileStore with its file-system syncs, a
// SQLite state store), appending `--entries` MTCLogEntries of 400 bytes.
//
// Usage: sequencer_bench --entries N --period MS --dir PATH
//                        [--window W] [--rate R] [--futures]
//
// Without --rate the bench appends as fast as the sequencer takes entries,
// keeping at most W appended and not yet resolved (default: one period's
// worth of 250,000 entries/s, at least 1,000), and the log's max_pending is
// W, so Append never fails. With --rate it appends R entries per second on
// a fixed schedule (the window still bounds what is in flight), to measure
// latency at a given load.
//
// Entries are appended with the callback form of Append; a second thread
// takes the resolved entries and builds each one's inclusion proof, as a
// CA's request threads do before assembling certificates. With --futures
// each entry is appended with the future form instead and that thread waits
// on the futures in order (what src/log/ca_service.cc does).
//
// Latency is from the Append call to the moment the entry's inclusion proof
// is built, for every entry. Ends with one line: "entries/s: X p99_ms: Y
// rss_mb: Z", rss_mb being the process's resident memory at the end; lines
// before it give p50, the largest resident memory seen (sampled every
// 100 ms), that largest memory less the memory before the first append per
// entry of the window, and where the commits spent their time.
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
#include <span>
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

// MTCLogEntries of 400 bytes whose contents vary with the index: one is
// serialized, and its tbs_cert_entry_data's first 8 bytes replaced.
class Entries {
 public:
  Entries() {
    mtc::cert::MtcLogEntry e;
    e.type = mtc::cert::kTbsCertEntry;
    e.tbs_cert_entry_data.assign(396, 0x5a);
    bytes_ = mtc::cert::SerializeMtcLogEntry(e).value();
    offset_ = bytes_.size() - e.tbs_cert_entry_data.size();
  }
  std::span<const uint8_t> Get(uint64_t i) {
    std::memcpy(bytes_.data() + offset_, &i, sizeof(i));
    return bytes_;
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t offset_;
};

// Latencies in 0.1 ms buckets up to 100 s: fixed memory whatever the count.
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
  std::vector<uint32_t> counts_ = std::vector<uint32_t>(1'000'000);
  uint64_t total_ = 0;
};

int Usage() {
  std::fprintf(stderr,
               "usage: sequencer_bench --entries N --period MS --dir PATH "
               "[--window W] [--rate R] [--futures]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t entries = 0, period_ms = 0, window = 0, rate = 0;
  std::string dir;
  bool futures = false;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--futures") {
      futures = true;
      i--;
      continue;
    }
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

  // The producer (this thread) keeps at most `window` entries appended and
  // not yet proved; a second thread, the consumer, takes resolved entries
  // and builds their proofs.
  struct InFlight {
    Clock::time_point start;
    std::future<mtc::Result<mtc::log::IssuedEntry>> done;
  };
  struct Resolved {
    Clock::time_point start;
    mtc::Result<mtc::log::IssuedEntry> issued;
  };
  std::mutex mu;
  std::condition_variable changed;
  std::deque<InFlight> in_flight;  // --futures; guarded by mu
  std::vector<Resolved> resolved;  // callbacks; guarded by mu
  uint64_t unresolved = 0;         // appended, not yet proved; guarded by mu
  Histogram latencies;             // owned by the consumer thread
  uint64_t errors = 0;             // owned by the consumer thread
  // Records one entry's outcome once its proof is built.
  auto prove = [&](Clock::time_point start,
                   const mtc::Result<mtc::log::IssuedEntry>& r) {
    if (r.ok()) {
      mtc::merkle::Proof proof = r->InclusionProof();
      if (proof.empty() && r->subtree.end - r->subtree.start > 1) errors++;
    } else {
      errors++;
    }
    latencies.Add(
        std::chrono::duration<double, std::milli>(Clock::now() - start)
            .count());
  };
  // Called when `n` entries are proved: lets the producer go on.
  auto release = [&](uint64_t n) {
    bool was_full;
    {
      std::lock_guard<std::mutex> lock(mu);
      was_full = unresolved == window;
      unresolved -= n;
    }
    if (was_full) changed.notify_all();
  };
  std::thread consumer([&] {
    if (futures) {
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
        prove(f.start, f.done.get());
        release(1);
      }
      return;
    }
    std::vector<Resolved> taken;
    for (uint64_t n = 0; n < entries;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        std::swap(taken, resolved);
      }
      if (taken.empty()) {
        // Poll, as above: the sequencer hands entries over without waking
        // anyone.
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      for (const Resolved& r : taken) prove(r.start, r.issued);
      n += taken.size();
      release(taken.size());
      taken.clear();
    }
  });
  std::atomic<bool> sampling{true};
  std::atomic<double> max_rss{0};
  double start_rss = RssMb();
  std::thread sampler([&] {
    while (sampling.load()) {
      double rss = RssMb();
      if (rss > max_rss.load()) max_rss.store(rss);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  struct Handoff {
    std::mutex& mu;
    std::vector<Resolved>& resolved;
  } handoff{mu, resolved};
  Entries source;
  uint64_t next_report = std::max<uint64_t>(1, entries / 10);
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < entries; i++) {
    if (rate > 0) {
      std::this_thread::sleep_until(
          t0 + std::chrono::nanoseconds(i * 1'000'000'000 / rate));
    }
    std::span<const uint8_t> entry = source.Get(i);
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return unresolved < window; });
      unresolved++;
    }
    Clock::time_point start = Clock::now();
    if (futures) {
      auto done =
          (*log)->Append(std::vector<uint8_t>(entry.begin(), entry.end()));
      {
        std::lock_guard<std::mutex> lock(mu);
        in_flight.push_back({start, std::move(done)});
      }
      changed.notify_all();
    } else {
      // On the sequencer thread: hand the entry to the consumer. Two
      // words of capture, which std::function keeps without allocating.
      (*log)->Append(
          entry, [h = &handoff, start](mtc::Result<mtc::log::IssuedEntry> r) {
            std::lock_guard<std::mutex> lock(h->mu);
            h->resolved.push_back({start, std::move(r)});
          });
    }
    if (i + 1 == next_report) {
      std::fprintf(stderr, "  %llu entries appended, %.0f MB resident\n",
                   static_cast<unsigned long long>(i + 1), RssMb());
      next_report += std::max<uint64_t>(1, entries / 10);
    }
  }
  consumer.join();
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  (*log)->Stop();
  sampling.store(false);
  sampler.join();

  auto s = [](std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
  };
  std::fprintf(
      stderr,
      "  tree size %llu, %llu errors, %.2f s, p50 %.1f ms, "
      "largest RSS %.0f MB (%.0f MB before appending: %.0f bytes "
      "per entry of the window)\n",
      static_cast<unsigned long long>((*log)->head().size),
      static_cast<unsigned long long>(errors), seconds,
      latencies.Percentile(0.50), max_rss.load(), start_rss,
      (max_rss.load() - start_rss) * 1024 * 1024 / static_cast<double>(window));
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
