#include "mtc/cert/refdata_testutil.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "mtc/tlog/entry_bundle.h"
#include "mtc/tlog/tile_path.h"
#include "mtc/wire/base64.h"

namespace mtc::cert::testing {

std::string RefdataPath(const std::string& name) {
  return std::string(MTC_TESTDATA_DIR) + "/refdata/" + name;
}

std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

std::vector<RefCertificate> RefCertificates() {
  std::ifstream in(RefdataPath("generator-output.txt"));
  std::vector<RefCertificate> out;
  std::string line;
  while (std::getline(in, line)) {
    const std::string kWrote = "Wrote certificate for entry ";
    if (line.rfind(kWrote, 0) == 0) {
      RefCertificate c;
      c.index = std::stoull(line.substr(kWrote.size()));
      size_t slash = line.rfind('/');
      c.file = line.substr(slash + 1, line.size() - slash - 3);  // drop `".`
      out.push_back(c);
    } else if (line.rfind("  Subtree [", 0) == 0) {
      unsigned long long start, end;
      char hash[64] = {};
      std::sscanf(line.c_str(), "  Subtree [%llu, %llu) with hash %63s", &start,
                  &end, hash);
      out.back().subtree = {start, end};
      auto bytes = wire::Base64Decode(hash).value();
      std::memcpy(out.back().subtree_hash.data(), bytes.data(), bytes.size());
    } else if (line.rfind("  Cosigned by ", 0) == 0) {
      out.back().cosigners.push_back(line.substr(14));
    }
  }
  return out;
}

std::vector<std::vector<uint8_t>> RefLogEntries() {
  std::vector<std::vector<uint8_t>> entries;
  constexpr uint64_t kSize = 2036;
  for (uint64_t n = 0; n * tlog::kTileWidth < kSize; n++) {
    uint32_t width = tlog::TileWidthAt(0, n, kSize);
    std::string path = tlog::TilePath({tlog::Tile::kEntries, n, width});
    std::vector<uint8_t> bundle = ReadFileBytes(RefdataPath(path));
    auto parsed = tlog::ParseEntryBundle(bundle);
    if (!parsed.ok()) throw std::runtime_error(parsed.error().ToString());
    for (std::span<const uint8_t> e : *parsed) {
      entries.emplace_back(e.begin(), e.end());
    }
  }
  return entries;
}

}  // namespace mtc::cert::testing
