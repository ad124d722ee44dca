#include "net/static_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/net_testutil.h"

namespace mtc::net {
namespace {

using testing::RawConnection;
using testing::TempDir;

TEST(MapUrlPathTest, AcceptsPlainPaths) {
  struct Case {
    const char* path;
    const char* prefix;
    const char* relative;
  } cases[] = {
      {"/logs/0/checkpoint", "/logs/0/", "checkpoint"},
      {"/logs/0/tile/0/x001/234", "/logs/0/", "tile/0/x001/234"},
      {"/logs/0/tile/entries/000.p/7", "/logs/0/", "tile/entries/000.p/7"},
      {"/landmarks", "/", "landmarks"},
      {"/a/b-c_d~e.f", "/", "a/b-c_d~e.f"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(MapUrlPath(c.path, c.prefix), c.relative) << c.path;
  }
}

TEST(MapUrlPathTest, RejectsEverythingElse) {
  const std::string nul_path = std::string("/logs/0/a\0b", 11);
  for (std::string_view path : {
           std::string_view("/logs/0/"),      // the directory itself
           std::string_view("/logs/0"),       // not below the prefix
           std::string_view("/logs/1/x"),     // another prefix
           std::string_view("/logs/0/../x"),  // parent
           std::string_view("/logs/0/a/../../x"),
           std::string_view("/logs/0/./x"),      // dot segment
           std::string_view("/logs/0/.hidden"),  // hidden or temporary file
           std::string_view("/logs/0/tile/.tmp-123"),
           std::string_view("/logs/0//etc/passwd"),  // empty segment
           std::string_view("/logs/0/a/"),           // trailing slash
           std::string_view("/logs/0/%2e%2e/x"),     // percent-encoding
           std::string_view("/logs/0/..%2fx"),
           std::string_view("/logs/0/%2fetc"),
           std::string_view("/logs/0/a%00b"),
           std::string_view("/logs/0/..\\x"),  // backslash
           std::string_view("/logs/0/a\\b"),
           std::string_view(nul_path),  // NUL
           std::string_view("/logs/0/a b"),
           std::string_view("/logs/0/a:b"),
           std::string_view("/logs/0/\xc3\xa9"),
       }) {
    EXPECT_EQ(MapUrlPath(path, "/logs/0/"), std::nullopt) << path;
  }
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "root";
    dir_.WriteFile("root/checkpoint", "origin\n5\nhash\n");
    dir_.WriteFile("root/tile/0/000", std::string(8192, 't'));
    dir_.WriteFile("root/.hidden", "hidden");
    dir_.WriteFile("secret", "secret");
    std::filesystem::create_directories(root_ / "dir");
    std::filesystem::create_symlink(dir_.path() / "secret", root_ / "link");
    std::filesystem::create_directory_symlink(dir_.path(), root_ / "up");
    ASSERT_EQ(mkfifo((root_ / "fifo").c_str(), 0600), 0);

    StaticFilesOptions options;
    options.url_prefix = "/logs/0/";
    options.root = root_.string();
    options.headers = [](std::string_view relative) {
      if (relative == "checkpoint") {
        return FileHeaders{"text/plain; charset=utf-8", "no-cache"};
      }
      return FileHeaders{"", "public, max-age=31536000, immutable"};
    };
    Result<StaticFiles> files = StaticFiles::Create(options);
    ASSERT_TRUE(files.ok()) << files.error().ToString();
    Result<std::unique_ptr<HttpServer>> server = HttpServer::Start({}, *files);
    ASSERT_TRUE(server.ok()) << server.error().ToString();
    server_ = std::move(server).value();
    Result<HttpClient> client = HttpClient::Create();
    ASSERT_TRUE(client.ok());
    client_ = std::make_unique<HttpClient>(std::move(client).value());
  }

  Result<Response> Get(std::string_view path) {
    return client_->Get("http://127.0.0.1:" + std::to_string(server_->port()) +
                        std::string(path));
  }

  TempDir dir_;
  std::filesystem::path root_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheCallersHeaders) {
  Result<Response> checkpoint = Get("/logs/0/checkpoint");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().ToString();
  EXPECT_EQ(checkpoint->status, 200);
  EXPECT_EQ(checkpoint->body, "origin\n5\nhash\n");
  EXPECT_EQ(checkpoint->Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(checkpoint->Header("cache-control"), "no-cache");

  Result<Response> tile = Get("/logs/0/tile/0/000?ignored=1");
  ASSERT_TRUE(tile.ok()) << tile.error().ToString();
  EXPECT_EQ(tile->status, 200);
  EXPECT_EQ(tile->body, std::string(8192, 't'));
  EXPECT_EQ(tile->Header("content-type"), "application/octet-stream");
  EXPECT_EQ(tile->Header("cache-control"),
            "public, max-age=31536000, immutable");

  Result<Response> head =
      client_->Head("http://127.0.0.1:" + std::to_string(server_->port()) +
                    "/logs/0/tile/0/000");
  ASSERT_TRUE(head.ok()) << head.error().ToString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("content-length"), "8192");
}

TEST_F(StaticFilesTest, MissingIs404AndOtherMethodsAre405) {
  for (const char* path : {"/logs/0/tile/0/001", "/logs/0/dir", "/logs/0/tile",
                           "/logs/0/", "/other", "/logs/0/fifo"}) {
    Result<Response> response = Get(path);
    ASSERT_TRUE(response.ok()) << path;
    EXPECT_EQ(response->status, 404) << path;
  }
  Result<Response> post =
      client_->Post("http://127.0.0.1:" + std::to_string(server_->port()) +
                        "/logs/0/checkpoint",
                    "x");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->Header("allow"), "GET, HEAD");
}

TEST_F(StaticFilesTest, TraversalAttemptsAreRejected) {
  // Each of these names an existing file outside root (or a hidden one) if
  // interpreted loosely.
  for (const char* path : {
           "/logs/0/../secret",
           "/logs/0/tile/../../secret",
           "/logs/0/%2e%2e/secret",
           "/logs/0/%2E%2E%2Fsecret",
           "/logs/0/..%2fsecret",
           "/logs/0/..%5csecret",
           "/logs/0/..\\secret",
           "/logs/0/.hidden",
           "/logs/0/%2ehidden",
           "/logs/0/link",       // symbolic link to ../secret
           "/logs/0/up/secret",  // through a symbolic link to a directory
           "/logs/0/./checkpoint",
           "/logs/0//checkpoint",
           "/logs/0/checkpoint%00.txt",
       }) {
    // Raw, so that no client normalizes the path first.
    RawConnection raw(server_->port());
    ASSERT_TRUE(raw.Send(std::string("GET ") + path +
                         " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    std::string received = raw.ReadAll(std::chrono::milliseconds(5000));
    EXPECT_EQ(received.rfind("HTTP/1.1 404 ", 0), 0u) << path << received;
    EXPECT_EQ(received.find("secret"), std::string::npos) << path;
    EXPECT_EQ(received.find("hidden"), std::string::npos) << path;
  }
}

TEST_F(StaticFilesTest, ReadFileBeneath) {
  Result<std::string> ok = ReadFileBeneath(root_.string(), "checkpoint", 100);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "origin\n5\nhash\n");
  for (const char* relative :
       {"missing", "dir", "link", "up/secret", "fifo", "tile/0/000/x"}) {
    Result<std::string> result =
        ReadFileBeneath(root_.string(), relative, 1 << 20);
    ASSERT_FALSE(result.ok()) << relative;
    EXPECT_EQ(result.error().code(), ErrorCode::kNotFound) << relative;
  }
  Result<std::string> too_big =
      ReadFileBeneath(root_.string(), "tile/0/000", 8191);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kOutOfRange);
  Result<std::string> exact =
      ReadFileBeneath(root_.string(), "tile/0/000", 8192);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), 8192u);
}

TEST(StaticFilesCreateTest, RejectsBadOptions) {
  TempDir dir;
  for (const char* prefix : {"", "logs/", "/logs", "/../", "/a//", "/%2e/"}) {
    StaticFilesOptions options;
    options.url_prefix = prefix;
    options.root = dir.path().string();
    EXPECT_FALSE(StaticFiles::Create(options).ok()) << prefix;
  }
  StaticFilesOptions missing_root;
  missing_root.root = (dir.path() / "nope").string();
  EXPECT_FALSE(StaticFiles::Create(missing_root).ok());
}

}  // namespace
}  // namespace mtc::net
