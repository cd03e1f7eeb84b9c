#include "store/dynamodb/dynamodb_error.h"

#include <array>
#include <string>

namespace vdpark {

namespace {

// What an error name means to us. Most kinds are one Status code; kCredentials and
// kTransactionCanceled need more than the name to build their Status.
enum class Kind {
  kInvalidArgument,
  kConditionFailed,
  kNotFound,
  kThrottled,
  kUnavailable,
  kCredentials,
  kNotSupported,
  kTransactionCanceled,
};

struct ErrorRule {
  std::string_view type;
  Kind kind;
};

constexpr std::array kErrorRules{
    ErrorRule{"ValidationException", Kind::kInvalidArgument},
    ErrorRule{"SerializationException", Kind::kInvalidArgument},
    ErrorRule{"ResourceInUseException", Kind::kInvalidArgument},
    ErrorRule{"ItemCollectionSizeLimitExceededException", Kind::kInvalidArgument},
    ErrorRule{"IdempotentParameterMismatchException", Kind::kInvalidArgument},
    ErrorRule{"ConditionalCheckFailedException", Kind::kConditionFailed},
    ErrorRule{"ResourceNotFoundException", Kind::kNotFound},
    ErrorRule{"IndexNotFoundException", Kind::kNotFound},
    ErrorRule{"TableNotFoundException", Kind::kNotFound},
    ErrorRule{"ProvisionedThroughputExceededException", Kind::kThrottled},
    ErrorRule{"ThrottlingException", Kind::kThrottled},
    ErrorRule{"RequestLimitExceeded", Kind::kThrottled},
    ErrorRule{"LimitExceededException", Kind::kThrottled},
    ErrorRule{"TransactionInProgressException", Kind::kThrottled},
    ErrorRule{"TransactionConflictException", Kind::kThrottled},
    ErrorRule{"InternalServerError", Kind::kUnavailable},
    ErrorRule{"InternalFailure", Kind::kUnavailable},
    ErrorRule{"ServiceUnavailable", Kind::kUnavailable},
    ErrorRule{"ServiceUnavailableException", Kind::kUnavailable},
    // Right after CreateTable, AWS refuses point-in-time recovery for a while: try again later.
    ErrorRule{"ContinuousBackupsUnavailableException", Kind::kUnavailable},
    ErrorRule{"UnrecognizedClientException", Kind::kCredentials},
    ErrorRule{"InvalidSignatureException", Kind::kCredentials},
    ErrorRule{"IncompleteSignatureException", Kind::kCredentials},
    ErrorRule{"MissingAuthenticationToken", Kind::kCredentials},
    ErrorRule{"MissingAuthenticationTokenException", Kind::kCredentials},
    ErrorRule{"AccessDeniedException", Kind::kCredentials},
    ErrorRule{"ExpiredTokenException", Kind::kCredentials},
    ErrorRule{"UnknownOperationException", Kind::kNotSupported},
    ErrorRule{"TransactionCanceledException", Kind::kTransactionCanceled},
};

const ErrorRule* FindRule(std::string_view name) {
  for (const ErrorRule& rule : kErrorRules) {
    if (rule.type == name) return &rule;
  }
  return nullptr;
}

// What a cancellation reason's Code means for the whole transaction, most telling first: a
// failed condition is the caller's answer, a validation error their bug, contention is retryable.
struct ReasonRule {
  std::string_view code;
  Status::Code status;
};

constexpr std::array kReasonRules{
    ReasonRule{"ConditionalCheckFailed", Status::Code::kConditionFailed},
    ReasonRule{"ValidationError", Status::Code::kInvalidArgument},
    ReasonRule{"ItemCollectionSizeLimitExceeded", Status::Code::kInvalidArgument},
    ReasonRule{"TransactionConflict", Status::Code::kThrottled},
    ReasonRule{"ProvisionedThroughputExceeded", Status::Code::kThrottled},
    ReasonRule{"ThrottlingError", Status::Code::kThrottled},
};

std::string_view StringField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

Status MakeStatus(Status::Code code, const std::string& msg) {
  switch (code) {
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(msg);
    case Status::Code::kConditionFailed:
      return Status::ConditionFailed(msg);
    case Status::Code::kNotFound:
      return Status::NotFound(msg);
    case Status::Code::kThrottled:
      return Status::Throttled(msg);
    case Status::Code::kUnavailable:
      return Status::Unavailable(msg);
    case Status::Code::kNotSupported:
      return Status::NotSupported(msg);
    case Status::Code::kAborted:
      return Status::Aborted(msg);
    default:
      return Status::Internal(msg);
  }
}

// TransactionCanceledException: the reasons array is parallel to the request's items; the first
// item whose reason ranks highest in kReasonRules decides the Status and is named in the message.
Status TransactionCanceled(const std::string& prefix, std::string_view message,
                           const boost::json::object& body) {
  const boost::json::value* reasons = body.if_contains("CancellationReasons");
  if (reasons != nullptr && reasons->is_array()) {
    const boost::json::array& list = reasons->get_array();
    for (const ReasonRule& rule : kReasonRules) {
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_object()) continue;
        const boost::json::object& reason = list[i].get_object();
        if (StringField(reason, "Code") != rule.code) continue;
        std::string_view why = StringField(reason, "Message");
        std::string msg = "item " + std::to_string(i) + ": " + prefix + std::string(rule.code);
        if (!why.empty()) msg += ": " + std::string(why);
        return MakeStatus(rule.status, msg);
      }
    }
  }
  return Status::Aborted(prefix + std::string(message));
}

}  // namespace

std::string_view ErrorTypeName(std::string_view type) {
  size_t hash = type.rfind('#');
  return hash == std::string_view::npos ? type : type.substr(hash + 1);
}

Status DynamoDbError(std::string_view operation, int http_status, const boost::json::object* body) {
  std::string_view name;
  std::string_view message;
  if (body != nullptr) {
    name = ErrorTypeName(StringField(*body, "__type"));
    message = StringField(*body, "message");
    if (message.empty()) message = StringField(*body, "Message");
  }
  std::string prefix(operation);
  prefix += ": ";

  if (name.empty()) {
    std::string msg = prefix + "HTTP " + std::to_string(http_status) + " without a DynamoDB error";
    if (http_status >= 500) return Status::Unavailable(msg);
    if (http_status == 429) return Status::Throttled(msg);
    if (http_status == 403) {
      return Status::InvalidArgument(msg + " (access denied: check the AWS credentials)");
    }
    return Status::Internal(msg + " (is the endpoint a DynamoDB server?)");
  }

  std::string text = prefix + std::string(name);
  if (!message.empty()) text += ": " + std::string(message);
  const ErrorRule* rule = FindRule(name);
  if (rule == nullptr) {
    if (http_status >= 500) return Status::Unavailable(text);
    return Status::Internal(prefix + "unexpected error type " + std::string(name) +
                            (message.empty() ? "" : ": " + std::string(message)));
  }
  switch (rule->kind) {
    case Kind::kInvalidArgument:
      if (name == "ResourceInUseException") {
        // dynalite sends no message at all; AWS's does not always say what is in use.
        text += message.empty() ? ": table already exists or is in use"
                                : " (table already exists or is in use)";
      }
      return Status::InvalidArgument(text);
    case Kind::kConditionFailed:
      return Status::ConditionFailed(text);
    case Kind::kNotFound:
      return Status::NotFound(text);
    case Kind::kThrottled:
      return Status::Throttled(text);
    case Kind::kUnavailable:
      return Status::Unavailable(text);
    case Kind::kCredentials:
      return Status::InvalidArgument(
          text +
          " (the server refused the credentials: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
          "the profile, the region and the system clock)");
    case Kind::kNotSupported:
      return Status::NotSupported(prefix + "the server does not support this operation (" +
                                  std::string(name) + ")");
    case Kind::kTransactionCanceled:
      return TransactionCanceled(prefix, message.empty() ? name : message, *body);
  }
  return Status::Internal(text);
}

bool IsRetryable(const Status& status) {
  return status.IsRetryable();
}

}  // namespace vdpark
