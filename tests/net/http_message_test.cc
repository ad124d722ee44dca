#include "net/http_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mtc::net {
namespace {

TEST(HeadersTest, NamesAreCaseInsensitive) {
  Headers headers;
  headers.emplace("Content-Type", "text/plain");
  EXPECT_EQ(HeaderValue(headers, "content-type"), "text/plain");
  EXPECT_EQ(HeaderValue(headers, "CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(HeaderValue(headers, "Content-Length"), std::nullopt);
}

TEST(HeadersTest, RepeatedFieldsKeepTheirOrder) {
  Response response;
  response.AddHeader("Link", "<a>;rel=\"up\"");
  response.AddHeader("Replay-Nonce", "n");
  response.AddHeader("link", "<b>;rel=\"index\"");
  response.AddHeader("LINK", "<c>;rel=\"acme-optional-alternate\"");
  std::vector<std::string> links;
  for (auto [it, end] = response.headers.equal_range("Link"); it != end; ++it) {
    links.push_back(it->second);
  }
  EXPECT_EQ(links,
            (std::vector<std::string>{"<a>;rel=\"up\"", "<b>;rel=\"index\"",
                                      "<c>;rel=\"acme-optional-alternate\""}));
  EXPECT_EQ(response.Header("link"), "<a>;rel=\"up\"");
}

TEST(HeadersTest, FieldSyntax) {
  EXPECT_TRUE(IsValidFieldName("Retry-After"));
  EXPECT_TRUE(IsValidFieldName("x!#$%&'*+-.^_`|~9"));
  EXPECT_FALSE(IsValidFieldName(""));
  EXPECT_FALSE(IsValidFieldName("Bad Name"));
  EXPECT_FALSE(IsValidFieldName("Bad:Name"));
  EXPECT_FALSE(IsValidFieldName("Bad\r\nName"));
  EXPECT_TRUE(IsValidFieldValue(""));
  EXPECT_TRUE(IsValidFieldValue("<https://x/y>;rel=\"up\", \t z"));
  EXPECT_FALSE(IsValidFieldValue("a\r\nSet-Cookie: x"));
  EXPECT_FALSE(IsValidFieldValue("a\nb"));
  EXPECT_FALSE(IsValidFieldValue(std::string("a\0b", 3)));
}

TEST(TextResponseTest, SetsTypeAndBody) {
  Response response = TextResponse(404, "not found\n");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response.body, "not found\n");
}

}  // namespace
}  // namespace mtc::net
