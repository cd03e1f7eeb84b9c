// The one place S3's answers become vdpark's errors (common/status.h), for every S3 call.
//
// S3 answers an error with an HTTP status and, except for HEAD, an XML body
// (<Error><Code>NoSuchKey</Code><Message>...</Message></Error>). The code decides the Status:
//   NoSuchKey, NoSuchBucket, NoSuchUpload (or a bodiless 404)        -> kNotFound
//   SlowDown, Throttling, ThrottlingException, RequestLimitExceeded  -> kThrottled (retried)
//   any 5xx (InternalError, ServiceUnavailable, ...)                 -> kUnavailable (retried)
//   InvalidBucketName, InvalidArgument, KeyTooLongError, ...         -> kInvalidArgument
//   everything else (AccessDenied, SignatureDoesNotMatch, ...)       -> kIOError
// The message names the operation, the object (s3://bucket/key), S3's code, the HTTP status and
// S3's message: "S3 GetObject s3://b/k: NoSuchKey (HTTP 404): The specified key does not exist."
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vdpark {

// S3's error code from an error body; "" when the body holds none.
std::string S3ErrorCode(std::string_view body);

// The Status for an answer with HTTP status `http_status` (>= 300) and `body`; `what` is
// "S3 GetObject s3://bucket/key".
Status S3ErrorStatus(std::string_view what, long http_status, std::string_view body);

}  // namespace vdpark
