#include "acme/shared_sequencer.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "mtc/cert/mtc_proof.h"

namespace mtc::acme {

namespace {

constexpr int64_t kHandoffSchemaVersion = 1;
// Rows are deleted by the process that submitted them once it read them;
// the holder removes finished rows nobody came back for after this long.
constexpr int64_t kFinishedRowLifetime = 3600;
// How often a process checks the role, and the holder looks for new rows.
constexpr auto kSuperviseEvery = std::chrono::milliseconds(250);
constexpr auto kWorkEvery = std::chrono::milliseconds(20);
// How long Stop() waits for entries in flight.
constexpr auto kStopGrace = std::chrono::seconds(10);
constexpr int64_t kClaimBatch = 1000;

constexpr std::string_view kHandoffSchema = R"sql(
CREATE TABLE mtc_handoff (
  id ${seq},
  entry ${blob} NOT NULL,
  state TEXT NOT NULL,
  log_number ${int},
  idx ${int},
  proof ${blob},
  error TEXT,
  created_at ${int} NOT NULL
);
CREATE INDEX mtc_handoff_state ON mtc_handoff (state, id)
)sql";

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

Status Executed(const Result<int64_t>& affected) {
  if (!affected.ok()) return affected.error();
  return OkStatus();
}

// A PostgreSQL array literal of ids, for "id = ANY($1::bigint[])".
std::string IdArray(const std::vector<int64_t>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); i++) {
    if (i > 0) out += ",";
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

}  // namespace

Result<std::unique_ptr<SharedSequencer>> SharedSequencer::Start(
    log::CaService* ca, const std::string& conninfo,
    std::function<void()> on_lost) {
  MTC_ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(conninfo, 2));
  MTC_RETURN_IF_ERROR(log::CreateOrCheckSchema(
      *db, "handoff", kHandoffSchemaVersion,
      log::SchemaForDialect(kHandoffSchema, db->dialect())));
  // The role is per CA and per schema: two CAs, or two test schemas, in one
  // cluster do not compete.
  MTC_ASSIGN_OR_RETURN(std::string schema,
                       db->Transact<std::string>(
                           log::SqlMode::kRead,
                           [](log::SqlTransaction& tx) -> Result<std::string> {
                             MTC_ASSIGN_OR_RETURN(
                                 auto row,
                                 tx.QueryOne("SELECT current_schema()::text"));
                             if (!row) return std::string();
                             return row->Text(0);
                           }));
  MTC_ASSIGN_OR_RETURN(
      auto lease,
      SequencerLease::Open(conninfo,
                           "sequencer " + ca->config().ca_id + " " + schema));
  std::unique_ptr<SharedSequencer> s(new SharedSequencer(
      ca, std::move(db), std::move(lease), std::move(on_lost)));
  SharedSequencer* self = s.get();
  ca->SetForwarder([self](std::vector<uint8_t> entry, log::ForwardDone done) {
    return self->Forward(std::move(entry), std::move(done));
  });
  MTC_RETURN_IF_ERROR(s->TryTakeRole(/*at_start=*/true));
  s->supervisor_ = std::thread([self] { self->Supervise(); });
  s->worker_ = std::thread([self] { self->Work(); });
  return s;
}

SharedSequencer::~SharedSequencer() { Stop(); }

size_t SharedSequencer::outstanding() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

Status SharedSequencer::TryTakeRole(bool at_start) {
  bool acquired = false;
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    MTC_ASSIGN_OR_RETURN(acquired, lease_->TryAcquire());
  }
  if (!acquired) return OkStatus();
  // Whatever the previous holder claimed may or may not be in the log: fail
  // it rather than append it a second time.
  MTC_ASSIGN_OR_RETURN(
      int64_t failed,
      db_->Transact<int64_t>(log::SqlMode::kWrite, [](log::SqlTransaction& tx) {
        return tx.Execute(
            "UPDATE mtc_handoff SET state = 'failed', error = $1 "
            "WHERE state = 'claimed'",
            {std::string("the sequencer stopped while this entry was in "
                         "flight; order again")});
      }));
  MTC_RETURN_IF_ERROR(ca_->BecomeSequencer([this] { return CheckRole(); }));
  holder_.store(true);
  if (at_start && failed == 0) return OkStatus();  // `mtc ca serve` says so
  auto size = ca_->CommittedSize();
  std::printf(
      "sequencer role: taken (tree size %llu, %lld entries of the "
      "previous holder failed)\n",
      static_cast<unsigned long long>(size.ok() ? *size : 0),
      static_cast<long long>(failed));
  std::fflush(stdout);
  return OkStatus();
}

Status SharedSequencer::CheckRole() {
  if (lost_.load()) {
    return Error(ErrorCode::kUnavailable, "the sequencer role was lost");
  }
  Result<bool> held = false;
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    held = lease_->Held();
  }
  if (held.ok() && *held) return OkStatus();
  std::string why = held.ok() ? "another session holds the sequencer role"
                              : held.error().message();
  Lose(why);
  return Error(ErrorCode::kUnavailable, "lost the sequencer role: " + why);
}

void SharedSequencer::Lose(const std::string& why) {
  if (lost_.exchange(true)) return;
  std::fprintf(stderr, "sequencer role lost: %s; stopping\n", why.c_str());
  if (on_lost_) on_lost_();
}

Status SharedSequencer::Forward(std::vector<uint8_t> entry,
                                log::ForwardDone done) {
  MTC_ASSIGN_OR_RETURN(
      int64_t id, db_->Transact<int64_t>(
                      log::SqlMode::kWrite,
                      [&](log::SqlTransaction& tx) -> Result<int64_t> {
                        MTC_ASSIGN_OR_RETURN(
                            auto row,
                            tx.QueryOne("INSERT INTO mtc_handoff "
                                        "(entry, state, created_at) VALUES "
                                        "($1, 'new', $2) RETURNING id",
                                        {log::SqlBlob(entry), Now()}));
                        if (!row)
                          return Error(ErrorCode::kInternal, "no id returned");
                        return row->Int(0);
                      }));
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting_.emplace(id, std::move(done));
  }
  wake_.notify_all();
  return OkStatus();
}

Status SharedSequencer::Pump() {
  if (!holder_.load() || lost_.load() || !claiming_.load()) return OkStatus();
  // Claimed before they are appended: see TryTakeRole.
  MTC_ASSIGN_OR_RETURN(
      std::vector<log::SqlRow> rows,
      db_->Transact<std::vector<log::SqlRow>>(
          log::SqlMode::kWrite, [](log::SqlTransaction& tx) {
            return tx.Query(
                "UPDATE mtc_handoff SET state = 'claimed' WHERE id IN "
                "(SELECT id FROM mtc_handoff WHERE state = 'new' "
                "ORDER BY id LIMIT $1) RETURNING id, entry",
                {kClaimBatch});
          }));
  if (rows.empty()) return OkStatus();
  {
    std::lock_guard<std::mutex> lock(mu_);
    appended_ += rows.size();
  }
  for (const log::SqlRow& row : rows) {
    MTC_ASSIGN_OR_RETURN(int64_t id, row.Int(0));
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> entry, row.Blob(1));
    ca_->log().Append(entry, [this, id](Result<log::IssuedEntry> outcome) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        finished_.push_back({id, std::move(outcome)});
      }
      wake_.notify_all();
    });
  }
  return OkStatus();
}

Status SharedSequencer::WriteBack() {
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(finished, finished_);
  }
  if (finished.empty()) return OkStatus();
  Status written = db_->InTransaction(
      log::SqlMode::kWrite, [&](log::SqlTransaction& tx) -> Status {
        for (const Finished& f : finished) {
          std::vector<uint8_t> proof;
          std::string error;
          if (f.outcome.ok()) {
            auto bytes = cert::SerializeMtcProof(f.outcome->Proof());
            if (bytes.ok()) {
              proof = std::move(bytes).value();
            } else {
              error = bytes.error().message();
            }
          } else {
            error = f.outcome.error().message();
          }
          if (error.empty()) {
            MTC_RETURN_IF_ERROR(Executed(tx.Execute(
                "UPDATE mtc_handoff SET state = 'issued', "
                "log_number = $2, idx = $3, proof = $4 "
                "WHERE id = $1 AND state = 'claimed'",
                {f.id, static_cast<int64_t>(f.outcome->log_number),
                 static_cast<int64_t>(f.outcome->index), std::move(proof)})));
          } else {
            MTC_RETURN_IF_ERROR(Executed(
                tx.Execute("UPDATE mtc_handoff SET state = 'failed', "
                           "error = $2 WHERE id = $1 AND state = 'claimed'",
                           {f.id, error})));
          }
        }
        return OkStatus();
      });
  if (!written.ok()) {
    // Kept for the next attempt: the entries are committed, their rows
    // must learn so.
    std::lock_guard<std::mutex> lock(mu_);
    finished_.insert(finished_.begin(),
                     std::make_move_iterator(finished.begin()),
                     std::make_move_iterator(finished.end()));
    return written;
  }
  std::lock_guard<std::mutex> lock(mu_);
  appended_ -= finished.size();
  return OkStatus();
}

Status SharedSequencer::Collect() {
  std::vector<int64_t> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, done] : waiting_) ids.push_back(id);
  }
  if (ids.empty()) return OkStatus();
  MTC_ASSIGN_OR_RETURN(
      std::vector<log::SqlRow> rows,
      db_->Transact<std::vector<log::SqlRow>>(
          log::SqlMode::kRead, [&](log::SqlTransaction& tx) {
            return tx.Query(
                "SELECT id, state, log_number, idx, proof, error "
                "FROM mtc_handoff WHERE id = ANY($1::bigint[]) "
                "AND state IN ('issued', 'failed')",
                {IdArray(ids)});
          }));
  if (rows.empty()) return OkStatus();
  std::vector<std::pair<log::ForwardDone, Result<log::ForwardedProof>>> ready;
  std::vector<int64_t> done_ids;
  for (const log::SqlRow& row : rows) {
    MTC_ASSIGN_OR_RETURN(int64_t id, row.Int(0));
    MTC_ASSIGN_OR_RETURN(std::string state, row.Text(1));
    Result<log::ForwardedProof> outcome =
        Error(ErrorCode::kInternal, "unreadable hand-over row");
    if (state == "issued") {
      auto log_number = row.Int(2);
      auto index = row.U64(3);
      auto proof = row.Blob(4);
      if (log_number.ok() && index.ok() && proof.ok()) {
        outcome = log::ForwardedProof{static_cast<uint32_t>(*log_number),
                                      *index, std::move(proof).value()};
      }
    } else {
      auto error = row.Text(5);
      outcome = Error(ErrorCode::kUnavailable,
                      error.ok() ? *error : "the sequencer failed the entry");
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waiting_.find(id);
    if (it == waiting_.end()) continue;
    ready.emplace_back(std::move(it->second), std::move(outcome));
    waiting_.erase(it);
    done_ids.push_back(id);
  }
  for (auto& [done, outcome] : ready) done(std::move(outcome));
  return db_->InTransaction(log::SqlMode::kWrite, [&](log::SqlTransaction& tx) {
    return Executed(
        tx.Execute("DELETE FROM mtc_handoff WHERE id = ANY($1::bigint[])",
                   {IdArray(done_ids)}));
  });
}

void SharedSequencer::Supervise() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, kSuperviseEvery);
    if (stop_) break;
    lock.unlock();
    if (lost_.load()) {
      // Nothing more to do: the process is stopping.
    } else if (holder_.load()) {
      (void)CheckRole();
    } else {
      Status s = TryTakeRole(/*at_start=*/false);
      if (!s.ok()) {
        std::fprintf(stderr, "sequencer role: %s\n",
                     s.error().ToString().c_str());
      }
    }
    lock.lock();
  }
}

void SharedSequencer::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, kWorkEvery);
    if (stop_) break;
    lock.unlock();
    for (Status s : {Pump(), WriteBack(), Collect()}) {
      if (!s.ok()) {
        std::fprintf(stderr, "entry hand-over: %s\n",
                     s.error().ToString().c_str());
      }
    }
    if (holder_.load() && Now() - last_cleanup_ > 60) {
      last_cleanup_ = Now();
      (void)db_->InTransaction(
          log::SqlMode::kWrite, [](log::SqlTransaction& tx) {
            return Executed(
                tx.Execute("DELETE FROM mtc_handoff WHERE state IN "
                           "('issued', 'failed') AND created_at < $1",
                           {Now() - kFinishedRowLifetime}));
          });
    }
    lock.lock();
  }
}

void SharedSequencer::Stop() {
  claiming_.store(false);
  // The entries in flight, both ways, get a bounded time to finish.
  auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || (waiting_.empty() && appended_ == 0)) break;
    }
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(kWorkEvery);
  }
  std::map<int64_t, log::ForwardDone> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    std::swap(waiting, waiting_);
  }
  wake_.notify_all();
  if (supervisor_.joinable()) supervisor_.join();
  if (worker_.joinable()) worker_.join();
  for (auto& [id, done] : waiting) {
    done(Error(ErrorCode::kUnavailable,
               "stopped before the sequencer answered for this entry"));
  }
}

}  // namespace mtc::acme
