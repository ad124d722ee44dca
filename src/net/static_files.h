// StaticFiles: serves the files under a directory for GET and HEAD below a
// URL prefix, as the logs' tiles, entry bundles, checkpoint and landmarks
// are served (C2SP tlog-tiles; any static web server or CDN could serve the
// same directory, docs/design.md §6).
//
// URL paths map to files only when plainly safe: the part after the prefix
// is one or more '/'-separated segments of [A-Za-z0-9._~-], none empty and
// none starting with '.'. So "..", ".", hidden and temporary files, absolute
// paths, backslashes, NUL and any percent-encoding ("%2e%2e") never reach
// the file system. Then every directory on the way is opened without
// following symbolic links, and only a regular file is served. What does not
// map or does not exist is 404; a method other than GET or HEAD is 405.
#ifndef MTC_NET_STATIC_FILES_H_
#define MTC_NET_STATIC_FILES_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mtc/base/result.h"
#include "net/http_message.h"

namespace mtc::net {

// The headers a file is served with. An empty field is not sent, except
// that an empty content_type means "application/octet-stream".
struct FileHeaders {
  std::string content_type;
  std::string cache_control;
};

struct StaticFilesOptions {
  // Starts and ends with '/': "/" or "/logs/0/".
  std::string url_prefix = "/";
  // The directory whose files are served; it must exist.
  std::string root;
  // Chooses the headers of a file from its path relative to root
  // ("tile/0/x001/234", "checkpoint"). tlog-tiles wants tiles as
  // "application/octet-stream" with long-lived immutable caching and the
  // checkpoint as "text/plain; charset=utf-8" with short caching; the caller
  // decides. Unset: octet-stream and no Cache-Control. Called from server
  // threads, possibly concurrently.
  std::function<FileHeaders(std::string_view relative_path)> headers;
  // Larger files are answered with 500 (they are not what we serve: tiles
  // are 8 KiB, entry bundles up to ~256 KiB).
  size_t max_file_bytes = size_t{16} << 20;
  // Receives a line for unexpected I/O errors. Default: standard error.
  std::function<void(std::string_view)> log;
};

// The path relative to the root for the raw request path `url_path`, or
// nullopt when it is not below `url_prefix` or not a safe path (see above).
std::optional<std::string> MapUrlPath(std::string_view url_path,
                                      std::string_view url_prefix);

// Reads the regular file at `relative_path` (already checked by MapUrlPath)
// under `root`, opening each component with O_NOFOLLOW. kNotFound when it is
// missing, a symbolic link, or not a regular file; kOutOfRange when larger
// than `max_bytes`; kIo for other failures.
Result<std::string> ReadFileBeneath(const std::string& root,
                                    std::string_view relative_path,
                                    size_t max_bytes);

// Copyable; Serve() is const and thread-safe, so an instance can be (part
// of) an HttpServer::Handler.
class StaticFiles {
 public:
  // kInvalidArgument for a bad prefix or a root that is not a directory.
  static Result<StaticFiles> Create(StaticFilesOptions options);

  // Whether `path` (Request::path) is below the prefix.
  bool Matches(std::string_view path) const;

  Response Serve(const Request& request) const;
  Response operator()(const Request& request) const { return Serve(request); }

 private:
  explicit StaticFiles(StaticFilesOptions options)
      : options_(std::move(options)) {}

  StaticFilesOptions options_;
};

}  // namespace mtc::net

#endif  // MTC_NET_STATIC_FILES_H_
