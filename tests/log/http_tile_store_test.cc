// Tests of HttpTileStore: a log directory served over HTTP on loopback reads
// back byte for byte, HTTP failures map to the store's error codes, and
// TileNodeSource over it gives the reference log's root and subtree hashes
// (C2SP tlog-tiles §APIs).
#include "log/http_tile_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "log/temp_dir_testutil.h"
#include "log/tile_node_source.h"
#include "mtc/cert/refdata_testutil.h"
#include "mtc/merkle/node_source.h"
#include "mtc/wire/base64.h"
#include "net/http_server.h"
#include "net/static_files.h"

namespace mtc::log {
namespace {

namespace fs = std::filesystem;

using cert::testing::ReadFileBytes;
using cert::testing::RefdataPath;

net::ClientOptions TestClientOptions() {
  net::ClientOptions options = LogClientOptions();
  options.timeout = std::chrono::seconds(5);
  return options;
}

// A static file server for `root` under the URL prefix "/1/" on loopback.
std::unique_ptr<net::HttpServer> ServeDirectory(const std::string& root) {
  net::StaticFilesOptions files;
  files.url_prefix = "/1/";
  files.root = root;
  auto handler = net::StaticFiles::Create(files);
  EXPECT_TRUE(handler.ok()) << handler.error().ToString();
  if (!handler.ok()) return nullptr;
  net::ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto server = net::HttpServer::Start(options, *handler);
  EXPECT_TRUE(server.ok()) << server.error().ToString();
  if (!server.ok()) return nullptr;
  return std::move(server).value();
}

std::string PrefixOf(const net::HttpServer& server, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) +
         std::string(path);
}

class HttpTileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServeDirectory(RefdataPath(""));
    ASSERT_NE(server_, nullptr);
    auto store =
        HttpTileStore::Open(PrefixOf(*server_, "/1"), TestClientOptions());
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
  }

  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<HttpTileStore> store_;
};

TEST_F(HttpTileStoreTest, ReadsEveryObjectByteForByte) {
  int read = 0;
  for (const auto& file :
       fs::recursive_directory_iterator(RefdataPath("tile"))) {
    if (!file.is_regular_file()) continue;
    std::string path =
        fs::relative(file.path(), RefdataPath("")).generic_string();
    auto got = store_->Get(path);
    ASSERT_TRUE(got.ok()) << path << ": " << got.error().ToString();
    EXPECT_EQ(*got, ReadFileBytes(file.path().string())) << path;
    read++;
  }
  EXPECT_EQ(read, 17);  // 9 hash tiles and 8 entry bundles
  auto checkpoint = store_->Get("checkpoint");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().ToString();
  EXPECT_EQ(*checkpoint, ReadFileBytes(RefdataPath("checkpoint")));
  EXPECT_EQ(store_->requests(), 18u);
}

TEST_F(HttpTileStoreTest, MissingObjectIsNotFound) {
  for (const char* path : {"landmarks", "tile/0/008", "tile/entries/007"}) {
    auto got = store_->Get(path);
    ASSERT_FALSE(got.ok()) << path;
    EXPECT_EQ(got.error().code(), ErrorCode::kNotFound) << path;
    EXPECT_NE(got.error().message().find(store_->UrlOf(path)),
              std::string::npos)
        << got.error().message();
  }
}

// Only tlog-tiles object paths are appended to the prefix; nothing else is
// requested at all.
TEST_F(HttpTileStoreTest, RejectsNonCanonicalPathsWithoutARequest) {
  for (const char* path :
       {"", "/checkpoint", "../checkpoint", "tile/0/0", "tile/0/000/../001",
        "README.md", "tile/0/000?x", "tile//0/000"}) {
    auto got = store_->Get(path);
    ASSERT_FALSE(got.ok()) << path;
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument) << path;
  }
  EXPECT_EQ(store_->requests(), 0u);
}

TEST_F(HttpTileStoreTest, IsReadOnly) {
  std::vector<uint8_t> data(32, 1);
  EXPECT_EQ(store_->PutImmutable("tile/0/000", data).error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(store_->PutMutable("checkpoint", data).error().code(),
            ErrorCode::kUnsupported);
  std::vector<StagedObject> staged = {{"tile/0/000", data}};
  EXPECT_EQ(store_->PutStaged(staged).error().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(store_->requests(), 0u);
}

// TileNodeSource works over the remote log unchanged: the reference log's
// root and the subtree hashes the draft authors' generator printed.
TEST_F(HttpTileStoreTest, TileNodeSourceOverHttpGivesTheReferenceHashes) {
  TileNodeSource source(*store_, 2036);
  auto root = merkle::SubtreeHash(source, {0, 2036});
  ASSERT_TRUE(root.ok()) << root.error().ToString();
  EXPECT_EQ(wire::Base64Encode(*root),
            "NJ3SgtvJ9RarbzpFB9Oyh+jW3OWRlfUVBjjKT0BvuAE=");
  int checked = 0;
  for (const auto& cert : cert::testing::RefCertificates()) {
    auto hash = merkle::SubtreeHash(source, cert.subtree);
    ASSERT_TRUE(hash.ok()) << cert.file << ": " << hash.error().ToString();
    EXPECT_EQ(*hash, cert.subtree_hash) << cert.file;
    checked++;
  }
  EXPECT_GT(checked, 0);
}

TEST(HttpTileStoreOpenTest, PrefixForms) {
  // Trailing slashes go: no doubled slash in object URLs.
  auto store = HttpTileStore::Open("http://127.0.0.1:9/logs/1//");
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  EXPECT_EQ((*store)->prefix(), "http://127.0.0.1:9/logs/1");
  EXPECT_EQ((*store)->UrlOf("tile/0/000"),
            "http://127.0.0.1:9/logs/1/tile/0/000");
  for (const char* bad :
       {"", "127.0.0.1:9/1", "ftp://127.0.0.1/1", "http://127.0.0.1:9/1?x=1",
        "http://127.0.0.1:9/1#top", "http://user@127.0.0.1:9/1"}) {
    auto opened = HttpTileStore::Open(bad);
    ASSERT_FALSE(opened.ok()) << bad;
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

// Statuses other than 200 and 404, and responses the client cannot use.
TEST(HttpTileStoreStatusTest, MapsStatusesToCodes) {
  net::ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto server = net::HttpServer::Start(options, [](const net::Request& r) {
    static const std::map<std::string, int> statuses = {
        {"/1/tile/0/000", 503}, {"/1/tile/0/001", 429}, {"/1/tile/0/002", 403},
        {"/1/tile/0/003", 410}, {"/1/tile/0/004", 302}, {"/1/tile/0/005", 200},
    };
    auto it = statuses.find(r.path);
    net::Response response;
    response.status = it == statuses.end() ? 404 : it->second;
    response.body = "body";
    if (r.path == "/1/tile/0/005")
      response.AddHeader("Content-Encoding", "gzip");
    return response;
  });
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  auto store =
      HttpTileStore::Open(PrefixOf(**server, "/1"), TestClientOptions());
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  struct Case {
    const char* path;
    ErrorCode code;
  } cases[] = {
      {"tile/0/000", ErrorCode::kUnavailable},
      {"tile/0/001", ErrorCode::kUnavailable},
      {"tile/0/002", ErrorCode::kIo},
      {"tile/0/003", ErrorCode::kNotFound},  // pruned (tlog-tiles §Pruning)
      {"tile/0/004", ErrorCode::kIo},        // no redirects
      {"tile/0/005", ErrorCode::kUnsupported},
      {"tile/0/006", ErrorCode::kNotFound},
  };
  for (const Case& c : cases) {
    auto got = (*store)->Get(c.path);
    ASSERT_FALSE(got.ok()) << c.path;
    EXPECT_EQ(got.error().code(), c.code)
        << c.path << ": " << got.error().ToString();
  }
}

TEST(HttpTileStoreStatusTest, ServerGoneIsUnavailable) {
  testing::TempDir dir;
  auto server = ServeDirectory(dir.path());
  ASSERT_NE(server, nullptr);
  std::string prefix = PrefixOf(*server, "/1");
  server->Stop();
  server.reset();
  auto store = HttpTileStore::Open(prefix, TestClientOptions());
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  auto got = (*store)->Get("checkpoint");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), ErrorCode::kUnavailable)
      << got.error().ToString();
}

}  // namespace
}  // namespace mtc::log
