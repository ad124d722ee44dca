// AcmeClient: the client side of ACME (RFC 8555) over net::HttpClient, for
// `mtc acme-bench` and tests: directory, nonces, account, order,
// authorizations and http-01 challenges, finalize, certificate download,
// and the MTC draft's optional alternate (draft §ACME Extensions).
//
// Blocking: each call makes its HTTP requests in the calling thread and
// polls by sleeping. Not thread-safe: one AcmeClient (and its nonce) per
// thread; accounts may be shared, and so may the connections: clients made
// with one net::HttpClientPool borrow its kept-alive connections request by
// request.
//
// Errors: transport failures keep net::HttpClient's codes; an ACME server
// that answers with an error status becomes an Error whose message names
// the step, the URL, the HTTP status and the problem document (RFC 8555
// §6.7: type and detail, and the subproblems' identifiers and details):
//   kUnavailable        5xx, badNonce (after the one retry), rateLimited,
//                       or polling that ran out of time
//   kNotFound           404
//   kVerificationFailed unauthorized, or an order/authorization that became
//                       invalid
//   kInvalidArgument    other 4xx
//   kMalformed          a response whose JSON is not what §7.1 describes
#ifndef MTC_ACME_CLIENT_H_
#define MTC_ACME_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acme/client_jws.h"
#include "mtc/base/result.h"
#include "net/http_client.h"
#include "net/http_message.h"

namespace mtc::acme::client {

// RFC 8555 §7.1.1. URLs the server did not offer are empty.
struct Directory {
  std::string url;  // where it was fetched
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  std::string new_authz;
  std::string revoke_cert;
  std::string key_change;
  std::string renewal_info;  // RFC 9773 §4
  nlohmann::json meta;       // null when absent

  // kMalformed unless newNonce, newAccount and newOrder are strings.
  static Result<Directory> FromJson(const nlohmann::json& object,
                                    std::string url);
};

// One Link (RFC 8288 §3): the target, resolved against the request URL
// when it is a path, and one relation type.
struct Link {
  std::string url;
  std::string rel;
};

// Every link of every "Link" field in `headers`, in order. A field may carry
// several comma-separated links and a rel several space-separated types;
// each (url, type) pair is one Link. Links that do not parse are skipped.
std::vector<Link> ParseLinks(const net::Headers& headers,
                             std::string_view request_url);

// The delay a "Retry-After" value asks for (RFC 9110 §10.2.3): delay-seconds
// or an HTTP-date (IMF-fixdate) relative to `now`; a date in the past is 0.
// nullopt when the value is neither.
std::optional<std::chrono::seconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now =
                                std::chrono::system_clock::now());

// One answer from the server.
struct AcmeReply {
  std::string url;  // the request URL
  int status = 0;
  net::Headers headers;
  std::string body;
  nlohmann::json json;      // the body parsed, when it is JSON; else null
  std::string location;     // the Location field, or empty
  std::vector<Link> links;  // ParseLinks of the headers
  std::optional<std::chrono::seconds> retry_after;

  bool success() const { return status >= 200 && status < 300; }
  // The problem "type" (urn:ietf:params:acme:error:...) of an error reply,
  // or empty.
  std::string ProblemType() const;
  // The first link of relation `rel`, or empty.
  std::string LinkWith(std::string_view rel) const;
};

// "urn:ietf:params:acme:error:" + name.
std::string AcmeErrorUrn(std::string_view name);

// "<step> <url>: HTTP <status> <type>: <detail> [subproblems]", as Error
// with the code listed at the top of this file.
Error ReplyError(std::string_view step, const AcmeReply& reply);

struct Identifier {
  std::string type;  // "dns" or "ip" (RFC 8738)
  std::string value;
  nlohmann::json ToJson() const { return {{"type", type}, {"value", value}}; }
};

struct Account {
  AccountKey key;
  std::string url;  // the "kid" of later requests (§7.3)
};

struct Order {
  std::string url;
  std::string status;  // pending, ready, processing, valid, invalid
  std::vector<std::string> authorizations;
  std::string finalize;
  std::string certificate;  // once valid
  nlohmann::json object;
};

struct Challenge {
  std::string type;
  std::string url;
  std::string token;
  std::string status;
};

struct Authorization {
  std::string url;
  std::string status;
  Identifier identifier;
  std::vector<Challenge> challenges;
  nlohmann::json object;

  // The challenge of `type`, or null.
  const Challenge* Find(std::string_view type) const;
};

// A downloaded certificate chain (§7.4.2) and its links: "alternate"
// chains, and the draft's rel="acme-optional-alternate" for the
// landmark-relative certificate.
struct CertificateChain {
  std::string pem;
  std::vector<Link> links;
  std::string OptionalAlternate() const;
};

// The draft's link relation for the landmark-relative certificate.
inline constexpr std::string_view kOptionalAlternateRel =
    "acme-optional-alternate";

struct PollOptions {
  // The wait between polls when the server sends no Retry-After.
  std::chrono::milliseconds interval{1000};
  // Longest single wait, whatever Retry-After asks for.
  std::chrono::milliseconds max_wait{10'000};
  // Give up after this long in total (kUnavailable).
  std::chrono::milliseconds timeout{120'000};
};

struct ClientOptions {
  net::ClientOptions http;
  PollOptions poll;
};

class AcmeClient {
 public:
  // Fetches the directory at `directory_url`.
  static Result<AcmeClient> Connect(std::string directory_url,
                                    ClientOptions options = {});
  // Uses a directory fetched before (by another thread's client).
  static Result<AcmeClient> Create(Directory directory,
                                   ClientOptions options = {});
  // The same, sending through `http` (made with options.http), which other
  // clients may share.
  static Result<AcmeClient> Create(Directory directory, ClientOptions options,
                                   std::shared_ptr<net::HttpClientPool> http);

  AcmeClient(AcmeClient&&) noexcept;
  AcmeClient& operator=(AcmeClient&&) noexcept;
  ~AcmeClient();

  const Directory& directory() const { return directory_; }

  // §7.3: newAccount with "termsOfServiceAgreed" and optional contacts,
  // signed with the "jwk" header. 200 (an existing account) and 201 both
  // yield the account URL from Location.
  Result<Account> NewAccount(const AccountKey& key, bool terms_agreed = true,
                             const std::vector<std::string>& contact = {});
  // §7.4: newOrder.
  Result<Order> NewOrder(const Account& account,
                         const std::vector<Identifier>& identifiers);
  Result<Order> GetOrder(const Account& account, const std::string& url);
  // §7.5: POST-as-GET on an authorization.
  Result<Authorization> GetAuthorization(const Account& account,
                                         const std::string& url);
  // §7.5.1: tells the server to validate the challenge (payload {}).
  Status RespondToChallenge(const Account& account, const Challenge& challenge);
  // Polls the authorization until it is no longer pending; an invalid one
  // is kVerificationFailed with the challenge's error.
  Result<Authorization> WaitForAuthorization(const Account& account,
                                             const std::string& url);
  // §7.4: finalize with a DER CSR. When the server answers orderNotReady,
  // waits until the order leaves "pending" and tries once more.
  Result<Order> Finalize(const Account& account, const Order& order,
                         std::span<const uint8_t> csr_der);
  // Polls the order until it is valid (or invalid: kVerificationFailed).
  Result<Order> WaitForOrder(const Account& account, const std::string& url);
  // §7.4.2: POST-as-GET on the certificate URL.
  Result<CertificateChain> DownloadCertificate(
      const Account& account, const std::string& url,
      std::string_view accept = "application/pem-certificate-chain");

  // A signed POST with a JSON payload, or POST-as-GET (§6.3), signed with
  // the account's "kid". On badNonce the request is sent once more with the
  // nonce of that answer (§6.5). Only transport failures are errors; the
  // reply may carry any status.
  Result<AcmeReply> Post(const Account& account, const std::string& url,
                         const nlohmann::json& payload,
                         const net::Headers& headers = {});
  Result<AcmeReply> PostAsGet(const Account& account, const std::string& url,
                              const net::Headers& headers = {});

  // Requests sent and badNonce retries made, for reports.
  uint64_t requests() const { return requests_; }
  uint64_t bad_nonce_retries() const { return bad_nonce_retries_; }

 private:
  AcmeClient(Directory directory, std::shared_ptr<net::HttpClientPool> http,
             PollOptions poll);

  // Signs and sends; `kid` empty means a "jwk" header.
  Result<AcmeReply> SignedPost(const AccountKey& key, const std::string& kid,
                               const std::string& url, std::string_view payload,
                               const net::Headers& headers);
  Result<AcmeReply> SendOnce(const AccountKey& key, const std::string& kid,
                             const std::string& url, std::string_view payload,
                             const net::Headers& headers);
  Result<std::string> TakeNonce();
  Result<AcmeReply> Send(const net::ClientRequest& request);
  // Sleeps before the next poll; kUnavailable once past `deadline`.
  Status WaitBeforePoll(const AcmeReply& reply,
                        std::chrono::steady_clock::time_point deadline,
                        std::string_view what);

  Directory directory_;
  std::shared_ptr<net::HttpClientPool> http_;
  PollOptions poll_;
  std::string nonce_;  // the last Replay-Nonce not yet used
  uint64_t requests_ = 0;
  uint64_t bad_nonce_retries_ = 0;
};

// Parses §7.1.3 / §7.1.4 / §7.1.6 objects (kMalformed for missing or
// mistyped members).
Result<Order> ParseOrder(const nlohmann::json& object, std::string url);
Result<Authorization> ParseAuthorization(const nlohmann::json& object,
                                         std::string url);

}  // namespace mtc::acme::client

#endif  // MTC_ACME_CLIENT_H_
