// TOML basic strings (TOML v1.0.0 §String), for the settings files the
// commands write (mtc.toml, witness.toml).
#ifndef MTC_BASE_TOML_STRING_H_
#define MTC_BASE_TOML_STRING_H_

#include <string>
#include <string_view>

namespace mtc {

// `s` as a quoted TOML basic string: '"' and '\' escaped, control characters
// as \uXXXX.
std::string TomlString(std::string_view s);

}  // namespace mtc

#endif  // MTC_BASE_TOML_STRING_H_
