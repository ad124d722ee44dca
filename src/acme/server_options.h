// The ACME server's settings that come from a CA's mtc.toml
// (log::CaConfig), in one place, so that `mtc ca serve` and tests build the
// server the same way.
#ifndef MTC_ACME_SERVER_OPTIONS_H_
#define MTC_ACME_SERVER_OPTIONS_H_

#include "acme/server.h"
#include "log/ca_config.h"

namespace mtc::acme {

// Every AcmeServerOptions field that mtc.toml sets: the validation ports,
// resolve_all_to and dns_resolver, landmark_retry_spread, the per-account
// order rate limit and external account binding. The rest keep their
// defaults; base_url is the caller's, since only the caller knows the port
// it listens on. `config` should have passed CaConfig::Validate().
AcmeServerOptions AcmeServerOptionsFromConfig(const log::CaConfig& config);

}  // namespace mtc::acme

#endif  // MTC_ACME_SERVER_OPTIONS_H_
