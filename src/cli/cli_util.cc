#include "cli_util.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "mtc/wire/pem.h"

namespace mtc::cli {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(ErrorCode::kIo,
                 "cannot read " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomic(const std::string& path, std::string_view contents,
                       unsigned mode, bool overwrite) {
  struct stat st;
  if (!overwrite && ::stat(path.c_str(), &st) == 0) {
    return Error(ErrorCode::kConflict,
                 path + " exists (use --force to replace it)");
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return Error(ErrorCode::kIo,
                 "cannot create " + tmp + ": " + std::strerror(errno));
  }
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(ErrorCode::kIo,
                   "cannot write " + tmp + ": " + std::strerror(err));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 ||
      ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error(ErrorCode::kIo,
                 "cannot write " + path + ": " + std::strerror(err));
  }
  return OkStatus();
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

Result<std::vector<uint8_t>> LoadCertificate(const std::string& path) {
  MTC_ASSIGN_OR_RETURN(std::string contents, ReadFile(path));
  if (contents.rfind("-----BEGIN", 0) != 0 &&
      contents.find("\n-----BEGIN") == std::string::npos) {
    return std::vector<uint8_t>(contents.begin(), contents.end());
  }
  auto blocks = wire::PemDecodeAll(contents);
  if (!blocks.ok()) return blocks.error().WithContext(path);
  for (wire::PemBlock& b : *blocks) {
    if (b.label == "CERTIFICATE") return std::move(b.bytes);
  }
  return Error(ErrorCode::kMalformed, path + " holds no CERTIFICATE block");
}

Result<std::vector<verify::Cosigner>> LoadCosigners(
    const std::vector<std::string>& specs) {
  std::vector<verify::Cosigner> out;
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "--cosigner \"" + spec + "\" is not ID=PUBKEY.pem");
    }
    MTC_ASSIGN_OR_RETURN(cert::TrustAnchorId id,
                         cert::TrustAnchorId::FromAscii(spec.substr(0, eq)));
    MTC_ASSIGN_OR_RETURN(std::string pem, ReadFile(spec.substr(eq + 1)));
    auto key = crypto::PublicKey::FromSpkiPem(pem);
    if (!key.ok()) return key.error().WithContext(spec.substr(eq + 1));
    out.push_back({std::move(id), std::move(key).value()});
  }
  return out;
}

int ReportError(const std::string& command, const Error& error) {
  std::cerr << "mtc " << command << ": " << error.message() << "\n";
  return kExitError;
}

}  // namespace mtc::cli
