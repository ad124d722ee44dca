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

// The ACME keys: the order rate limit (RFC 8555 §6.6) and external
// account binding (RFC 8555 §7.3.4), which a fresh file leaves off.
TEST(CaConfigTest, AcmeKeysLoadBack) {
  CaConfig defaults;
  EXPECT_EQ(defaults.orders_per_account_per_minute, 0);
  EXPECT_FALSE(defaults.external_account_required);
  EXPECT_TRUE(defaults.eab_keys.empty());
  std::string path = TempPath();
  std::ofstream(path) << FormatCaConfig(defaults);
  auto fresh = LoadCaConfig(path);
  ASSERT_TRUE(fresh.ok()) << fresh.error().ToString();
  EXPECT_EQ(fresh->orders_per_account_per_minute, 0);
  EXPECT_FALSE(fresh->external_account_required);
  EXPECT_TRUE(fresh->eab_keys.empty());

  CaConfig c;
  c.orders_per_account_per_minute = 20;
  c.external_account_required = true;
  c.eab_keys.push_back({"customer-1", std::vector<uint8_t>(32, 0xfb)});
  c.eab_keys.push_back({"customer-2", std::vector<uint8_t>(64, 0x01)});
  c.witnesses.push_back({"oid/1.3.6.1.4.1.32473.2.1", "http://127.0.0.1:1",
                         "k+01020304+AQ==", false, milliseconds(2000)});
  ASSERT_TRUE(c.Validate().ok());
  std::string text = FormatCaConfig(c);
  // The MAC key is written base64url (§7.3.4 "SHOULD be provided in
  // base64url-encoded form"): 32 bytes of 0xfb.
  EXPECT_NE(
      text.find("hmac_key = \"-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s\""),
      std::string::npos)
      << text;
  std::ofstream(path) << text;
  auto loaded = LoadCaConfig(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->orders_per_account_per_minute, 20);
  EXPECT_TRUE(loaded->external_account_required);
  ASSERT_EQ(loaded->eab_keys.size(), 2u);
  EXPECT_EQ(loaded->eab_keys[0].kid, "customer-1");
  EXPECT_EQ(loaded->eab_keys[0].hmac_key, c.eab_keys[0].hmac_key);
  EXPECT_EQ(loaded->eab_keys[1].hmac_key, c.eab_keys[1].hmac_key);
  ASSERT_EQ(loaded->witnesses.size(), 1u);
  std::remove(path.c_str());
}

TEST(CaConfigTest, BadAcmeValuesNameTheirKey) {
  const std::string key32 = "\"" + std::string(43, 'A') + "\"";
  std::string path = TempPath();
  for (auto [text, key] : {
           std::pair<std::string, std::string>{
               "orders_per_account_per_minute = -1\n",
               "orders_per_account_per_minute"},
           {"orders_per_account_per_minute = \"10\"\n",
            "orders_per_account_per_minute"},
           {"orders_per_account_per_minute = 1.5\n",
            "orders_per_account_per_minute"},
           {"external_account_required = \"yes\"\n",
            "external_account_required"},
           // Required, but nobody could ever register.
           {"external_account_required = true\n", "external_account_required"},
           {"[[eab]]\nkid = \"k\"\n", "eab"},
           {"[[eab]]\nkid = \"k\"\nhmac_key = \"AAAA\"\n", "eab"},  // 3 bytes
           {"[[eab]]\nkid = \"k\"\nhmac_key = \"" + std::string(43, 'A') +
                "=\"\n",
            "eab"},  // padded
           {"[[eab]]\nkid = \"\"\nhmac_key = " + key32 + "\n", "eab"},
           {"[[eab]]\nkid = \"a b\"\nhmac_key = " + key32 + "\n", "eab"},
           {"[[eab]]\nkid = \"k\"\nhmac_key = " + key32 +
                "\n[[eab]]\nkid = \"k\"\nhmac_key = " + key32 + "\n",
            "eab"},  // twice
           {"eab = 1\n", "eab"},
       }) {
    std::ofstream(path) << text;
    auto loaded = LoadCaConfig(path);
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_NE(loaded.error().message().find(key), std::string::npos)
        << text << ": " << loaded.error().message();
  }
  std::ofstream(path) << "external_account_required = true\n[[eab]]\n"
                         "kid = \"k\"\nhmac_key = "
                      << key32 << "\n";
  auto good = LoadCaConfig(path);
  ASSERT_TRUE(good.ok()) << good.error().ToString();
  EXPECT_EQ(good->eab_keys.at(0).hmac_key, std::vector<uint8_t>(32, 0));
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
