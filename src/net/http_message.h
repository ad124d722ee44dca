// Request and Response: the HTTP/1.1 messages that HttpServer hands to its
// handler and HttpClient returns.
//
// Plain structs with no Beast or Asio types in them, so that handlers (ACME,
// log serving, witness) compile without the heavy headers. Header fields are
// a case-insensitive multimap (RFC 9110 §5.1: field names are
// case-insensitive); several fields of one name keep their insertion order
// and go on the wire as separate lines, as ACME needs for `Link` (RFC 8555
// §7.1: "Link" header fields with different relations).
#ifndef MTC_NET_HTTP_MESSAGE_H_
#define MTC_NET_HTTP_MESSAGE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mtc::net {

// Orders strings by ASCII case-folded bytes.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Field name -> value. Equal names keep the order they were added in.
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// The value of the first field named `name` (any case), or nullopt.
std::optional<std::string_view> HeaderValue(const Headers& headers,
                                            std::string_view name);

// Whether `name` is an RFC 9110 §5.6.2 token (the only allowed field names)
// and `value` holds no CR, LF or NUL (which would split or end the field).
bool IsValidFieldName(std::string_view name);
bool IsValidFieldValue(std::string_view value);

struct Request {
  std::string method;  // as received, e.g. "GET"; methods are case-sensitive
  // The request-target as received ("/acme/order/7?x=1"), its part before
  // the first '?' and the part after it (without the '?'). Not
  // percent-decoded: handlers match raw paths.
  std::string target;
  std::string path;
  std::string query;
  Headers headers;
  std::string body;
  // "192.0.2.1:5000" or "[2001:db8::1]:5000", for log lines.
  std::string remote_address;

  std::optional<std::string_view> Header(std::string_view name) const {
    return HeaderValue(headers, name);
  }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // Appends a field; a second call with the same name adds a second line.
  void AddHeader(std::string_view name, std::string_view value) {
    headers.emplace(std::string(name), std::string(value));
  }
  std::optional<std::string_view> Header(std::string_view name) const {
    return HeaderValue(headers, name);
  }
};

// A response with `text` as a "text/plain; charset=utf-8" body.
Response TextResponse(int status, std::string_view text);

}  // namespace mtc::net

#endif  // MTC_NET_HTTP_MESSAGE_H_
