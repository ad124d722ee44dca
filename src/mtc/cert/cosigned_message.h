// CosignedMessage (draft-ietf-plants-merkle-tree-certs §Signature Format), the
// message every subtree signature signs. Identical to the ML-DSA-44
// `subtree/v1` message of C2SP tlog-cosignature.
#ifndef MTC_CERT_COSIGNED_MESSAGE_H_
#define MTC_CERT_COSIGNED_MESSAGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mtc/base/result.h"
#include "mtc/merkle/hash.h"
#include "mtc/merkle/subtree.h"

namespace mtc::cert {

// struct {
//     uint8 label[12] = "subtree/v1\n\0";
//     opaque cosigner_name<1..2^8-1>;
//     uint64 timestamp;
//     opaque log_origin<1..2^8-1>;
//     uint64 start;
//     uint64 end;
//     HashValue subtree_hash;
// } CosignedMessage;
struct CosignedMessage {
  std::string cosigner_name;  // "oid/1.3.6.1.4.1.<cosigner ID>"
  uint64_t timestamp = 0;     // 0 in certificates (docs/design.md §2 item 2)
  std::string log_origin;     // "oid/1.3.6.1.4.1.<log ID>"
  merkle::Subtree subtree;
  merkle::Hash subtree_hash{};

  bool operator==(const CosignedMessage&) const = default;
};

// Encodes `message`, checking the rules of §Signature Format: names of 1..255
// bytes, a valid subtree, and start == 0 whenever the timestamp is non-zero.
Result<std::vector<uint8_t>> SerializeCosignedMessage(
    const CosignedMessage& message);
Result<CosignedMessage> ParseCosignedMessage(std::span<const uint8_t> bytes);

// "oid/1.3.6.1.4.1." followed by the trust anchor ID's ASCII form: the
// cosigner_name or log_origin of §Signature Format.
std::string OidName(std::string_view trust_anchor_id_ascii);

}  // namespace mtc::cert

#endif  // MTC_CERT_COSIGNED_MESSAGE_H_
