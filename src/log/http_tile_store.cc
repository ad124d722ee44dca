#include "log/http_tile_store.h"

#include <chrono>
#include <optional>
#include <utility>

#include "log/store_rules.h"
#include "net/url.h"

namespace mtc::log {

namespace {

// Keeps the client's kUnavailable (connection refused or reset, timeout) and
// kInvalidArgument; every other transport failure, an untrusted TLS
// certificate included, is kIo: none of them says anything about the log's
// contents. The client's message already names the request.
Error TransportError(const Error& error) {
  ErrorCode code = error.code();
  if (code == ErrorCode::kUnavailable || code == ErrorCode::kInvalidArgument) {
    return error;
  }
  return Error(ErrorCode::kIo,
               error.message() + " (" + std::string(ErrorCodeName(code)) + ")");
}

}  // namespace

net::ClientOptions LogClientOptions() {
  net::ClientOptions options;
  options.max_response_body_bytes = kMaxLogObjectBytes;
  options.timeout = std::chrono::seconds(30);
  return options;
}

Result<std::unique_ptr<HttpTileStore>> HttpTileStore::Open(
    std::string_view prefix_url, net::ClientOptions options) {
  if (prefix_url.find_first_of("?#") != std::string_view::npos) {
    return Error(
        ErrorCode::kInvalidArgument,
        "log prefix " + std::string(prefix_url) + " has a query or fragment");
  }
  MTC_RETURN_IF_ERROR(net::ParseUrl(prefix_url));
  std::string prefix(prefix_url);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  MTC_ASSIGN_OR_RETURN(net::HttpClient client,
                       net::HttpClient::Create(std::move(options)));
  return std::unique_ptr<HttpTileStore>(
      new HttpTileStore(std::move(prefix), std::move(client)));
}

Status HttpTileStore::PutImmutable(std::string_view path,
                                   std::span<const uint8_t>) {
  return Error(ErrorCode::kUnsupported,
               "cannot write " + UrlOf(path) + ": the log is read over HTTP");
}

Status HttpTileStore::PutStaged(std::span<const StagedObject> objects) {
  return Error(ErrorCode::kUnsupported,
               "cannot write " + std::to_string(objects.size()) +
                   " objects under " + prefix_ + ": the log is read over HTTP");
}

Status HttpTileStore::PutMutable(std::string_view path,
                                 std::span<const uint8_t>) {
  return Error(ErrorCode::kUnsupported,
               "cannot write " + UrlOf(path) + ": the log is read over HTTP");
}

std::string HttpTileStore::UrlOf(std::string_view path) const {
  std::string url = prefix_;
  url += '/';
  url += path;
  return url;
}

uint64_t HttpTileStore::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

Result<std::vector<uint8_t>> HttpTileStore::Get(std::string_view path) const {
  // Only the paths of tlog-tiles §APIs: nothing else can be appended to the
  // prefix, so a caller cannot reach another resource of the server.
  MTC_RETURN_IF_ERROR(CheckObjectPath(path));
  std::string url = UrlOf(path);
  Result<net::Response> response = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    requests_++;
    return client_.Get(url, {{"Accept-Encoding", "identity"}});
  }();
  if (!response.ok()) return TransportError(response.error());
  int status = response->status;
  std::string what = "GET " + url + ": status " + std::to_string(status);
  if (status == 404 || status == 410) {
    return Error(ErrorCode::kNotFound, what);
  }
  if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
    return Error(ErrorCode::kUnavailable, what);
  }
  if (status != 200) return Error(ErrorCode::kIo, what);
  // tlog-tiles §Log entries lets a log send gzip "with no negotiation"; this
  // client does not decompress, so such bytes must not pass for the object.
  std::optional<std::string_view> encoding =
      response->Header("Content-Encoding");
  if (encoding.has_value() && *encoding != "identity") {
    return Error(ErrorCode::kUnsupported, "GET " + url + ": Content-Encoding " +
                                              std::string(*encoding) +
                                              " is not supported");
  }
  const std::string& body = response->body;
  return std::vector<uint8_t>(body.begin(), body.end());
}

}  // namespace mtc::log
