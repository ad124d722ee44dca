#include "acme/dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "mtc/wire/builder.h"
#include "mtc/wire/reader.h"
#include "net/url.h"

namespace mtc::acme {

namespace {

constexpr uint16_t kTypeTxt = 16;
constexpr uint16_t kClassIn = 1;
constexpr size_t kMaxMessage = 4096;

// A <domain-name> of a message (RFC 1035 §4.1.4): labels ending in a zero
// octet or a pointer. Only skipped: we compare question names, which hold no
// pointers in answers to our own single-question query.
bool SkipName(wire::Reader& r) {
  for (int labels = 0; labels < 128; labels++) {
    uint8_t len;
    if (!r.ReadU8(&len)) return false;
    if (len == 0) return true;
    if ((len & 0xc0) == 0xc0) return r.Skip(1);  // pointer: ends the name
    if ((len & 0xc0) != 0) return false;         // reserved label types
    if (!r.Skip(len)) return false;
  }
  return false;
}

std::string ToLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The question's QNAME as text, lower-cased; pointers refused.
bool ReadPlainName(wire::Reader& r, std::string* out) {
  out->clear();
  for (int labels = 0; labels < 128; labels++) {
    uint8_t len;
    std::span<const uint8_t> label;
    if (!r.ReadU8(&len) || (len & 0xc0) != 0) return false;
    if (len == 0) return true;
    if (!r.ReadBytes(len, &label)) return false;
    if (!out->empty()) out->push_back('.');
    out->append(label.begin(), label.end());
  }
  return false;
}

Result<std::string> SystemResolver() {
  std::ifstream in("/etc/resolv.conf");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == "nameserver") {
      return net::FormatHostPort(value, 53);
    }
  }
  return Error(ErrorCode::kUnavailable, "no nameserver in /etc/resolv.conf");
}

}  // namespace

Result<std::vector<uint8_t>> BuildDnsQuery(uint16_t id, const std::string& name,
                                           uint16_t qtype) {
  wire::Builder b;
  // Header: ID, flags with RD set, QDCOUNT 1, ANCOUNT, NSCOUNT, ARCOUNT 0.
  b.AddU16(id);
  b.AddU16(0x0100);
  b.AddU16(1);
  b.AddU16(0);
  b.AddU16(0);
  b.AddU16(0);
  // QNAME: length-prefixed labels of 1..63 octets, then the root's zero.
  size_t start = 0;
  if (name.empty() || name.size() > 253) {
    return Error(ErrorCode::kInvalidArgument, "bad DNS name: " + name);
  }
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) {
      return Error(ErrorCode::kInvalidArgument, "bad DNS name: " + name);
    }
    b.AddU8LengthPrefixedBytes(
        {reinterpret_cast<const uint8_t*>(name.data()) + start, len});
    start = dot + 1;
  }
  b.AddU8(0);
  b.AddU16(qtype);
  b.AddU16(kClassIn);
  return std::move(b).Finish();
}

Result<std::vector<std::string>> ParseTxtResponse(std::span<const uint8_t> msg,
                                                  uint16_t id,
                                                  const std::string& name) {
  wire::Reader r(msg);
  uint16_t got_id, flags, qdcount, ancount, nscount, arcount;
  if (!r.ReadU16(&got_id) || !r.ReadU16(&flags) || !r.ReadU16(&qdcount) ||
      !r.ReadU16(&ancount) || !r.ReadU16(&nscount) || !r.ReadU16(&arcount)) {
    return Error(ErrorCode::kMalformed, "DNS response: short header");
  }
  if (got_id != id || (flags & 0x8000) == 0) {
    return Error(ErrorCode::kMalformed, "DNS response: not an answer to ours");
  }
  if (flags & 0x0200) {
    return Error(ErrorCode::kUnavailable, "DNS response truncated (TC)");
  }
  int rcode = flags & 0x000f;
  if (qdcount != 1) {
    return Error(ErrorCode::kMalformed, "DNS response: not one question");
  }
  std::string qname;
  uint16_t qtype, qclass;
  if (!ReadPlainName(r, &qname) || !r.ReadU16(&qtype) || !r.ReadU16(&qclass) ||
      qname != ToLower(name) || qtype != kTypeTxt || qclass != kClassIn) {
    return Error(ErrorCode::kMalformed, "DNS response: another question");
  }
  if (rcode == 3) return std::vector<std::string>{};  // NXDOMAIN
  if (rcode != 0) {
    return Error(ErrorCode::kUnavailable,
                 "DNS server answered RCODE " + std::to_string(rcode));
  }
  std::vector<std::string> txt;
  for (uint16_t i = 0; i < ancount; i++) {
    uint16_t type, klass, rdlength;
    uint32_t ttl;
    std::span<const uint8_t> rdata;
    if (!SkipName(r) || !r.ReadU16(&type) || !r.ReadU16(&klass) ||
        !r.ReadU32(&ttl) || !r.ReadU16(&rdlength) ||
        !r.ReadBytes(rdlength, &rdata)) {
      return Error(ErrorCode::kMalformed, "DNS response: bad answer record");
    }
    if (type != kTypeTxt || klass != kClassIn) continue;  // e.g. a CNAME
    // TXT-DATA: one or more <character-string>s (RFC 1035 §3.3.14).
    wire::Reader strings(rdata);
    std::string value;
    while (!strings.empty()) {
      std::span<const uint8_t> s;
      if (!strings.ReadU8LengthPrefixed(&s)) {
        return Error(ErrorCode::kMalformed, "DNS response: bad TXT data");
      }
      value.append(s.begin(), s.end());
    }
    txt.push_back(std::move(value));
  }
  return txt;
}

Result<std::vector<std::string>> LookupTxt(const std::string& server,
                                           const std::string& name,
                                           std::chrono::milliseconds timeout) {
  std::string address = server;
  if (server == "system") {
    MTC_ASSIGN_OR_RETURN(address, SystemResolver());
  }
  MTC_ASSIGN_OR_RETURN(net::HostPort hp, net::ParseHostPort(address));
  sockaddr_storage sa{};
  socklen_t sa_len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&sa);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&sa);
  if (inet_pton(AF_INET, hp.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(hp.port);
    sa_len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, hp.host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(hp.port);
    sa_len = sizeof(sockaddr_in6);
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "dns_resolver must be an IP address and port: " + address);
  }
  int fd = ::socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot open a UDP socket");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // connect() makes the kernel drop datagrams from other sources.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sa_len) != 0) {
    return Error(ErrorCode::kUnavailable, "cannot reach DNS server " + address);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int attempt = 0; attempt < 2; attempt++) {
    uint16_t id;
    if (getrandom(&id, sizeof id, 0) != sizeof id) {
      return Error(ErrorCode::kIo, "getrandom failed");
    }
    MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> query,
                         BuildDnsQuery(id, name, kTypeTxt));
    if (::send(fd, query.data(), query.size(), 0) !=
        static_cast<ssize_t>(query.size())) {
      return Error(ErrorCode::kUnavailable, "cannot send to " + address);
    }
    // Half the remaining time for this attempt, all of it for the last.
    auto now = std::chrono::steady_clock::now();
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    auto wait = attempt == 0 ? left / 2 : left;
    auto attempt_end = now + wait;
    for (;;) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    attempt_end - std::chrono::steady_clock::now())
                    .count();
      if (ms <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(ms)) <= 0) break;
      std::vector<uint8_t> buffer(kMaxMessage);
      ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n < 0) {
        return Error(ErrorCode::kUnavailable,
                     "DNS server " + address + " refused the query");
      }
      buffer.resize(static_cast<size_t>(n));
      auto parsed = ParseTxtResponse(buffer, id, name);
      // A stray or spoofed datagram: keep waiting for ours.
      if (!parsed.ok() && parsed.error().code() == ErrorCode::kMalformed) {
        continue;
      }
      return parsed;
    }
  }
  return Error(ErrorCode::kUnavailable,
               "no answer from DNS server " + address + " for " + name);
}

}  // namespace mtc::acme
