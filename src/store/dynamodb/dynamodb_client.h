// DynamoDbClient: DynamoDB's JSON protocol over HTTP(S), signed with SigV4, on libcurl.
//
// One call is one API operation: POST / with `X-Amz-Target: DynamoDB_20120810.<operation>` and
// `Content-Type: application/x-amz-json-1.0`, a JSON body in, a JSON body out. The client keeps
// connections alive and runs many calls at once (a curl multi handle driven by one thread), so
// callers on any number of threads can have hundreds of requests in flight.
//
// Retries: throttling (ProvisionedThroughputExceededException, ThrottlingException,
// RequestLimitExceeded), 5xx answers and dropped or refused connections are retried with
// exponential backoff and full jitter (delay = random(0, min(max_backoff, base * 2^attempt))), up
// to max_attempts; what still fails comes back as the last error. Other errors come back at once.
// (Precisely: every error that dynamodb_error.h's IsRetryable() accepts, which also takes in
// transaction conflicts, and transfers that failed on the way.)
// Every error is mapped from the response's `__type` in one place (dynamodb_error.h).
// Secrets never appear in logs or in error messages.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/dynamodb/aws_config.h"

namespace vdpark {

struct DynamoDbClientOptions {
  AwsSettings settings;                              // region, endpoint, credentials
  int max_connections = 64;                          // connections kept open to the endpoint
  int max_attempts = 10;                             // tries per call, the first included
  std::chrono::milliseconds base_backoff{25};        // backoff before the second try
  std::chrono::milliseconds max_backoff{10000};      // longest wait between two tries
  std::chrono::milliseconds request_timeout{60000};  // one HTTP exchange
  std::chrono::milliseconds connect_timeout{10000};  // making one connection (within the above)
  // The API the operations belong to, sent as `X-Amz-Target: <api>.<operation>`: DynamoDB's, or
  // DynamoDB Streams' (StreamsClientOptions).
  std::string api = "DynamoDB_20120810";
};

// `options` for DynamoDB Streams (DescribeStream, GetShardIterator, GetRecords) of the same
// account and region: its API, and AWS's streams endpoint (https://streams.dynamodb.REGION...)
// where `options` has AWS's default endpoint; an endpoint set by the user (DynamoDB Local, a
// proxy) serves both, as DynamoDB Local does. Signed for the service "dynamodb", as AWS wants.
DynamoDbClientOptions StreamsClientOptions(DynamoDbClientOptions options);

// Counters since the client was made: for reports and tests. Read with .load().
struct DynamoDbClientStats {
  std::atomic<uint64_t> calls{0};              // Call/CallAsync invocations
  std::atomic<uint64_t> attempts{0};           // HTTP requests sent (calls + retries)
  std::atomic<uint64_t> throttled{0};          // answers that were throttling errors
  std::atomic<uint64_t> server_errors{0};      // 5xx answers
  std::atomic<uint64_t> connection_errors{0};  // dropped, refused or timed-out connections
};

class DynamoDbClient {
 public:
  // kInvalidArgument when the endpoint URL is malformed.
  static Result<std::unique_ptr<DynamoDbClient>> Create(DynamoDbClientOptions options);
  ~DynamoDbClient();  // waits for calls in flight to finish
  DynamoDbClient(const DynamoDbClient&) = delete;
  DynamoDbClient& operator=(const DynamoDbClient&) = delete;

  // Sends `operation` ("PutItem", "BatchWriteItem", ...) with `request` as its body, retrying as
  // described above. Returns the response body, or the mapped error (its message names the
  // operation and, from the server, the reason). Thread-safe.
  Result<boost::json::object> Call(std::string_view operation, const boost::json::object& request);

  // The same without blocking: `done` runs on the client's I/O thread when the call has finished
  // (after its retries); it must be quick and must not call Call() itself (CallAsync is fine).
  using Callback = std::function<void(Result<boost::json::object>)>;
  void CallAsync(std::string_view operation, const boost::json::object& request, Callback done);

  const DynamoDbClientStats& stats() const;
  const AwsSettings& settings() const;

 private:
  struct Impl;
  explicit DynamoDbClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vdpark
