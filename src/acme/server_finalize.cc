// Finalize and certificate download (RFC 8555 §7.4, §7.4.2) with the MTC
// extensions (draft-ietf-plants-merkle-tree-certs §ACME Extensions): the
// standalone certificate once the entry is committed, the landmark-relative
// one under "acme-optional-alternate", the log under
// "c2sp.org/mtc-tlog/prefix-url" (c2sp.org/mtc-tlog §Conveying the CA Prefix
// URL over ACME).
#include <arpa/inet.h>
#include <sys/random.h>

#include <algorithm>
#include <set>

#include "acme/server.h"
#include "acme/server_internal.h"
#include "log/ca_service.h"
#include "mtc/base/hex.h"
#include "mtc/cert/certificate.h"
#include "mtc/cert/csr.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/properties.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/base64.h"
#include "mtc/wire/pem.h"

namespace mtc::acme {

using internal::MakeProblem;

namespace {

constexpr char kPemChain[] = "application/pem-certificate-chain";
constexpr char kPemChainWithProperties[] =
    "application/pem-certificate-chain-with-properties";

// Whether the Accept field asks for the chain with properties (draft
// §Using ACME with Merkle Tree Certificates; RFC 9110 §12.5.1): listed with
// a q-value above zero. Anything else, no Accept at all included, gets the
// plain PEM chain, which every ACME client takes.
bool WantsProperties(const net::Request& request) {
  auto accept = request.Header("Accept");
  if (!accept) return false;
  std::string_view rest = *accept;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view type = item.substr(0, semi);
    while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    if (internal::AsciiLower(type) != kPemChainWithProperties) continue;
    std::string params = internal::AsciiLower(
        semi == std::string_view::npos ? "" : item.substr(semi));
    size_t q = params.find("q=");
    if (q != std::string::npos && params.compare(q + 2, 1, "0") == 0 &&
        params.find_first_of("123456789", q + 2) == std::string::npos) {
      return false;  // q=0, q=0.0: explicitly not acceptable
    }
    return true;
  }
  return false;
}

// The identifiers a CSR asks for, as newOrder normalizes them.
std::set<std::pair<std::string, std::string>> CsrIdentifiers(
    const cert::CertificationRequest& csr) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& name : csr.dns_names) {
    out.insert({"dns", internal::AsciiLower(name)});
  }
  for (const auto& ip : csr.ip_addresses) {
    char text[INET6_ADDRSTRLEN];
    int family = ip.size() == 4 ? AF_INET : AF_INET6;
    if (inet_ntop(family, ip.data(), text, sizeof text) != nullptr) {
      out.insert({"ip", text});
    }
  }
  return out;
}

// RFC 8555 §7.4.2: the end-entity certificate, then its issuer's: here the
// CA certificate (clients such as certbot refuse a chain of one). The §6.4
// file with properties leaves the trust anchor out, as that format says.
net::Response ChainResponse(int status, const net::Request& request,
                            const std::vector<uint8_t>& der,
                            const cert::CertificateProperties& properties,
                            const std::string& ca_pem) {
  net::Response r;
  r.status = status;
  if (WantsProperties(request)) {
    auto text = cert::EncodeCertificateChainWithProperties({properties, {der}});
    if (text.ok()) {
      r.AddHeader("Content-Type", kPemChainWithProperties);
      r.body = std::move(text).value();
      return r;
    }
  }
  auto pem = wire::PemEncode("CERTIFICATE", der);
  r.AddHeader("Content-Type", kPemChain);
  if (pem.ok()) r.body = std::move(pem).value() + ca_pem;
  return r;
}

}  // namespace

net::Response AcmeServer::Finalize(const net::Request& request,
                                   const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  auto stored = store_->GetOrder(id);
  if (!stored.ok()) {
    return ProblemResponse(internal::ProblemFromError(stored.error()));
  }
  if (!stored->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no order " + id));
  }
  if ((*stored)->account_id != a.account->id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "another account's order"));
  }
  auto order = RefreshOrder(std::move(**stored));
  if (!order.ok()) {
    return ProblemResponse(internal::ProblemFromError(order.error()));
  }
  // §7.4: finalize only a "ready" order.
  if (order->status != OrderStatus::kReady) {
    return ProblemResponse(
        MakeProblem(ProblemType::kOrderNotReady, 403,
                    "the order is " +
                        std::string(internal::OrderStatusName(order->status))));
  }
  if (!a.payload["csr"].is_string()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400, "finalize needs \"csr\""));
  }
  auto der = wire::Base64UrlDecode(a.payload["csr"].get<std::string>());
  if (!der.ok()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kBadCsr, 400, "csr is not base64url DER"));
  }
  // Signature, structure and key type (ECDSA P-256/P-384, RSA 2048-4096,
  // Ed25519, ML-DSA-44/65/87: what cert::ParseCsr accepts).
  auto csr = cert::ParseCsr(*der);
  if (!csr.ok()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kBadCsr, 400, csr.error().message()));
  }
  // §7.4: the CSR names exactly the order's identifiers.
  std::set<std::pair<std::string, std::string>> wanted;
  for (const auto& i : order->identifiers) wanted.insert({i.type, i.value});
  if (CsrIdentifiers(*csr) != wanted) {
    return ProblemResponse(MakeProblem(
        ProblemType::kBadCsr, 400,
        "the CSR's subjectAltName must list exactly the order's identifiers"));
  }
  if (!csr->common_name.empty() &&
      wanted.count({"dns", internal::AsciiLower(csr->common_name)}) == 0 &&
      wanted.count({"ip", csr->common_name}) == 0) {
    return ProblemResponse(
        MakeProblem(ProblemType::kBadCsr, 400,
                    "the CSR's commonName is not one of its names"));
  }
  // The order moves once to processing (compare-and-swap), so its entry is
  // appended at most once (docs/design.md §5).
  Order processing = *order;
  processing.status = OrderStatus::kProcessing;
  Status moved = store_->UpdateOrder(processing, OrderStatus::kReady);
  if (!moved.ok()) {
    if (moved.error().code() == ErrorCode::kConflict) {
      return ProblemResponse(MakeProblem(ProblemType::kOrderNotReady, 403,
                                         "the order was finalized already"));
    }
    return ProblemResponse(internal::ProblemFromError(moved.error()));
  }
  // The entry is appended now; no thread waits for its commit. The
  // sequencer hands the committed entry to an issuance worker, which
  // assembles and stores the certificate, and the order turns valid.
  auto digest = crypto::Sha256Of(csr->spki);
  std::vector<uint8_t> spki_sha256(digest.begin(), digest.end());
  {
    std::lock_guard<std::mutex> lock(in_flight_mu_);
    in_flight_++;
  }
  Status appended = ca_->IssueFromCsrAsync(
      *csr,
      [this, processing, spki_sha256](log::CaService::Assembler assemble) {
        auto job = [this, processing, spki_sha256, assemble] {
          CompleteIssuance(processing, spki_sha256, assemble);
          IssuanceDone();
        };
        // A full or stopped queue runs it here, on the sequencer thread:
        // slower, but no committed entry is left without its certificate.
        if (!issuances_.Submit(job)) job();
      });
  if (!appended.ok()) {
    IssuanceDone();
    Order back = *order;
    (void)store_->UpdateOrder(back, OrderStatus::kProcessing);
    if (appended.error().code() == ErrorCode::kUnavailable) {
      net::Response r = ProblemResponse(MakeProblem(
          ProblemType::kServerInternal, 503, "issuance busy; try again"));
      r.AddHeader("Retry-After", "5");
      return r;
    }
    return ProblemResponse(internal::ProblemFromError(appended.error()));
  }
  net::Response r = internal::JsonResponse(200, OrderJson(processing));
  r.AddHeader("Location", Url("/acme/order/" + id));
  r.AddHeader("Retry-After", "1");
  return r;
}

void AcmeServer::IssuanceDone() {
  std::lock_guard<std::mutex> lock(in_flight_mu_);
  in_flight_--;
  in_flight_cv_.notify_all();
}

void AcmeServer::CompleteIssuance(const Order& order,
                                  std::vector<uint8_t> spki_sha256,
                                  const log::CaService::Assembler& assemble) {
  auto fail = [&](const Error& e) {
    std::fprintf(stderr, "acme: order %s: %s\n", order.id.c_str(),
                 e.ToString().c_str());
    Order invalid = order;
    invalid.status = OrderStatus::kInvalid;
    invalid.error_json = MakeProblem(ProblemType::kServerInternal, 500,
                                     "issuance failed: " + e.message())
                             .ToJson();
    (void)store_->UpdateOrder(invalid, OrderStatus::kProcessing);
  };
  // After the commit and the cosignatures: the order turns valid only with
  // a complete standalone certificate (draft §Using ACME with Merkle Tree
  // Certificates).
  auto issued = assemble();
  if (!issued.ok()) return fail(issued.error());
  auto der = wire::PemDecode(issued->pem, "CERTIFICATE");
  if (!der.ok()) return fail(der.error());
  auto parsed = cert::ParseCertificate(*der);
  if (!parsed.ok()) return fail(parsed.error());
  CertificateRecord record;
  record.id = NewId();
  record.order_id = order.id;
  record.account_id = order.account_id;
  record.log_number = issued->log_number;
  record.index = issued->index;
  record.serial_hex = HexEncode(parsed->tbs.serial);
  record.standalone_pem = issued->pem;
  // The TBSCertificateLogEntry's contents octets (what an MTCLogEntry's
  // tbs_cert_entry_data holds).
  record.tbs_entry =
      cert::LogEntryFromTbsCertificate(parsed->tbs).EncodeContents();
  record.spki_sha256 = std::move(spki_sha256);
  record.not_before = parsed->tbs.not_before;
  record.not_after = parsed->tbs.not_after;
  Status s = store_->PutCertificate(record);
  if (!s.ok()) return fail(s.error());
}

net::Response AcmeServer::CertificateRequest(const net::Request& request,
                                             const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  auto record = store_->GetCertificate(id);
  if (!record.ok()) {
    return ProblemResponse(internal::ProblemFromError(record.error()));
  }
  if (!record->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no certificate " + id));
  }
  if ((*record)->account_id != a.account->id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "another account's certificate"));
  }
  auto der = wire::PemDecode((*record)->standalone_pem, "CERTIFICATE");
  auto ca_id = cert::TrustAnchorId::FromAscii(ca_->config().ca_id);
  if (!der.ok() || !ca_id.ok()) {
    return ProblemResponse(MakeProblem(ProblemType::kServerInternal, 500,
                                       "stored certificate unreadable"));
  }
  net::Response r = ChainResponse(200, request, *der,
                                  cert::StandaloneCertificateProperties(*ca_id),
                                  ca_->ca_certificate_pem());
  // One field per link: several relations joined by commas trip up clients
  // that split Link values naively.
  r.AddHeader("Link", "<" + Url("/acme/cert/" + id + "/alternate") +
                          ">;rel=\"acme-optional-alternate\"");
  r.AddHeader("Link", "<" + ca_->LogUrl((*record)->log_number) +
                          ">;rel=\"c2sp.org/mtc-tlog/prefix-url\"");
  return r;
}

net::Response AcmeServer::AlternateRequest(const net::Request& request,
                                           const std::string& id) {
  std::optional<Account> account;
  if (request.method == "POST") {
    auto checked = Authenticate(request, KeyMode::kKid);
    if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
    account = std::get<Authenticated>(checked).account;
  }
  auto record = store_->GetCertificate(id);
  if (!record.ok()) {
    return ProblemResponse(internal::ProblemFromError(record.error()));
  }
  if (!record->has_value() ||
      (account && (*record)->account_id != account->id)) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no certificate " + id));
  }
  const CertificateRecord& c = **record;
  log::CaService& ca = *ca_;
  // Landmarks of the current log only; an earlier log's landmarks stopped
  // when issuance moved on, and its entries fall out of every window.
  if (c.log_number != ca.current_log()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404,
                    "no active landmark covers this certificate"));
  }
  auto window = ca.landmarks().Window();
  if (!window.ok()) {
    return ProblemResponse(internal::ProblemFromError(window.error()));
  }
  auto coverage = window->Locate(c.index);
  using Kind = tlog::LandmarkWindow::Coverage::Kind;
  if (coverage.kind == Kind::kNoLongerActive) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404,
                    "no active landmark covers this certificate"));
  }
  if (coverage.kind == Kind::kWaiting) {
    // draft §Optional Certificates: 202 with Retry-After estimating when it
    // will be ready; the spread keeps clients from arriving all at once.
    int64_t now = Now();
    int64_t wait =
        std::max<int64_t>(1, ca.landmarks().NextAllocationTime(now) - now + 1);
    uint32_t random = 0;
    if (getrandom(&random, sizeof random, 0) != sizeof random) random = 0;
    int64_t spread = options_.landmark_retry_spread.count();
    if (spread > 0) wait += static_cast<int64_t>(random % (spread + 1));
    net::Response r;
    r.status = 202;
    r.AddHeader("Retry-After", std::to_string(wait));
    return r;
  }
  // §Constructing Landmark-Relative Certificates: the proof to the landmark
  // subtree, no signatures.
  auto proof = ca.ProveEntry(c.index, coverage.subtree);
  if (!proof.ok()) {
    return ProblemResponse(internal::ProblemFromError(proof.error()));
  }
  auto proof_bytes = cert::SerializeMtcProof(*proof);
  auto entry = cert::TbsCertificateLogEntry::ParseContents(c.tbs_entry);
  auto standalone_der = wire::PemDecode(c.standalone_pem, "CERTIFICATE");
  if (!proof_bytes.ok() || !entry.ok() || !standalone_der.ok()) {
    return ProblemResponse(MakeProblem(ProblemType::kServerInternal, 500,
                                       "stored certificate unreadable"));
  }
  auto standalone = cert::ParseCertificate(*standalone_der);
  if (!standalone.ok()) {
    return ProblemResponse(internal::ProblemFromError(standalone.error()));
  }
  auto der = cert::AssembleCertificate(*entry, standalone->tbs.spki,
                                       c.log_number, c.index, *proof_bytes);
  auto ca_id = cert::TrustAnchorId::FromAscii(ca.config().ca_id);
  if (!der.ok() || !ca_id.ok()) {
    return ProblemResponse(MakeProblem(ProblemType::kServerInternal, 500,
                                       "cannot assemble the certificate"));
  }
  auto properties = cert::LandmarkRelativeCertificateProperties(
      *ca_id, c.log_number, coverage.landmark,
      ca.landmarks().max_active_landmarks());
  if (!properties.ok()) {
    return ProblemResponse(internal::ProblemFromError(properties.error()));
  }
  net::Response r =
      ChainResponse(200, request, *der, *properties, ca.ca_certificate_pem());
  r.AddHeader("Link", "<" + ca.LogUrl(c.log_number) +
                          ">;rel=\"c2sp.org/mtc-tlog/prefix-url\"");
  return r;
}

}  // namespace mtc::acme
