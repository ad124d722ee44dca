// A running CA's log side (`mtc ca serve`): its settings and key, the state
// store, the current issuance log with its sequencer, the landmark allocator,
// and the HTTP read path of C2SP tlog-tiles for every log.
#ifndef MTC_LOG_CA_SERVICE_H_
#define MTC_LOG_CA_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "log/ca_config.h"
#include "log/directory_tile_store.h"
#include "log/issuance_log.h"
#include "log/landmark_allocator.h"
#include "log/storage.h"
#include "log/witness_client.h"
#include "mtc/base/result.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/csr.h"
#include "mtc/crypto/private_key.h"
#include "net/http_message.h"
#include "net/http_server.h"

namespace mtc::log {

// Holds DIR/lock (flock) while alive: one process runs a CA directory at a
// time, and offline tools (rotate-log) refuse to touch a running CA. Several
// `mtc ca serve` processes sharing one CA on PostgreSQL each hold it
// `shared`, which still keeps the offline tools out.
class CaDirectoryLock {
 public:
  static Result<CaDirectoryLock> Acquire(const std::string& dir,
                                         bool shared = false);
  CaDirectoryLock(CaDirectoryLock&& other) noexcept : fd_(other.fd_) {
    other.fd_ = -1;
  }
  CaDirectoryLock& operator=(CaDirectoryLock&&) = delete;
  ~CaDirectoryLock();

 private:
  explicit CaDirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// Opens the LogStateStore the CA's `storage` setting names. The default
// opens DIR/state.db (SQLite) and refuses anything else; the ACME layer's
// acme::OpenLogStateStore also opens PostgreSQL (libpq is linked there).
using StateStoreOpener = std::function<Result<std::unique_ptr<LogStateStore>>(
    const CaConfig& config, const std::string& dir)>;
Result<std::unique_ptr<LogStateStore>> OpenSqliteStateStore(
    const CaConfig& config, const std::string& dir);

// draft §Log Failures: moves issuance to the next log number (the CA must be
// stopped). Returns the new current log number.
Result<uint32_t> RotateLog(
    const std::string& dir,
    const StateStoreOpener& open_state = OpenSqliteStateStore);

// What a sequencer in another process sends back for an entry handed to it
// (docs/design.md §6): where the entry went and its serialized MTCProof.
struct ForwardedProof {
  uint32_t log_number = 0;
  uint64_t index = 0;
  std::vector<uint8_t> proof;
};
using ForwardDone = std::function<void(Result<ForwardedProof>)>;
// Hands a serialized MTCLogEntry to the process that sequences; `done` runs
// once, on any thread, when the entry is committed or has failed, unless the
// hand-over itself fails (the error is returned, `done` never runs).
using EntryForwarder =
    std::function<Status(std::vector<uint8_t> entry, ForwardDone done)>;

class CaService {
 public:
  // Loads DIR/mtc.toml and DIR/ca-key.pem, opens DIR/state.db and the current
  // log's tiles in DIR/logs/<N>, reconciling them (IssuanceLog::Open).
  //
  // `shared`: one of several processes serving this CA (a PostgreSQL state
  // store, one directory of tiles): the log is not opened, the process
  // serves the published log and hands its entries to the sequencer through
  // the forwarder, until BecomeSequencer() makes it the sequencer.
  static Result<std::unique_ptr<CaService>> Open(
      const std::string& dir,
      const StateStoreOpener& open_state = OpenSqliteStateStore,
      bool shared = false);
  ~CaService();

  // Starts the sequencer (unless shared), the landmark thread and the log
  // HTTP listener.
  Status Start();
  void Stop();

  // Shared mode: takes the sequencer role, which the caller won (the
  // sequencer lease): removes temporary files of the previous holder's
  // interrupted writes, opens and reconciles the current log, starts its
  // sequencer and landmark allocation. `before_commit` runs before each
  // commit (IssuanceLogOptions::before_commit).
  Status BecomeSequencer(std::function<Status()> before_commit);
  bool sequencing() const { return sequencing_.load(); }
  // Shared mode, not sequencing: where entries go (set before Start).
  void SetForwarder(EntryForwarder forwarder) {
    forwarder_ = std::move(forwarder);
  }

  // The current log's number and committed size (the sequencer's head, or
  // the state store's for a process that does not sequence).
  uint32_t current_log() const { return current_log_; }
  Result<uint64_t> CommittedSize() const;
  // The unsigned MTCProof of a committed entry of the current log in
  // `subtree` (landmark-relative certificates), from the stored tiles.
  Result<cert::MtcProof> ProveEntry(uint64_t index,
                                    const merkle::Subtree& subtree) const;

  const CaConfig& config() const { return config_; }
  // Before Start: listen elsewhere than mtc.toml's log_listen (several
  // processes serving one CA directory on one machine).
  void set_log_listen(std::string listen) {
    config_.log_listen = std::move(listen);
  }
  // DIR/ca-cert.pem: the CA certificate (RFC 9925 form), which ACME serves
  // after the end-entity certificate in a PEM chain.
  const std::string& ca_certificate_pem() const { return ca_cert_pem_; }
  // Only while sequencing.
  IssuanceLog& log() { return *log_; }
  LandmarkAllocator& landmarks() { return *landmarks_; }
  // "http://<bound log listener>/<N>".
  std::string LogUrl(uint32_t log_number) const;

  // A certificate for a validated request (`mtc ca issue`, and ACME later):
  // the entry built from the CSR's names and key, appended, committed,
  // assembled into a standalone certificate (PEM). `commit_now` commits on
  // the calling thread (a CA that is not serving); otherwise the sequencer's
  // next commit resolves it.
  struct Issued {
    std::string pem;
    uint32_t log_number = 0;
    uint64_t index = 0;
    merkle::Subtree subtree;
  };
  Result<Issued> IssueFromCsr(const cert::CertificationRequest& csr,
                              bool commit_now);

  // The same without a thread waiting for the commit (ACME finalize): the
  // entry is appended at once (errors in the request are returned here), and
  // `done` runs once on the sequencer thread after the commit with a
  // function that assembles the certificate. `done` must be quick: hand the
  // assembly to a worker, so that the sequencer goes on resolving. A shared
  // process that does not sequence forwards the entry instead, and `done`
  // runs on the forwarder's thread.
  using Assembler = std::function<Result<Issued>()>;
  Status IssueFromCsrAsync(const cert::CertificationRequest& csr,
                           std::function<void(Assembler)> done);

  // The admin endpoint `mtc ca issue` uses while the CA serves: POST /issue
  // with a CSR (PEM) and "Authorization: Bearer <token>", on a loopback
  // listener whose URL and token are in DIR/admin (mode 0600).
  net::Response HandleAdminRequest(const net::Request& request);

  // The tlog-tiles read path: GET/HEAD /<N>/checkpoint, /<N>/landmarks,
  // /<N>/tile/...; tiles only within the published tree, 404 otherwise.
  net::Response HandleLogRequest(const net::Request& request);

 private:
  CaService() = default;
  // The entry a request becomes (draft §Log Entries), and its certificate
  // once the entry is committed.
  struct PreparedEntry {
    cert::TbsCertificateLogEntry fields;
    std::vector<uint8_t> spki;
    std::vector<uint8_t> entry;  // the serialized MTCLogEntry
  };
  Result<PreparedEntry> Prepare(const cert::CertificationRequest& csr) const;
  static Result<Issued> Assemble(const PreparedEntry& prepared,
                                 const IssuedEntry& issued);
  static Result<Issued> AssembleForwarded(const PreparedEntry& prepared,
                                          const ForwardedProof& forwarded);
  Status OpenLog(std::function<Status()> before_commit);
  // Allocates a landmark when one is due and publishes the landmarks file.
  Status UpdateLandmarks(int64_t now);
  void RunLandmarks();

  std::optional<CaDirectoryLock> lock_;
  bool shared_ = false;
  std::atomic<bool> sequencing_{false};  // log_ is open (and, shared, started)
  EntryForwarder forwarder_;
  CaConfig config_;
  std::string dir_;
  std::string ca_cert_pem_;
  std::unique_ptr<crypto::PrivateKey> key_;
  std::unique_ptr<LogStateStore> state_;
  uint32_t current_log_ = 1;
  std::map<uint32_t, std::unique_ptr<DirectoryTileStore>> tiles_;  // per log
  std::unique_ptr<WitnessClient> witnesses_;  // null without witnesses
  std::unique_ptr<IssuanceLog> log_;
  std::unique_ptr<LandmarkAllocator> landmarks_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<net::HttpServer> admin_server_;
  std::string admin_token_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread landmark_thread_;
};

}  // namespace mtc::log

#endif  // MTC_LOG_CA_SERVICE_H_
