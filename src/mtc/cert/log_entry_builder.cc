#include "mtc/cert/log_entry_builder.h"

#include "mtc/crypto/sha256.h"
#include "mtc/wire/der.h"

namespace mtc::cert {

namespace {

using wire::DerBuilder;

constexpr char kCommonNameOid[] = "2.5.4.3";
constexpr char kKeyUsageOid[] = "2.5.29.15";
constexpr char kExtKeyUsageOid[] = "2.5.29.37";
constexpr char kSubjectAltNameOid[] = "2.5.29.17";
constexpr char kBasicConstraintsOid[] = "2.5.29.19";

bool IsPrintable(const std::string& s) {
  // X.680 PrintableString: A-Z a-z 0-9 space ' ( ) + , - . / : = ?
  for (char c : s) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') ||
        std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

void AddExtension(DerBuilder& list, const char* oid,
                  const std::vector<uint8_t>& value) {
  list.AddSequence([&](DerBuilder& ext) {
    ext.AddOid(oid);
    ext.AddBool(true);  // critical
    ext.AddOctetString(value);
  });
}

Result<std::vector<uint8_t>> Der(auto&& fill) {
  DerBuilder b;
  fill(b);
  return std::move(b).Finish();
}

}  // namespace

std::vector<uint8_t> EncodeKeyUsage(uint16_t bits) {
  // Bit n of KeyUsage is bit (7 - n % 8) of byte n / 8.
  int last = -1;
  for (int n = 0; n < 9; n++) {
    if (bits & (1 << n)) last = n;
  }
  std::vector<uint8_t> bytes(last < 0 ? 0 : last / 8 + 1, 0);
  for (int n = 0; n <= last; n++) {
    if (bits & (1 << n)) bytes[n / 8] |= static_cast<uint8_t>(0x80 >> (n % 8));
  }
  uint8_t unused = last < 0 ? 0 : static_cast<uint8_t>(7 - last % 8);
  DerBuilder b;
  b.AddBitStringWithUnusedBits(bytes, unused);
  return std::move(b).Finish().value();
}

Result<TbsCertificateLogEntry> BuildLogEntry(const CertificateInputs& in) {
  TbsCertificateLogEntry e;
  // version [0] EXPLICIT v3.
  MTC_ASSIGN_OR_RETURN(e.version, Der([](DerBuilder& b) {
                         b.AddElement(wire::DerExplicitTag(0),
                                      [](DerBuilder& v) { v.AddUint64(2); });
                       }));
  e.issuer = EncodeCaIdName(in.issuer);
  MTC_ASSIGN_OR_RETURN(e.validity, Der([&](DerBuilder& b) {
                         b.AddSequence([&](DerBuilder& v) {
                           v.AddTime(in.not_before);
                           v.AddTime(in.not_after);
                         });
                       }));
  MTC_ASSIGN_OR_RETURN(e.subject, Der([&](DerBuilder& b) {
                         b.AddSequence([&](DerBuilder& name) {
                           if (in.subject_common_name.empty()) return;
                           name.AddSetOf([&](DerBuilder& rdn) {
                             rdn.AddSequence([&](DerBuilder& atv) {
                               atv.AddOid(kCommonNameOid);
                               if (IsPrintable(in.subject_common_name)) {
                                 atv.AddPrintableString(in.subject_common_name);
                               } else {
                                 atv.AddUtf8String(in.subject_common_name);
                               }
                             });
                           });
                         });
                       }));
  // The SPKI's algorithm and hash.
  wire::DerReader spki_outer(in.spki), spki;
  std::span<const uint8_t> alg, key;
  if (!spki_outer.ReadSequence(&spki) ||
      !spki.ReadFullElement(wire::kDerSequence, &alg) ||
      !spki.ReadByteAlignedBitString(&key) || !spki.Done() ||
      !spki_outer.Done()) {
    return Error(ErrorCode::kMalformed, "malformed subjectPublicKeyInfo");
  }
  e.subject_public_key_algorithm.assign(alg.begin(), alg.end());
  e.subject_public_key_info_hash = crypto::Sha256Of(in.spki);

  bool has_san = !in.dns_names.empty() || !in.ip_addresses.empty();
  bool any =
      in.key_usage != 0 || !in.ext_key_usage.empty() || has_san || in.is_ca;
  if (!any) return e;
  std::vector<uint8_t> eku, san, bc;
  if (!in.ext_key_usage.empty()) {
    MTC_ASSIGN_OR_RETURN(eku, Der([&](DerBuilder& b) {
                           b.AddSequence([&](DerBuilder& list) {
                             for (const std::string& oid : in.ext_key_usage)
                               list.AddOid(oid);
                           });
                         }));
  }
  if (has_san) {
    MTC_ASSIGN_OR_RETURN(san, Der([&](DerBuilder& b) {
                           b.AddSequence([&](DerBuilder& names) {
                             // dNSName [2] IA5String, iPAddress [7] OCTET
                             // STRING (RFC 5280 §4.2.1.6)
                             for (const std::string& dns : in.dns_names) {
                               names.AddIa5String(dns, wire::DerImplicitTag(2));
                             }
                             for (const auto& ip : in.ip_addresses) {
                               if (ip.size() != 4 && ip.size() != 16)
                                 names.Fail("IP address is not 4 or 16 bytes");
                               names.AddOctetString(ip,
                                                    wire::DerImplicitTag(7));
                             }
                           });
                         }));
  }
  if (in.is_ca) {
    MTC_ASSIGN_OR_RETURN(bc, Der([&](DerBuilder& b) {
                           b.AddSequence([&](DerBuilder& seq) {
                             seq.AddBool(true);
                             if (in.max_path_len)
                               seq.AddUint64(*in.max_path_len);
                           });
                         }));
  }
  MTC_ASSIGN_OR_RETURN(
      e.extensions, Der([&](DerBuilder& b) {
        b.AddElement(wire::DerExplicitTag(3), [&](DerBuilder& wrapper) {
          wrapper.AddSequence([&](DerBuilder& list) {
            if (in.key_usage != 0)
              AddExtension(list, kKeyUsageOid, EncodeKeyUsage(in.key_usage));
            if (!eku.empty()) AddExtension(list, kExtKeyUsageOid, eku);
            if (!san.empty()) AddExtension(list, kSubjectAltNameOid, san);
            if (!bc.empty()) AddExtension(list, kBasicConstraintsOid, bc);
          });
        });
      }));
  return e;
}

}  // namespace mtc::cert
