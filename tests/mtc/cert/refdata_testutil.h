// The draft authors' reference corpus (tests/testdata/refdata, see its README):
// certificates, entry bundles, tiles and the generator's own account of them.
#ifndef MTC_TESTS_CERT_REFDATA_TESTUTIL_H_
#define MTC_TESTS_CERT_REFDATA_TESTUTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "mtc/merkle/hash.h"
#include "mtc/merkle/subtree.h"

namespace mtc::cert::testing {

std::string RefdataPath(const std::string& name);
std::vector<uint8_t> ReadFileBytes(const std::string& path);

// One certificate the generator wrote, as generator-output.txt describes it.
struct RefCertificate {
  std::string file;  // e.g. "cert_10_0.pem"
  uint64_t index = 0;
  merkle::Subtree subtree;
  merkle::Hash subtree_hash{};
  std::vector<std::string> cosigners;  // ASCII cosigner IDs; empty: landmark
};
std::vector<RefCertificate> RefCertificates();

// Every entry of the reference log (size 2036), from its entry bundles.
std::vector<std::vector<uint8_t>> RefLogEntries();

}  // namespace mtc::cert::testing

#endif  // MTC_TESTS_CERT_REFDATA_TESTUTIL_H_
