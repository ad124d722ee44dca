// Fuzzes every strict parser of libmtc with one property each: whatever
// parses re-serializes to exactly the input bytes (each encoding is canonical),
// and nothing crashes. The first input byte picks the parser.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "mtc/cert/certificate.h"
#include "mtc/cert/cosigned_message.h"
#include "mtc/cert/log_entry.h"
#include "mtc/cert/mtc_proof.h"
#include "mtc/cert/properties.h"
#include "mtc/cert/trust_anchor_id.h"
#include "mtc/tlog/checkpoint.h"
#include "mtc/tlog/landmarks.h"
#include "mtc/tlog/note.h"
#include "mtc/tlog/tile_path.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

template <typename T>
void CheckBytes(const mtc::Result<T>& out, std::span<const uint8_t> in) {
  Check(out.ok());
  Check(std::equal(out->begin(), out->end(), in.begin(), in.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> in(data + 1, size - 1);
  std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  using namespace mtc;
  switch (data[0] % 10) {
    case 0:
      if (auto p = cert::ParseMtcProof(in); p.ok()) {
        CheckBytes(cert::SerializeMtcProof(*p), in);
      }
      break;
    case 1:
      if (auto e = cert::ParseMtcLogEntry(in); e.ok()) {
        CheckBytes(cert::SerializeMtcLogEntry(*e), in);
      }
      break;
    case 2:
      if (auto n = tlog::ParseSignedNote(text); n.ok()) {
        auto out = tlog::SerializeSignedNote(*n);
        Check(out.ok() && *out == text);
      }
      break;
    case 3:
      if (auto w = tlog::LandmarkWindow::Parse(text, 1000, ~uint64_t{0});
          w.ok()) {
        Check(w->Serialize() == text);
        // Every index has exactly one answer, and a covered one is inside a
        // valid subtree of the landmark that holds it.
        for (uint64_t i : {uint64_t{0}, uint64_t{1}, uint64_t{1000}}) {
          auto c = w->Locate(i);
          if (c.kind == tlog::LandmarkWindow::Coverage::Kind::kCovered) {
            Check(c.subtree.start <= i && i < c.subtree.end);
            Check(merkle::IsValidSubtree(c.subtree));
          }
        }
      }
      break;
    case 4:
      if (auto t = tlog::ParseTilePath(text); t.ok()) {
        Check(tlog::TilePath(*t) == text);
      }
      break;
    case 5:
      if (auto m = cert::ParseCosignedMessage(in); m.ok()) {
        CheckBytes(cert::SerializeCosignedMessage(*m), in);
      }
      break;
    case 6:
      if (auto c = cert::ParseCertificate(in); c.ok()) {
        cert::TbsCertificateLogEntry e =
            cert::LogEntryFromTbsCertificate(c->tbs);
        auto back =
            cert::TbsCertificateLogEntry::ParseContents(e.EncodeContents());
        Check(back.ok() && *back == e);
      }
      break;
    case 7:
      if (auto p = cert::ParseCertificatePropertyList(in); p.ok()) {
        CheckBytes(cert::SerializeCertificatePropertyList(*p), in);
      }
      break;
    case 8:
      if (auto cp = tlog::ParseCheckpointText(text); cp.ok()) {
        auto out = tlog::FormatCheckpointText(*cp);
        Check(out.ok() && *out == text);
      }
      break;
    case 9:
      if (auto id = cert::TrustAnchorId::FromBinary(in); id.ok()) {
        Check(std::equal(id->binary().begin(), id->binary().end(), in.begin(),
                         in.end()));
        auto again = cert::TrustAnchorId::FromAscii(id->ToAscii());
        Check(again.ok() && *again == *id);
      }
      break;
  }
  return 0;
}
