// The stores a CA's `storage` setting names (docs/design.md §6): "sqlite"
// (DIR/state.db and DIR/acme.db, the embedded default) or a PostgreSQL URL
// (postgres:// or postgresql://, libpq's URI form; docs/postgresql.md), which
// holds both the log state and the ACME state.
//
// On PostgreSQL the tiles still live in DIR/logs, and several `mtc ca serve`
// processes may serve one CA directory (acme/shared_sequencer.h).
#ifndef MTC_ACME_STORES_H_
#define MTC_ACME_STORES_H_

#include <memory>
#include <string>

#include "acme/acme_store.h"
#include "log/ca_config.h"
#include "log/storage.h"
#include "mtc/base/result.h"

namespace mtc::acme {

bool IsPostgresStorage(const std::string& storage);

// A log::StateStoreOpener for CaService::Open and RotateLog.
Result<std::unique_ptr<log::LogStateStore>> OpenLogStateStore(
    const log::CaConfig& config, const std::string& dir);

Result<std::unique_ptr<AcmeStore>> OpenAcmeStore(const log::CaConfig& config,
                                                 const std::string& dir);

}  // namespace mtc::acme

#endif  // MTC_ACME_STORES_H_
