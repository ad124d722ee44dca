#include "acme/server_options.h"

#include <algorithm>
#include <limits>

namespace mtc::acme {

AcmeServerOptions AcmeServerOptionsFromConfig(const log::CaConfig& config) {
  AcmeServerOptions options;
  options.validation.http01_port = config.http01_port;
  options.validation.tls_alpn01_port = config.tls_alpn01_port;
  options.validation.resolve_all_to = config.resolve_all_to;
  options.validation.dns_resolver = config.dns_resolver;
  options.landmark_retry_spread = config.landmark_retry_spread;
  // Validate() bounds it far below INT_MAX; clamp anyway rather than wrap.
  options.orders_per_account_per_minute =
      static_cast<int>(std::clamp<int64_t>(config.orders_per_account_per_minute,
                                           0, std::numeric_limits<int>::max()));
  options.external_account_required = config.external_account_required;
  for (const log::EabKeyConfig& k : config.eab_keys) {
    options.external_account_keys[k.kid] = k.hmac_key;
  }
  return options;
}

}  // namespace mtc::acme
