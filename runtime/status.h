// Status and Result: the return type of every expected, local failure (bad flag, missing file,
// 404 from S3, bad record). The caller must look at it. A failure that ends the job is a JobError
// thrown to main(); a broken invariant is a RF_CHECK.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace rankflow {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad flag, bad config, malformed input the caller asked to be strict about
  kNotFound,         // missing file, folder, key, bucket
  kAlreadyExists,    // dest exists and --mode error
  kIOError,          // local read/write failure, disk full
  kCorruption,       // truncated gzip, broken framing
  kUnavailable,      // transient remote failure: worth a retry
  kPermissionDenied,
  kAborted,  // another rank failed; this one stopped early
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // The message alone, lowercase, saying where: "s3://b/k: GetObject failed after 5 attempts: 503".
  const std::string& message() const { return message_; }
  // "ok" or the message; what a user sees.
  std::string ToString() const { return ok() ? "ok" : message_; }
  // Returns a copy whose message is "prefix: message".
  Status WithPrefix(const std::string& prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: must not be ok
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

// A failure that ends the job (commit failed, lost peer, disk full). Thrown, caught in main(),
// logged on the rank that saw it; every rank then exits non-zero.
class JobError : public std::runtime_error {
 public:
  explicit JobError(const std::string& what) : std::runtime_error(what) {}
  explicit JobError(const Status& s) : std::runtime_error(s.message()) {}
};

// Broken invariant: a bug. Prints rank, file and line to stderr and aborts the process
// (mpirun then ends every rank).
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace rankflow

#define RF_CHECK(cond)                                                              \
  do {                                                                              \
    if (!(cond)) ::rankflow::CheckFailed(#cond, __FILE__, __LINE__, std::string()); \
  } while (0)
#define RF_CHECK_MSG(cond, msg)                                             \
  do {                                                                      \
    if (!(cond)) ::rankflow::CheckFailed(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)

// Early return of a non-ok Status.
#define RF_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::rankflow::Status rf_status_ = (expr);  \
    if (!rf_status_.ok()) return rf_status_; \
  } while (0)
