// Small helpers every `mtc` subcommand uses: files in and out, and reporting.
#ifndef MTC_CLI_CLI_UTIL_H_
#define MTC_CLI_CLI_UTIL_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/verify/relying_party.h"

namespace mtc::cli {

// Exit codes shared by the subcommands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // a certificate or log did not verify
inline constexpr int kExitError = 2;    // bad input, unreadable file, I/O

Result<std::string> ReadFile(const std::string& path);
// Writes via a temporary file and rename, so a reader never sees half a file;
// `mode` is the new file's permission bits. Refuses to replace an existing
// file unless `overwrite`.
Status WriteFileAtomic(const std::string& path, std::string_view contents,
                       unsigned mode, bool overwrite);

// A certificate file as `mtc verify` reads it: the first CERTIFICATE block
// of a PEM file (a chain, possibly with a CERTIFICATE PROPERTIES block), or
// DER.
Result<std::vector<uint8_t>> LoadCertificate(const std::string& path);

// "ID=PUBKEY.pem" options (--cosigner): a trust anchor ID and an SPKI PEM file.
Result<std::vector<verify::Cosigner>> LoadCosigners(
    const std::vector<std::string>& specs);

// Prints "mtc <command>: <error>" to stderr and returns kExitError.
int ReportError(const std::string& command, const Error& error);

// Blocks SIGINT and SIGTERM in the calling thread (call before starting any
// thread, so every thread inherits the mask), then later waits for one.
void BlockTerminationSignals();
// Returns the signal's name once SIGINT or SIGTERM arrives.
std::string WaitForTerminationSignal();

// Each file registers its subcommands; the callback stores the exit code.
void RegisterKeyCommands(CLI::App& app, int* exit_code);
void RegisterCertificateCommands(CLI::App& app, int* exit_code);
void RegisterCaCommands(CLI::App& app, int* exit_code);
void RegisterLogCommands(CLI::App& app, int* exit_code);
void RegisterWitnessCommands(CLI::App& app, int* exit_code);
void RegisterAcmeCommands(CLI::App& app, int* exit_code);

}  // namespace mtc::cli

#endif  // MTC_CLI_CLI_UTIL_H_
