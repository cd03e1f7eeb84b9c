// The one place where a DynamoDB error answer becomes our Status.
//
// DynamoDB (and servers that speak its API: dynalite, Alternator, DynamoDB Local) answers a failed
// call with an HTTP 4xx/5xx and a JSON body {"__type": "<namespace>#<Name>", "message": "..."}
// ("Message" in some answers). The namespace before '#' varies ("com.amazonaws.dynamodb.v20120810",
// "com.amazon.coral.validate", "com.amazon.coral.service") and is ignored; <Name> picks the Status
// code from one table:
//
//   ValidationException, SerializationException, ResourceInUseException,
//   ItemCollectionSizeLimitExceededException, IdempotentParameterMismatchException,
//   TransactionCanceledException with a ValidationError reason        -> kInvalidArgument
//   ConditionalCheckFailedException, TransactionCanceledException with
//   a ConditionalCheckFailed reason ("item i: ...", i the first such)  -> kConditionFailed
//   ResourceNotFoundException, IndexNotFoundException, TableNotFoundException -> kNotFound
//   ProvisionedThroughputExceededException, ThrottlingException, RequestLimitExceeded,
//   LimitExceededException, TransactionInProgressException, TransactionConflictException,
//   TransactionCanceledException with a ThrottlingError,
//   ProvisionedThroughputExceeded or TransactionConflict reason      -> kThrottled (retryable)
//   InternalServerError, ServiceUnavailable, ContinuousBackupsUnavailableException, and any 5xx
//   answer without a known type                                        -> kUnavailable (retryable)
//   UnrecognizedClientException, InvalidSignatureException, IncompleteSignatureException,
//   MissingAuthenticationToken(Exception), AccessDeniedException, ExpiredTokenException
//                                                  -> kInvalidArgument, with a hint on credentials
//   UnknownOperationException (the server lacks the operation, as dynalite lacks
//   UpdateTimeToLive)                                                  -> kNotSupported
//   TransactionCanceledException with no reason above                 -> kAborted
//   anything else                                                      -> kInternal, naming the
//   type
//
// TransactionConflict is retryable on purpose: another transaction held one of the items, nothing
// was written, and a retry re-checks every condition, so retrying cannot double-apply a write.
//
// Messages read "<operation>: <Name>: <server message>" (the transaction form puts "item i: "
// first). They never contain credentials.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "common/status.h"

namespace vdpark {

// The Status for a failed call of `operation` ("PutItem") that the server answered with
// `http_status` and `body` (nullptr when the body was empty or not a JSON object). Never OK.
Status DynamoDbError(std::string_view operation, int http_status, const boost::json::object* body);

// The error name of a `__type` value: the part after the last '#' ("ValidationException").
std::string_view ErrorTypeName(std::string_view type);

// Whether the client retries a call that failed with `status`: throttling and unavailability.
bool IsRetryable(const Status& status);

}  // namespace vdpark
