// Result<T> and Status: how every layer reports an expected failure.
//
// Shaped like absl::StatusOr (g++ 12 has no std::expected). An Error carries a
// Code saying what the caller should do, a `message` that is safe to show to a
// client, and a `detail` that goes to logs only. Exceptions are reserved for
// the three edges named in STYLE.md.
//
// Thread safety: values; no shared state.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace almanac {

// Stored in the database: never renumber.
enum class Code : int {
  kOk = 0,
  // The input is malformed or violates a rule. Do not retry unchanged.
  kInvalidArgument = 1,
  // The thing asked for does not exist. Do not retry unchanged.
  kNotFound = 2,
  // The thing exists already (duplicate key). Refetch and decide.
  kAlreadyExists = 3,
  // The caller is not allowed to do this. Do not retry.
  kPermissionDenied = 4,
  // The caller is not authenticated. Authenticate and retry.
  kUnauthenticated = 5,
  // A precondition (ETag, state) no longer holds. Refetch and redo.
  kFailedPrecondition = 6,
  // A conflicting change holds the resource (double booking). Do not retry unchanged.
  kConflict = 7,
  // The input exceeds a configured limit (size, nesting, work). Shrink and retry.
  kResourceExhausted = 8,
  // The input is syntactically fine but the operation is not supported.
  kUnimplemented = 9,
  // A transient failure (database restart, network). Retry with back-off.
  kUnavailable = 10,
  // A bug or broken invariant. Do not retry; report.
  kInternal = 11,
  // The value lies outside the supported range (dates past 9999). Do not retry unchanged.
  kOutOfRange = 12,
  // The media type of the input is not accepted.
  kUnsupportedMediaType = 13,
  // Too many attempts (logins); wait for the time the error names, then retry.
  kRateLimited = 14,
};

// The name of `code` ("INVALID_ARGUMENT"), for logs and problem details.
const char* CodeName(Code code);

struct Error {
  Code code = Code::kInternal;
  std::string message;  // safe to show to a client
  std::string detail;   // logs only (SQL text, library messages)
};

inline Error MakeError(Code code, std::string message, std::string detail = {}) {
  return Error{code, std::move(message), std::move(detail)};
}

// Success, or an Error. The success path is one null pointer, so returning
// OkStatus() from hot validation code costs nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::make_unique<Error>(std::move(error))) {}  // NOLINT(implicit)
  Status(const Status& o) : error_(o.error_ ? std::make_unique<Error>(*o.error_) : nullptr) {}
  Status(Status&&) noexcept = default;
  Status& operator=(const Status& o) {
    if (this != &o) error_ = o.error_ ? std::make_unique<Error>(*o.error_) : nullptr;
    return *this;
  }
  Status& operator=(Status&&) noexcept = default;

  bool ok() const { return error_ == nullptr; }
  // REQUIRES: !ok().
  const Error& error() const {
    assert(error_ != nullptr);
    return *error_;
  }
  Code code() const { return ok() ? Code::kOk : error_->code; }
  void IgnoreError() const {}

 private:
  std::unique_ptr<Error> error_;
};

inline Status OkStatus() { return Status(); }

// A T, or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(implicit)
  // REQUIRES: !status.ok().
  Result(const Status& status) : v_(status.error()) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  // REQUIRES: ok().
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // REQUIRES: !ok().
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }
  void IgnoreError() const {}

 private:
  std::variant<T, Error> v_;
};

namespace internal {
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace almanac

#define ALMANAC_CONCAT_INNER(a, b) a##b
#define ALMANAC_CONCAT(a, b) ALMANAC_CONCAT_INNER(a, b)

// Returns the error of `expr` (a Status or Result) from the enclosing function.
#define ALMANAC_RETURN_IF_ERROR(expr)                          \
  do {                                                         \
    auto&& almanac_status_ = (expr);                           \
    if (!almanac_status_.ok()) return almanac_status_.error(); \
  } while (false)

// ALMANAC_ASSIGN_OR_RETURN(lhs, result_expr): declares/assigns lhs from the
// value of a Result, or returns its error.
#define ALMANAC_ASSIGN_OR_RETURN(lhs, expr) \
  ALMANAC_ASSIGN_OR_RETURN_IMPL(ALMANAC_CONCAT(almanac_result_, __COUNTER__), lhs, expr)
#define ALMANAC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.error();                  \
  lhs = std::move(tmp).value()
