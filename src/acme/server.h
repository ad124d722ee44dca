// The ACME server of `mtc ca serve` (RFC 8555 and draft-ietf-plants-merkle-
// tree-certs §ACME Extensions): request handlers that take a net::Request and
// return a net::Response, thin over the AcmeStore and the CaService.
//
// The handlers are split by concern:
//   server.cc            routing, directory, newNonce, JWS request checks
//   server_accounts.cc   newAccount, account update, keyChange (§7.3)
//   server_orders.cc     newOrder, orders, authorizations, challenges (§7.4,
//                        §7.5), the validation workers
//   server_finalize.cc   finalize, certificate download, the optional
//                        alternate (§7.4, §7.4.2, draft §ACME Extensions)
//   server_revocation.cc revokeCert (§7.6), renewalInfo (RFC 9773), the
//                        published revocation list
//
// Resources live under the external base URL (what clients see, e.g.
// "https://127.0.0.1:14000"): /directory, /acme/new-nonce, /acme/new-account,
// /acme/new-order, /acme/revoke-cert, /acme/key-change, /acme/renewal-info/,
// /acme/acct/ID, /acme/order/ID, /acme/order/ID/finalize, /acme/authz/ID,
// /acme/chall/ID, /acme/cert/ID, /acme/cert/ID/alternate, /acme/revoked.
//
// Decisions where RFC 8555 lets the server choose:
//   - newOrder refuses notBefore/notAfter (malformed): every certificate has
//     the CA's max_cert_lifetime from issuance; and "profile": none offered;
//   - newOrder takes RFC 9773 §5 "replaces": a certificate of the same
//     account, sharing an identifier, not already replaced by an order that
//     is not invalid (else 409 alreadyReplaced);
//   - external account binding (§7.3.4) when keys are configured: HS256,
//     HS384, HS512; one account per key ID;
//   - an optional per-account limit on newOrder requests per minute (§6.6);
//   - dns identifiers get http-01, dns-01 and tls-alpn-01; wildcards dns-01
//     only; ip identifiers http-01 only (RFC 8738 §7: no dns-01; its
//     tls-alpn-01 reverse-name form is not offered);
//   - http-01 follows redirects to http on port 80 only, never to addresses
//     outside the public Internet given as IP literals (§10.2);
//   - the revocation list is JSON at /acme/revoked.
//
// Thread-safe: handlers run concurrently on the HTTP server's threads.
#ifndef MTC_ACME_SERVER_H_
#define MTC_ACME_SERVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "acme/acme_store.h"
#include "acme/challenge.h"
#include "acme/jws.h"
#include "acme/nonce.h"
#include "acme/problem.h"
#include "acme/work_queue.h"
#include "log/ca_service.h"
#include "mtc/base/result.h"
#include "mtc/cert/csr.h"
#include "net/http_message.h"

namespace mtc::acme {

struct AcmeServerOptions {
  // The base URL clients use, without a trailing slash. A JWS "url" must
  // equal it followed by the request target (RFC 8555 §6.4).
  std::string base_url;
  // Directory "meta" (§7.1.1).
  std::string terms_of_service;
  std::string website;
  std::vector<std::string> caa_identities;
  ValidationOptions validation;
  // How long an order and a new authorization stay pending.
  std::chrono::seconds order_lifetime{24 * 3600};
  std::chrono::seconds authorization_lifetime{7 * 24 * 3600};
  // A valid authorization is reused by new orders of the same account while
  // at least this much of its life remains... and it is unexpired.
  std::chrono::seconds authorization_reuse{24 * 3600};
  // Spread added to the alternate's Retry-After (landmark_retry_spread).
  std::chrono::seconds landmark_retry_spread{30};
  // Requests with a longer body get 413 (set on the HTTP server too).
  size_t max_body_bytes = 96 * 1024;
  // Nonces outstanding at once, and their lifetime.
  size_t max_nonces = 100'000;
  std::chrono::seconds nonce_lifetime{3600};
  // Worker threads and queue bounds.
  int validation_threads = 8;
  int issuance_threads = 16;
  size_t max_queued = 10'000;
  // Per-account limit on newOrder requests per minute (0: none). Beyond it
  // newOrder answers 429 rateLimited with a Retry-After up to the next
  // minute (RFC 8555 §6.6). Counted per process: several `mtc ca serve`
  // processes sharing one store each allow this many.
  int orders_per_account_per_minute = 0;
  // External account binding (RFC 8555 §7.3.4): whether newAccount must
  // carry one (directory meta "externalAccountRequired"), and the MAC keys
  // by key ID. A binding is verified whenever keys are configured.
  bool external_account_required = false;
  std::map<std::string, std::vector<uint8_t>, std::less<>>
      external_account_keys;
};

class AcmeServer {
 public:
  // `store` and `ca` must outlive the server.
  AcmeServer(AcmeServerOptions options, AcmeStore* store, log::CaService* ca);
  ~AcmeServer();
  AcmeServer(const AcmeServer&) = delete;
  AcmeServer& operator=(const AcmeServer&) = delete;

  // The HTTP handler.
  net::Response Handle(const net::Request& request);

  // Finishes validations and issuances in progress, then refuses new ones.
  void Stop();

  const AcmeServerOptions& options() const { return options_; }
  std::string DirectoryUrl() const { return options_.base_url + "/directory"; }

  // What a handler needs from a checked request (§6.2-§6.4).
  struct Authenticated {
    JwsRequest jws;
    std::optional<Account> account;  // for kid requests
    nlohmann::json payload;          // {} for POST-as-GET
  };

 private:
  // One answer or a problem; handlers return this, Handle() finishes it.
  using Reply = Result<net::Response>;

  // server.cc
  net::Response Directory();
  net::Response NewNonce(const net::Request& request);
  // Which key a request must name (§6.2): "kid" for an account's requests,
  // "jwk" for newAccount, either for revokeCert.
  enum class KeyMode { kKid, kJwk, kEither };
  // Parses and verifies a JWS POST: content type, body, url, key, signature,
  // nonce, payload. On failure, the problem to send.
  std::variant<Authenticated, Problem> Authenticate(const net::Request& request,
                                                    KeyMode mode);
  net::Response Finish(net::Response response);
  net::Response ProblemResponse(const Problem& problem);
  std::string Url(std::string_view path) const;
  int64_t Now() const;
  std::string NewId() const;

  // server_accounts.cc
  net::Response NewAccount(const net::Request& request);
  net::Response AccountRequest(const net::Request& request,
                               const std::string& id);
  net::Response AccountOrders(const net::Request& request,
                              const std::string& id);
  net::Response KeyChange(const net::Request& request);
  nlohmann::json AccountJson(const Account& account) const;

  // server_orders.cc
  net::Response NewOrder(const net::Request& request);
  net::Response OrderRequest(const net::Request& request,
                             const std::string& id);
  net::Response AuthorizationRequest(const net::Request& request,
                                     const std::string& id);
  net::Response ChallengeRequest(const net::Request& request,
                                 const std::string& id);
  // Moves a pending order to ready or invalid as its authorizations say,
  // and a stale one to invalid; returns the order as it now is.
  Result<Order> RefreshOrder(Order order);
  nlohmann::json OrderJson(const Order& order) const;
  // RFC 9773 §5: checks a newOrder's "replaces" for the account and the
  // order's identifiers and records it in *order; a problem when refused.
  std::optional<Problem> CheckReplaces(
      const nlohmann::json& replaces, const Account& account,
      const std::vector<Identifier>& identifiers, Order* order);
  nlohmann::json AuthorizationJson(const Authorization& authz) const;
  nlohmann::json ChallengeJson(const Challenge& challenge) const;
  void RunValidation(Challenge challenge, Authorization authz,
                     std::string key_authorization);

  // server_finalize.cc
  net::Response Finalize(const net::Request& request, const std::string& id);
  net::Response CertificateRequest(const net::Request& request,
                                   const std::string& id);
  net::Response AlternateRequest(const net::Request& request,
                                 const std::string& id);
  // Stores the certificate of a committed entry (or fails the order).
  void CompleteIssuance(const Order& order, std::vector<uint8_t> spki_sha256,
                        const log::CaService::Assembler& assemble);
  void IssuanceDone();

  // server_revocation.cc
  net::Response RevokeCert(const net::Request& request);
  net::Response RenewalInfo(const net::Request& request,
                            std::string_view cert_id);
  net::Response RevokedList();

  // Counts a newOrder of the account; a rateLimited problem (RFC 8555 §6.6)
  // when it exceeds the limit, with the seconds to wait in *retry_after.
  std::optional<Problem> CheckRateLimit(const std::string& account_id,
                                        int64_t* retry_after);

  const AcmeServerOptions options_;
  AcmeStore* const store_;
  log::CaService* const ca_;
  NoncePool nonces_;
  WorkQueue validations_;
  WorkQueue issuances_;

  // Entries appended and not yet stored as certificates: Stop() waits for
  // them, since their completions refer to this server.
  std::mutex in_flight_mu_;
  std::condition_variable in_flight_cv_;
  size_t in_flight_ = 0;  // guarded by in_flight_mu_

  std::mutex rate_mu_;
  // account id -> (minute, newOrder requests in it); guarded by rate_mu_.
  std::map<std::string, std::pair<int64_t, int>> order_counts_;
};

}  // namespace mtc::acme

#endif  // MTC_ACME_SERVER_H_
