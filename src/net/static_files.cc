#include "net/static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>

namespace mtc::net {
namespace {

bool IsSafeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' || c == '-';
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// Errors of open(2) that mean "no such regular file here" rather than an
// I/O problem: missing, a symbolic link (O_NOFOLLOW), not a directory.
bool IsNotFound(int err) {
  return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EISDIR ||
         err == ENXIO;
}

Error OpenError(int err, std::string_view path) {
  std::string message = "opening " + std::string(path) + ": " + strerror(err);
  return Error(IsNotFound(err) ? ErrorCode::kNotFound : ErrorCode::kIo,
               std::move(message));
}

}  // namespace

std::optional<std::string> MapUrlPath(std::string_view url_path,
                                      std::string_view url_prefix) {
  if (url_path.size() <= url_prefix.size() ||
      url_path.substr(0, url_prefix.size()) != url_prefix) {
    return std::nullopt;
  }
  std::string_view relative = url_path.substr(url_prefix.size());
  size_t start = 0;
  for (;;) {
    size_t end = relative.find('/', start);
    std::string_view segment = relative.substr(start, end - start);
    if (segment.empty() || segment.front() == '.' ||
        !std::all_of(segment.begin(), segment.end(), IsSafeChar)) {
      return std::nullopt;
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return std::string(relative);
}

Result<std::string> ReadFileBeneath(const std::string& root,
                                    std::string_view relative_path,
                                    size_t max_bytes) {
  Fd dir(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    return Error(ErrorCode::kIo,
                 "opening directory " + root + ": " + strerror(errno));
  }
  // Walk down one component at a time so that no symbolic link, at any
  // depth, leads out of root.
  size_t start = 0;
  for (size_t slash;
       (slash = relative_path.find('/', start)) != std::string_view::npos;
       start = slash + 1) {
    std::string name(relative_path.substr(start, slash - start));
    int next = openat(dir.get(), name.c_str(),
                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return OpenError(errno, relative_path);
    dir.reset(next);
  }
  std::string name(relative_path.substr(start));
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  Fd file(openat(dir.get(), name.c_str(),
                 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (file.get() < 0) return OpenError(errno, relative_path);
  struct stat st;
  if (fstat(file.get(), &st) != 0) {
    return Error(ErrorCode::kIo,
                 "stat " + std::string(relative_path) + ": " + strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kNotFound,
                 std::string(relative_path) + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Error(ErrorCode::kOutOfRange,
                 std::string(relative_path) + " is larger than " +
                     std::to_string(max_bytes) + " bytes");
  }
  // One byte more than the size, so that the read seeing EOF needs no
  // reallocation.
  std::string contents;
  contents.resize(static_cast<size_t>(st.st_size) + 1);
  size_t used = 0;
  for (;;) {
    // The file may have grown since fstat: read until EOF, within the cap.
    if (used == contents.size()) {
      if (contents.size() > max_bytes) {
        return Error(ErrorCode::kOutOfRange,
                     std::string(relative_path) + " grew past " +
                         std::to_string(max_bytes) + " bytes");
      }
      contents.resize(std::max<size_t>(contents.size() * 2, 4096));
    }
    ssize_t n =
        read(file.get(), contents.data() + used, contents.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Error(ErrorCode::kIo, "reading " + std::string(relative_path) +
                                       ": " + strerror(errno));
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  contents.resize(used);
  if (contents.size() > max_bytes) {
    return Error(ErrorCode::kOutOfRange,
                 std::string(relative_path) + " grew past " +
                     std::to_string(max_bytes) + " bytes");
  }
  return contents;
}

Result<StaticFiles> StaticFiles::Create(StaticFilesOptions options) {
  const std::string& prefix = options.url_prefix;
  if (prefix.empty() || prefix.front() != '/' || prefix.back() != '/' ||
      (prefix.size() > 1 && !MapUrlPath(prefix + "x", "/").has_value())) {
    return Error(ErrorCode::kInvalidArgument,
                 "static files URL prefix must be \"/\" or \"/a/b/\" with "
                 "plain segments: \"" +
                     prefix + "\"");
  }
  struct stat st;
  if (stat(options.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(ErrorCode::kInvalidArgument,
                 "static files root is not a directory: " + options.root);
  }
  return StaticFiles(std::move(options));
}

bool StaticFiles::Matches(std::string_view path) const {
  return path.substr(0, options_.url_prefix.size()) == options_.url_prefix;
}

Response StaticFiles::Serve(const Request& request) const {
  if (!Matches(request.path)) return TextResponse(404, "not found\n");
  if (request.method != "GET" && request.method != "HEAD") {
    Response response = TextResponse(405, "method not allowed\n");
    response.AddHeader("Allow", "GET, HEAD");
    return response;
  }
  std::optional<std::string> relative =
      MapUrlPath(request.path, options_.url_prefix);
  if (!relative.has_value()) return TextResponse(404, "not found\n");
  Result<std::string> contents =
      ReadFileBeneath(options_.root, *relative, options_.max_file_bytes);
  if (!contents.ok()) {
    if (contents.error().code() == ErrorCode::kNotFound) {
      return TextResponse(404, "not found\n");
    }
    std::string line = "static files: " + contents.error().ToString();
    if (options_.log) {
      options_.log(line);
    } else {
      std::cerr << line << "\n";
    }
    return TextResponse(500, "internal server error\n");
  }
  FileHeaders headers;
  if (options_.headers) headers = options_.headers(*relative);
  Response response;
  response.status = 200;
  response.AddHeader("Content-Type", headers.content_type.empty()
                                         ? "application/octet-stream"
                                         : headers.content_type);
  if (!headers.cache_control.empty()) {
    response.AddHeader("Cache-Control", headers.cache_control);
  }
  response.body = std::move(contents).value();
  return response;
}

}  // namespace mtc::net
