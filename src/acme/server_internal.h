// Helpers shared by the server_*.cc files (not part of the public API).
#ifndef MTC_ACME_SERVER_INTERNAL_H_
#define MTC_ACME_SERVER_INTERNAL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "acme/acme_store.h"
#include "acme/problem.h"
#include "mtc/base/result.h"
#include "net/http_message.h"

namespace mtc::acme::internal {

// RFC 3339 "2026-01-20T14:09:07Z" (RFC 8555 §7.1 timestamps), and back.
std::string Rfc3339(int64_t unix_seconds);
std::optional<int64_t> ParseRfc3339(std::string_view text);

// A problem of `type` with the HTTP status this response needs (RFC 8555
// names some: 415 for a wrong Content-Type, 405, 404 for unknown resources).
Problem MakeProblem(ProblemType type, int status, std::string detail);
// A library error as a problem (acme::ProblemForError), logged when its
// detail is withheld from the client.
Problem ProblemFromError(const Error& error);

net::Response JsonResponse(int status, const nlohmann::json& body);

std::string_view AccountStatusName(AccountStatus s);
std::string_view OrderStatusName(OrderStatus s);
std::string_view AuthorizationStatusName(AuthorizationStatus s);
std::string_view ChallengeStatusName(ChallengeStatus s);

// The last path segment after `prefix` ("/acme/order/" + ID) when it is one
// ID (base64url characters only), else nullopt.
std::optional<std::string> PathId(std::string_view path,
                                  std::string_view prefix,
                                  std::string_view suffix = "");

// Lower-cases ASCII.
std::string AsciiLower(std::string_view s);

// The serial number an RFC 9773 §4.1 certID names, as
// CertificateRecord::serial_hex (lower-case hex of its magnitude); nullopt
// when `cert_id` is not base64url(keyIdentifier) "." base64url(serial).
// Our certificates carry no authority key identifier (their issuer is a CA
// ID, not a key), so the first part is not compared.
std::optional<std::string> CertIdSerialHex(std::string_view cert_id);

}  // namespace mtc::acme::internal

#endif  // MTC_ACME_SERVER_INTERNAL_H_
