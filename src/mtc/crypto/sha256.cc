#include "mtc/crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace mtc::crypto {

namespace {

// Fetched once: implicit fetching by EVP_sha256() per call costs a lookup.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();  // OpenSSL without SHA-256: nothing works.
  return md;
}

void CheckOpenSsl(int ok) {
  // SHA-256 on in-memory buffers fails only on allocation failure or a broken
  // OpenSSL; there is no state to recover to.
  if (ok != 1) std::abort();
}

}  // namespace

struct Sha256::Ctx {
  EVP_MD_CTX* md_ctx = nullptr;
};

Sha256::Sha256() : ctx_(new Ctx) {
  ctx_->md_ctx = EVP_MD_CTX_new();
  if (ctx_->md_ctx == nullptr) std::abort();
  Reset();
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_->md_ctx);
  delete ctx_;
}

void Sha256::Reset() {
  CheckOpenSsl(EVP_DigestInit_ex2(ctx_->md_ctx, Sha256Md(), nullptr));
}

void Sha256::Update(std::span<const uint8_t> data) {
  CheckOpenSsl(EVP_DigestUpdate(ctx_->md_ctx, data.data(), data.size()));
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out;
  unsigned int len = 0;
  CheckOpenSsl(EVP_DigestFinal_ex(ctx_->md_ctx, out.data(), &len));
  Reset();
  return out;
}

Sha256Digest Sha256Of(std::span<const uint8_t> data) {
  thread_local Sha256 h;
  h.Update(data);
  return h.Finish();
}

Sha256Digest Sha256Of(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  thread_local Sha256 h;
  h.Update(a);
  h.Update(b);
  return h.Finish();
}

}  // namespace mtc::crypto
