// Routing, the directory, newNonce and the JWS checks every POST passes
// (RFC 8555 §6, §7.1.1, §7.2).
#include "acme/server.h"

#include <cctype>
#include <cstdio>
#include <ctime>

#include "acme/server_internal.h"
#include "log/ca_service.h"
#include "mtc/base/hex.h"
#include "mtc/crypto/random.h"
#include "mtc/wire/base64.h"

namespace mtc::acme {

namespace internal {

std::string Rfc3339(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseRfc3339(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return std::nullopt;
  std::string_view rest(end);
  if (!rest.empty() && rest[0] == '.') {  // fractional seconds
    size_t i = 1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])))
      i++;
    rest.remove_prefix(i);
  }
  if (rest != "Z") return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

Problem MakeProblem(ProblemType type, int status, std::string detail) {
  Problem p = Problem::Make(type, std::move(detail));
  p.status = status;
  return p;
}

Problem ProblemFromError(const Error& error) {
  if (error.code() == ErrorCode::kIo || error.code() == ErrorCode::kInternal) {
    std::fprintf(stderr, "acme: %s\n", error.ToString().c_str());
  }
  return ProblemForError(error);
}

net::Response JsonResponse(int status, const nlohmann::json& body) {
  net::Response r;
  r.status = status;
  r.AddHeader("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

std::string_view AccountStatusName(AccountStatus s) {
  switch (s) {
    case AccountStatus::kValid:
      return "valid";
    case AccountStatus::kDeactivated:
      return "deactivated";
    case AccountStatus::kRevoked:
      return "revoked";
  }
  return "invalid";
}

std::string_view OrderStatusName(OrderStatus s) {
  switch (s) {
    case OrderStatus::kPending:
      return "pending";
    case OrderStatus::kReady:
      return "ready";
    case OrderStatus::kProcessing:
      return "processing";
    case OrderStatus::kValid:
      return "valid";
    case OrderStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view AuthorizationStatusName(AuthorizationStatus s) {
  switch (s) {
    case AuthorizationStatus::kPending:
      return "pending";
    case AuthorizationStatus::kValid:
      return "valid";
    case AuthorizationStatus::kInvalid:
      return "invalid";
    case AuthorizationStatus::kDeactivated:
      return "deactivated";
    case AuthorizationStatus::kExpired:
      return "expired";
    case AuthorizationStatus::kRevoked:
      return "revoked";
  }
  return "invalid";
}

std::string_view ChallengeStatusName(ChallengeStatus s) {
  switch (s) {
    case ChallengeStatus::kPending:
      return "pending";
    case ChallengeStatus::kProcessing:
      return "processing";
    case ChallengeStatus::kValid:
      return "valid";
    case ChallengeStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

std::optional<std::string> PathId(std::string_view path,
                                  std::string_view prefix,
                                  std::string_view suffix) {
  if (path.size() <= prefix.size() + suffix.size() ||
      path.substr(0, prefix.size()) != prefix ||
      path.substr(path.size() - suffix.size()) != suffix) {
    return std::nullopt;
  }
  std::string_view id =
      path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  if (id.size() > 64) return std::nullopt;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return std::nullopt;
  }
  return std::string(id);
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<std::string> CertIdSerialHex(std::string_view cert_id) {
  size_t dot = cert_id.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  if (!wire::Base64UrlDecode(cert_id.substr(0, dot)).ok()) return std::nullopt;
  auto serial = wire::Base64UrlDecode(cert_id.substr(dot + 1));
  if (!serial.ok() || serial->empty()) return std::nullopt;
  // The DER INTEGER's contents: drop a sign octet.
  std::span<const uint8_t> magnitude(*serial);
  while (magnitude.size() > 1 && magnitude[0] == 0) {
    magnitude = magnitude.subspan(1);
  }
  return HexEncode(magnitude);
}

}  // namespace internal

using internal::MakeProblem;

namespace {

// The rate limiter forgets finished windows when it tracks this many
// accounts (CheckRateLimit).
constexpr size_t kMaxRateLimitedAccounts = 100'000;

}  // namespace

AcmeServer::AcmeServer(AcmeServerOptions options, AcmeStore* store,
                       log::CaService* ca)
    : options_(std::move(options)),
      store_(store),
      ca_(ca),
      nonces_(NoncePool::Options{options_.max_nonces, options_.nonce_lifetime}),
      validations_("acme validation", options_.validation_threads,
                   options_.max_queued),
      issuances_("acme issuance", options_.issuance_threads,
                 options_.max_queued) {}

AcmeServer::~AcmeServer() { Stop(); }

void AcmeServer::Stop() {
  validations_.Stop();
  // Issuances in flight complete with the sequencer's next commit (or its
  // failure); wait for them, boundedly, before the workers go.
  {
    std::unique_lock<std::mutex> lock(in_flight_mu_);
    in_flight_cv_.wait_for(lock, std::chrono::seconds(60),
                           [this] { return in_flight_ == 0; });
  }
  issuances_.Stop();
}

std::string AcmeServer::Url(std::string_view path) const {
  return options_.base_url + std::string(path);
}

int64_t AcmeServer::Now() const {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string AcmeServer::NewId() const {
  // 128 bits from the CSPRNG, base64url (acme_store.h).
  return wire::Base64UrlEncode(crypto::RandomBytes(16));
}

net::Response AcmeServer::Finish(net::Response response) {
  // §6.5: every response carries a fresh nonce; §7.1: and the directory.
  response.AddHeader("Replay-Nonce", nonces_.Issue());
  response.AddHeader("Link", "<" + DirectoryUrl() + ">;rel=\"index\"");
  if (!response.Header("Cache-Control")) {
    response.AddHeader("Cache-Control", "no-store");
  }
  return response;
}

net::Response AcmeServer::ProblemResponse(const Problem& problem) {
  net::Response r;
  r.status = problem.status;
  r.AddHeader("Content-Type", "application/problem+json");
  r.body = problem.ToJson();
  return r;
}

net::Response AcmeServer::Directory() {
  // §7.1.1.
  nlohmann::json meta = nlohmann::json::object();
  if (!options_.terms_of_service.empty())
    meta["termsOfService"] = options_.terms_of_service;
  if (!options_.website.empty()) meta["website"] = options_.website;
  meta["caaIdentities"] = options_.caa_identities;
  // §7.3.4: "true" when newAccount needs an external account binding.
  meta["externalAccountRequired"] = options_.external_account_required;
  nlohmann::json d = {
      {"newNonce", Url("/acme/new-nonce")},
      {"newAccount", Url("/acme/new-account")},
      {"newOrder", Url("/acme/new-order")},
      {"revokeCert", Url("/acme/revoke-cert")},
      {"keyChange", Url("/acme/key-change")},
      // RFC 9773 §4.
      {"renewalInfo", Url("/acme/renewal-info")},
      {"meta", meta},
  };
  net::Response r = internal::JsonResponse(200, d);
  r.headers.erase("Cache-Control");
  r.AddHeader("Cache-Control", "public, max-age=0, no-cache");
  return r;
}

net::Response AcmeServer::NewNonce(const net::Request& request) {
  // §7.2: HEAD answers 200, GET 204; both "Cache-Control: no-store".
  net::Response r;
  r.status = request.method == "HEAD" ? 200 : 204;
  r.AddHeader("Cache-Control", "no-store");
  return r;
}

std::variant<AcmeServer::Authenticated, Problem> AcmeServer::Authenticate(
    const net::Request& request, KeyMode mode) {
  // §6.2: "application/jose+json", else 415.
  auto type = request.Header("Content-Type");
  if (!type ||
      internal::AsciiLower(*type).rfind("application/jose+json", 0) != 0) {
    return MakeProblem(ProblemType::kMalformed, 415,
                       "Content-Type must be application/jose+json");
  }
  auto parsed = ParseJws(request.body);
  if (!parsed.ok()) return ProblemForJwsError(parsed.error());
  Authenticated a{std::move(parsed).value(), std::nullopt, {}};
  // §6.4: the "url" header parameter is the URL this request went to.
  if (a.jws.url != Url(request.target)) {
    return MakeProblem(ProblemType::kUnauthorized, 401,
                       "the JWS url \"" + a.jws.url +
                           "\" is not the request URL " + Url(request.target));
  }
  // §6.2: "jwk" for newAccount (and revokeCert with the certificate key),
  // "kid" for everything else.
  std::optional<Jwk> key;
  if (a.jws.jwk) {
    if (mode == KeyMode::kKid) {
      return MakeProblem(ProblemType::kMalformed, 400,
                         "this resource takes a \"kid\", not a \"jwk\"");
    }
    key = a.jws.jwk;
  } else {
    if (mode == KeyMode::kJwk) {
      return MakeProblem(ProblemType::kMalformed, 400,
                         "newAccount takes a \"jwk\", not a \"kid\"");
    }
    auto id = internal::PathId(*a.jws.kid, Url("/acme/acct/"));
    if (!id) {
      return MakeProblem(ProblemType::kAccountDoesNotExist, 400,
                         "kid is not an account URL of this server");
    }
    auto account = store_->GetAccount(*id);
    if (!account.ok()) return internal::ProblemFromError(account.error());
    if (!account->has_value()) {
      return MakeProblem(ProblemType::kAccountDoesNotExist, 400,
                         "no account " + *id);
    }
    if ((*account)->status != AccountStatus::kValid) {
      return MakeProblem(
          ProblemType::kUnauthorized, 401,
          "account " + *id + " is " +
              std::string(internal::AccountStatusName((*account)->status)));
    }
    auto jwk_json = ParseJson((*account)->jwk_json);
    if (!jwk_json.ok()) return internal::ProblemFromError(jwk_json.error());
    auto jwk = Jwk::Parse(*jwk_json);
    if (!jwk.ok()) return internal::ProblemFromError(jwk.error());
    key = *jwk;
    a.account = std::move(**account);
  }
  Status verified = VerifyJws(a.jws, *key);
  if (!verified.ok()) return ProblemForJwsError(verified.error());
  // §6.5: checked after the signature, so that a forged request cannot burn
  // a client's nonce.
  if (!nonces_.Consume(a.jws.nonce)) {
    return MakeProblem(ProblemType::kBadNonce, 400,
                       "unknown, used or expired nonce");
  }
  a.payload = a.jws.post_as_get ? nlohmann::json::object() : a.jws.payload_json;
  return a;
}

net::Response AcmeServer::Handle(const net::Request& request) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (request.body.size() > options_.max_body_bytes) {
    return Finish(ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 413, "request body too large")));
  }
  if (path == "/directory") {
    if (method != "GET" && method != "HEAD") {
      net::Response r = ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 405, "the directory takes GET"));
      r.AddHeader("Allow", "GET, HEAD");
      return Finish(std::move(r));
    }
    return Finish(Directory());
  }
  if (path == "/acme/new-nonce") {
    if (method != "GET" && method != "HEAD") {
      net::Response r = ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 405, "newNonce takes GET"));
      r.AddHeader("Allow", "GET, HEAD");
      return Finish(std::move(r));
    }
    return Finish(NewNonce(request));
  }
  // Resources readable without a JWS: the alternate (draft §Optional
  // Certificates lets any client poll it), ARI (RFC 9773 §4.1), the list.
  bool get = method == "GET" || method == "HEAD";
  if (get) {
    if (auto id = internal::PathId(path, "/acme/cert/", "/alternate")) {
      return Finish(AlternateRequest(request, *id));
    }
    if (path.rfind("/acme/renewal-info/", 0) == 0) {
      return Finish(RenewalInfo(request, std::string_view(path).substr(19)));
    }
    if (path == "/acme/revoked") return Finish(RevokedList());
  }
  if (method != "POST") {
    net::Response r = ProblemResponse(MakeProblem(
        ProblemType::kMalformed, 405, "ACME resources take POST (§6.3)"));
    r.AddHeader("Allow", "POST");
    return Finish(std::move(r));
  }
  net::Response r;
  if (path == "/acme/new-account") {
    r = NewAccount(request);
  } else if (path == "/acme/new-order") {
    r = NewOrder(request);
  } else if (path == "/acme/key-change") {
    r = KeyChange(request);
  } else if (path == "/acme/revoke-cert") {
    r = RevokeCert(request);
  } else if (auto id = internal::PathId(path, "/acme/acct/", "/orders")) {
    r = AccountOrders(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/acct/")) {
    r = AccountRequest(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/order/", "/finalize")) {
    r = Finalize(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/order/")) {
    r = OrderRequest(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/authz/")) {
    r = AuthorizationRequest(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/chall/")) {
    r = ChallengeRequest(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/cert/", "/alternate")) {
    r = AlternateRequest(request, *id);
  } else if (auto id = internal::PathId(path, "/acme/cert/")) {
    r = CertificateRequest(request, *id);
  } else {
    r = ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no such resource"));
  }
  return Finish(std::move(r));
}

std::optional<Problem> AcmeServer::CheckRateLimit(const std::string& account_id,
                                                  int64_t* retry_after) {
  const int limit = options_.orders_per_account_per_minute;
  if (limit <= 0) return std::nullopt;
  // A fixed window per wall-clock minute: one counter per account, reset
  // when its minute is over.
  const int64_t now = Now();
  const int64_t minute = now / 60;
  std::lock_guard<std::mutex> lock(rate_mu_);
  if (order_counts_.size() >= kMaxRateLimitedAccounts) {
    // Bounded memory: forget the accounts whose window is over; that loses
    // nothing, since their counts start again at zero anyway.
    std::erase_if(order_counts_,
                  [minute](const auto& e) { return e.second.first != minute; });
  }
  auto& [m, count] = order_counts_[account_id];
  if (m != minute) {
    m = minute;
    count = 0;
  }
  if (count >= limit) {
    // §6.6: "the server MAY include a Retry-After header field"; the
    // window ends at the next minute.
    *retry_after = (minute + 1) * 60 - now;
    return MakeProblem(ProblemType::kRateLimited, 429,
                       "more than " + std::to_string(limit) +
                           " new orders by this account this minute");
  }
  count++;
  return std::nullopt;
}

}  // namespace mtc::acme
