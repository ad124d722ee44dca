// `mtc log verify` and `mtc landmarks fetch`: reading a CA's published
// issuance log over HTTP as a monitor and as a relying party
// (docs/design.md §1, §8; draft-ietf-plants-merkle-tree-certs §Trusted
// Subtrees). Exit codes: 0 the log holds together (and the file was
// written), 1 it does not (the reason on stdout), 2 the check could not be
// made (usage, files, network; the reason on stderr).
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli_util.h"
#include "log/log_verifier.h"
#include "mtc/cert/ca_certificate.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/public_key.h"
#include "mtc/verify/relying_party.h"
#include "mtc/wire/base64.h"

namespace mtc::cli {

namespace {

Result<cert::CaCertificate> LoadCaCertificate(const std::string& path) {
  MTC_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  auto ca = cert::ParseCaCertificatePem(pem);
  if (!ca.ok()) return ca.error().WithContext(path);
  return ca;
}

// log_verifier.h: kVerificationFailed is a log that does not hold together
// (exit 1); anything else means the check could not be made (exit 2).
int ReportFailure(const std::string& command, const std::string& url,
                  const Error& error) {
  if (error.code() != ErrorCode::kVerificationFailed) {
    return ReportError(command, error);
  }
  std::cout << url << ": INCONSISTENT: " << error.message() << "\n";
  return kExitInvalid;
}

struct VerifyLogCliOptions {
  std::string url;
  std::string ca_cert;
  std::string tls_ca;
  std::vector<std::string> consistent_with;  // checkpoint files
  std::vector<std::string> entries_of;       // certificate files
};

int VerifyLog(const VerifyLogCliOptions& o) {
  auto ca = LoadCaCertificate(o.ca_cert);
  if (!ca.ok()) return ReportError("log verify", ca.error());
  log::VerifyLogOptions options;
  options.client.ca_file = o.tls_ca;
  for (const std::string& path : o.consistent_with) {
    auto note = ReadFile(path);
    if (!note.ok()) return ReportError("log verify", note.error());
    options.consistent_with.push_back({path, std::move(note).value()});
  }
  for (const std::string& path : o.entries_of) {
    auto der = LoadCertificate(path);
    if (!der.ok()) return ReportError("log verify", der.error());
    auto entry = log::CertificateEntryOf(*der, path);
    if (!entry.ok()) return ReportError("log verify", entry.error());
    options.entries_of.push_back(std::move(entry).value());
  }
  // Progress on long runs only: a log of one interval prints nothing.
  options.progress = [](const log::LogProgress& p) {
    if (p.entries_verified == p.tree_size) return;
    std::cerr << "verified " << p.entries_verified << " of " << p.tree_size
              << " entries, " << p.tiles_checked << " hash tiles" << std::endl;
  };
  auto report = log::VerifyLog(o.url, *ca, options);
  if (!report.ok()) return ReportFailure("log verify", o.url, report.error());
  std::cout << o.url << ": OK\n"
            << "  origin:         " << report->origin << "\n"
            << "  log number:     " << report->log_number << "\n"
            << "  tree size:      " << report->tree_size << "\n"
            << "  root hash:      " << wire::Base64Encode(report->root_hash)
            << "\n"
            << "  signed by:     ";
  for (const std::string& name : report->signed_by) std::cout << " " << name;
  std::cout << "\n"
            << "  entries:        " << report->entries << " ("
            << report->tbs_cert_entries << " tbs_cert_entry, "
            << report->null_entries << " null_entry)\n"
            << "  entry bundles:  " << report->entry_bundles << "\n"
            << "  hash tiles:     " << report->tiles_checked
            << " recomputed from the entries, all equal\n";
  if (!o.consistent_with.empty()) {
    std::cout << "  consistent with " << report->checkpoints_consistent
              << " earlier checkpoints (consistency proofs verified)\n";
  }
  if (!o.entries_of.empty()) {
    std::cout << "  certificates:   " << report->certificate_entries_found
              << " whose entries are in the log at their indices\n";
  }
  return kExitOk;
}

struct FetchLandmarksOptions {
  std::string url;
  std::string ca_cert;
  std::vector<std::string> cosigners;
  std::optional<size_t> quorum;
  std::optional<uint64_t> max_active_landmarks;
  std::string out;
  std::string tls_ca;
};

int FetchLandmarks(const FetchLandmarksOptions& o) {
  auto ca = LoadCaCertificate(o.ca_cert);
  if (!ca.ok()) return ReportError("landmarks fetch", ca.error());
  auto cosigners = LoadCosigners(o.cosigners);
  if (!cosigners.ok()) return ReportError("landmarks fetch", cosigners.error());
  // As `mtc verify`: every cosigner given unless --quorum says fewer.
  size_t quorum = o.quorum.value_or(cosigners->size());
  if (quorum > cosigners->size()) {
    return ReportError(
        "landmarks fetch",
        Error(ErrorCode::kInvalidArgument,
              "--quorum " + std::to_string(quorum) + " exceeds the " +
                  std::to_string(cosigners->size()) + " cosigners given"));
  }
  log::TrustedSubtreeOptions options;
  options.client.ca_file = o.tls_ca;
  options.max_active_landmarks =
      o.max_active_landmarks.value_or(std::numeric_limits<uint64_t>::max());
  auto subtrees =
      log::FetchTrustedSubtrees(o.url, *ca, *cosigners, quorum, options);
  if (!subtrees.ok()) {
    return ReportFailure("landmarks fetch", o.url, subtrees.error());
  }
  // The file is a relying party's current configuration, refreshed
  // periodically (§Trusted Subtrees): replacing it, atomically, is the point.
  Status written = WriteFileAtomic(
      o.out, verify::FormatTrustedSubtrees(*subtrees), 0644, true);
  if (!written.ok()) return ReportError("landmarks fetch", written.error());
  std::cout << o.url << ": OK: " << subtrees->size()
            << " active landmark subtrees, each consistent with the cosigned "
               "checkpoint, written to "
            << o.out << "\n";
  for (const verify::TrustedSubtree& t : *subtrees) {
    std::cout << "  log " << t.log_number << " " << t.subtree.ToString() << " "
              << wire::Base64Encode(t.hash) << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterLogCommands(CLI::App& app, int* exit_code) {
  CLI::App* log_cmd = app.add_subcommand(
      "log", "Check a CA's published issuance log (C2SP tlog-tiles)");
  log_cmd->require_subcommand(1);

  auto v = std::make_shared<VerifyLogCliOptions>();
  CLI::App* verify = log_cmd->add_subcommand(
      "verify",
      "Verify a whole issuance log over HTTP: the CA's checkpoint signature, "
      "every entry, every hash tile recomputed from the entries, the root; "
      "optionally that earlier checkpoints are consistent with it and that "
      "certificates' entries are in it (exit 0 consistent, 1 inconsistent "
      "with the reason, 2 could not check)");
  verify
      ->add_option("--url", v->url,
                   "The log's prefix URL: <CA prefix URL>/<log number>")
      ->required();
  verify->add_option("--ca-cert", v->ca_cert, "The CA certificate (PEM)")
      ->required();
  verify->add_option(
      "--tls-ca", v->tls_ca,
      "PEM certificates trusted for an https:// URL (default: the system's)");
  verify->add_option(
      "--consistent-with", v->consistent_with,
      "CHECKPOINT: a signed checkpoint of this log seen earlier (a saved "
      "<prefix>/checkpoint); its CA signature is checked and a consistency "
      "proof to the current checkpoint, built from the verified tiles, must "
      "hold (repeatable)");
  verify->add_option(
      "--entry-of", v->entries_of,
      "CERT.pem: a certificate of this log (PEM or DER); the entry at its "
      "index (serial number) must be the entry it commits to (repeatable)");
  verify->callback([=] { *exit_code = VerifyLog(*v); });

  CLI::App* landmarks = app.add_subcommand(
      "landmarks", "A relying party's trusted landmark subtrees");
  landmarks->require_subcommand(1);

  auto f = std::make_shared<FetchLandmarksOptions>();
  CLI::App* fetch = landmarks->add_subcommand(
      "fetch",
      "Fetch a log's active landmark subtrees, prove each consistent with a "
      "checkpoint signed by the CA and a quorum of cosigners, and write the "
      "trusted-subtrees file `mtc verify --subtrees` reads (exit 0 written, "
      "1 inconsistent with the reason, 2 could not check)");
  fetch
      ->add_option("--url", f->url,
                   "The log's prefix URL: <CA prefix URL>/<log number>")
      ->required();
  fetch->add_option("--ca-cert", f->ca_cert, "The CA certificate (PEM)")
      ->required();
  fetch->add_option("--cosigner", f->cosigners,
                    "ID=PUBKEY.pem: another cosigner whose checkpoint "
                    "signature counts (Ed25519 or ML-DSA-44; repeatable)");
  fetch->add_option(
      "--quorum", f->quorum,
      "How many of the --cosigner signatures are required besides the "
      "CA's (default: all of them)");
  fetch->add_option("--max-active-landmarks", f->max_active_landmarks,
                    "The CA's max_active_landmarks: reject a landmarks file "
                    "with more active landmarks (default: no limit)");
  fetch
      ->add_option("--out", f->out,
                   "Where to write the trusted subtrees (replaced atomically)")
      ->required();
  fetch->add_option(
      "--tls-ca", f->tls_ca,
      "PEM certificates trusted for an https:// URL (default: the system's)");
  fetch->callback([=] { *exit_code = FetchLandmarks(*f); });
}

}  // namespace mtc::cli
