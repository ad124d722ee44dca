// A witness's directory, as `mtc witness init --dir DIR` writes it and `mtc
// witness serve --dir DIR` reads it:
//
//   DIR/witness.toml     settings: cosigner name, listen address, known logs
//   DIR/witness-key.pem  the witness key, PKCS#8 PEM, mode 0600
//   DIR/witness.vkey     the witness's signed-note verifier key, for logs
//   DIR/witness.db       the state (SQLite, see state_store.h)
//
// witness.toml:
//
//   name = "oid/1.3.6.1.4.1.32473.2.1"
//   listen = "127.0.0.1:14002"
//   [[log]]
//   origin = "oid/1.3.6.1.4.1.32473.1.0.1"
//   vkeys = ["oid/1.3.6.1.4.1.32473.1+0a1b2c3d+Bq..."]
//
// Log keys are signed-note verifier keys (C2SP signed-note §Verifier keys) of
// the tlog-cosignature types: 0x06 (ML-DSA-44 subtree/v1, what MTC CAs sign
// checkpoints with) and 0x04 (Ed25519 cosignature/v1).
#ifndef MTC_WITNESS_WITNESS_CONFIG_H_
#define MTC_WITNESS_WITNESS_CONFIG_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/crypto/signature_algorithm.h"
#include "mtc/tlog/cosignature.h"
#include "witness/witness.h"

namespace mtc::witness {

inline constexpr std::string_view kConfigFileName = "witness.toml";
inline constexpr std::string_view kKeyFileName = "witness-key.pem";
inline constexpr std::string_view kVerifierKeyFileName = "witness.vkey";
inline constexpr std::string_view kStateFileName = "witness.db";

// One [[log]] table.
struct LogConfig {
  std::string origin;
  std::vector<std::string> vkeys;

  bool operator==(const LogConfig&) const = default;
};

struct WitnessConfig {
  std::string name;                        // the witness's cosigner name
  std::string listen = "127.0.0.1:14002";  // host:port of its HTTP listener
  std::vector<LogConfig> logs;

  bool operator==(const WitnessConfig&) const = default;

  // Checks every value; the message names the key (and the log's origin).
  Status Validate() const;
};

// Parses witness.toml strictly: unknown keys and wrong types are errors, and
// the result is Validate()d.
Result<WitnessConfig> ParseWitnessConfig(std::string_view toml);
// The whole file, with comments; ParseWitnessConfig reads it back equal.
std::string FormatWitnessConfig(const WitnessConfig& config);

// A log key from its verifier key "<name>+<hex key ID>+<base64(type ||
// key)>": types 0x04 and 0x06 only (kUnsupported otherwise); the key ID must
// be the one tlog-cosignature computes for the name and key.
Result<tlog::NoteCosigner> NoteCosignerFromVerifierKey(std::string_view vkey);
// The Witness's KnownLogs of a (valid) config.
Result<std::vector<KnownLog>> KnownLogsFromConfig(const WitnessConfig& config);

struct WitnessInitOptions {
  std::string name;
  // ML-DSA-44 (the default: tlog-witness says witnesses SHOULD use it, and
  // mtc-tlog requires it of MTC cosigners) or Ed25519.
  crypto::SignatureAlgorithm algorithm = crypto::SignatureAlgorithm::kMlDsa44;
  std::string listen = "127.0.0.1:14002";
  std::vector<LogConfig> logs;
};

// Creates `dir` (mode 0700) if missing, generates a key, and writes the four
// files. Refuses with kConflict if any of them exists, before writing
// anything. Returns the witness's verifier key.
Result<std::string> InitWitnessDir(const std::string& dir,
                                   const WitnessInitOptions& options);

struct OpenedWitness {
  WitnessConfig config;
  std::unique_ptr<Witness> witness;
};

// Loads the directory and opens its witness. The key file must not be
// accessible by group or others. `log` is WitnessOptions::log.
Result<OpenedWitness> OpenWitnessDir(
    const std::string& dir,
    std::function<void(std::string_view line)> log = nullptr);

}  // namespace mtc::witness

#endif  // MTC_WITNESS_WITNESS_CONFIG_H_
