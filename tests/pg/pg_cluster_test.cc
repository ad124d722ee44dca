// The cluster Environment of pg_test (pg_cluster_testutil.h) and checks of
// the cluster itself: it runs with fsync on, and both the socket and the
// loopback URI reach it.
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "acme/postgres_database.h"
#include "pg_cluster_testutil.h"

namespace mtc::pg_testing {
namespace {

std::string g_dir;
std::string g_conninfo;
std::string g_uri;

// Runs `command`, returning its exit status and standard output.
int RunCommand(const std::string& command, std::string* out) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) out->append(buffer);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string LineValue(const std::string& text, const std::string& prefix) {
  size_t at = text.find(prefix);
  if (at == std::string::npos) return "";
  size_t end = text.find('\n', at);
  return text.substr(at + prefix.size(), end - at - prefix.size());
}

class ClusterEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mtc-pg-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    g_dir = pattern;
    std::string out;
    // Our PID as the owner: if this binary aborts or is killed before
    // TearDown, the script's watcher stops the server.
    int rc = RunCommand(std::string(MTC_PG_CLUSTER_SCRIPT) + " start " + g_dir +
                            " " + std::to_string(::getpid()) + " 2>&1",
                        &out);
    ASSERT_EQ(rc, 0) << "cannot start the test PostgreSQL cluster:\n" << out;
    g_conninfo = LineValue(out, "conninfo: ");
    g_uri = LineValue(out, "uri: ");
    ASSERT_FALSE(g_conninfo.empty()) << out;
  }

  void TearDown() override {
    if (g_dir.empty()) return;
    std::string out;
    int rc = RunCommand(
        std::string(MTC_PG_CLUSTER_SCRIPT) + " stop " + g_dir + " 2>&1", &out);
    EXPECT_EQ(rc, 0) << out;
    std::error_code ec;
    std::filesystem::remove_all(g_dir, ec);
  }
};

::testing::Environment* const kCluster =
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);

}  // namespace

const std::string& ClusterConninfo() { return g_conninfo; }
const std::string& ClusterUri() { return g_uri; }

void CrashAndRestartCluster() {
  std::string out;
  int rc = RunCommand(
      std::string(MTC_PG_CLUSTER_SCRIPT) + " crash " + g_dir + " 2>&1", &out);
  ASSERT_EQ(rc, 0) << out;
  out.clear();
  rc = RunCommand(
      std::string(MTC_PG_CLUSTER_SCRIPT) + " start " + g_dir + " 2>&1", &out);
  ASSERT_EQ(rc, 0) << "cannot restart the test PostgreSQL cluster:\n" << out;
  ASSERT_EQ(LineValue(out, "conninfo: "), g_conninfo) << out;
}

void RunSql(const std::string& sql) {
  auto conn = acme::PostgresConnection::Connect(g_conninfo);
  ASSERT_TRUE(conn.ok()) << conn.error().ToString();
  Status s = (*conn)->RunScript(sql);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
}

std::string FreshSchemaConninfo() {
  static std::atomic<int> next{0};
  std::string schema = "t" + std::to_string(next++);
  RunSql("CREATE SCHEMA " + schema);
  return g_conninfo + " options='-c search_path=" + schema + "'";
}

namespace {

std::string Setting(const std::string& conninfo, const char* name) {
  auto conn = acme::PostgresConnection::Connect(conninfo);
  EXPECT_TRUE(conn.ok()) << conn.error().ToString();
  if (!conn.ok()) return "";
  log::SqlValue param = std::string(name);
  auto rows = (*conn)->Run("SELECT current_setting($1)", {&param, 1});
  EXPECT_TRUE(rows.ok()) << rows.error().ToString();
  if (!rows.ok() || rows->empty()) return "";
  return *rows->front().Text(0);
}

TEST(PgClusterTest, DurableSettingsAndBothAddresses) {
  EXPECT_EQ(Setting(ClusterConninfo(), "fsync"), "on");
  EXPECT_EQ(Setting(ClusterConninfo(), "synchronous_commit"), "on");
  EXPECT_EQ(Setting(ClusterConninfo(), "server_version_num").substr(0, 2),
            "15");
  // libpq takes the URI form that `storage = "postgres://..."` uses.
  ASSERT_TRUE(ClusterUri().starts_with("postgresql://mtc@127.0.0.1:"));
  EXPECT_EQ(Setting(ClusterUri(), "fsync"), "on");
  std::string postgres_uri = "postgres://" + ClusterUri().substr(13);
  EXPECT_EQ(Setting(postgres_uri, "fsync"), "on");
}

}  // namespace
}  // namespace mtc::pg_testing
