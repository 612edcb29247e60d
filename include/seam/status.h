// Errors as values. Every fallible call on the request path returns a Status
// or a Result<T>; exceptions are used only at start-up and config load.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace seam {

// Codes map one to one onto the HTTP statuses of SPEC §8 (http/ does that
// mapping in one place); modules below http never speak HTTP themselves.
enum class Code {
  kOk,
  kInvalid,          // 400: bad input that can never succeed
  kUnauthenticated,  // 401
  kForbidden,        // 403
  kNotFound,         // 404
  kConflict,         // 409
  kTooLarge,         // 413
  kUnsupported,      // 415
  kOverloaded,       // 429: try again after a pause
  kUnavailable,      // 503: store not ready / write not durable
  kInternal,         // 500
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string error_code, std::string message)
      : code_(code), error_code_(std::move(error_code)), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string error_code, std::string message) {
    return {Code::kInvalid, std::move(error_code), std::move(message)};
  }
  static Status NotFound(std::string error_code, std::string message) {
    return {Code::kNotFound, std::move(error_code), std::move(message)};
  }
  static Status Internal(std::string message) {
    return {Code::kInternal, "internal", std::move(message)};
  }
  static Status Unavailable(std::string message) {
    return {Code::kUnavailable, "unavailable", std::move(message)};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // Short machine-readable code for the JSON error body, e.g. "invalid_json".
  const std::string& error_code() const { return error_code_; }
  const std::string& message() const { return message_; }
  // Drop a status on purpose (documents that ignoring it is intended).
  void IgnoreError() const {}

 private:
  Code code_ = Code::kOk;
  std::string error_code_;
  std::string message_;
};

// A value or the Status that explains its absence (std::expected is C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace seam
