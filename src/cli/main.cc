// The `mtc` command: argument parsing and wiring only (docs/design.md §3, §8).
#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli_util.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void PrintVersion() {
  std::cout << "mtc " << kVersion << " (" << OpenSSL_version(OPENSSL_VERSION)
            << ")\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mtc: Merkle Tree Certificates (draft-ietf-plants-merkle-tree-certs)\n"
      "A certification authority with its ACME server, issuance logs and\n"
      "landmarks, and the relying-party, witness, client and monitor tools."};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", [] {
    PrintVersion();
    return std::string();
  });
  int exit_code = mtc::cli::kExitOk;

  CLI::App* version =
      app.add_subcommand("version", "Print the version and the OpenSSL in use");
  version->callback(PrintVersion);
  mtc::cli::RegisterKeyCommands(app, &exit_code);
  mtc::cli::RegisterCertificateCommands(app, &exit_code);
  mtc::cli::RegisterCaCommands(app, &exit_code);
  mtc::cli::RegisterLogCommands(app, &exit_code);
  mtc::cli::RegisterWitnessCommands(app, &exit_code);
  mtc::cli::RegisterAcmeCommands(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : mtc::cli::kExitError;
  }
  if (app.get_subcommands().empty()) std::cout << app.help();
  return exit_code;
}
