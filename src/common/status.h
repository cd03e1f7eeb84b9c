// Status: the outcome of an operation that can fail in an expected way.
//
// Errors are values (as in LevelDB): a Status is either ok() or carries a code and a message that
// names the place (file:line, key, URL part). Expected failures are never exceptions; each layer
// converts what its library throws or returns into a Status at its boundary.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace vdpark {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,            // the item, file or table does not exist
    kInvalidArgument,     // bad input: the message names the place and the reason
    kConditionFailed,     // a conditional write's condition did not hold
    kFailedPrecondition,  // the state the operation relies on has changed (start it again)
    kIOError,             // the operating system or a server failed to do what was asked
    kCorruption,          // stored data cannot be decoded
    kThrottled,           // the server asked us to slow down; retryable
    kUnavailable,         // a server could not be reached; retryable
    kAborted,             // stopped on purpose (a visitor asked to stop, a signal)
    kNotSupported,        // this store or build cannot do that
    kInternal,            // a bug or an unexpected answer
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status ConditionFailed(std::string_view msg) {
    return Status(Code::kConditionFailed, msg);
  }
  static Status FailedPrecondition(std::string_view msg) {
    return Status(Code::kFailedPrecondition, msg);
  }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status Throttled(std::string_view msg) { return Status(Code::kThrottled, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsConditionFailed() const { return code_ == Code::kConditionFailed; }
  bool IsFailedPrecondition() const { return code_ == Code::kFailedPrecondition; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsRetryable() const { return code_ == Code::kThrottled || code_ == Code::kUnavailable; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "ok", or the code's name followed by ": " and the message.
  std::string ToString() const;

  // The same status with `context` put in front of the message ("context: message").
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Returns from the enclosing function when `expr` yields a non-OK Status.
#define VDPARK_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::vdpark::Status _vdpark_status = (expr);        \
    if (!_vdpark_status.ok()) return _vdpark_status; \
  } while (0)

}  // namespace vdpark
