#include "mtc/cert/cosigned_message.h"

#include <cstring>

#include "mtc/wire/builder.h"
#include "mtc/wire/reader.h"

namespace mtc::cert {

namespace {

constexpr uint8_t kLabel[12] = {'s', 'u', 'b', 't', 'r',  'e',
                                'e', '/', 'v', '1', '\n', 0};

Status CheckRules(const CosignedMessage& m) {
  if (m.cosigner_name.empty() || m.cosigner_name.size() > 255 ||
      m.log_origin.empty() || m.log_origin.size() > 255) {
    return Error(ErrorCode::kInvalidArgument,
                 "cosigner_name and log_origin must be 1..255 bytes");
  }
  if (!merkle::IsValidSubtree(m.subtree)) {
    return Error(ErrorCode::kInvalidArgument,
                 m.subtree.ToString() + " is not a valid subtree");
  }
  if (m.timestamp != 0 && m.subtree.start != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "a timestamped signature must cover a subtree starting at 0");
  }
  return OkStatus();
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Result<std::vector<uint8_t>> SerializeCosignedMessage(
    const CosignedMessage& m) {
  MTC_RETURN_IF_ERROR(CheckRules(m));
  wire::Builder b;
  b.AddBytes(kLabel);
  b.AddU8LengthPrefixedBytes(Bytes(m.cosigner_name));
  b.AddU64(m.timestamp);
  b.AddU8LengthPrefixedBytes(Bytes(m.log_origin));
  b.AddU64(m.subtree.start);
  b.AddU64(m.subtree.end);
  b.AddBytes(m.subtree_hash);
  return std::move(b).Finish();
}

Result<CosignedMessage> ParseCosignedMessage(std::span<const uint8_t> bytes) {
  wire::Reader r(bytes);
  std::span<const uint8_t> label, name, origin, hash;
  CosignedMessage m;
  if (!r.ReadBytes(sizeof(kLabel), &label) ||
      std::memcmp(label.data(), kLabel, sizeof(kLabel)) != 0 ||
      !r.ReadU8LengthPrefixed(&name) || !r.ReadU64(&m.timestamp) ||
      !r.ReadU8LengthPrefixed(&origin) || !r.ReadU64(&m.subtree.start) ||
      !r.ReadU64(&m.subtree.end) ||
      !r.ReadBytes(m.subtree_hash.size(), &hash) || !r.Done()) {
    return Error(ErrorCode::kMalformed, "malformed CosignedMessage");
  }
  m.cosigner_name.assign(name.begin(), name.end());
  m.log_origin.assign(origin.begin(), origin.end());
  std::memcpy(m.subtree_hash.data(), hash.data(), hash.size());
  MTC_RETURN_IF_ERROR(CheckRules(m));
  return m;
}

std::string OidName(std::string_view trust_anchor_id_ascii) {
  return "oid/1.3.6.1.4.1." + std::string(trust_anchor_id_ascii);
}

}  // namespace mtc::cert
