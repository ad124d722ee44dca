// A CA's settings: the `mtc.toml` that `mtc ca init` writes and `mtc ca serve`
// reads (docs/design.md §8). Every key has a default that works on first start.
#ifndef MTC_LOG_CA_CONFIG_H_
#define MTC_LOG_CA_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"

namespace mtc::log {

// A witness the CA asks for cosignatures (C2SP tlog-witness).
struct WitnessConfig {
  std::string name;       // its cosigner name, e.g. "oid/1.3.6.1.4.1.32473.2.1"
  std::string url;        // its tlog-witness URL prefix
  std::string vkey;       // its signed-note verifier key
  bool required = false;  // must sign before certificates are released
  std::chrono::milliseconds timeout{5000};
};

// An external account binding key (RFC 8555 §7.3.4): the operator hands the
// key ID and the MAC key to a customer outside ACME, and a newAccount request
// proves knowledge of the key with an HMAC over the account key.
struct EabKeyConfig {
  std::string kid;                // an ASCII key identifier (§7.3.4 MUST)
  std::vector<uint8_t> hmac_key;  // written base64url in mtc.toml
};

struct CaConfig {
  std::string ca_id = "32473.1";
  std::string algorithm = "ml-dsa-44";
  std::string host = "127.0.0.1";
  std::string acme_listen = "127.0.0.1:14000";
  std::string log_listen = "127.0.0.1:14001";
  uint16_t http01_port = 80;
  uint16_t tls_alpn01_port = 443;
  std::string resolve_all_to;
  std::string dns_resolver = "system";
  std::chrono::milliseconds checkpoint_period{1000};
  std::chrono::seconds landmark_interval{3600};
  std::chrono::seconds max_cert_lifetime{7 * 24 * 3600};
  std::chrono::seconds landmark_retry_spread{30};
  std::string storage = "sqlite";
  // The highest log number the CA certificate's maxSerial admits.
  uint32_t max_log_number = 15;
  std::vector<WitnessConfig> witnesses;
  // ACME: newOrder requests one account may send per minute; 0 means no
  // limit (RFC 8555 §6.6 rateLimited).
  int64_t orders_per_account_per_minute = 0;
  // ACME: whether newAccount must carry an externalAccountBinding, and the
  // keys that may sign one (the [[eab]] tables).
  bool external_account_required = false;
  std::vector<EabKeyConfig> eab_keys;

  // "http://<log_listen>": the CA prefix URL; log N is at "<prefix>/N".
  std::string LogPrefixUrl(uint32_t log_number) const;
  // Checks every value (ranges, formats); the message names the key.
  Status Validate() const;
};

// Durations as written in mtc.toml and on the command line: an integer and a
// unit, one of ms, s, m, h, d ("200ms", "1s", "7d").
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
std::string FormatDuration(std::chrono::milliseconds d);

Result<CaConfig> LoadCaConfig(const std::string& path);
// The whole file, every setting with a comment saying what it does.
std::string FormatCaConfig(const CaConfig& config);

}  // namespace mtc::log

#endif  // MTC_LOG_CA_CONFIG_H_
