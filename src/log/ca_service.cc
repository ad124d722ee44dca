#include "log/ca_service.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <future>
#include <sstream>

#include "log/sqlite_state_store.h"
#include "mtc/base/hex.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/log_entry_builder.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/note.h"
#include "mtc/tlog/tile_path.h"
#include "mtc/wire/pem.h"

namespace mtc::log {

namespace {

Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

Result<CaDirectoryLock> CaDirectoryLock::Acquire(const std::string& dir,
                                                 bool shared) {
  std::string path = dir + "/lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot open " + path);
  if (::flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    ::close(fd);
    return Error(ErrorCode::kConflict,
                 shared ? "a process that is not sharing this CA (mtc ca "
                          "issue, rotate-log, or a CA on SQLite) holds " +
                              path
                        : "another process (mtc ca serve?) holds " + path +
                              "; stop it first");
  }
  return CaDirectoryLock(fd);
}

CaDirectoryLock::~CaDirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

Result<std::unique_ptr<LogStateStore>> OpenSqliteStateStore(
    const CaConfig& config, const std::string& dir) {
  if (config.storage != "sqlite") {
    return Error(
        ErrorCode::kUnsupported,
        "storage \"" + config.storage + "\" is not available here; use sqlite");
  }
  MTC_ASSIGN_OR_RETURN(auto state,
                       SqliteLogStateStore::Open(dir + "/state.db"));
  return std::unique_ptr<LogStateStore>(std::move(state));
}

Result<uint32_t> RotateLog(const std::string& dir,
                           const StateStoreOpener& open_state) {
  MTC_ASSIGN_OR_RETURN(CaDirectoryLock lock, CaDirectoryLock::Acquire(dir));
  MTC_ASSIGN_OR_RETURN(CaConfig config, LoadCaConfig(dir + "/mtc.toml"));
  MTC_ASSIGN_OR_RETURN(auto state, open_state(config, dir));
  MTC_ASSIGN_OR_RETURN(uint32_t current, state->GetCurrentLog());
  if (current >= config.max_log_number) {
    return Error(ErrorCode::kOutOfRange,
                 "log " + std::to_string(current) +
                     " is the last the CA certificate admits (max_log_number " +
                     std::to_string(config.max_log_number) + ")");
  }
  MTC_RETURN_IF_ERROR(state->CompareAndSwapCurrentLog(current, current + 1));
  return current + 1;
}

Result<std::unique_ptr<CaService>> CaService::Open(
    const std::string& dir, const StateStoreOpener& open_state, bool shared) {
  std::unique_ptr<CaService> s(new CaService);
  s->dir_ = dir;
  s->shared_ = shared;
  MTC_ASSIGN_OR_RETURN(CaDirectoryLock lock,
                       CaDirectoryLock::Acquire(dir, shared));
  s->lock_.emplace(std::move(lock));
  MTC_ASSIGN_OR_RETURN(s->config_, LoadCaConfig(dir + "/mtc.toml"));
  MTC_ASSIGN_OR_RETURN(s->ca_cert_pem_, ReadText(dir + "/ca-cert.pem"));
  MTC_ASSIGN_OR_RETURN(std::string key_pem, ReadText(dir + "/ca-key.pem"));
  auto key = crypto::PrivateKey::FromPkcs8Pem(key_pem);
  if (!key.ok()) return key.error().WithContext(dir + "/ca-key.pem");
  s->key_ = std::make_unique<crypto::PrivateKey>(std::move(key).value());
  MTC_ASSIGN_OR_RETURN(s->state_, open_state(s->config_, dir));
  MTC_ASSIGN_OR_RETURN(s->current_log_, s->state_->GetCurrentLog());
  for (uint32_t n = 1; n <= s->current_log_; n++) {
    MTC_ASSIGN_OR_RETURN(auto tiles, DirectoryTileStore::Open(
                                         dir + "/logs/" + std::to_string(n)));
    s->tiles_[n] = std::move(tiles);
  }
  s->landmarks_ = std::make_unique<LandmarkAllocator>(
      s->state_.get(), s->current_log_, s->config_.landmark_interval,
      s->config_.max_cert_lifetime);
  MTC_RETURN_IF_ERROR(s->landmarks_->Load(Now()));
  if (!shared) {
    MTC_RETURN_IF_ERROR(s->OpenLog(nullptr));
    s->sequencing_.store(true);  // CommitNow works before Start
  }
  return s;
}

Status CaService::OpenLog(std::function<Status()> before_commit) {
  // The only writer now (DIR/lock, or the sequencer role): temporary files
  // there are left from interrupted writes.
  for (auto& [n, tiles] : tiles_) {
    MTC_ASSIGN_OR_RETURN(size_t removed, tiles->RemoveTemporaryFiles());
    if (removed > 0) {
      std::fprintf(stderr,
                   "removed %zu temporary files of interrupted writes "
                   "from log %u\n",
                   removed, n);
    }
  }
  MTC_ASSIGN_OR_RETURN(cert::TrustAnchorId ca_id,
                       cert::TrustAnchorId::FromAscii(config_.ca_id));
  IssuanceLogOptions options{ca_id};
  options.log_number = current_log_;
  options.checkpoint_period = config_.checkpoint_period;
  options.before_commit = std::move(before_commit);
  if (!config_.witnesses.empty()) {
    MTC_ASSIGN_OR_RETURN(
        witnesses_,
        WitnessClient::Create(config_.witnesses, tiles_[current_log_].get()));
    options.cosign = witnesses_->AsCosignFunction();
  }
  MTC_ASSIGN_OR_RETURN(
      log_, IssuanceLog::Open(options, key_.get(), tiles_[current_log_].get(),
                              state_.get()));
  return OkStatus();
}

Status CaService::BecomeSequencer(std::function<Status()> before_commit) {
  if (!shared_ || log_) {
    return Error(ErrorCode::kInternal, "already sequencing");
  }
  MTC_RETURN_IF_ERROR(OpenLog(std::move(before_commit)));
  log_->Start();
  MTC_RETURN_IF_ERROR(landmarks_->Load(Now()));
  MTC_RETURN_IF_ERROR(UpdateLandmarks(Now()));
  sequencing_.store(true);
  return OkStatus();
}

Result<uint64_t> CaService::CommittedSize() const {
  if (sequencing_.load()) return log_->head().size;
  MTC_ASSIGN_OR_RETURN(TreeHead head, state_->GetTreeHead(current_log_));
  return head.size;
}

Result<cert::MtcProof> CaService::ProveEntry(
    uint64_t index, const merkle::Subtree& subtree) const {
  MTC_ASSIGN_OR_RETURN(uint64_t size, CommittedSize());
  return ProveCommittedEntry(*tiles_.at(current_log_), size, index, subtree);
}

CaService::~CaService() { Stop(); }

Status CaService::Start() {
  if (!shared_) {
    log_->Start();
    MTC_RETURN_IF_ERROR(UpdateLandmarks(Now()));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  landmark_thread_ = std::thread([this] { RunLandmarks(); });
  net::ServerOptions options;
  options.listen = config_.log_listen;
  MTC_ASSIGN_OR_RETURN(
      server_, net::HttpServer::Start(options, [this](const net::Request& r) {
        return HandleLogRequest(r);
      }));
  // The admin listener: loopback, a fresh port and token each start. Its
  // handler waits for a commit, so it gets threads of its own.
  std::vector<uint8_t> token(32);
  std::ifstream random("/dev/urandom", std::ios::binary);
  random.read(reinterpret_cast<char*>(token.data()), token.size());
  if (!random) return Error(ErrorCode::kIo, "cannot read /dev/urandom");
  admin_token_ = HexEncode(token);
  net::ServerOptions admin;
  admin.listen = "127.0.0.1:0";
  admin.threads = 8;
  admin.max_body_bytes = cert::kMaxCsrBytes;
  MTC_ASSIGN_OR_RETURN(admin_server_, net::HttpServer::Start(
                                          admin, [this](const net::Request& r) {
                                            return HandleAdminRequest(r);
                                          }));
  // Written through a temporary file and a rename, owner-only: the token is
  // what lets `mtc ca issue` put entries into the log.
  std::string admin_file = dir_ + "/admin";
  std::string temp = admin_file + ".tmp";
  std::string contents =
      "http://" + admin_server_->address() + " " + admin_token_ + "\n";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool written = fd >= 0 && ::write(fd, contents.data(), contents.size()) ==
                                static_cast<ssize_t>(contents.size());
  if (fd >= 0 && ::close(fd) != 0) written = false;
  if (!written || ::rename(temp.c_str(), admin_file.c_str()) != 0) {
    return Error(ErrorCode::kIo, "cannot write " + admin_file);
  }
  return OkStatus();
}

void CaService::Stop() {
  if (admin_server_) {
    admin_server_->Stop();
    // Another process sharing the CA may have written its own since.
    auto admin = ReadText(dir_ + "/admin");
    if (admin.ok() && admin->find(admin_token_) != std::string::npos) {
      ::unlink((dir_ + "/admin").c_str());
    }
  }
  if (server_) server_->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (landmark_thread_.joinable()) landmark_thread_.join();
  if (log_) log_->Stop();
}

std::string CaService::LogUrl(uint32_t log_number) const {
  std::string address = server_ ? server_->address() : config_.log_listen;
  return "http://" + address + "/" + std::to_string(log_number);
}

Status CaService::UpdateLandmarks(int64_t now) {
  // Only a published checkpoint's size becomes a landmark, so the landmarks
  // file never names a size a relying party cannot yet see.
  auto note = tiles_[current_log_]->Get("checkpoint");
  if (!note.ok()) return note.error();
  MTC_ASSIGN_OR_RETURN(
      tlog::SignedNote parsed,
      tlog::ParseSignedNote(std::string(note->begin(), note->end())));
  MTC_ASSIGN_OR_RETURN(tlog::Checkpoint cp,
                       tlog::ParseCheckpointText(parsed.text));
  MTC_ASSIGN_OR_RETURN(bool allocated,
                       landmarks_->MaybeAllocate(now, cp.tree_size));
  auto existing = tiles_[current_log_]->Get("landmarks");
  if (!allocated && existing.ok()) return OkStatus();
  MTC_ASSIGN_OR_RETURN(tlog::LandmarkWindow window, landmarks_->Window());
  return tiles_[current_log_]->PutMutable("landmarks",
                                          Bytes(window.Serialize()));
}

void CaService::RunLandmarks() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::seconds(1));
    if (stop_) break;
    lock.unlock();
    // A process that does not sequence follows the landmarks the sequencer
    // allocates, for the landmark-relative certificates it serves.
    Status s =
        sequencing_.load() ? UpdateLandmarks(Now()) : landmarks_->Load(Now());
    if (!s.ok())
      std::fprintf(stderr, "landmarks: %s\n", s.error().ToString().c_str());
    lock.lock();
  }
}

Result<CaService::PreparedEntry> CaService::Prepare(
    const cert::CertificationRequest& csr) const {
  if (csr.dns_names.empty() && csr.ip_addresses.empty()) {
    return Error(
        ErrorCode::kInvalidArgument,
        "the request names no DNS name or IP address (subjectAltName)");
  }
  MTC_ASSIGN_OR_RETURN(cert::TrustAnchorId ca_id,
                       cert::TrustAnchorId::FromAscii(config_.ca_id));
  cert::CertificateInputs in{ca_id};
  in.not_before = Now();
  in.not_after = in.not_before + config_.max_cert_lifetime.count() - 1;
  in.subject_common_name = csr.common_name;
  in.dns_names = csr.dns_names;
  in.ip_addresses = csr.ip_addresses;
  in.key_usage = cert::kDigitalSignature;
  in.ext_key_usage = {cert::kServerAuthOid};
  in.spki = csr.spki;
  PreparedEntry prepared;
  MTC_ASSIGN_OR_RETURN(prepared.fields, cert::BuildLogEntry(in));
  prepared.spki = csr.spki;
  cert::MtcLogEntry entry{
      {}, cert::kTbsCertEntry, prepared.fields.EncodeContents()};
  MTC_ASSIGN_OR_RETURN(prepared.entry, cert::SerializeMtcLogEntry(entry));
  return prepared;
}

Result<CaService::Issued> CaService::Assemble(const PreparedEntry& prepared,
                                              const IssuedEntry& issued) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> proof,
                       cert::SerializeMtcProof(issued.Proof()));
  MTC_ASSIGN_OR_RETURN(
      std::vector<uint8_t> der,
      cert::AssembleCertificate(prepared.fields, prepared.spki,
                                issued.log_number, issued.index, proof));
  MTC_ASSIGN_OR_RETURN(std::string pem, wire::PemEncode("CERTIFICATE", der));
  return Issued{std::move(pem), issued.log_number, issued.index,
                issued.subtree};
}

Result<CaService::Issued> CaService::AssembleForwarded(
    const PreparedEntry& prepared, const ForwardedProof& forwarded) {
  MTC_ASSIGN_OR_RETURN(cert::MtcProof proof,
                       cert::ParseMtcProof(forwarded.proof));
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> der,
                       cert::AssembleCertificate(
                           prepared.fields, prepared.spki, forwarded.log_number,
                           forwarded.index, forwarded.proof));
  MTC_ASSIGN_OR_RETURN(std::string pem, wire::PemEncode("CERTIFICATE", der));
  return Issued{std::move(pem), forwarded.log_number, forwarded.index,
                proof.subtree};
}

Result<CaService::Issued> CaService::IssueFromCsr(
    const cert::CertificationRequest& csr, bool commit_now) {
  if (!sequencing_.load()) {
    // A shared process that does not sequence: through the forwarder.
    auto promise = std::make_shared<std::promise<Result<Issued>>>();
    auto result = promise->get_future();
    MTC_RETURN_IF_ERROR(IssueFromCsrAsync(csr, [promise](Assembler assemble) {
      promise->set_value(assemble());
    }));
    return result.get();
  }
  MTC_ASSIGN_OR_RETURN(PreparedEntry prepared, Prepare(csr));
  std::future<Result<IssuedEntry>> done = log_->Append(prepared.entry);
  if (commit_now) MTC_RETURN_IF_ERROR(log_->CommitNow());
  MTC_ASSIGN_OR_RETURN(IssuedEntry issued, done.get());
  return Assemble(prepared, issued);
}

Status CaService::IssueFromCsrAsync(const cert::CertificationRequest& csr,
                                    std::function<void(Assembler)> done) {
  MTC_ASSIGN_OR_RETURN(PreparedEntry prepared, Prepare(csr));
  auto shared = std::make_shared<const PreparedEntry>(std::move(prepared));
  if (!sequencing_.load()) {
    if (!forwarder_) {
      return Error(ErrorCode::kUnavailable,
                   "no process holds the sequencer role yet");
    }
    return forwarder_(shared->entry, [shared, done = std::move(done)](
                                         Result<ForwardedProof> forwarded) {
      done([shared, forwarded = std::move(forwarded)]() -> Result<Issued> {
        if (!forwarded.ok()) return forwarded.error();
        return AssembleForwarded(*shared, *forwarded);
      });
    });
  }
  log_->Append(shared->entry,
               [shared, done = std::move(done)](Result<IssuedEntry> issued) {
                 done([shared, issued = std::move(issued)]() -> Result<Issued> {
                   if (!issued.ok()) return issued.error();
                   return Assemble(*shared, *issued);
                 });
               });
  return OkStatus();
}

net::Response CaService::HandleAdminRequest(const net::Request& request) {
  if (request.method != "POST" || request.path != "/issue") {
    return net::TextResponse(404, "not found\n");
  }
  auto auth = request.Header("Authorization");
  std::string expected = "Bearer " + admin_token_;
  // Compared in constant time: the token is the only thing guarding issuance.
  bool ok = auth.has_value() && auth->size() == expected.size();
  unsigned diff = 0;
  for (size_t i = 0; ok && i < expected.size(); i++)
    diff |= (*auth)[i] ^ expected[i];
  if (!ok || diff != 0)
    return net::TextResponse(401, "bad or missing admin token\n");
  auto csr = cert::ParseCsrPem(request.body);
  if (!csr.ok()) return net::TextResponse(400, csr.error().message() + "\n");
  auto issued = IssueFromCsr(*csr, false);
  if (!issued.ok()) {
    int status =
        issued.error().code() == ErrorCode::kInvalidArgument ? 400 : 503;
    return net::TextResponse(status, issued.error().message() + "\n");
  }
  net::Response r;
  r.AddHeader("Content-Type", "application/pem-certificate-chain");
  r.AddHeader("X-Mtc-Log", std::to_string(issued->log_number));
  r.AddHeader("X-Mtc-Index", std::to_string(issued->index));
  r.body = std::move(issued->pem);
  return r;
}

net::Response CaService::HandleLogRequest(const net::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    net::Response r = net::TextResponse(405, "only GET and HEAD\n");
    r.AddHeader("Allow", "GET, HEAD");
    return r;
  }
  // "/<log number>/<object>"
  std::string_view path = request.path;
  if (path.size() < 2 || path[0] != '/')
    return net::TextResponse(404, "not found\n");
  size_t slash = path.find('/', 1);
  if (slash == std::string_view::npos)
    return net::TextResponse(404, "not found\n");
  std::string_view number = path.substr(1, slash - 1);
  uint32_t log_number = 0;
  auto [end, ec] =
      std::from_chars(number.data(), number.data() + number.size(), log_number);
  if (ec != std::errc() || end != number.data() + number.size() ||
      tiles_.count(log_number) == 0 ||
      (number.size() > 1 && number[0] == '0')) {
    return net::TextResponse(404, "no such log\n");
  }
  std::string object(path.substr(slash + 1));
  const TileStore& tiles = *tiles_[log_number];
  net::Response r;
  if (object == "checkpoint") {
    auto data = tiles.Get(object);
    if (!data.ok()) return net::TextResponse(404, "no checkpoint yet\n");
    r.body.assign(data->begin(), data->end());
    r.AddHeader("Content-Type", "text/plain; charset=utf-8");
    r.AddHeader("Cache-Control", "no-cache");  // tlog-tiles: mutable
    return r;
  }
  if (object == "landmarks") {
    auto data = tiles.Get(object);
    if (!data.ok()) return net::TextResponse(404, "no landmarks yet\n");
    r.body.assign(data->begin(), data->end());
    r.AddHeader("Content-Type", "text/plain; charset=utf-8");
    // Cacheable until the next landmark is due (mtc-tlog proposal).
    int64_t now = Now();
    int64_t max_age =
        log_number == current_log_
            ? std::max<int64_t>(0, landmarks_->NextAllocationTime(now) - now)
            : 86400;
    r.AddHeader("Cache-Control", "max-age=" + std::to_string(max_age));
    return r;
  }
  auto tile = tlog::ParseTilePath(object);
  if (!tile.ok()) return net::TextResponse(404, "not found\n");
  // Only what is committed: a tile of this width must lie within the tree.
  uint64_t size = 0;
  if (log_number == current_log_) {
    auto committed = CommittedSize();
    if (!committed.ok()) return net::TextResponse(503, "state unavailable\n");
    size = *committed;
  } else {
    auto head = state_->GetTreeHead(log_number);
    size = head.ok() ? head->size : 0;
  }
  int level = tile->is_entries() ? 0 : tile->level;
  if (tile->width > tlog::TileWidthAt(level, tile->index, size)) {
    return net::TextResponse(404, "not in the published tree\n");
  }
  auto data = tiles.Get(object);
  if (!data.ok()) return net::TextResponse(404, "not found\n");
  r.body.assign(data->begin(), data->end());
  r.AddHeader("Content-Type", "application/octet-stream");
  r.AddHeader("Cache-Control", "public, max-age=31536000, immutable");
  return r;
}

}  // namespace mtc::log
