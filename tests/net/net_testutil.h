// Helpers for the tests of src/net: a raw TCP connection to loopback (to send
// bytes no well-behaved client would) and a temporary directory.
//
// Header-only: tests/CMakeLists.txt builds *_testutil.cc files only under
// tests/mtc.
#ifndef MTC_TESTS_NET_NET_TESTUTIL_H_
#define MTC_TESTS_NET_NET_TESTUTIL_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace mtc::net::testing {

// A blocking TCP connection to 127.0.0.1, every read bounded by a timeout.
class RawConnection {
 public:
  // Connects to 127.0.0.1:port; fd() is -1 on failure.
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() { Close(); }

  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0; }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `done(received)` holds, the peer closes, or `timeout`
  // passes; returns what arrived. peer_closed() tells which.
  template <typename Done>
  std::string ReadUntil(Done done, std::chrono::milliseconds timeout) {
    std::string received;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    peer_closed_ = false;
    while (!done(received)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        peer_closed_ = true;
        break;
      }
      received.append(buf, static_cast<size_t>(n));
    }
    return received;
  }

  // Everything until the peer closes (or the timeout).
  std::string ReadAll(std::chrono::milliseconds timeout) {
    return ReadUntil([](const std::string&) { return false; }, timeout);
  }
  // Until `needle` has arrived.
  std::string ReadUntilContains(std::string_view needle,
                                std::chrono::milliseconds timeout) {
    return ReadUntil(
        [needle](const std::string& s) {
          return s.find(needle) != std::string::npos;
        },
        timeout);
  }

  bool peer_closed() const { return peer_closed_; }

 private:
  int fd_ = -1;
  bool peer_closed_ = false;
};

// Polls `condition` every millisecond until it holds or `timeout` passes;
// returns its last value. For counters a server updates just after the
// client has seen the effect.
template <typename Condition>
bool WaitFor(Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Counts non-overlapping occurrences of `needle` in `haystack`.
inline int CountOf(std::string_view haystack, std::string_view needle) {
  int count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

// A fresh directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mtc_net_test.XXXXXX")
            .string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }

  // Writes `contents` to `relative`, creating parent directories.
  std::filesystem::path WriteFile(const std::string& relative,
                                  std::string_view contents) const {
    std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace mtc::net::testing

#endif  // MTC_TESTS_NET_NET_TESTUTIL_H_
