#include "witness/witness_config.h"

#define TOML_EXCEPTIONS 0
#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "mtc/base/toml_string.h"
#include "mtc/crypto/private_key.h"
#include "mtc/tlog/note.h"
#include "net/url.h"

namespace mtc::witness {

namespace {

Error Invalid(const std::string& key, const std::string& why) {
  return Error(ErrorCode::kInvalidArgument, key + ": " + why);
}

std::string PathIn(const std::string& dir, std::string_view name) {
  return (std::filesystem::path(dir) / name).string();
}

Error IoError(const std::string& doing, const std::string& path) {
  return Error(ErrorCode::kIo,
               doing + " " + path + ": " + std::strerror(errno));
}

// Creates `path` with exactly `mode`, writes `contents` and syncs it. Fails
// if the file exists.
Status WriteNewFile(const std::string& path, std::string_view contents,
                    mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return IoError("creating", path);
  Status status;
  if (::fchmod(fd, mode) != 0) status = IoError("setting the mode of", path);
  while (status.ok() && !contents.empty()) {
    ssize_t n = ::write(fd, contents.data(), contents.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = IoError("writing", path);
      break;
    }
    contents.remove_prefix(static_cast<size_t>(n));
  }
  if (status.ok() && ::fsync(fd) != 0) status = IoError("syncing", path);
  if (::close(fd) != 0 && status.ok()) status = IoError("closing", path);
  return status;
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("opening", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("syncing", dir);
  return OkStatus();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("reading", path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError("reading", path);
  return ss.str();
}

Result<std::string> StringValue(const toml::node& node,
                                const std::string& key) {
  std::optional<std::string> v = node.value_exact<std::string>();
  if (!v) return Invalid(key, "is not a string");
  return *v;
}

Result<LogConfig> ParseLogTable(const toml::node& node, size_t index) {
  std::string where = "log[" + std::to_string(index) + "]";
  const toml::table* t = node.as_table();
  if (t == nullptr) return Invalid(where, "is not a table");
  LogConfig log;
  for (auto&& [key, value] : *t) {
    if (key.str() == "origin") {
      MTC_ASSIGN_OR_RETURN(log.origin, StringValue(value, where + ".origin"));
    } else if (key.str() == "vkeys") {
      const toml::array* a = value.as_array();
      if (a == nullptr) return Invalid(where + ".vkeys", "is not an array");
      for (const toml::node& v : *a) {
        MTC_ASSIGN_OR_RETURN(std::string vkey,
                             StringValue(v, where + ".vkeys[]"));
        log.vkeys.push_back(std::move(vkey));
      }
    } else {
      return Invalid(where + "." + std::string(key.str()), "unknown key");
    }
  }
  return log;
}

}  // namespace

Status WitnessConfig::Validate() const {
  if (!tlog::IsValidKeyName(name) || name.size() > 255) {
    return Invalid("name", "\"" + name +
                               "\" is not a key name of at most 255 bytes "
                               "(no spaces, no '+')");
  }
  if (!net::ParseHostPort(listen).ok()) {
    return Invalid("listen", "\"" + listen + "\" is not host:port");
  }
  std::set<std::string, std::less<>> origins;
  for (const LogConfig& log : logs) {
    if (log.origin.empty() || log.origin.size() > 255 ||
        log.origin.find('\n') != std::string::npos) {
      return Invalid("log.origin", "\"" + log.origin +
                                       "\" is not one line of 1 to 255 bytes");
    }
    if (!origins.insert(log.origin).second) {
      return Invalid("log.origin", "\"" + log.origin + "\" is listed twice");
    }
    if (log.vkeys.empty()) {
      return Invalid("log.vkeys", log.origin + " has no verifier keys");
    }
    for (const std::string& vkey : log.vkeys) {
      auto cosigner = NoteCosignerFromVerifierKey(vkey);
      if (!cosigner.ok()) {
        return Invalid("log.vkeys",
                       log.origin + ": " + cosigner.error().message());
      }
    }
  }
  return OkStatus();
}

Result<WitnessConfig> ParseWitnessConfig(std::string_view text) {
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return Error(ErrorCode::kMalformed,
                 "line " + std::to_string(e.source().begin.line) + ": " +
                     std::string(e.description()));
  }
  WitnessConfig config;
  bool has_name = false;
  for (auto&& [key, value] : parsed.table()) {
    if (key.str() == "name") {
      MTC_ASSIGN_OR_RETURN(config.name, StringValue(value, "name"));
      has_name = true;
    } else if (key.str() == "listen") {
      MTC_ASSIGN_OR_RETURN(config.listen, StringValue(value, "listen"));
    } else if (key.str() == "log") {
      const toml::array* logs = value.as_array();
      if (logs == nullptr) return Invalid("log", "is not an array of tables");
      for (size_t i = 0; i < logs->size(); i++) {
        MTC_ASSIGN_OR_RETURN(LogConfig log, ParseLogTable((*logs)[i], i));
        config.logs.push_back(std::move(log));
      }
    } else {
      return Invalid(std::string(key.str()), "unknown key");
    }
  }
  if (!has_name) return Invalid("name", "missing");
  MTC_RETURN_IF_ERROR(config.Validate());
  return config;
}

std::string FormatWitnessConfig(const WitnessConfig& config) {
  std::string out;
  out +=
      "# mtc witness settings (written by `mtc witness init`; read by `mtc "
      "witness serve`).\n\n";
  out += "# The witness's cosigner name: the key name of its cosignatures.\n";
  out += "name = " + TomlString(config.name) + "\n";
  out += "# HTTP listener for add-checkpoint, sign-subtree and checkpoints.\n";
  out += "listen = " + TomlString(config.listen) + "\n";
  out +=
      "\n# Logs this witness cosigns, one [[log]] table each: the checkpoint\n"
      "# origin and the signed-note verifier keys of the log's checkpoint\n"
      "# signers (types 0x06 ML-DSA-44 and 0x04 Ed25519 cosignatures).\n"
      "# [[log]]\n# origin = \"oid/1.3.6.1.4.1.32473.1.0.1\"\n"
      "# vkeys = [\"<name>+<key id>+<key>\"]\n";
  for (const LogConfig& log : config.logs) {
    out += "\n[[log]]\norigin = " + TomlString(log.origin) + "\nvkeys = [";
    for (size_t i = 0; i < log.vkeys.size(); i++) {
      out += (i == 0 ? "\n  " : ",\n  ") + TomlString(log.vkeys[i]);
    }
    out += "\n]\n";
  }
  return out;
}

Result<tlog::NoteCosigner> NoteCosignerFromVerifierKey(std::string_view vkey) {
  MTC_ASSIGN_OR_RETURN(tlog::VerifierKey parsed, tlog::ParseVerifierKey(vkey));
  crypto::SignatureAlgorithm alg;
  switch (parsed.type) {
    case tlog::NoteSignatureType::kCosignatureV1:
      alg = crypto::SignatureAlgorithm::kEd25519;
      break;
    case tlog::NoteSignatureType::kMlDsa44Subtree:
      alg = crypto::SignatureAlgorithm::kMlDsa44;
      break;
    default: {
      char type[5];
      std::snprintf(type, sizeof(type), "0x%02x",
                    static_cast<unsigned>(parsed.type));
      return Error(ErrorCode::kUnsupported,
                   "verifier key of " + parsed.key_name + " has type " + type +
                       "; only tlog-cosignature types 0x04 and 0x06 are "
                       "supported");
    }
  }
  auto key = crypto::PublicKey::FromRaw(alg, parsed.public_key);
  if (!key.ok()) {
    return key.error().WithContext("verifier key of " + parsed.key_name);
  }
  MTC_ASSIGN_OR_RETURN(tlog::NoteCosigner cosigner,
                       tlog::NoteCosigner::Create(parsed.key_name, *key));
  if (cosigner.key_id() != parsed.key_id) {
    return Error(ErrorCode::kMalformed,
                 "verifier key of " + parsed.key_name +
                     " has a key ID that does not match its name and key");
  }
  return cosigner;
}

Result<std::vector<KnownLog>> KnownLogsFromConfig(const WitnessConfig& config) {
  std::vector<KnownLog> out;
  for (const LogConfig& log : config.logs) {
    KnownLog known{log.origin, {}};
    for (const std::string& vkey : log.vkeys) {
      auto cosigner = NoteCosignerFromVerifierKey(vkey);
      if (!cosigner.ok()) return cosigner.error().WithContext(log.origin);
      known.keys.push_back(std::move(cosigner).value());
    }
    out.push_back(std::move(known));
  }
  return out;
}

Result<std::string> InitWitnessDir(const std::string& dir,
                                   const WitnessInitOptions& options) {
  WitnessConfig config{options.name, options.listen, options.logs};
  MTC_RETURN_IF_ERROR(config.Validate());
  if (options.algorithm != crypto::SignatureAlgorithm::kMlDsa44 &&
      options.algorithm != crypto::SignatureAlgorithm::kEd25519) {
    return Invalid(
        "algorithm",
        std::string(crypto::SignatureAlgorithmName(options.algorithm)) +
            " has no tlog-cosignature format; use ml-dsa-44 or "
            "ed25519");
  }
  const std::string key_path = PathIn(dir, kKeyFileName);
  const std::string config_path = PathIn(dir, kConfigFileName);
  const std::string vkey_path = PathIn(dir, kVerifierKeyFileName);
  const std::string state_path = PathIn(dir, kStateFileName);
  for (const std::string& path :
       {key_path, config_path, vkey_path, state_path}) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) || ec) {
      return Error(ErrorCode::kConflict,
                   path + " already exists; not overwriting a witness");
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return IoError("creating", dir);
  }
  MTC_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                       crypto::PrivateKey::Generate(options.algorithm));
  MTC_ASSIGN_OR_RETURN(
      tlog::NoteCosigner cosigner,
      tlog::NoteCosigner::Create(options.name, key.public_key()));
  std::string vkey = tlog::FormatVerifierKey(cosigner.ToVerifierKey());
  MTC_RETURN_IF_ERROR(WriteNewFile(key_path, key.ToPkcs8Pem(), 0600));
  MTC_RETURN_IF_ERROR(WriteNewFile(vkey_path, vkey + "\n", 0644));
  MTC_RETURN_IF_ERROR(
      WriteNewFile(config_path, FormatWitnessConfig(config), 0644));
  // Creates the state file and its schema.
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
                       StateStore::Open(state_path));
  MTC_RETURN_IF_ERROR(SyncDir(dir));
  return vkey;
}

Result<OpenedWitness> OpenWitnessDir(
    const std::string& dir, std::function<void(std::string_view line)> log) {
  const std::string config_path = PathIn(dir, kConfigFileName);
  MTC_ASSIGN_OR_RETURN(std::string text, ReadFile(config_path));
  auto config = ParseWitnessConfig(text);
  if (!config.ok()) return config.error().WithContext(config_path);

  const std::string key_path = PathIn(dir, kKeyFileName);
  struct stat st;
  if (::stat(key_path.c_str(), &st) != 0) return IoError("reading", key_path);
  if ((st.st_mode & 0077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorCode::kInvalidArgument,
                 key_path + " is accessible by others (mode " + mode +
                     "); it must be 0600");
  }
  MTC_ASSIGN_OR_RETURN(std::string pem, ReadFile(key_path));
  auto key = crypto::PrivateKey::FromPkcs8Pem(pem);
  if (!key.ok()) return key.error().WithContext(key_path);

  MTC_ASSIGN_OR_RETURN(std::vector<KnownLog> logs,
                       KnownLogsFromConfig(*config));
  WitnessOptions options{config->name,    std::move(key).value(),
                         std::move(logs), PathIn(dir, kStateFileName),
                         nullptr,         std::move(log)};
  MTC_ASSIGN_OR_RETURN(std::unique_ptr<Witness> witness,
                       Witness::Open(std::move(options)));
  return OpenedWitness{std::move(config).value(), std::move(witness)};
}

}  // namespace mtc::witness
