#include "acme/client.h"

#include <time.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "mtc/wire/base64.h"
#include "net/url.h"

namespace mtc::acme::client {

using nlohmann::json;

namespace {

constexpr std::string_view kJoseContentType = "application/jose+json";

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// "https://host:port" of an absolute URL, or empty.
std::string OriginOf(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t path = url.find('/', scheme + 3);
  return std::string(url.substr(0, path));
}

std::string StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// The problem document's type and detail, with subproblems (§6.7.1).
std::string DescribeProblem(const json& problem) {
  if (!problem.is_object()) return "";
  std::string out = StringMember(problem, "type");
  std::string detail = StringMember(problem, "detail");
  if (!detail.empty()) out += (out.empty() ? "" : ": ") + detail;
  auto sub = problem.find("subproblems");
  if (sub != problem.end() && sub->is_array()) {
    for (const auto& p : *sub) {
      out += " [";
      if (p.contains("identifier") && p["identifier"].is_object()) {
        out += StringMember(p["identifier"], "value") + ": ";
      }
      out += DescribeProblem(p) + "]";
    }
  }
  return out;
}

Result<std::vector<std::string>> StringArray(const json& object,
                                             const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_array()) {
    return Error(ErrorCode::kMalformed,
                 std::string("\"") + name + "\" is not an array");
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      return Error(ErrorCode::kMalformed,
                   std::string("\"") + name + "\" holds a non-string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Directory, links, Retry-After, problems.

Result<Directory> Directory::FromJson(const json& object, std::string url) {
  if (!object.is_object()) {
    return Error(ErrorCode::kMalformed, "the directory is not a JSON object");
  }
  Directory d;
  d.url = std::move(url);
  d.new_nonce = StringMember(object, "newNonce");
  d.new_account = StringMember(object, "newAccount");
  d.new_order = StringMember(object, "newOrder");
  d.new_authz = StringMember(object, "newAuthz");
  d.revoke_cert = StringMember(object, "revokeCert");
  d.key_change = StringMember(object, "keyChange");
  d.renewal_info = StringMember(object, "renewalInfo");
  if (object.contains("meta")) d.meta = object["meta"];
  if (d.new_nonce.empty() || d.new_account.empty() || d.new_order.empty()) {
    return Error(ErrorCode::kMalformed,
                 "the directory lacks newNonce, newAccount or newOrder "
                 "(RFC 8555 §7.1.1)");
  }
  return d;
}

std::vector<Link> ParseLinks(const net::Headers& headers,
                             std::string_view request_url) {
  // RFC 8288 §3:
  //   Link       = #link-value
  //   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
  //   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
  std::vector<Link> out;
  std::string origin = OriginOf(request_url);
  auto [begin, end] = headers.equal_range("Link");
  for (auto it = begin; it != end; ++it) {
    std::string_view s = it->second;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (IsSpace(s[i]) || s[i] == ',')) ++i;
      if (i >= s.size()) break;
      if (s[i] != '<') break;  // not a link-value: give up on this field
      size_t close = s.find('>', i);
      if (close == std::string_view::npos) break;
      std::string target(s.substr(i + 1, close - i - 1));
      i = close + 1;
      std::vector<std::string> rels;
      // Parameters until the next ',' outside a quoted string.
      while (i < s.size()) {
        while (i < s.size() && IsSpace(s[i])) ++i;
        if (i >= s.size() || s[i] == ',') break;
        if (s[i] != ';') {
          ++i;
          continue;
        }
        ++i;
        size_t name_start = i;
        while (i < s.size() && s[i] != '=' && s[i] != ';' && s[i] != ',') ++i;
        std::string_view name = Trim(s.substr(name_start, i - name_start));
        std::string value;
        if (i < s.size() && s[i] == '=') {
          ++i;
          while (i < s.size() && IsSpace(s[i])) ++i;
          if (i < s.size() && s[i] == '"') {
            ++i;
            while (i < s.size() && s[i] != '"') {
              if (s[i] == '\\' && i + 1 < s.size()) ++i;
              value += s[i++];
            }
            if (i < s.size()) ++i;  // closing quote
          } else {
            size_t v = i;
            while (i < s.size() && s[i] != ';' && s[i] != ',') ++i;
            value = std::string(Trim(s.substr(v, i - v)));
          }
        }
        // RFC 8288 §3.3: relation types are case-insensitive, several in
        // one "rel" separated by spaces; only the first "rel" counts.
        if (rels.empty() && name.size() == 3 && (name[0] | 0x20) == 'r' &&
            (name[1] | 0x20) == 'e' && (name[2] | 0x20) == 'l') {
          size_t p = 0;
          while (p < value.size()) {
            size_t q = value.find(' ', p);
            if (q == std::string::npos) q = value.size();
            if (q > p) rels.push_back(value.substr(p, q - p));
            p = q + 1;
          }
        }
      }
      if (!target.empty() && target.front() == '/' && !origin.empty()) {
        target = origin + target;
      }
      for (auto& rel : rels) {
        std::transform(rel.begin(), rel.end(), rel.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        out.push_back({target, rel});
      }
    }
  }
  return out;
}

std::optional<std::chrono::seconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  // RFC 9110 §10.2.3: Retry-After = HTTP-date / delay-seconds.
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  // IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
  struct tm tm = {};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) return std::chrono::seconds(0);
  return std::chrono::duration_cast<std::chrono::seconds>(at - now);
}

std::string AcmeErrorUrn(std::string_view name) {
  return "urn:ietf:params:acme:error:" + std::string(name);
}

std::string AcmeReply::ProblemType() const {
  if (success() || !json.is_object()) return "";
  return StringMember(json, "type");
}

std::string AcmeReply::LinkWith(std::string_view rel) const {
  for (const auto& link : links) {
    if (link.rel == rel) return link.url;
  }
  return "";
}

Error ReplyError(std::string_view step, const AcmeReply& reply) {
  std::string type = reply.ProblemType();
  ErrorCode code = ErrorCode::kInvalidArgument;
  if (reply.status >= 500 || type == AcmeErrorUrn("badNonce") ||
      type == AcmeErrorUrn("rateLimited")) {
    code = ErrorCode::kUnavailable;
  } else if (reply.status == 404) {
    code = ErrorCode::kNotFound;
  } else if (type == AcmeErrorUrn("unauthorized")) {
    code = ErrorCode::kVerificationFailed;
  } else if (reply.success()) {
    code = ErrorCode::kMalformed;
  }
  std::string message = std::string(step) + " " + reply.url + ": HTTP " +
                        std::to_string(reply.status);
  std::string problem = DescribeProblem(reply.json);
  if (!problem.empty()) {
    message += " " + problem;
  } else if (!reply.body.empty()) {
    message += " " + reply.body.substr(0, 200);
  }
  return Error(code, std::move(message));
}

const Challenge* Authorization::Find(std::string_view type) const {
  for (const auto& c : challenges) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::string CertificateChain::OptionalAlternate() const {
  for (const auto& link : links) {
    if (link.rel == kOptionalAlternateRel) return link.url;
  }
  return "";
}

Result<Order> ParseOrder(const json& object, std::string url) {
  // RFC 8555 §7.1.3.
  if (!object.is_object()) {
    return Error(ErrorCode::kMalformed, "order is not a JSON object");
  }
  Order order;
  order.url = std::move(url);
  order.status = StringMember(object, "status");
  order.finalize = StringMember(object, "finalize");
  order.certificate = StringMember(object, "certificate");
  if (order.status.empty() || order.finalize.empty()) {
    return Error(ErrorCode::kMalformed, "order lacks status or finalize");
  }
  auto authz = StringArray(object, "authorizations");
  if (!authz.ok()) return authz.error().WithContext("order");
  order.authorizations = std::move(*authz);
  order.object = object;
  return order;
}

Result<Authorization> ParseAuthorization(const json& object, std::string url) {
  // RFC 8555 §7.1.4 and the challenge objects of §7.1.5 / §8.3.
  if (!object.is_object()) {
    return Error(ErrorCode::kMalformed, "authorization is not a JSON object");
  }
  Authorization authz;
  authz.url = std::move(url);
  authz.status = StringMember(object, "status");
  if (authz.status.empty()) {
    return Error(ErrorCode::kMalformed, "authorization lacks status");
  }
  if (object.contains("identifier") && object["identifier"].is_object()) {
    authz.identifier.type = StringMember(object["identifier"], "type");
    authz.identifier.value = StringMember(object["identifier"], "value");
  }
  auto challenges = object.find("challenges");
  if (challenges == object.end() || !challenges->is_array()) {
    return Error(ErrorCode::kMalformed, "authorization lacks challenges");
  }
  for (const auto& c : *challenges) {
    if (!c.is_object()) {
      return Error(ErrorCode::kMalformed, "a challenge is not an object");
    }
    Challenge challenge{StringMember(c, "type"), StringMember(c, "url"),
                        StringMember(c, "token"), StringMember(c, "status")};
    if (challenge.type.empty() || challenge.url.empty()) {
      return Error(ErrorCode::kMalformed, "a challenge lacks type or url");
    }
    authz.challenges.push_back(std::move(challenge));
  }
  authz.object = object;
  return authz;
}

// ---------------------------------------------------------------------------
// AcmeClient.

AcmeClient::AcmeClient(Directory directory,
                       std::shared_ptr<net::HttpClientPool> http,
                       PollOptions poll)
    : directory_(std::move(directory)), http_(std::move(http)), poll_(poll) {}
AcmeClient::AcmeClient(AcmeClient&&) noexcept = default;
AcmeClient& AcmeClient::operator=(AcmeClient&&) noexcept = default;
AcmeClient::~AcmeClient() = default;

Result<AcmeClient> AcmeClient::Create(Directory directory,
                                      ClientOptions options) {
  auto http = net::HttpClientPool::Create(options.http, 1);
  if (!http.ok()) return http.error();
  return AcmeClient(std::move(directory), std::move(*http), options.poll);
}

Result<AcmeClient> AcmeClient::Create(
    Directory directory, ClientOptions options,
    std::shared_ptr<net::HttpClientPool> http) {
  if (http == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "AcmeClient without HTTP");
  }
  return AcmeClient(std::move(directory), std::move(http), options.poll);
}

Result<AcmeClient> AcmeClient::Connect(std::string directory_url,
                                       ClientOptions options) {
  auto http = net::HttpClientPool::Create(options.http, 1);
  if (!http.ok()) return http.error();
  net::ClientRequest request;
  request.url = directory_url;
  AcmeClient client(Directory{}, std::move(*http), options.poll);
  auto reply = client.Send(request);
  if (!reply.ok()) return reply.error().WithContext("directory");
  if (reply->status != 200) return ReplyError("directory", *reply);
  auto directory = Directory::FromJson(reply->json, directory_url);
  if (!directory.ok()) return directory.error();
  client.directory_ = std::move(*directory);
  return client;
}

Result<AcmeReply> AcmeClient::Send(const net::ClientRequest& request) {
  ++requests_;
  auto response = http_->Do(request);
  if (!response.ok()) {
    return response.error().WithContext(request.method + " " + request.url);
  }
  AcmeReply reply;
  reply.url = request.url;
  reply.status = response->status;
  reply.headers = std::move(response->headers);
  reply.body = std::move(response->body);
  // §6.5: every response may carry a fresh nonce; keep the newest.
  if (auto nonce = net::HeaderValue(reply.headers, "Replay-Nonce")) {
    nonce_ = std::string(*nonce);
  }
  if (auto location = net::HeaderValue(reply.headers, "Location")) {
    reply.location = std::string(*location);
  }
  if (auto retry = net::HeaderValue(reply.headers, "Retry-After")) {
    reply.retry_after = ParseRetryAfter(*retry);
  }
  reply.links = ParseLinks(reply.headers, request.url);
  auto type = net::HeaderValue(reply.headers, "Content-Type");
  if (type && (type->find("json") != std::string_view::npos)) {
    reply.json = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (reply.json.is_discarded()) reply.json = nullptr;
  }
  return reply;
}

Result<std::string> AcmeClient::TakeNonce() {
  if (nonce_.empty()) {
    // §7.2: HEAD newNonce answers 200 with a Replay-Nonce.
    net::ClientRequest request;
    request.method = "HEAD";
    request.url = directory_.new_nonce;
    auto reply = Send(request);
    if (!reply.ok()) return reply.error();
    if (!reply->success()) return ReplyError("newNonce", *reply);
    if (nonce_.empty()) {
      return Error(ErrorCode::kMalformed,
                   "newNonce answered without a Replay-Nonce");
    }
  }
  return std::exchange(nonce_, std::string());
}

Result<AcmeReply> AcmeClient::SendOnce(const AccountKey& key,
                                       const std::string& kid,
                                       const std::string& url,
                                       std::string_view payload,
                                       const net::Headers& headers) {
  auto nonce = TakeNonce();
  if (!nonce.ok()) return nonce.error();
  // §6.2: "alg", "nonce", "url", and exactly one of "jwk" / "kid".
  json header = {{"nonce", *nonce}, {"url", url}};
  if (kid.empty()) {
    header["jwk"] = key.jwk();
  } else {
    header["kid"] = kid;
  }
  auto body = key.SignFlattened(std::move(header), payload);
  if (!body.ok()) return body.error();
  net::ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = headers;
  request.headers.emplace("Content-Type", std::string(kJoseContentType));
  request.body = std::move(*body);
  return Send(request);
}

Result<AcmeReply> AcmeClient::SignedPost(const AccountKey& key,
                                         const std::string& kid,
                                         const std::string& url,
                                         std::string_view payload,
                                         const net::Headers& headers) {
  auto reply = SendOnce(key, kid, url, payload, headers);
  if (!reply.ok()) return reply;
  // §6.5: a badNonce answer carries a fresh nonce; retry once with it.
  if (reply->status == 400 &&
      reply->ProblemType() == AcmeErrorUrn("badNonce")) {
    ++bad_nonce_retries_;
    return SendOnce(key, kid, url, payload, headers);
  }
  return reply;
}

Result<AcmeReply> AcmeClient::Post(const Account& account,
                                   const std::string& url, const json& payload,
                                   const net::Headers& headers) {
  return SignedPost(account.key, account.url, url, payload.dump(), headers);
}

Result<AcmeReply> AcmeClient::PostAsGet(const Account& account,
                                        const std::string& url,
                                        const net::Headers& headers) {
  // §6.3: POST-as-GET has the empty payload "".
  return SignedPost(account.key, account.url, url, "", headers);
}

Status AcmeClient::WaitBeforePoll(
    const AcmeReply& reply, std::chrono::steady_clock::time_point deadline,
    std::string_view what) {
  std::chrono::milliseconds wait = poll_.interval;
  if (reply.retry_after) {
    wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        *reply.retry_after);
  }
  wait = std::min(wait, poll_.max_wait);
  auto now = std::chrono::steady_clock::now();
  if (now + wait > deadline) {
    return Error(ErrorCode::kUnavailable,
                 std::string(what) + " " + reply.url +
                     " still not done after " +
                     std::to_string(poll_.timeout.count()) + " ms");
  }
  std::this_thread::sleep_for(wait);
  return OkStatus();
}

Result<Account> AcmeClient::NewAccount(
    const AccountKey& key, bool terms_agreed,
    const std::vector<std::string>& contact) {
  // §7.3: {"termsOfServiceAgreed": true, "contact": [...]}.
  json payload = json::object();
  if (terms_agreed) payload["termsOfServiceAgreed"] = true;
  if (!contact.empty()) payload["contact"] = contact;
  auto reply = SignedPost(key, "", directory_.new_account, payload.dump(), {});
  if (!reply.ok()) return reply.error();
  if (reply->status != 200 && reply->status != 201) {
    return ReplyError("newAccount", *reply);
  }
  if (reply->location.empty()) {
    return Error(ErrorCode::kMalformed, "newAccount answered without Location");
  }
  return Account{key, reply->location};
}

Result<Order> AcmeClient::NewOrder(const Account& account,
                                   const std::vector<Identifier>& identifiers) {
  // §7.4: {"identifiers": [{"type": ..., "value": ...}, ...]}.
  json list = json::array();
  for (const auto& id : identifiers) list.push_back(id.ToJson());
  auto reply = Post(account, directory_.new_order, {{"identifiers", list}});
  if (!reply.ok()) return reply.error();
  if (reply->status != 201) return ReplyError("newOrder", *reply);
  if (reply->location.empty()) {
    return Error(ErrorCode::kMalformed, "newOrder answered without Location");
  }
  auto order = ParseOrder(reply->json, reply->location);
  if (!order.ok()) return order.error().WithContext("newOrder");
  return order;
}

Result<Order> AcmeClient::GetOrder(const Account& account,
                                   const std::string& url) {
  auto reply = PostAsGet(account, url);
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) return ReplyError("order", *reply);
  return ParseOrder(reply->json, url);
}

Result<Authorization> AcmeClient::GetAuthorization(const Account& account,
                                                   const std::string& url) {
  auto reply = PostAsGet(account, url);
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) return ReplyError("authorization", *reply);
  return ParseAuthorization(reply->json, url);
}

Status AcmeClient::RespondToChallenge(const Account& account,
                                      const Challenge& challenge) {
  // §7.5.1: the client responds with an empty JSON object.
  auto reply = Post(account, challenge.url, json::object());
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) return ReplyError("challenge", *reply);
  return OkStatus();
}

Result<Authorization> AcmeClient::WaitForAuthorization(const Account& account,
                                                       const std::string& url) {
  auto deadline = std::chrono::steady_clock::now() + poll_.timeout;
  for (;;) {
    auto reply = PostAsGet(account, url);
    if (!reply.ok()) return reply.error();
    if (reply->status != 200) return ReplyError("authorization", *reply);
    auto authz = ParseAuthorization(reply->json, url);
    if (!authz.ok()) return authz.error();
    if (authz->status == "valid") return authz;
    if (authz->status != "pending") {
      // §7.1.6: the failed challenge carries the reason in "error".
      std::string why;
      for (const auto& c : authz->object["challenges"]) {
        if (c.contains("error")) why = DescribeProblem(c["error"]);
      }
      return Error(ErrorCode::kVerificationFailed,
                   "authorization " + url + " is " + authz->status +
                       (why.empty() ? "" : ": " + why));
    }
    if (Status s = WaitBeforePoll(*reply, deadline, "authorization"); !s.ok()) {
      return s.error();
    }
  }
}

Result<Order> AcmeClient::WaitForOrder(const Account& account,
                                       const std::string& url) {
  auto deadline = std::chrono::steady_clock::now() + poll_.timeout;
  for (;;) {
    auto reply = PostAsGet(account, url);
    if (!reply.ok()) return reply.error();
    if (reply->status != 200) return ReplyError("order", *reply);
    auto order = ParseOrder(reply->json, url);
    if (!order.ok()) return order.error();
    if (order->status == "valid" && !order->certificate.empty()) return order;
    if (order->status == "invalid") {
      std::string why;
      if (order->object.contains("error")) {
        why = DescribeProblem(order->object["error"]);
      }
      return Error(
          ErrorCode::kVerificationFailed,
          "order " + url + " is invalid" + (why.empty() ? "" : ": " + why));
    }
    if (Status s = WaitBeforePoll(*reply, deadline, "order"); !s.ok()) {
      return s.error();
    }
  }
}

Result<Order> AcmeClient::Finalize(const Account& account, const Order& order,
                                   std::span<const uint8_t> csr_der) {
  // §7.4: {"csr": base64url(DER CertificationRequest)}.
  json payload = {{"csr", wire::Base64UrlEncode(csr_der)}};
  auto reply = Post(account, order.finalize, payload);
  if (!reply.ok()) return reply.error();
  if (reply->status == 403 &&
      reply->ProblemType() == AcmeErrorUrn("orderNotReady")) {
    // The authorizations are valid but the order has not caught up yet.
    auto deadline = std::chrono::steady_clock::now() + poll_.timeout;
    for (;;) {
      auto current = PostAsGet(account, order.url);
      if (!current.ok()) return current.error();
      if (current->status != 200) return ReplyError("order", *current);
      auto parsed = ParseOrder(current->json, order.url);
      if (!parsed.ok()) return parsed.error();
      if (parsed->status != "pending") break;
      if (Status s = WaitBeforePoll(*current, deadline, "order"); !s.ok()) {
        return s.error();
      }
    }
    reply = Post(account, order.finalize, payload);
    if (!reply.ok()) return reply.error();
  }
  if (reply->status != 200) return ReplyError("finalize", *reply);
  return ParseOrder(reply->json, order.url);
}

Result<CertificateChain> AcmeClient::DownloadCertificate(
    const Account& account, const std::string& url, std::string_view accept) {
  net::Headers headers;
  if (!accept.empty()) headers.emplace("Accept", std::string(accept));
  auto reply = PostAsGet(account, url, headers);
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) return ReplyError("certificate", *reply);
  if (reply->body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Error(ErrorCode::kMalformed,
                 "certificate " + url + " holds no PEM certificate");
  }
  return CertificateChain{std::move(reply->body), std::move(reply->links)};
}

}  // namespace mtc::acme::client
