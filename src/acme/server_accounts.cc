// Accounts (RFC 8555 §7.3): newAccount, account objects and their update and
// deactivation, the orders list, key rollover.
#include <algorithm>

#include "acme/eab.h"
#include "acme/server.h"
#include "acme/server_internal.h"

namespace mtc::acme {

using internal::MakeProblem;

namespace {

constexpr size_t kMaxContacts = 10;
constexpr size_t kMaxContactLength = 320;  // RFC 5321 §4.5.3.1 path limits

// §7.3: "mailto:" URLs only (§7.3.1 lets the server pick); one plain address,
// no hfields ("?subject=") and no second address (RFC 6068 §2).
std::optional<Problem> CheckContact(const nlohmann::json& contact) {
  if (!contact.is_array() || contact.size() > kMaxContacts) {
    return MakeProblem(ProblemType::kMalformed, 400,
                       "contact must be an array of URLs");
  }
  for (const auto& c : contact) {
    if (!c.is_string()) {
      return MakeProblem(ProblemType::kMalformed, 400,
                         "contact URLs are strings");
    }
    const std::string& url = c.get_ref<const std::string&>();
    if (url.rfind("mailto:", 0) != 0) {
      return MakeProblem(ProblemType::kUnsupportedContact, 400,
                         "only mailto: contacts are supported: " + url);
    }
    std::string_view address = std::string_view(url).substr(7);
    size_t at = address.find('@');
    bool ok =
        url.size() <= kMaxContactLength && at != std::string_view::npos &&
        at > 0 && at + 1 < address.size() &&
        address.find('@', at + 1) == std::string_view::npos &&
        address.find_first_of("?,;<>\" \t\r\n%") == std::string_view::npos &&
        address.substr(at + 1).find('.') != std::string_view::npos;
    if (!ok) {
      return MakeProblem(ProblemType::kInvalidContact, 400,
                         "not one email address: " + url);
    }
  }
  return std::nullopt;
}

std::vector<std::string> Contacts(const nlohmann::json& contact) {
  std::vector<std::string> out;
  for (const auto& c : contact) out.push_back(c.get<std::string>());
  return out;
}

}  // namespace

nlohmann::json AcmeServer::AccountJson(const Account& account) const {
  nlohmann::json j = {
      {"status", internal::AccountStatusName(account.status)},
      {"contact", account.contact},
      {"orders", Url("/acme/acct/" + account.id + "/orders")},
      {"createdAt", internal::Rfc3339(account.created_at)},
  };
  if (account.terms_agreed) j["termsOfServiceAgreed"] = true;
  return j;
}

net::Response AcmeServer::NewAccount(const net::Request& request) {
  auto checked = Authenticate(request, KeyMode::kJwk);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  const nlohmann::json& payload = a.payload;
  std::string thumbprint = a.jws.jwk->Thumbprint();
  auto existing = store_->FindAccountByThumbprint(thumbprint);
  if (!existing.ok()) {
    return ProblemResponse(internal::ProblemFromError(existing.error()));
  }
  // §7.3.1: an existing account is returned with 200 and its URL.
  if (existing->has_value()) {
    net::Response r = internal::JsonResponse(200, AccountJson(**existing));
    r.AddHeader("Location", Url("/acme/acct/" + (*existing)->id));
    return r;
  }
  if (payload.contains("onlyReturnExisting")) {
    if (!payload["onlyReturnExisting"].is_boolean()) {
      return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                         "onlyReturnExisting is a boolean"));
    }
    if (payload["onlyReturnExisting"].get<bool>()) {
      return ProblemResponse(MakeProblem(ProblemType::kAccountDoesNotExist, 400,
                                         "no account has this key"));
    }
  }
  Account account;
  if (payload.contains("contact")) {
    if (auto p = CheckContact(payload["contact"])) return ProblemResponse(*p);
    account.contact = Contacts(payload["contact"]);
  }
  if (payload.contains("termsOfServiceAgreed")) {
    if (!payload["termsOfServiceAgreed"].is_boolean()) {
      return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                         "termsOfServiceAgreed is a boolean"));
    }
    account.terms_agreed = payload["termsOfServiceAgreed"].get<bool>();
  }
  if (!options_.terms_of_service.empty() && !account.terms_agreed) {
    return ProblemResponse(MakeProblem(
        ProblemType::kUserActionRequired, 403,
        "agree to the terms of service at " + options_.terms_of_service));
  }
  // §7.3.4. A binding is verified whenever keys are configured; without
  // keys it is ignored, and then (MUST NOT) not reflected in the account.
  const bool bound = payload.contains("externalAccountBinding") &&
                     !options_.external_account_keys.empty();
  if (bound) {
    auto kid = VerifyExternalAccountBinding(
        payload.at("externalAccountBinding"), a.jws.url, *a.jws.jwk,
        options_.external_account_keys);
    if (!kid.ok()) {
      return ProblemResponse(internal::ProblemFromError(kid.error()));
    }
    account.eab_kid = std::move(kid).value();
  } else if (options_.external_account_required) {
    return ProblemResponse(MakeProblem(
        ProblemType::kExternalAccountRequired, 403,
        "this CA requires an externalAccountBinding in newAccount (RFC 8555 "
        "§7.3.4)"));
  }
  account.id = NewId();
  account.jwk_json = a.jws.jwk->ToJson().dump();
  account.thumbprint = thumbprint;
  account.created_at = Now();
  Status created = store_->CreateAccount(account);
  if (!created.ok()) {
    if (created.error().code() == ErrorCode::kConflict) {
      // Another request created it first: answer as for an existing one.
      auto again = store_->FindAccountByThumbprint(thumbprint);
      if (again.ok() && again->has_value()) {
        net::Response r = internal::JsonResponse(200, AccountJson(**again));
        r.AddHeader("Location", Url("/acme/acct/" + (*again)->id));
        return r;
      }
      // Otherwise the key ID is bound to another account already: one
      // external account, one ACME account.
      if (bound) {
        return ProblemResponse(MakeProblem(
            ProblemType::kUnauthorized, 403,
            "externalAccountBinding: key identifier \"" + account.eab_kid +
                "\" is bound to another account"));
      }
    }
    return ProblemResponse(internal::ProblemFromError(created.error()));
  }
  nlohmann::json body = AccountJson(account);
  // §7.3.4: the account object returned "MUST include an
  // "externalAccountBinding" field with the same value as the field in the
  // request".
  if (bound) {
    body["externalAccountBinding"] = payload.at("externalAccountBinding");
  }
  net::Response r = internal::JsonResponse(201, body);
  r.AddHeader("Location", Url("/acme/acct/" + account.id));
  return r;
}

net::Response AcmeServer::AccountRequest(const net::Request& request,
                                         const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  Account account = *a.account;
  if (account.id != id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "not the requesting account"));
  }
  const nlohmann::json& payload = a.payload;
  bool changed = false;
  // §7.3.2: contact update; §7.3.6: deactivation.
  if (payload.contains("contact")) {
    if (auto p = CheckContact(payload["contact"])) return ProblemResponse(*p);
    account.contact = Contacts(payload["contact"]);
    changed = true;
  }
  if (payload.contains("status")) {
    if (payload["status"] != "deactivated") {
      return ProblemResponse(
          MakeProblem(ProblemType::kMalformed, 400,
                      "a client may only set status \"deactivated\""));
    }
    account.status = AccountStatus::kDeactivated;
    changed = true;
  }
  if (changed) {
    Status s = store_->UpdateAccount(account);
    if (!s.ok()) return ProblemResponse(internal::ProblemFromError(s.error()));
  }
  net::Response r = internal::JsonResponse(200, AccountJson(account));
  r.AddHeader("Location", Url("/acme/acct/" + account.id));
  return r;
}

net::Response AcmeServer::AccountOrders(const net::Request& request,
                                        const std::string& id) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& a = std::get<Authenticated>(checked);
  if (a.account->id != id) {
    return ProblemResponse(MakeProblem(ProblemType::kUnauthorized, 403,
                                       "not the requesting account"));
  }
  // §7.1.2.1; one page of the newest orders.
  auto ids = store_->ListOrderIds(id, 1000);
  if (!ids.ok())
    return ProblemResponse(internal::ProblemFromError(ids.error()));
  nlohmann::json orders = nlohmann::json::array();
  for (const auto& o : *ids) orders.push_back(Url("/acme/order/" + o));
  return internal::JsonResponse(200, {{"orders", orders}});
}

net::Response AcmeServer::KeyChange(const net::Request& request) {
  auto checked = Authenticate(request, KeyMode::kKid);
  if (auto* p = std::get_if<Problem>(&checked)) return ProblemResponse(*p);
  Authenticated& outer = std::get<Authenticated>(checked);
  // §7.3.5: the payload is a JWS signed by the new key, with a "jwk", the
  // same "url", and {"account": <account URL>, "oldKey": <old JWK>}.
  auto inner = ParseKeyChangeInnerJws(outer.payload.dump());
  if (!inner.ok()) {
    return ProblemResponse(MakeProblem(
        ProblemType::kMalformed, 400, "inner JWS: " + inner.error().message()));
  }
  if (!inner->jwk || inner->kid) {
    return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                       "the inner JWS must carry a \"jwk\""));
  }
  if (inner->url != outer.jws.url) {
    return ProblemResponse(MakeProblem(ProblemType::kMalformed, 400,
                                       "the inner and outer JWS urls differ"));
  }
  Status verified = VerifyJws(*inner, *inner->jwk);
  if (!verified.ok()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400,
                    "inner JWS signature: " + verified.error().message()));
  }
  std::string_view text(reinterpret_cast<const char*>(inner->payload.data()),
                        inner->payload.size());
  auto payload = ParseJson(text);
  if (!payload.ok() || !payload->is_object() ||
      !(*payload)["account"].is_string() || !payload->contains("oldKey")) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400,
                    "inner payload needs \"account\" and \"oldKey\""));
  }
  const Account& account = *outer.account;
  if ((*payload)["account"] != Url("/acme/acct/" + account.id)) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400,
                    "inner \"account\" is not the requesting account"));
  }
  auto old_key = Jwk::Parse((*payload)["oldKey"]);
  if (!old_key.ok() || old_key->Thumbprint() != account.thumbprint) {
    return ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 400,
                    "\"oldKey\" is not the account's current key"));
  }
  std::string thumbprint = inner->jwk->Thumbprint();
  auto holder = store_->FindAccountByThumbprint(thumbprint);
  if (!holder.ok()) {
    return ProblemResponse(internal::ProblemFromError(holder.error()));
  }
  if (holder->has_value()) {
    net::Response r = ProblemResponse(
        MakeProblem(ProblemType::kMalformed, 409,
                    "the new key already belongs to an account"));
    r.AddHeader("Location", Url("/acme/acct/" + (*holder)->id));
    return r;
  }
  Status s = store_->ChangeAccountKey(account.id, inner->jwk->ToJson().dump(),
                                      thumbprint);
  if (!s.ok()) return ProblemResponse(internal::ProblemFromError(s.error()));
  auto updated = store_->GetAccount(account.id);
  if (!updated.ok() || !updated->has_value()) {
    return ProblemResponse(
        MakeProblem(ProblemType::kServerInternal, 500, "account vanished"));
  }
  net::Response r = internal::JsonResponse(200, AccountJson(**updated));
  r.AddHeader("Location", Url("/acme/acct/" + account.id));
  return r;
}

}  // namespace mtc::acme
