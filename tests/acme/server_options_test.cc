// AcmeServerOptionsFromConfig: every ACME setting of mtc.toml reaches the
// server's options.
#include "acme/server_options.h"

#include <gtest/gtest.h>

namespace mtc::acme {
namespace {

TEST(AcmeServerOptionsTest, FromConfig) {
  log::CaConfig c;
  c.http01_port = 5002;
  c.tls_alpn01_port = 5001;
  c.resolve_all_to = "127.0.0.1";
  c.dns_resolver = "127.0.0.1:5353";
  c.landmark_retry_spread = std::chrono::seconds(7);
  c.orders_per_account_per_minute = 12;  // RFC 8555 §6.6
  c.external_account_required = true;    // RFC 8555 §7.3.4
  c.eab_keys.push_back({"k1", std::vector<uint8_t>(32, 1)});
  c.eab_keys.push_back({"k2", std::vector<uint8_t>(40, 2)});
  ASSERT_TRUE(c.Validate().ok());
  AcmeServerOptions o = AcmeServerOptionsFromConfig(c);
  EXPECT_EQ(o.validation.http01_port, 5002);
  EXPECT_EQ(o.validation.tls_alpn01_port, 5001);
  EXPECT_EQ(o.validation.resolve_all_to, "127.0.0.1");
  EXPECT_EQ(o.validation.dns_resolver, "127.0.0.1:5353");
  EXPECT_EQ(o.landmark_retry_spread, std::chrono::seconds(7));
  EXPECT_EQ(o.orders_per_account_per_minute, 12);
  EXPECT_TRUE(o.external_account_required);
  ASSERT_EQ(o.external_account_keys.size(), 2u);
  EXPECT_EQ(o.external_account_keys.at("k2"), std::vector<uint8_t>(40, 2));
  // The caller's part.
  EXPECT_EQ(o.base_url, "");

  // A default configuration gives the defaults: no limit, no binding.
  AcmeServerOptions d = AcmeServerOptionsFromConfig(log::CaConfig());
  EXPECT_EQ(d.orders_per_account_per_minute, 0);
  EXPECT_FALSE(d.external_account_required);
  EXPECT_TRUE(d.external_account_keys.empty());
  EXPECT_EQ(d.validation.http01_port, 80);
  EXPECT_EQ(d.validation.tls_alpn01_port, 443);
}

}  // namespace
}  // namespace mtc::acme
