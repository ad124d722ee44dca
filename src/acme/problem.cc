#include "acme/problem.h"

#include <utility>

#include "acme/jws.h"

namespace mtc::acme {

namespace {

struct TypeInfo {
  ProblemType type;
  std::string_view name;
  int status;
};

// RFC 8555 §6.7 names the types; it fixes few statuses, so where it is silent
// these follow what Boulder and Pebble send, which clients are tested
// against. §6.2: badSignatureAlgorithm and badPublicKey are 400; §6.5:
// badNonce is 400; §7.4: finalizing an order that is not ready is 403
// orderNotReady; §7.3.3 shows userActionRequired as 403; §6.7.1 shows a
// problem with subproblems as 403; RFC 6585 §4: 429 for rate limits.
constexpr TypeInfo kTypes[] = {
    {ProblemType::kAccountDoesNotExist, "accountDoesNotExist", 400},
    {ProblemType::kAlreadyRevoked, "alreadyRevoked", 400},
    {ProblemType::kBadCsr, "badCSR", 400},
    {ProblemType::kBadNonce, "badNonce", 400},
    {ProblemType::kBadPublicKey, "badPublicKey", 400},
    {ProblemType::kBadRevocationReason, "badRevocationReason", 400},
    {ProblemType::kBadSignatureAlgorithm, "badSignatureAlgorithm", 400},
    {ProblemType::kCaa, "caa", 403},
    {ProblemType::kCompound, "compound", 403},
    {ProblemType::kConnection, "connection", 400},
    {ProblemType::kDns, "dns", 400},
    {ProblemType::kExternalAccountRequired, "externalAccountRequired", 403},
    {ProblemType::kIncorrectResponse, "incorrectResponse", 403},
    {ProblemType::kInvalidContact, "invalidContact", 400},
    {ProblemType::kMalformed, "malformed", 400},
    {ProblemType::kOrderNotReady, "orderNotReady", 403},
    {ProblemType::kRateLimited, "rateLimited", 429},
    {ProblemType::kRejectedIdentifier, "rejectedIdentifier", 400},
    {ProblemType::kServerInternal, "serverInternal", 500},
    {ProblemType::kTls, "tls", 400},
    {ProblemType::kUnauthorized, "unauthorized", 403},
    {ProblemType::kUnsupportedContact, "unsupportedContact", 400},
    {ProblemType::kUnsupportedIdentifier, "unsupportedIdentifier", 400},
    {ProblemType::kUserActionRequired, "userActionRequired", 403},
    // RFC 9773 §5: "it MUST return an HTTP 409 (Conflict)".
    {ProblemType::kAlreadyReplaced, "alreadyReplaced", 409},
};

const TypeInfo& Info(ProblemType type) {
  // kTypes is in enum order; the test checks it.
  return kTypes[static_cast<size_t>(type)];
}

constexpr std::string_view kUrnPrefix = "urn:ietf:params:acme:error:";

nlohmann::json ToJsonValue(const Problem& p, bool top_level) {
  nlohmann::json out = {{"type", p.type}, {"detail", p.detail}};
  // RFC 7807 §3.1: "status" repeats the HTTP status for the client's
  // convenience; subproblems describe no response of their own.
  if (top_level) out["status"] = p.status;
  if (!top_level && !p.identifier.is_null()) out["identifier"] = p.identifier;
  if (!p.instance.empty()) out["instance"] = p.instance;
  if (!p.algorithms.empty()) out["algorithms"] = p.algorithms;
  if (!p.subproblems.empty()) {
    nlohmann::json subs = nlohmann::json::array();
    for (const Problem& sub : p.subproblems) {
      subs.push_back(ToJsonValue(sub, /*top_level=*/false));
    }
    out["subproblems"] = std::move(subs);
  }
  return out;
}

}  // namespace

std::string_view ProblemTypeName(ProblemType type) { return Info(type).name; }

std::string ProblemTypeUrn(ProblemType type) {
  return std::string(kUrnPrefix) + std::string(ProblemTypeName(type));
}

int ProblemTypeStatus(ProblemType type) { return Info(type).status; }

nlohmann::json Problem::ToJsonValue() const {
  return acme::ToJsonValue(*this, /*top_level=*/true);
}

std::string Problem::ToJson() const { return ToJsonValue().dump(); }

Problem Problem::Make(ProblemType type, std::string detail) {
  Problem p;
  p.type = ProblemTypeUrn(type);
  p.detail = std::move(detail);
  p.status = ProblemTypeStatus(type);
  return p;
}

Problem Problem::WithIdentifier(nlohmann::json id) const {
  Problem p = *this;
  p.identifier = std::move(id);
  return p;
}

Problem Problem::AccountDoesNotExist(std::string d) {
  return Make(ProblemType::kAccountDoesNotExist, std::move(d));
}
Problem Problem::AlreadyRevoked(std::string d) {
  return Make(ProblemType::kAlreadyRevoked, std::move(d));
}
Problem Problem::AlreadyReplaced(std::string d) {
  return Make(ProblemType::kAlreadyReplaced, std::move(d));
}
Problem Problem::BadCsr(std::string d) {
  return Make(ProblemType::kBadCsr, std::move(d));
}
Problem Problem::BadNonce(std::string d) {
  return Make(ProblemType::kBadNonce, std::move(d));
}
Problem Problem::BadPublicKey(std::string d) {
  return Make(ProblemType::kBadPublicKey, std::move(d));
}
Problem Problem::BadRevocationReason(std::string d) {
  return Make(ProblemType::kBadRevocationReason, std::move(d));
}
Problem Problem::BadSignatureAlgorithm(std::string d) {
  Problem p = Make(ProblemType::kBadSignatureAlgorithm, std::move(d));
  for (JwsAlgorithm alg : kJwsAlgorithms) {
    p.algorithms.emplace_back(JwsAlgorithmName(alg));
  }
  return p;
}
Problem Problem::Caa(std::string d) {
  return Make(ProblemType::kCaa, std::move(d));
}
Problem Problem::Compound(std::string d, std::vector<Problem> subproblems) {
  Problem p = Make(ProblemType::kCompound, std::move(d));
  p.subproblems = std::move(subproblems);
  return p;
}
Problem Problem::Connection(std::string d) {
  return Make(ProblemType::kConnection, std::move(d));
}
Problem Problem::Dns(std::string d) {
  return Make(ProblemType::kDns, std::move(d));
}
Problem Problem::ExternalAccountRequired(std::string d) {
  return Make(ProblemType::kExternalAccountRequired, std::move(d));
}
Problem Problem::IncorrectResponse(std::string d) {
  return Make(ProblemType::kIncorrectResponse, std::move(d));
}
Problem Problem::InvalidContact(std::string d) {
  return Make(ProblemType::kInvalidContact, std::move(d));
}
Problem Problem::Malformed(std::string d) {
  return Make(ProblemType::kMalformed, std::move(d));
}
Problem Problem::OrderNotReady(std::string d) {
  return Make(ProblemType::kOrderNotReady, std::move(d));
}
Problem Problem::RateLimited(std::string d) {
  return Make(ProblemType::kRateLimited, std::move(d));
}
Problem Problem::RejectedIdentifier(std::string d) {
  return Make(ProblemType::kRejectedIdentifier, std::move(d));
}
Problem Problem::ServerInternal(std::string d) {
  return Make(ProblemType::kServerInternal, std::move(d));
}
Problem Problem::Tls(std::string d) {
  return Make(ProblemType::kTls, std::move(d));
}
Problem Problem::Unauthorized(std::string d) {
  return Make(ProblemType::kUnauthorized, std::move(d));
}
Problem Problem::UnsupportedContact(std::string d) {
  return Make(ProblemType::kUnsupportedContact, std::move(d));
}
Problem Problem::UnsupportedIdentifier(std::string d) {
  return Make(ProblemType::kUnsupportedIdentifier, std::move(d));
}
Problem Problem::UserActionRequired(std::string d, std::string instance) {
  Problem p = Make(ProblemType::kUserActionRequired, std::move(d));
  p.instance = std::move(instance);
  return p;
}

Problem ProblemForError(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kOutOfRange:
    case ErrorCode::kUnsupported:
      return Problem::Malformed(error.message());
    case ErrorCode::kVerificationFailed:
      return Problem::Unauthorized(error.message());
    case ErrorCode::kNotFound: {
      Problem p = Problem::Malformed(error.message());
      p.status = 404;
      return p;
    }
    case ErrorCode::kConflict: {
      Problem p = Problem::Malformed(error.message());
      p.status = 409;
      return p;
    }
    case ErrorCode::kUnavailable: {
      Problem p =
          Problem::ServerInternal("temporarily unavailable; retry later");
      p.status = 503;
      return p;
    }
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      break;
  }
  return Problem::ServerInternal("internal error");
}

Problem ProblemForJwsError(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kUnsupported:
      return Problem::BadSignatureAlgorithm(error.message());
    case ErrorCode::kInvalidArgument:
      return Problem::BadPublicKey(error.message());
    case ErrorCode::kNotFound:
      return Problem::BadNonce(error.message());
    case ErrorCode::kMalformed:
    case ErrorCode::kVerificationFailed:
      return Problem::Malformed(error.message());
    default:
      return ProblemForError(error);
  }
}

}  // namespace mtc::acme
