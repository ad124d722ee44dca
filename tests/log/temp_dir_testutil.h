// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes away. Header-only: the tests of
// tests/log are one binary without a helper library of their own.
#ifndef MTC_TESTS_LOG_TEMP_DIR_TESTUTIL_H_
#define MTC_TESTS_LOG_TEMP_DIR_TESTUTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace mtc::log::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mtc-log-test-XXXXXX")
            .string();
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace mtc::log::testing

#endif  // MTC_TESTS_LOG_TEMP_DIR_TESTUTIL_H_
