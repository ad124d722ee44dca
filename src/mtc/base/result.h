// Result<T>: a value or an error carrying a code and a human message.
//
// libmtc never throws across its boundaries (STYLE.md "What this means here"
// 3): every fallible function returns a Result, marked [[nodiscard]]. g++ 12
// has no std::expected, so this is a small variant-based stand-in.
#ifndef MTC_BASE_RESULT_H_
#define MTC_BASE_RESULT_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mtc {

// The small set of error kinds callers branch on. The message says the rest.
enum class ErrorCode {
  kInvalidArgument,  // the caller passed something out of contract
  kMalformed,        // input bytes do not parse (bad encoding, trailing data)
  kOutOfRange,       // an index, size or interval outside what is allowed
  kVerificationFailed,  // well-formed input that does not verify
  kNotFound,            // the named object does not exist
  kUnsupported,         // a valid but unimplemented algorithm or version
  kConflict,            // a compare-and-swap or uniqueness check lost
  kUnavailable,         // a transient failure; retrying may help
  kIo,                  // a file or network operation failed
  kInternal,            // a broken invariant; state is unknown
};

// Returns the stable lower-case name of `code`, e.g. "malformed".
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Error WithContext(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace mtc

#define MTC_CONCAT_INNER_(a, b) a##b
#define MTC_CONCAT_(a, b) MTC_CONCAT_INNER_(a, b)

// Returns the error of a Status or Result expression from the enclosing
// function.
#define MTC_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    auto&& mtc_status_ = (expr);                       \
    if (!mtc_status_.ok()) return mtc_status_.error(); \
  } while (false)

// `MTC_ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value or returns
// its error from the enclosing function.
#define MTC_ASSIGN_OR_RETURN(lhs, expr) \
  MTC_ASSIGN_OR_RETURN_IMPL_(MTC_CONCAT_(mtc_result_, __LINE__), lhs, expr)
#define MTC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()

#endif  // MTC_BASE_RESULT_H_
