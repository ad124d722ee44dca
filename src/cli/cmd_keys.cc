// `mtc keygen` and `mtc pubkey`: cosigner and subscriber key files.
#include <iostream>

#include "cli_util.h"
#include "mtc/crypto/private_key.h"

namespace mtc::cli {

namespace {

struct KeygenOptions {
  std::string algorithm = "ml-dsa-44";
  std::string out;
  bool force = false;
};

int Keygen(const KeygenOptions& o) {
  auto alg = crypto::ParseSignatureAlgorithm(o.algorithm);
  if (!alg.ok()) return ReportError("keygen", alg.error());
  auto key = crypto::PrivateKey::Generate(*alg);
  if (!key.ok()) return ReportError("keygen", key.error());
  // Private keys are readable by their owner only.
  Status written = WriteFileAtomic(o.out, key->ToPkcs8Pem(), 0600, o.force);
  if (!written.ok()) return ReportError("keygen", written.error());
  std::cerr << "wrote " << o.algorithm << " private key to " << o.out << "\n";
  return kExitOk;
}

int Pubkey(const std::string& in, const std::string& out, bool force) {
  auto pem = ReadFile(in);
  if (!pem.ok()) return ReportError("pubkey", pem.error());
  auto key = crypto::PrivateKey::FromPkcs8Pem(*pem);
  if (!key.ok()) return ReportError("pubkey", key.error().WithContext(in));
  std::string spki = key->public_key().ToSpkiPem();
  if (out.empty()) {
    std::cout << spki;
    return kExitOk;
  }
  Status written = WriteFileAtomic(out, spki, 0644, force);
  if (!written.ok()) return ReportError("pubkey", written.error());
  return kExitOk;
}

}  // namespace

void RegisterKeyCommands(CLI::App& app, int* exit_code) {
  auto keygen_options = std::make_shared<KeygenOptions>();
  CLI::App* keygen = app.add_subcommand(
      "keygen",
      "Generate a private key (PKCS#8 PEM; ML-DSA keys in seed form)");
  keygen
      ->add_option("--algorithm", keygen_options->algorithm,
                   "ed25519, ecdsa-p256-sha256, ecdsa-p384-sha384, ml-dsa-44, "
                   "ml-dsa-65 or ml-dsa-87")
      ->capture_default_str();
  keygen->add_option("--out", keygen_options->out, "Where to write the key")
      ->required();
  keygen->add_flag("--force", keygen_options->force,
                   "Replace an existing file");
  keygen->callback([=] { *exit_code = Keygen(*keygen_options); });

  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* pubkey = app.add_subcommand(
      "pubkey",
      "Print the public key (SubjectPublicKeyInfo PEM) of a private key");
  pubkey->add_option("KEY.pem", *in, "Private key file")->required();
  pubkey->add_option("--out", *out, "Write to this file instead of stdout");
  pubkey->add_flag("--force", *force, "Replace an existing file");
  pubkey->callback([=] { *exit_code = Pubkey(*in, *out, *force); });
}

}  // namespace mtc::cli
