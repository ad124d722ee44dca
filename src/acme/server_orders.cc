// Orders, authorizations and challenges (RFC 8555 §7.1.3-§7.1.5, §7.4,
// §7.5, §8; RFC 8738 for ip identifiers).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <set>

#include "acme/server.h"
#include "acme/server_internal.h"
#include "mtc/crypto/sha256.h"
#include "mtc/wire/base64.h"

namespace mtc::acme {

using internal::MakeProblem;

namespace {

constexpr size_t kMaxIdentifiers = 100;

bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A dns identifier as this CA issues for it: lower-case LDH labels (RFC 5890
// A-labels pass as LDH), at least two, 253 octets at most, a "*." prefix only
// as the whole leftmost label (§7.1.3), not an IP address.
std::optional<Problem> CheckDnsName(const std::string& value) {
  std::string_view name = value;
  if (name.rfind("*.", 0) == 0) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) {
    return MakeProblem(ProblemType::kRejectedIdentifier, 400,
                       "bad DNS name: " + value);
  }
  size_t labels = 0;
  size_t start = 0;
  bool all_numeric_tld = true;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    std::string_view label = name.substr(start, dot - start);
    if (!IsLdhLabel(label)) {
      return MakeProblem(ProblemType::kRejectedIdentifier, 400,
                         "bad DNS name: " + value);
    }
    all_numeric_tld =
        label.find_first_not_of("0123456789") == std::string_view::npos;
    labels++;
    start = dot + 1;
  }
  if (labels < 2 || all_numeric_tld) {
    return MakeProblem(ProblemType::kRejectedIdentifier, 400,
                       "not a fully qualified DNS name: " + value);
  }
  return std::nullopt;
}

// RFC 8738 §3: the textual form; we keep inet_ntop's canonical one (RFC 5952
// for IPv6), so that the CSR's 4 or 16 bytes compare equal.
std::optional<std::string> CanonicalIp(const std::string& value) {
  std::array<uint8_t, 16> buf;
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, value.c_str(), buf.data()) == 1) {
    return std::string(inet_ntop(AF_INET, buf.data(), text, sizeof text));
  }
  if (inet_pton(AF_INET6, value.c_str(), buf.data()) == 1) {
    return std::string(inet_ntop(AF_INET6, buf.data(), text, sizeof text));
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json AcmeServer::ChallengeJson(const Challenge& c) const {
  nlohmann::json j = {{"type", c.type},
                      {"url", Url("/acme/chall/" + c.id)},
                      {"status", internal::ChallengeStatusName(c.status)},
                      {"token", c.token}};
  if (c.status == ChallengeStatus::kValid && c.validated != 0) {
    j["validated"] = internal::Rfc3339(c.validated);
  }
  if (!c.error_json.empty()) {
    auto error = ParseJson(c.error_json);
    if (error.ok()) j["error"] = *error;
  }
  return j;
}

nlohmann::json AcmeServer::AuthorizationJson(const Authorization& a) const {
  nlohmann::json challenges = nlohmann::json::array();
  for (const auto& c : a.challenges) challenges.push_back(ChallengeJson(c));
  nlohmann::json j = {
      {"identifier",
       {{"type", a.identifier.type}, {"value", a.identifier.value}}},
      {"status", internal::AuthorizationStatusName(a.status)},
      {"expires", internal::Rfc3339(a.expires)},
      {"challenges", challenges}};
  if (a.wildcard) j["wildcard"] = true;
  return j;
}

nlohmann::json AcmeServer::OrderJson(const Order& o) const {
  nlohmann::json identifiers = nlohmann::json::array();
  for (const auto& i : o.identifiers) {
    identifiers.push_back({{"type", i.type}, {"value", i.value}});
  }
  nlohmann::json authorizations = nlohmann::json::array();
  for (const auto& id : o.authorization_ids) {
    authorizations.push_back(Url("/acme/authz/" + id));
  }
  nlohmann::json j = {{"status", internal::OrderStatusName(o.status)},
                      {"expires", internal::Rfc3339(o.expires)},
                      {"identifiers", identifiers},
                      {"authorizations", authorizations},
                      {"finalize", Url("/acme/order/" + o.id + "/finalize")}};
  if (o.status == OrderStatus::kValid && !o.certificate_id.empty()) {
    j["certificate"] = Url("/acme/cert/" + o.certificate_id);
  }
  if (!o.error_json.empty()) {
    auto error = ParseJson(o.error_json);
    if (error.ok()) j["error"] = *error;
  }
  // RFC 9773 §5: the server "MUST reflect that field in the response and in
  // subsequent requests for the corresponding Order object".
  if (!o.replaces.empty()) j["replaces"] = o.replaces;
  return j;
}

std::optional<Problem> AcmeServer::CheckReplaces(
    const nlohmann::json& replaces, const Account& account,
    const std::vector<Identifier>& identifiers, Order* order) {
  // RFC 9773 §5: "replaces" is a certID as in §4.1.
  if (!replaces.is_string()) {
    return MakeProblem(ProblemType::kMalformed, 400,
                       "replaces must be a certID string (RFC 9773 §5)");
  }
  const std::string& cert_id = replaces.get_ref<const std::string&>();
  auto serial = internal::CertIdSerialHex(cert_id);
  if (!serial) {
    return MakeProblem(ProblemType::kMalformed, 400,
                       "replaces: \"" + cert_id + "\" is not a certID");
  }
  auto record = store_->FindCertificateBySerial(*serial);
  if (!record.ok()) return internal::ProblemFromError(record.error());
  // "Servers SHOULD check that the identified certificate and the New Order
  // request correspond to the same ACME Account, that they share at least
  // one identifier, and that the identified certificate has not already
  // been marked as replaced by a different Order that is not "invalid"."
  // The first two are checked here; the last in the store, atomically with
  // the order's creation.
  if (!record->has_value()) {
    return MakeProblem(ProblemType::kMalformed, 404,
                       "replaces: this CA issued no certificate " + cert_id);
  }
  const CertificateRecord& replaced = **record;
  if (replaced.account_id != account.id) {
    return MakeProblem(ProblemType::kUnauthorized, 403,
                       "replaces: the certificate belongs to another account");
  }
  auto replaced_order = store_->GetOrder(replaced.order_id);
  if (!replaced_order.ok()) {
    return internal::ProblemFromError(replaced_order.error());
  }
  bool shared = false;
  if (replaced_order->has_value()) {
    for (const Identifier& id : (*replaced_order)->identifiers) {
      shared = shared || std::find(identifiers.begin(), identifiers.end(),
                                   id) != identifiers.end();
    }
  }
  if (!shared) {
    return MakeProblem(
        ProblemType::kMalformed, 400,
        "replaces: the certificate shares no identifier with this order");
  }
  order->replaces = cert_id;
  order->replaces_certificate_id = replaced.id;
  return std::nullopt;
}

Result<Order> AcmeServer::RefreshOrder(Order order) {
  // A bounded loop: each round either settles or loses a race to a request
  // that moved the order, and then reads it again.
  for (int round = 0; round < 4; round++) {
    OrderStatus from = order.status;
    Order next = order;
    if (from == OrderStatus::kPending || from == OrderStatus::kReady) {
      if (order.expires <= Now()) {
        next.status = OrderStatus::kInvalid;
        next.error_json =
            MakeProblem(ProblemType::kMalformed, 403, "the order expired")
                .ToJson();
      } else if (from == OrderStatus::kPending) {
        bool all_valid = true;
        for (const auto& id : order.authorization_ids) {
          MTC_ASSIGN_OR_RETURN(auto authz, store_->GetAuthorization(id));
          if (!authz)
            return Error(ErrorCode::kInternal, "authz " + id + " lost");
          bool expired = authz->expires <= Now();
          if (authz->status == AuthorizationStatus::kValid && !expired)
            continue;
          all_valid = false;
          if (authz->status != AuthorizationStatus::kPending || expired) {
            // §7.1.6: an order whose authorization failed is invalid.
            next.status = OrderStatus::kInvalid;
            Problem p = MakeProblem(
                ProblemType::kUnauthorized, 403,
                "authorization for " + authz->identifier.value + " is " +
                    std::string(expired ? "expired"
                                        : internal::AuthorizationStatusName(
                                              authz->status)));
            for (const auto& c : authz->challenges) {
              if (c.error_json.empty()) continue;
              auto e = ParseJson(c.error_json);
              if (e.ok() && (*e)["detail"].is_string()) {
                p.detail += ": " + (*e)["detail"].get<std::string>();
              }
            }
            next.error_json = p.ToJson();
            break;
          }
        }
        if (all_valid) next.status = OrderStatus::kReady;
      }
    }
    if (next.status == from) return order;
    Status s = store_->UpdateOrder(next, from);
    if (s.ok()) return next;
    if (s.error().code() != ErrorCode::kConflict) return s.error();
    MTC_ASSIGN_OR_RETURN(auto again, store_->GetOrder(order.id));
    if (!again) return Error(ErrorCode::kNotFound, "order " + order.id);
    order = std::move(*again);
  }
  return order;
}

net::Response AcmeServer::NewOrder(const net::Request& request) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  const Account& account = *a.account;
  int64_t retry_after = 0;
  if (auto limited = CheckRateLimit(account.id, &retry_after)) {
    net::Response r = ProblemResponse(*limited);
    r.AddHeader("Retry-After", std::to_string(retry_after));
    return r;
  }
  const nlohmann::json& payload = a.payload;
  // §7.4: notBefore / notAfter are optional for the server; this CA gives
  // every certificate its configured lifetime from issuance.
  if (payload.contains("notBefore") || payload.contains("notAfter")) {
    return ProblemResponse(MakeProblem(
        ProblemType::kMalformed, 400,
        "notBefore and notAfter are not supported: certificates last the "
        "CA's max_cert_lifetime from issuance"));
  }
  if (payload.contains("profile")) {
    return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                       "this CA offers no profiles"));
  }
  const auto& list = payload.contains("identifiers") ? payload["identifiers"]
                                                     : nlohmann::json();
  if (!list.is_array() || list.empty() || list.size() > kMaxIdentifiers) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400,
                    "identifiers must be an array of 1 to 100 objects"));
  }
  std::vector<Identifier> identifiers;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& item : list) {
    // at(), not the const operator[], which is undefined for a missing key.
    if (!item.is_object() || !item.contains("type") ||
        !item.contains("value") || !item.at("type").is_string() ||
        !item.at("value").is_string()) {
      return ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 400,
                      "an identifier is {\"type\": ..., \"value\": ...}"));
    }
    Identifier id{item.at("type").get<std::string>(),
                  item.at("value").get<std::string>()};
    if (id.type == "dns") {
      id.value = internal::AsciiLower(id.value);
      if (auto p = CheckDnsName(id.value)) return ProblemResponse(*p);
    } else if (id.type == "ip") {
      auto canonical = CanonicalIp(id.value);
      if (!canonical) {
        return ProblemResponse(MakeProblem(ProblemType::kRejectedIdentifier,
                                           400,
                                           "not an IP address: " + id.value));
      }
      id.value = *canonical;
    } else {
      return ProblemResponse(MakeProblem(
          ProblemType::kUnsupportedIdentifier, 400,
          "identifier type \"" + id.type + "\" (dns and ip are supported)"));
    }
    if (seen.insert({id.type, id.value}).second) identifiers.push_back(id);
  }

  int64_t now = Now();
  Order order;
  if (payload.contains("replaces")) {
    if (auto p = CheckReplaces(payload.at("replaces"), account, identifiers,
                               &order)) {
      return ProblemResponse(*p);
    }
  }
  order.id = NewId();
  order.account_id = account.id;
  order.expires = now + options_.order_lifetime.count();
  order.identifiers = identifiers;
  order.created_at = now;
  std::vector<Authorization> fresh;
  bool all_reused = true;
  for (const Identifier& id : identifiers) {
    bool wildcard = id.type == "dns" && id.value.rfind("*.", 0) == 0;
    Identifier base{id.type, wildcard ? id.value.substr(2) : id.value};
    auto reuse =
        store_->FindValidAuthorization(account.id, base, wildcard, now);
    if (!reuse.ok()) {
      return ProblemResponse(internal::ProblemFromError(reuse.error()));
    }
    if (reuse->has_value()) {
      order.authorization_ids.push_back((*reuse)->id);
      order.expires = std::min(order.expires, (*reuse)->expires);
      continue;
    }
    all_reused = false;
    Authorization authz;
    authz.id = NewId();
    authz.account_id = account.id;
    authz.identifier = base;
    authz.wildcard = wildcard;
    authz.expires = now + options_.authorization_lifetime.count();
    // §7.1.3 / §8: wildcards prove control of the zone (dns-01); RFC 8738
    // §7: no dns-01 for ip identifiers.
    std::vector<std::string> types;
    if (wildcard) {
      types = {"dns-01"};
    } else if (id.type == "ip") {
      types = {"http-01"};
    } else {
      types = {"http-01", "dns-01", "tls-alpn-01"};
    }
    for (const auto& type : types) {
      Challenge c;
      c.id = NewId();
      c.authorization_id = authz.id;
      c.type = type;
      c.token = NewId();  // §8.1: 128 bits of entropy, base64url
      authz.challenges.push_back(std::move(c));
    }
    order.authorization_ids.push_back(authz.id);
    fresh.push_back(std::move(authz));
  }
  order.status = all_reused ? OrderStatus::kReady : OrderStatus::kPending;
  Status s = store_->CreateOrder(order, fresh);
  if (!s.ok()) {
    // The store's kConflict for an order replacing a certificate: another
    // order replaced it first (RFC 9773 §5).
    if (s.error().code() == ErrorCode::kConflict &&
        !order.replaces_certificate_id.empty()) {
      return ProblemResponse(Problem::AlreadyReplaced(s.error().message()));
    }
    return ProblemResponse(internal::ProblemFromError(s.error()));
  }
  net::Response r = internal::JsonResponse(201, OrderJson(order));
  r.AddHeader("Location", Url("/acme/order/" + order.id));
  return r;
}

net::Response AcmeServer::OrderRequest(const net::Request& request,
                                       const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  auto order = store_->GetOrder(id);
  if (!order.ok())
    return ProblemResponse(internal::ProblemFromError(order.error()));
  if (!order->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no order " + id));
  }
  if ((*order)->account_id != a.account->id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "another account's order"));
  }
  auto current = RefreshOrder(std::move(**order));
  if (!current.ok()) {
    return ProblemResponse(internal::ProblemFromError(current.error()));
  }
  net::Response r = internal::JsonResponse(200, OrderJson(*current));
  r.AddHeader("Location", Url("/acme/order/" + id));
  if (current->status == OrderStatus::kProcessing ||
      current->status == OrderStatus::kPending) {
    r.AddHeader("Retry-After", "1");
  }
  return r;
}

net::Response AcmeServer::AuthorizationRequest(const net::Request& request,
                                               const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  auto authz = store_->GetAuthorization(id);
  if (!authz.ok())
    return ProblemResponse(internal::ProblemFromError(authz.error()));
  if (!authz->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no authorization " + id));
  }
  Authorization& z = **authz;
  if (z.account_id != a.account->id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "another account's authorization"));
  }
  if (a.payload.contains("status")) {
    // §7.5.2: the client may deactivate a pending or valid authorization.
    if (a.payload["status"] != "deactivated") {
      return ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 400,
                      "a client may only set status \"deactivated\""));
    }
    if (z.status != AuthorizationStatus::kPending &&
        z.status != AuthorizationStatus::kValid) {
      return ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 403,
                      "the authorization is no longer active"));
    }
    Status s = store_->UpdateAuthorizationStatus(
        z.id, z.status, AuthorizationStatus::kDeactivated);
    if (!s.ok()) return ProblemResponse(internal::ProblemFromError(s.error()));
    z.status = AuthorizationStatus::kDeactivated;
  } else if (z.expires <= Now() && (z.status == AuthorizationStatus::kPending ||
                                    z.status == AuthorizationStatus::kValid)) {
    Status s = store_->UpdateAuthorizationStatus(z.id, z.status,
                                                 AuthorizationStatus::kExpired);
    if (s.ok()) z.status = AuthorizationStatus::kExpired;
  }
  net::Response r = internal::JsonResponse(200, AuthorizationJson(z));
  // Clients poll a pending authorization; tell them how soon (RFC 8555
  // §7.5.1 allows Retry-After on these responses).
  if (z.status == AuthorizationStatus::kPending)
    r.AddHeader("Retry-After", "1");
  return r;
}

net::Response AcmeServer::ChallengeRequest(const net::Request& request,
                                           const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  auto challenge = store_->GetChallenge(id);
  if (!challenge.ok()) {
    return ProblemResponse(internal::ProblemFromError(challenge.error()));
  }
  if (!challenge->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 404, "no challenge " + id));
  }
  Challenge c = std::move(**challenge);
  auto authz = store_->GetAuthorization(c.authorization_id);
  if (!authz.ok() || !authz->has_value()) {
    return ProblemResponse(MakeProblem(ProblemType::kServerInternal, 500,
                                       "the challenge lost its authz"));
  }
  Authorization z = std::move(**authz);
  if (z.account_id != a.account->id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "another account's challenge"));
  }
  // §7.5.1: a POST with a JSON object (normally {}) asks to validate; a
  // POST-as-GET only reads. A challenge is validated once: answering again
  // while it is processing or settled changes nothing.
  if (!a.jws.post_as_get && c.status == ChallengeStatus::kPending) {
    if (z.status != AuthorizationStatus::kPending || z.expires <= Now()) {
      return ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 403,
                      "the authorization is no longer pending"));
    }
    Challenge processing = c;
    processing.status = ChallengeStatus::kProcessing;
    Status s = store_->UpdateChallenge(processing, ChallengeStatus::kPending);
    if (s.ok()) {
      auto jwk_json = ParseJson(a.account->jwk_json);
      auto jwk =
          jwk_json.ok() ? Jwk::Parse(*jwk_json) : Result<Jwk>(jwk_json.error());
      if (!jwk.ok()) {
        return ProblemResponse(internal::ProblemFromError(jwk.error()));
      }
      // §8.1; §8.4: dns-01 publishes the digest of the key authorization.
      std::string expected = KeyAuthorization(c.token, *jwk);
      if (c.type == "dns-01") {
        auto digest =
            crypto::Sha256Of({reinterpret_cast<const uint8_t*>(expected.data()),
                              expected.size()});
        expected = wire::Base64UrlEncode(digest);
      }
      bool queued = validations_.Submit([this, processing, z, expected] {
        RunValidation(processing, z, expected);
      });
      if (!queued) {
        (void)store_->UpdateChallenge(c, ChallengeStatus::kProcessing);
        net::Response r =
            ProblemResponse(MakeProblem(ProblemType::kServerInternal, 503,
                                        "validation queue full; try again"));
        r.AddHeader("Retry-After", "5");
        return r;
      }
      c = processing;
    } else if (s.error().code() != ErrorCode::kConflict) {
      return ProblemResponse(internal::ProblemFromError(s.error()));
    } else if (auto again = store_->GetChallenge(id);
               again.ok() && again->has_value()) {
      c = std::move(**again);
    }
  }
  net::Response r = internal::JsonResponse(200, ChallengeJson(c));
  r.AddHeader("Link", "<" + Url("/acme/authz/" + z.id) + ">;rel=\"up\"");
  if (c.status == ChallengeStatus::kProcessing ||
      c.status == ChallengeStatus::kPending) {
    r.AddHeader("Retry-After", "1");
  }
  return r;
}

void AcmeServer::RunValidation(Challenge challenge, Authorization authz,
                               std::string key_authorization) {
  auto failure =
      ValidateChallenge(options_.validation, challenge.type, authz.identifier,
                        challenge.token, key_authorization);
  Challenge done = challenge;
  if (failure) {
    done.status = ChallengeStatus::kInvalid;
    done.error_json = Problem::Make(failure->type, failure->detail).ToJson();
  } else {
    done.status = ChallengeStatus::kValid;
    done.validated = Now();
  }
  Status s = store_->UpdateChallenge(done, ChallengeStatus::kProcessing);
  if (!s.ok()) {
    std::fprintf(stderr, "acme: challenge %s: %s\n", challenge.id.c_str(),
                 s.error().ToString().c_str());
  }
}

}  // namespace mtc::acme
