#include "log/ca_config.h"

#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <charconv>
#include <set>

#include "mtc/base/toml_string.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/crypto/signature_algorithm.h"
#include "mtc/wire/base64.h"
#include "net/url.h"

namespace mtc::log {

namespace {

Error Invalid(const std::string& key, const std::string& why) {
  return Error(ErrorCode::kInvalidArgument, key + ": " + why);
}

constexpr int64_t kMaxOrdersPerAccountPerMinute = 1'000'000;
constexpr size_t kMaxEabKidLength = 255;
constexpr size_t kMinEabKeyBytes = 32;
constexpr size_t kMaxEabKeyBytes = 1024;

// The [[eab]] tables: kid and base64url hmac_key (RFC 8555 §7.3.4: "The MAC
// key SHOULD be provided in base64url-encoded form").
Status ParseEabKeys(const toml::table& t, const std::string& path,
                    std::vector<EabKeyConfig>* out) {
  const toml::node* node = t.get("eab");
  if (node == nullptr) return OkStatus();
  const toml::array* keys = node->as_array();
  if (keys == nullptr) {
    return Error(ErrorCode::kMalformed, path + ": eab must be [[eab]] tables");
  }
  for (const toml::node& n : *keys) {
    const toml::table* k = n.as_table();
    if (k == nullptr) {
      return Error(ErrorCode::kMalformed, path + ": [[eab]] is not a table");
    }
    auto kid = (*k)["kid"].value<std::string>();
    auto key = (*k)["hmac_key"].value<std::string>();
    if (!kid || !key) {
      return Error(ErrorCode::kInvalidArgument,
                   path + ": eab: each [[eab]] needs kid and hmac_key strings");
    }
    auto decoded = wire::Base64UrlDecode(*key);
    if (!decoded.ok()) {
      return Error(ErrorCode::kInvalidArgument,
                   path + ": eab: hmac_key of kid \"" + *kid +
                       "\" is not unpadded base64url");
    }
    out->push_back(EabKeyConfig{*kid, std::move(decoded).value()});
  }
  return OkStatus();
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, text.data() + text.size() - end);
  if (ec != std::errc() || end == text.data()) {
    return Error(ErrorCode::kInvalidArgument,
                 "duration \"" + std::string(text) + "\" lacks a number");
  }
  uint64_t ms_per;
  if (unit == "ms") {
    ms_per = 1;
  } else if (unit == "s") {
    ms_per = 1000;
  } else if (unit == "m") {
    ms_per = 60'000;
  } else if (unit == "h") {
    ms_per = 3'600'000;
  } else if (unit == "d") {
    ms_per = 86'400'000;
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "duration \"" + std::string(text) +
                     "\" has no unit of ms, s, m, h or d");
  }
  if (n > (uint64_t{1} << 40) / ms_per) {
    return Error(ErrorCode::kOutOfRange,
                 "duration \"" + std::string(text) + "\" is too long");
  }
  return std::chrono::milliseconds(n * ms_per);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  struct Unit {
    int64_t ms;
    const char* name;
  };
  for (Unit u : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"},
                 Unit{1000, "s"}}) {
    if (ms > 0 && ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  }
  return std::to_string(ms) + "ms";
}

std::string CaConfig::LogPrefixUrl(uint32_t log_number) const {
  return "http://" + log_listen + "/" + std::to_string(log_number);
}

Status CaConfig::Validate() const {
  if (!cert::TrustAnchorId::FromAscii(ca_id).ok()) {
    return Invalid("ca_id",
                   "\"" + ca_id + "\" is not a trust anchor ID like 32473.1");
  }
  if (!crypto::ParseSignatureAlgorithm(algorithm).ok()) {
    return Invalid("algorithm",
                   "\"" + algorithm + "\" is not a supported algorithm");
  }
  if (!net::ParseHostPort(acme_listen).ok())
    return Invalid("acme_listen", "not host:port");
  if (!net::ParseHostPort(log_listen).ok())
    return Invalid("log_listen", "not host:port");
  if (checkpoint_period < std::chrono::milliseconds(50)) {
    return Invalid("checkpoint_period", "must be at least 50ms");
  }
  if (landmark_interval < std::chrono::seconds(1)) {
    return Invalid("landmark_interval", "must be at least 1s");
  }
  if (max_cert_lifetime < landmark_interval) {
    return Invalid("max_cert_lifetime", "must be at least landmark_interval");
  }
  if (max_log_number < 1 || max_log_number > 65535) {
    return Invalid("max_log_number", "must be 1..65535");
  }
  if (storage != "sqlite" && storage.rfind("postgres://", 0) != 0 &&
      storage.rfind("postgresql://", 0) != 0) {
    return Invalid("storage", "must be sqlite or a postgres:// URL");
  }
  for (const WitnessConfig& w : witnesses) {
    if (w.name.empty() || w.url.empty() || w.vkey.empty()) {
      return Invalid("witness", "needs name, url and vkey");
    }
  }
  if (orders_per_account_per_minute < 0 ||
      orders_per_account_per_minute > kMaxOrdersPerAccountPerMinute) {
    return Invalid("orders_per_account_per_minute",
                   "must be 0 (no limit) .. " +
                       std::to_string(kMaxOrdersPerAccountPerMinute));
  }
  std::set<std::string> kids;
  for (const EabKeyConfig& k : eab_keys) {
    // RFC 8555 §7.3.4: "The key identifier MUST be an ASCII string"; we
    // also keep it printable, since it appears in logs and the store.
    bool printable = !k.kid.empty() && k.kid.size() <= kMaxEabKidLength;
    for (char ch : k.kid) printable = printable && ch > ' ' && ch <= '~';
    if (!printable) {
      return Invalid("eab", "kid \"" + k.kid + "\" must be 1.." +
                                std::to_string(kMaxEabKidLength) +
                                " printable ASCII characters");
    }
    if (!kids.insert(k.kid).second) {
      return Invalid("eab", "kid \"" + k.kid + "\" appears twice");
    }
    // RFC 7518 §3.2: an HMAC key at least as long as the hash output (256
    // bits for HS256, which every client sends) MUST be used.
    if (k.hmac_key.size() < kMinEabKeyBytes ||
        k.hmac_key.size() > kMaxEabKeyBytes) {
      return Invalid("eab", "hmac_key of kid \"" + k.kid + "\" must be " +
                                std::to_string(kMinEabKeyBytes) + ".." +
                                std::to_string(kMaxEabKeyBytes) + " bytes");
    }
  }
  if (external_account_required && eab_keys.empty()) {
    return Invalid("external_account_required",
                   "true, but no [[eab]] key is configured: no account could "
                   "ever be created");
  }
  return OkStatus();
}

Result<CaConfig> LoadCaConfig(const std::string& path) {
  toml::parse_result parsed = toml::parse_file(path);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return Error(ErrorCode::kMalformed,
                 path + ":" + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
  const toml::table& t = parsed.table();
  CaConfig c;
  auto str = [&](const char* key, std::string* out) {
    if (auto v = t[key].value<std::string>()) *out = *v;
  };
  str("ca_id", &c.ca_id);
  str("algorithm", &c.algorithm);
  str("host", &c.host);
  str("acme_listen", &c.acme_listen);
  str("log_listen", &c.log_listen);
  str("resolve_all_to", &c.resolve_all_to);
  str("dns_resolver", &c.dns_resolver);
  str("storage", &c.storage);
  if (auto v = t["http01_port"].value<int64_t>())
    c.http01_port = static_cast<uint16_t>(*v);
  if (auto v = t["tls_alpn01_port"].value<int64_t>()) {
    c.tls_alpn01_port = static_cast<uint16_t>(*v);
  }
  if (auto v = t["max_log_number"].value<int64_t>()) {
    c.max_log_number = static_cast<uint32_t>(*v);
  }
  // The ACME keys are strict about their types: a limit or a requirement
  // that silently fell back to its default would weaken the CA unnoticed.
  if (const toml::node* n = t.get("orders_per_account_per_minute")) {
    auto v = n->value_exact<int64_t>();
    if (!v) {
      return Error(ErrorCode::kInvalidArgument,
                   path + ": orders_per_account_per_minute: not an integer");
    }
    c.orders_per_account_per_minute = *v;
  }
  if (const toml::node* n = t.get("external_account_required")) {
    auto v = n->value_exact<bool>();
    if (!v) {
      return Error(ErrorCode::kInvalidArgument,
                   path + ": external_account_required: not true or false");
    }
    c.external_account_required = *v;
  }
  MTC_RETURN_IF_ERROR(ParseEabKeys(t, path, &c.eab_keys));
  struct DurationKey {
    const char* key;
    std::chrono::milliseconds* ms;
  };
  std::chrono::milliseconds interval = c.landmark_interval,
                            lifetime = c.max_cert_lifetime,
                            spread = c.landmark_retry_spread;
  for (DurationKey d : {DurationKey{"checkpoint_period", &c.checkpoint_period},
                        DurationKey{"landmark_interval", &interval},
                        DurationKey{"max_cert_lifetime", &lifetime},
                        DurationKey{"landmark_retry_spread", &spread}}) {
    if (auto v = t[d.key].value<std::string>()) {
      auto parsed_duration = ParseDuration(*v);
      if (!parsed_duration.ok())
        return parsed_duration.error().WithContext(path + ": " + d.key);
      *d.ms = *parsed_duration;
    }
  }
  c.landmark_interval =
      std::chrono::duration_cast<std::chrono::seconds>(interval);
  c.max_cert_lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(lifetime);
  c.landmark_retry_spread =
      std::chrono::duration_cast<std::chrono::seconds>(spread);
  if (const toml::array* ws = t["witness"].as_array()) {
    for (const toml::node& n : *ws) {
      const toml::table* w = n.as_table();
      if (w == nullptr)
        return Error(ErrorCode::kMalformed,
                     path + ": [[witness]] is not a table");
      WitnessConfig wc;
      wc.name = (*w)["name"].value_or(std::string());
      wc.url = (*w)["url"].value_or(std::string());
      wc.vkey = (*w)["vkey"].value_or(std::string());
      wc.required = (*w)["required"].value_or(false);
      if (auto v = (*w)["timeout"].value<std::string>()) {
        MTC_ASSIGN_OR_RETURN(wc.timeout, ParseDuration(*v));
      }
      c.witnesses.push_back(std::move(wc));
    }
  }
  Status valid = c.Validate();
  if (!valid.ok()) return valid.error().WithContext(path);
  return c;
}

std::string FormatCaConfig(const CaConfig& c) {
  auto q = [](const std::string& s) { return TomlString(s); };
  std::string out;
  out +=
      "# mtc CA settings (written by `mtc ca init`; read by `mtc ca "
      "serve`).\n\n";
  out += "# The CA ID: a trust anchor ID (relative OID under 1.3.6.1.4.1).\n";
  out += "ca_id = " + q(c.ca_id) + "\n";
  out += "# The CA cosigner's signature algorithm.\n";
  out += "algorithm = " + q(c.algorithm) + "\n";
  out += "# Host name or address in the URLs the CA hands out.\n";
  out += "host = " + q(c.host) + "\n";
  out += "# HTTPS listener of the ACME server.\n";
  out += "acme_listen = " + q(c.acme_listen) + "\n";
  out += "# HTTP listener serving the logs (tiles, checkpoint, landmarks).\n";
  out += "log_listen = " + q(c.log_listen) + "\n";
  out += "# Ports challenge validation connects to.\n";
  out += "http01_port = " + std::to_string(c.http01_port) + "\n";
  out += "tls_alpn01_port = " + std::to_string(c.tls_alpn01_port) + "\n";
  out +=
      "# Test mode: validate every identifier against this address (empty: "
      "off).\n";
  out += "resolve_all_to = " + q(c.resolve_all_to) + "\n";
  out += "# Resolver address for dns-01 (\"system\": the system's).\n";
  out += "dns_resolver = " + q(c.dns_resolver) + "\n";
  out += "# How often the sequencer commits the log (at least 50ms).\n";
  out += "checkpoint_period = " + q(FormatDuration(c.checkpoint_period)) + "\n";
  out += "# Time between landmarks.\n";
  out += "landmark_interval = " +
         q(FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
             c.landmark_interval))) +
         "\n";
  out += "# Certificate lifetime; sets max_active_landmarks.\n";
  out += "max_cert_lifetime = " +
         q(FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
             c.max_cert_lifetime))) +
         "\n";
  out += "# Random spread added to Retry-After while a landmark is awaited.\n";
  out += "landmark_retry_spread = " +
         q(FormatDuration(std::chrono::duration_cast<std::chrono::milliseconds>(
             c.landmark_retry_spread))) +
         "\n";
  out += "# \"sqlite\" (embedded, in this directory) or a postgres:// URL.\n";
  out += "storage = " + q(c.storage) + "\n";
  out += "# The highest log number the CA certificate's maxSerial admits.\n";
  out += "max_log_number = " + std::to_string(c.max_log_number) + "\n";
  out +=
      "# ACME: newOrder requests one account may send per minute; more get "
      "429\n"
      "# rateLimited with Retry-After (RFC 8555 §6.6). 0 means no limit, "
      "the\n"
      "# default: a new CA serves its operator's own clients and benchmarks, "
      "which\n"
      "# a limit would only slow down; a CA open to others should set one.\n";
  out += "orders_per_account_per_minute = " +
         std::to_string(c.orders_per_account_per_minute) + "\n";
  out +=
      "# ACME: whether newAccount must carry an external account binding "
      "signed\n"
      "# with one of the [[eab]] keys below (RFC 8555 §7.3.4). A binding is "
      "checked\n"
      "# whenever one is sent.\n";
  out += std::string("external_account_required = ") +
         (c.external_account_required ? "true" : "false") + "\n";
  out += "\n# Witnesses to ask for cosignatures, one [[witness]] table each:\n";
  out += "# [[witness]]\n# name = \"oid/1.3.6.1.4.1.32473.2.1\"\n";
  out +=
      "# url = \"http://127.0.0.1:14002\"\n# vkey = \"<name>+<key "
      "id>+<key>\"\n";
  out += "# required = true   # must sign before certificates are released\n";
  out += "# timeout = \"5s\"\n";
  for (const WitnessConfig& w : c.witnesses) {
    out += "\n[[witness]]\nname = " + q(w.name) + "\nurl = " + q(w.url) +
           "\nvkey = " + q(w.vkey) +
           "\nrequired = " + (w.required ? "true" : "false") +
           "\ntimeout = " + q(FormatDuration(w.timeout)) + "\n";
  }
  out +=
      "\n# External account binding keys (RFC 8555 §7.3.4), one [[eab]] table "
      "each:\n"
      "# the key ID and the base64url (unpadded) HMAC key, at least 32 bytes, "
      "handed\n"
      "# to the account holder. They are secrets: keep this file private.\n";
  out += "# [[eab]]\n# kid = \"customer-1\"\n# hmac_key = \"<base64url>\"\n";
  for (const EabKeyConfig& k : c.eab_keys) {
    out += "\n[[eab]]\nkid = " + q(k.kid) +
           "\nhmac_key = " + q(wire::Base64UrlEncode(k.hmac_key)) + "\n";
  }
  return out;
}

}  // namespace mtc::log
