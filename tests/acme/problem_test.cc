#include "acme/problem.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "acme/jws.h"

namespace mtc::acme {
namespace {

using nlohmann::json;

// RFC 8555 §6.7's table, in its order, and the IANA registry of §9.7.4.
constexpr const char* kRfc8555Types[] = {
    "accountDoesNotExist",
    "alreadyRevoked",
    "badCSR",
    "badNonce",
    "badPublicKey",
    "badRevocationReason",
    "badSignatureAlgorithm",
    "caa",
    "compound",
    "connection",
    "dns",
    "externalAccountRequired",
    "incorrectResponse",
    "invalidContact",
    "malformed",
    "orderNotReady",
    "rateLimited",
    "rejectedIdentifier",
    "serverInternal",
    "tls",
    "unauthorized",
    "unsupportedContact",
    "unsupportedIdentifier",
    "userActionRequired",
};

TEST(ProblemTest, EveryRfc8555TypeHasItsUrn) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(ProblemType::kUserActionRequired);
       i++) {
    auto type = static_cast<ProblemType>(i);
    std::string name(ProblemTypeName(type));
    EXPECT_EQ(name, kRfc8555Types[i]);
    EXPECT_EQ(ProblemTypeUrn(type), "urn:ietf:params:acme:error:" + name);
    int status = ProblemTypeStatus(type);
    EXPECT_TRUE(status >= 400 && status < 600) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), std::size(kRfc8555Types));
}

// RFC 9773 §7.4 registers "alreadyReplaced"; §5 fixes its status at 409.
TEST(ProblemTest, AlreadyReplacedFromRfc9773) {
  EXPECT_EQ(ProblemTypeName(ProblemType::kAlreadyReplaced), "alreadyReplaced");
  Problem p = Problem::AlreadyReplaced("x");
  EXPECT_EQ(p.type, "urn:ietf:params:acme:error:alreadyReplaced");
  EXPECT_EQ(p.status, 409);
}

TEST(ProblemTest, StatusesTheRfcFixes) {
  // §6.2, §6.5: 400; §7.4: orderNotReady 403; §6.6 with RFC 6585: 429.
  EXPECT_EQ(Problem::BadNonce("x").status, 400);
  EXPECT_EQ(Problem::BadSignatureAlgorithm("x").status, 400);
  EXPECT_EQ(Problem::BadPublicKey("x").status, 400);
  EXPECT_EQ(Problem::Malformed("x").status, 400);
  EXPECT_EQ(Problem::OrderNotReady("x").status, 403);
  EXPECT_EQ(Problem::Unauthorized("x").status, 403);
  EXPECT_EQ(Problem::RateLimited("x").status, 429);
  EXPECT_EQ(Problem::ServerInternal("x").status, 500);
}

TEST(ProblemTest, HelpersMatchTypes) {
  EXPECT_EQ(Problem::AccountDoesNotExist("").type,
            ProblemTypeUrn(ProblemType::kAccountDoesNotExist));
  EXPECT_EQ(Problem::AlreadyRevoked("").type,
            ProblemTypeUrn(ProblemType::kAlreadyRevoked));
  EXPECT_EQ(Problem::BadCsr("").type, "urn:ietf:params:acme:error:badCSR");
  EXPECT_EQ(Problem::BadRevocationReason("").type,
            ProblemTypeUrn(ProblemType::kBadRevocationReason));
  EXPECT_EQ(Problem::Caa("").type, ProblemTypeUrn(ProblemType::kCaa));
  EXPECT_EQ(Problem::Connection("").type,
            ProblemTypeUrn(ProblemType::kConnection));
  EXPECT_EQ(Problem::Dns("").type, ProblemTypeUrn(ProblemType::kDns));
  EXPECT_EQ(Problem::ExternalAccountRequired("").type,
            ProblemTypeUrn(ProblemType::kExternalAccountRequired));
  EXPECT_EQ(Problem::IncorrectResponse("").type,
            ProblemTypeUrn(ProblemType::kIncorrectResponse));
  EXPECT_EQ(Problem::InvalidContact("").type,
            ProblemTypeUrn(ProblemType::kInvalidContact));
  EXPECT_EQ(Problem::RejectedIdentifier("").type,
            ProblemTypeUrn(ProblemType::kRejectedIdentifier));
  EXPECT_EQ(Problem::Tls("").type, ProblemTypeUrn(ProblemType::kTls));
  EXPECT_EQ(Problem::UnsupportedContact("").type,
            ProblemTypeUrn(ProblemType::kUnsupportedContact));
  EXPECT_EQ(Problem::UnsupportedIdentifier("").type,
            ProblemTypeUrn(ProblemType::kUnsupportedIdentifier));
}

TEST(ProblemTest, DocumentMembers) {
  json doc = json::parse(Problem::BadNonce("stale nonce").ToJson());
  EXPECT_EQ(doc, json({{"type", "urn:ietf:params:acme:error:badNonce"},
                       {"detail", "stale nonce"},
                       {"status", 400}}));
  EXPECT_EQ(kProblemContentType, "application/problem+json");
}

TEST(ProblemTest, BadSignatureAlgorithmListsAlgorithms) {
  // RFC 8555 §6.2: MUST include "algorithms".
  json doc = json::parse(Problem::BadSignatureAlgorithm("HS256").ToJson());
  EXPECT_EQ(doc["algorithms"], json({"ES256", "ES384", "RS256", "EdDSA"}));
}

TEST(ProblemTest, UserActionRequiredHasInstance) {
  json doc = json::parse(
      Problem::UserActionRequired("accept the terms", "https://ca/tos")
          .ToJson());
  EXPECT_EQ(doc["instance"], "https://ca/tos");
}

TEST(ProblemTest, SubproblemsAsInRfc8555Section671) {
  // The example of RFC 8555 §6.7.1.
  Problem p = Problem::Compound(
      "Some of the identifiers requested were rejected",
      {Problem::Malformed("Invalid underscore in DNS name \"_example.org\"")
           .WithIdentifier({{"type", "dns"}, {"value", "_example.org"}}),
       Problem::RejectedIdentifier("This CA will not issue for \"example.net\"")
           .WithIdentifier({{"type", "dns"}, {"value", "example.net"}})});
  p.type = ProblemTypeUrn(ProblemType::kMalformed);
  EXPECT_EQ(p.status, 403);
  json expected = json::parse(R"({
    "type": "urn:ietf:params:acme:error:malformed",
    "detail": "Some of the identifiers requested were rejected",
    "status": 403,
    "subproblems": [
        {
            "type": "urn:ietf:params:acme:error:malformed",
            "detail": "Invalid underscore in DNS name \"_example.org\"",
            "identifier": {
                "type": "dns",
                "value": "_example.org"
            }
        },
        {
            "type": "urn:ietf:params:acme:error:rejectedIdentifier",
            "detail": "This CA will not issue for \"example.net\"",
            "identifier": {
                "type": "dns",
                "value": "example.net"
            }
        }
    ]
  })");
  EXPECT_EQ(json::parse(p.ToJson()), expected);
}

TEST(ProblemTest, NoIdentifierAtTopLevel) {
  // §6.7.1: "The "identifier" field MUST NOT be present at the top level".
  Problem p = Problem::RejectedIdentifier("no").WithIdentifier(
      {{"type", "dns"}, {"value", "example.net"}});
  EXPECT_FALSE(json::parse(p.ToJson()).contains("identifier"));
}

TEST(ProblemTest, ErrorCodeMapping) {
  struct Case {
    ErrorCode code;
    const char* type;
    int status;
  };
  const Case cases[] = {
      {ErrorCode::kInvalidArgument, "malformed", 400},
      {ErrorCode::kMalformed, "malformed", 400},
      {ErrorCode::kOutOfRange, "malformed", 400},
      {ErrorCode::kUnsupported, "malformed", 400},
      {ErrorCode::kVerificationFailed, "unauthorized", 403},
      {ErrorCode::kNotFound, "malformed", 404},
      {ErrorCode::kConflict, "malformed", 409},
      {ErrorCode::kUnavailable, "serverInternal", 503},
      {ErrorCode::kIo, "serverInternal", 500},
      {ErrorCode::kInternal, "serverInternal", 500},
  };
  for (const Case& c : cases) {
    Problem p = ProblemForError(Error(c.code, "/var/lib/mtc/secret detail"));
    EXPECT_EQ(p.type, std::string("urn:ietf:params:acme:error:") + c.type)
        << ErrorCodeName(c.code);
    EXPECT_EQ(p.status, c.status) << ErrorCodeName(c.code);
  }
  // Server-side failures do not leak their message.
  EXPECT_EQ(ProblemForError(Error(ErrorCode::kIo, "/var/lib/mtc/x"))
                .detail.find("/var/lib"),
            std::string::npos);
  EXPECT_EQ(ProblemForError(Error(ErrorCode::kMalformed, "bad CSR")).detail,
            "bad CSR");
}

TEST(ProblemTest, JwsErrorsMapToTheirProblems) {
  auto type_of = [](std::string_view body) {
    auto request = ParseJws(body);
    EXPECT_FALSE(request.ok());
    return request.ok() ? std::string()
                        : ProblemForJwsError(request.error()).type;
  };
  // {"alg":"HS256","nonce":"AAAA","url":"u","kid":"k"}
  const std::string hs256 =
      R"({"protected":"eyJhbGciOiJIUzI1NiIsIm5vbmNlIjoiQUFBQSIsInVybCI6InUiLCJraWQiOiJrIn0","payload":"","signature":"AAAA"})";
  EXPECT_EQ(type_of(hs256), "urn:ietf:params:acme:error:badSignatureAlgorithm");
  // {"alg":"ES256","url":"u","kid":"k"}
  const std::string no_nonce =
      R"({"protected":"eyJhbGciOiJFUzI1NiIsInVybCI6InUiLCJraWQiOiJrIn0","payload":"","signature":"AAAA"})";
  EXPECT_EQ(type_of(no_nonce), "urn:ietf:params:acme:error:badNonce");
  // {"alg":"ES256","nonce":"AAAA","url":"u","jwk":{"kty":"oct"}}
  const std::string bad_key =
      R"({"protected":"eyJhbGciOiJFUzI1NiIsIm5vbmNlIjoiQUFBQSIsInVybCI6InUiLCJqd2siOnsia3R5Ijoib2N0In19","payload":"","signature":"AAAA"})";
  EXPECT_EQ(type_of(bad_key), "urn:ietf:params:acme:error:badPublicKey");
  EXPECT_EQ(type_of("[]"), "urn:ietf:params:acme:error:malformed");
  EXPECT_EQ(
      ProblemForJwsError(Error(ErrorCode::kVerificationFailed, "sig")).type,
      "urn:ietf:params:acme:error:malformed");
}

}  // namespace
}  // namespace mtc::acme
