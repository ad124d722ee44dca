#include "log/ca_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace mtc::log {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParseAndFormat) {
  EXPECT_EQ(*ParseDuration("200ms"), milliseconds(200));
  EXPECT_EQ(*ParseDuration("1s"), milliseconds(1000));
  EXPECT_EQ(*ParseDuration("7d"), milliseconds(7 * 86'400'000LL));
  EXPECT_EQ(FormatDuration(milliseconds(3'600'000)), "1h");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  for (const char* bad : {"", "s", "1", "1y", "-1s", "1.5s", "1 s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

std::string TempPath() {
  char tmpl[] = "/tmp/mtc-config-XXXXXX";
  int fd = mkstemp(tmpl);
  close(fd);
  return tmpl;
}

TEST(CaConfigTest, FormattedFileLoadsBackIdentically) {
  CaConfig c;
  c.ca_id = "32473.7";
  c.dns_resolver = "a\"b\\c\td";  // quotes, backslashes, control characters
  c.checkpoint_period = milliseconds(200);
  c.landmark_interval = std::chrono::seconds(60);
  c.witnesses.push_back({"oid/1.3.6.1.4.1.32473.2.1", "http://127.0.0.1:1",
                         "k+01020304+AQ==", true, milliseconds(2000)});
  std::string path = TempPath();
  std::ofstream(path) << FormatCaConfig(c);
  auto loaded = LoadCaConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->ca_id, "32473.7");
  EXPECT_EQ(loaded->dns_resolver, c.dns_resolver);
  EXPECT_EQ(loaded->checkpoint_period, milliseconds(200));
  EXPECT_EQ(loaded->landmark_interval, std::chrono::seconds(60));
  EXPECT_EQ(loaded->max_cert_lifetime, c.max_cert_lifetime);
  ASSERT_EQ(loaded->witnesses.size(), 1u);
  EXPECT_TRUE(loaded->witnesses[0].required);
  EXPECT_EQ(loaded->LogPrefixUrl(1), "http://127.0.0.1:14001/1");
  std::remove(path.c_str());
}

TEST(CaConfigTest, BadValuesNameTheirKey) {
  std::string path = TempPath();
  for (auto [text, key] :
       {std::pair{"checkpoint_period = \"10ms\"\n", "checkpoint_period"},
        {"ca_id = \"32473.x\"\n", "ca_id"},
        {"acme_listen = \"nowhere\"\n", "acme_listen"},
        {"storage = \"mysql\"\n", "storage"},
        {"ca_id = \n", ""}}) {
    std::ofstream(path) << text;
    auto loaded = LoadCaConfig(path);
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_NE(loaded.error().message().find(key), std::string::npos)
        << loaded.error().message();
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mtc::log
