// Fuzzes the ACME request parsers (src/acme/jws.h), which read every byte a
// client sends before any authentication (RFC 8555 §6.2). The first input
// byte picks the parser; properties beyond "no crash, no leak, no UB":
//   ParseJson: an accepted text nests no deeper than the limit, and its
//     serialization parses back to the same value;
//   ParseJws: an accepted request has exactly one of jwk / kid, a nonce, a
//     url, an alg that round-trips by name, a signing input made of the two
//     base64url parts, and a payload that is empty (POST-as-GET) or an
//     object; checking its signature with its own jwk does not crash;
//   ParseKeyChangeInnerJws: an accepted inner JWS carries a jwk, no nonce.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "acme/jws.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

int Depth(const nlohmann::json& j) {
  int deepest = 0;
  if (j.is_array() || j.is_object()) {
    for (const auto& v : j) deepest = std::max(deepest, Depth(v));
    return deepest + 1;
  }
  return 0;
}

void CheckRequest(const mtc::acme::JwsRequest& r, bool inner) {
  Check(r.kid.has_value() != r.jwk.has_value());
  Check(!r.url.empty());
  Check(inner ? r.nonce.empty() && r.jwk.has_value() : !r.nonce.empty());
  auto alg = mtc::acme::ParseJwsAlgorithm(mtc::acme::JwsAlgorithmName(r.alg));
  Check(alg.ok() && *alg == r.alg);
  Check(r.post_as_get == r.payload.empty());
  Check(r.post_as_get ? r.payload_json.is_null() : r.payload_json.is_object());
  Check(r.signing_input.find('.') != std::string::npos);
  if (r.jwk) (void)mtc::acme::VerifyJws(r, *r.jwk);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace mtc::acme;
  switch (data[0] % 3) {
    case 0: {
      auto j = ParseJson(text);
      if (!j.ok()) return 0;
      Check(Depth(*j) <= kMaxJsonDepth);
      auto again = ParseJson(j->dump());
      Check(again.ok() && *again == *j);
      return 0;
    }
    case 1: {
      auto r = ParseJws(text);
      if (r.ok()) CheckRequest(*r, /*inner=*/false);
      return 0;
    }
    default: {
      auto r = ParseKeyChangeInnerJws(text);
      if (r.ok()) CheckRequest(*r, /*inner=*/true);
      return 0;
    }
  }
}
