#include "acme/nonce.h"

#include <algorithm>
#include <array>
#include <utility>

#include "mtc/crypto/random.h"
#include "mtc/wire/base64.h"

namespace mtc::acme {

namespace {

// RFC 8555 §6.5 suggests "a random 128-bit value for each response".
constexpr size_t kNonceBytes = 16;

// A pool of capacity 0 would drop each nonce as it issues it.
NoncePool::Options Checked(NoncePool::Options options) {
  if (options.capacity == 0) options.capacity = 1;
  return options;
}

}  // namespace

NoncePool::NoncePool(Options options) : options_(Checked(std::move(options))) {
  // Enough buckets for a busy server from the start; beyond that the index
  // grows (amortized O(1)) rather than reserving memory a large capacity
  // setting may never use.
  index_.reserve(std::min<size_t>(options_.capacity, size_t{1} << 16));
}

std::string NoncePool::Issue() {
  std::array<uint8_t, kNonceBytes> bytes;
  crypto::RandomBytes(bytes);
  std::string nonce = wire::Base64UrlEncode(bytes);

  std::lock_guard<std::mutex> lock(mu_);
  // Read under the lock, so that issue times ascend along fifo_.
  Clock::time_point now = options_.now();
  fifo_.push_back(Entry{nonce, now});
  // A collision of two 128-bit random values does not happen; if the DRBG
  // were that broken, keeping the first entry would still be safe.
  index_.emplace(fifo_.back().nonce, std::prev(fifo_.end()));
  DropStale(now);
  return nonce;
}

bool NoncePool::Consume(std::string_view nonce) {
  std::lock_guard<std::mutex> lock(mu_);
  Clock::time_point now = options_.now();
  DropStale(now);
  auto it = index_.find(nonce);
  if (it == index_.end()) return false;
  Fifo::iterator entry = it->second;
  bool fresh = now - entry->issued <= options_.max_age;
  // Used or expired, the nonce is struck either way (§6.5: "Once a nonce
  // value has appeared in an ACME request, the server MUST consider it
  // invalid").
  index_.erase(it);
  fifo_.erase(entry);
  return fresh;
}

size_t NoncePool::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fifo_.size();
}

void NoncePool::DropStale(Clock::time_point now) {
  while (!fifo_.empty() && (fifo_.size() > options_.capacity ||
                            now - fifo_.front().issued > options_.max_age)) {
    auto it = index_.find(fifo_.front().nonce);
    if (it != index_.end() && it->second == fifo_.begin()) index_.erase(it);
    fifo_.pop_front();
  }
}

}  // namespace mtc::acme
