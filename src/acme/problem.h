// ACME problem documents: RFC 7807 with the error types of RFC 8555 §6.7,
// and the one place that decides each type's HTTP status and how an
// mtc::Error becomes a problem (STYLE.md "What this means here" 4).
#ifndef MTC_ACME_PROBLEM_H_
#define MTC_ACME_PROBLEM_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::acme {

// The Content-Type of a problem document (RFC 7807 §6.1).
inline constexpr std::string_view kProblemContentType =
    "application/problem+json";

// The error types of RFC 8555 §6.7 (the IANA registry of §9.7.4), then the
// ones later RFCs added to that registry.
enum class ProblemType {
  kAccountDoesNotExist,
  kAlreadyRevoked,
  kBadCsr,
  kBadNonce,
  kBadPublicKey,
  kBadRevocationReason,
  kBadSignatureAlgorithm,
  kCaa,
  kCompound,
  kConnection,
  kDns,
  kExternalAccountRequired,
  kIncorrectResponse,
  kInvalidContact,
  kMalformed,
  kOrderNotReady,
  kRateLimited,
  kRejectedIdentifier,
  kServerInternal,
  kTls,
  kUnauthorized,
  kUnsupportedContact,
  kUnsupportedIdentifier,
  kUserActionRequired,
  // Types registered later, after those of RFC 8555.
  kAlreadyReplaced,  // RFC 9773 §7.4
};

// The token after "urn:ietf:params:acme:error:", e.g. "badNonce".
std::string_view ProblemTypeName(ProblemType type);
// The full URN, e.g. "urn:ietf:params:acme:error:badNonce".
std::string ProblemTypeUrn(ProblemType type);
// The HTTP status a response of this type carries unless the caller has
// reason to choose another.
int ProblemTypeStatus(ProblemType type);

struct Problem {
  std::string type;    // the URN ("urn:ietf:params:acme:error:malformed")
  std::string detail;  // for humans; clients SHOULD display it (§6.7)
  int status = 500;    // HTTP status, also sent as the "status" member
  std::vector<Problem> subproblems;  // §6.7.1
  // The ACME identifier ({"type": "dns", "value": ...}) a subproblem is
  // about; null when absent. §6.7.1: only subproblems carry one, so ToJson
  // leaves it out at the top level.
  nlohmann::json identifier;
  // badSignatureAlgorithm: the supported "alg" values (§6.2 MUST).
  std::vector<std::string> algorithms;
  // userActionRequired: the URL of the page to visit (§7.3.3 "instance").
  std::string instance;

  // The problem document: "type", "detail", "status", and "subproblems",
  // "algorithms", "instance" when non-empty.
  std::string ToJson() const;
  nlohmann::json ToJsonValue() const;

  // A problem of `type` with its default status.
  static Problem Make(ProblemType type, std::string detail);

  static Problem AccountDoesNotExist(std::string detail);
  static Problem AlreadyRevoked(std::string detail);
  // RFC 9773 §5: 409, a newOrder "replaces" a certificate that another
  // order replaces already.
  static Problem AlreadyReplaced(std::string detail);
  static Problem BadCsr(std::string detail);
  static Problem BadNonce(std::string detail);
  static Problem BadPublicKey(std::string detail);
  static Problem BadRevocationReason(std::string detail);
  // Fills "algorithms" with every JWS algorithm the server accepts.
  static Problem BadSignatureAlgorithm(std::string detail);
  static Problem Caa(std::string detail);
  static Problem Compound(std::string detail, std::vector<Problem> subproblems);
  static Problem Connection(std::string detail);
  static Problem Dns(std::string detail);
  static Problem ExternalAccountRequired(std::string detail);
  static Problem IncorrectResponse(std::string detail);
  static Problem InvalidContact(std::string detail);
  static Problem Malformed(std::string detail);
  static Problem OrderNotReady(std::string detail);
  static Problem RateLimited(std::string detail);
  static Problem RejectedIdentifier(std::string detail);
  static Problem ServerInternal(std::string detail);
  static Problem Tls(std::string detail);
  static Problem Unauthorized(std::string detail);
  static Problem UnsupportedContact(std::string detail);
  static Problem UnsupportedIdentifier(std::string detail);
  static Problem UserActionRequired(std::string detail, std::string instance);

  // Returns a copy that carries `identifier` (for use as a subproblem).
  Problem WithIdentifier(nlohmann::json identifier) const;
};

// The default problem for an error from the libraries below the ACME server:
//   kInvalidArgument, kMalformed, kOutOfRange, kUnsupported -> malformed 400
//   kVerificationFailed                     -> unauthorized 403
//   kNotFound                               -> malformed 404 (as Boulder)
//   kConflict                               -> malformed 409
//   kUnavailable                            -> serverInternal 503
//   kIo, kInternal                          -> serverInternal 500, with a
//     generic detail: the message may name files or hosts, so the server logs
//     it instead of sending it.
Problem ProblemForError(const Error& error);

// The problem for an error of ParseJws or VerifyJws (their codes are
// documented in jws.h): badSignatureAlgorithm, badPublicKey, badNonce or
// malformed, all 400.
Problem ProblemForJwsError(const Error& error);

}  // namespace mtc::acme

#endif  // MTC_ACME_PROBLEM_H_
