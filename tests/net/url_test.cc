#include "net/url.h"

#include <gtest/gtest.h>

#include <string>

namespace mtc::net {
namespace {

TEST(ParseHostPortTest, Accepts) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
  } cases[] = {
      {"127.0.0.1:0", "127.0.0.1", 0},
      {"127.0.0.1:14000", "127.0.0.1", 14000},
      {"[::1]:8080", "::1", 8080},
      {"[::]:65535", "::", 65535},
      {"localhost:80", "localhost", 80},
      {"0.0.0.0:443", "0.0.0.0", 443},
  };
  for (const Case& c : cases) {
    Result<HostPort> parsed = ParseHostPort(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.error().ToString();
    EXPECT_EQ(parsed->host, c.host) << c.text;
    EXPECT_EQ(parsed->port, c.port) << c.text;
  }
}

TEST(ParseHostPortTest, Rejects) {
  for (const char* text :
       {"", "127.0.0.1", "::1:80", "[::1]", "[::1]80", "host:", ":80",
        "host:99999", "host:-1", "host:8o", "host:1234567", "[fe80::1%eth0]:80",
        "a b:1", "[]:1", "[::1:80", "host:80/x"}) {
    Result<HostPort> parsed = ParseHostPort(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << text;
    }
  }
}

TEST(FormatHostPortTest, BracketsIpv6) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 80), "127.0.0.1:80");
  EXPECT_EQ(FormatHostPort("::1", 443), "[::1]:443");
  EXPECT_EQ(FormatHostPort("example.com", 0), "example.com:0");
}

TEST(ParseUrlTest, Accepts) {
  struct Case {
    const char* text;
    bool https;
    const char* host;
    uint16_t port;
    const char* target;
  } cases[] = {
      {"http://127.0.0.1:8080/a/b?c=d", false, "127.0.0.1", 8080, "/a/b?c=d"},
      {"https://Example.COM", true, "example.com", 443, "/"},
      {"HTTP://example.com/", false, "example.com", 80, "/"},
      {"http://[::1]:1/x#fragment", false, "::1", 1, "/x"},
      {"http://h?q=1", false, "h", 80, "/?q=1"},
      {"https://w.example:8443/add-checkpoint", true, "w.example", 8443,
       "/add-checkpoint"},
  };
  for (const Case& c : cases) {
    Result<Url> url = ParseUrl(c.text);
    ASSERT_TRUE(url.ok()) << c.text << ": " << url.error().ToString();
    EXPECT_EQ(url->https, c.https) << c.text;
    EXPECT_EQ(url->host, c.host) << c.text;
    EXPECT_EQ(url->port, c.port) << c.text;
    EXPECT_EQ(url->target, c.target) << c.text;
  }
}

TEST(ParseUrlTest, Rejects) {
  for (const char* text :
       {"", "ftp://h/", "//h/", "http:/h/", "http://", "http:///x",
        "http://user@h/", "http://h:0/", "http://h:70000/", "http://h/ a",
        "http://h/\x01", "http://[::1/", "http://h\xc3\xa9/"}) {
    Result<Url> url = ParseUrl(text);
    EXPECT_FALSE(url.ok()) << text;
    if (!url.ok()) {
      EXPECT_EQ(url.error().code(), ErrorCode::kInvalidArgument) << text;
    }
  }
}

}  // namespace
}  // namespace mtc::net
