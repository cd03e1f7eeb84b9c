#include "ingest/failure_class.h"

namespace vdpark {

FailureClass ClassifyFailure(const Status& failure) {
  switch (failure.code()) {
    case Status::Code::kCorruption:
    case Status::Code::kInvalidArgument:
    case Status::Code::kConditionFailed:
    case Status::Code::kInternal:
      return FailureClass::kMessage;
    case Status::Code::kOk:
    case Status::Code::kUnavailable:
    case Status::Code::kThrottled:
    case Status::Code::kIOError:
    case Status::Code::kNotFound:
    case Status::Code::kAborted:
    case Status::Code::kNotSupported:
    case Status::Code::kFailedPrecondition:
      return FailureClass::kStore;
  }
  return FailureClass::kStore;  // a code added later waits until it is classified here
}

std::string_view ToString(FailureClass c) {
  return c == FailureClass::kMessage ? "message" : "store";
}

}  // namespace vdpark
