// Anti-replay nonces (RFC 8555 §6.5): the server hands one out in every
// Replay-Nonce header and accepts each exactly once in a JWS "nonce" header.
//
// As §6.5 suggests, a nonce is a random 128-bit value, and the pool keeps the
// list of those issued and strikes each one as it is used. The pool lives in
// memory: a restarted server rejects the nonces of its previous life, and the
// client retries with the fresh one of the badNonce response (§6.5).
#ifndef MTC_ACME_NONCE_H_
#define MTC_ACME_NONCE_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mtc::acme {

class NoncePool {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // At most this many nonces are outstanding; issuing one more forgets the
    // oldest (a client holding it gets badNonce and retries). 0 counts as 1.
    size_t capacity = 100'000;
    // A nonce older than this is rejected.
    std::chrono::nanoseconds max_age = std::chrono::minutes(10);
    // The time source; tests inject their own.
    std::function<Clock::time_point()> now = [] { return Clock::now(); };
  };

  NoncePool() : NoncePool(Options()) {}
  explicit NoncePool(Options options);

  NoncePool(const NoncePool&) = delete;
  NoncePool& operator=(const NoncePool&) = delete;

  // A fresh nonce: 16 bytes from the CSPRNG, base64url without padding (22
  // characters; the Replay-Nonce ABNF of §6.5.1). O(1).
  std::string Issue();

  // True exactly once for a nonce this pool issued, if it is not older than
  // max_age and has not been dropped for capacity; false for anything else
  // (unknown, already used, expired). O(1) on average.
  bool Consume(std::string_view nonce);

  // The number of outstanding nonces (some may have expired but not yet been
  // dropped).
  size_t size() const;

 private:
  struct Entry {
    std::string nonce;
    Clock::time_point issued;
  };
  using Fifo = std::list<Entry>;

  // Drops expired nonces from the oldest end, and the oldest beyond capacity.
  // Requires mu_. Amortized O(1): each nonce is dropped once.
  void DropStale(Clock::time_point now);

  const Options options_;
  mutable std::mutex mu_;
  Fifo fifo_;  // guarded by mu_; oldest first, so issue times are ascending
  std::unordered_map<std::string_view, Fifo::iterator>
      index_;  // guarded by mu_; keys view the strings in fifo_
};

}  // namespace mtc::acme

#endif  // MTC_ACME_NONCE_H_
