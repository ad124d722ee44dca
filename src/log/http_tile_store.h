// A read-only TileStore over a log's HTTP prefix (C2SP tlog-tiles §APIs):
// Get("tile/0/x001/234") fetches <prefix>/tile/0/x001/234. Everything built
// on a TileStore (TileNodeSource, proofs, subtree hashes) thus works on a
// remote log unchanged, which is how relying parties and monitors read the
// logs a CA publishes.
#ifndef MTC_LOG_HTTP_TILE_STORE_H_
#define MTC_LOG_HTTP_TILE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/storage.h"
#include "mtc/base/result.h"
#include "net/http_client.h"

namespace mtc::log {

// The largest object a log serves: a full entry bundle of 256 entries of
// 65535 bytes, each with its uint16 length (tlog-tiles §Log entries; the
// draft's §Log Entries caps an MTCLogEntry at 65535 bytes).
inline constexpr size_t kMaxLogObjectBytes = 256 * (2 + 65535);

// Client options for reading a log: a response body limit of
// kMaxLogObjectBytes and a 30 s deadline per request.
net::ClientOptions LogClientOptions();

// Thread-safe: requests are serialized on one kept-alive connection.
class HttpTileStore : public TileStore {
 public:
  // `prefix_url` is the log's prefix ("http://127.0.0.1:14001/1"), an
  // absolute http(s) URL without query or fragment; trailing slashes are
  // dropped so that object URLs have no doubled slash (docs/design.md §2
  // item 4). kInvalidArgument for anything else; the client's errors
  // otherwise.
  static Result<std::unique_ptr<HttpTileStore>> Open(
      std::string_view prefix_url,
      net::ClientOptions options = LogClientOptions());

  // A published log is written by its CA only: every Put is kUnsupported.
  Status PutImmutable(std::string_view path,
                      std::span<const uint8_t> data) override;
  Status PutStaged(std::span<const StagedObject> objects) override;
  Status PutMutable(std::string_view path,
                    std::span<const uint8_t> data) override;

  // GETs <prefix>/<path> (with "Accept-Encoding: identity": the client does
  // not decompress) and returns the body of a 200 response. `path` must be a
  // canonical object path (store_rules.h CheckObjectPath), else
  // kInvalidArgument. Errors:
  //   kNotFound     404 or 410 (a missing or pruned object, tlog-tiles
  //                 §Pruning)
  //   kUnavailable  408, 429 or 5xx, or the connection failed (retrying may
  //                 help)
  //   kUnsupported  a Content-Encoding other than identity
  //   kIo           any other status or transport failure
  Result<std::vector<uint8_t>> Get(std::string_view path) const override;

  // The prefix without trailing slash, and the URL of `path` under it.
  const std::string& prefix() const { return prefix_; }
  std::string UrlOf(std::string_view path) const;

  // GETs sent so far, for tests and progress reports.
  uint64_t requests() const;

 private:
  HttpTileStore(std::string prefix, net::HttpClient client)
      : prefix_(std::move(prefix)), client_(std::move(client)) {}

  const std::string prefix_;

  mutable std::mutex mu_;
  mutable net::HttpClient client_;  // guarded by mu_
  mutable uint64_t requests_ = 0;   // guarded by mu_
};

}  // namespace mtc::log

#endif  // MTC_LOG_HTTP_TILE_STORE_H_
