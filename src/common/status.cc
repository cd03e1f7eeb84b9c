#include "common/status.h"

namespace vdpark {

namespace {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "ok";
    case Status::Code::kNotFound:
      return "not found";
    case Status::Code::kInvalidArgument:
      return "invalid argument";
    case Status::Code::kConditionFailed:
      return "condition failed";
    case Status::Code::kFailedPrecondition:
      return "failed precondition";
    case Status::Code::kIOError:
      return "I/O error";
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kThrottled:
      return "throttled";
    case Status::Code::kUnavailable:
      return "unavailable";
    case Status::Code::kAborted:
      return "aborted";
    case Status::Code::kNotSupported:
      return "not supported";
    case Status::Code::kInternal:
      return "internal error";
  }
  return "unknown";
}

}  // namespace

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = CodeName(code_);
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  if (!message_.empty()) {
    msg += ": ";
    msg += message_;
  }
  return Status(code_, msg);
}

}  // namespace vdpark
