// FaultProxy: a test's HTTP/1.1 proxy between a DynamoDB client and a server that speaks DynamoDB's
// JSON API (dynalite), injecting the faults real DynamoDB produces under load, so that tests can
// show that a loader loses nothing and applies nothing twice (SPEC §7).
//
// It listens on 127.0.0.1 on an ephemeral port (`endpoint()`, "http://127.0.0.1:PORT") and runs on
// its own thread until it is destroyed. Each client connection gets its own upstream connection;
// both are kept alive across requests (an upstream connection the server closed while idle is
// replaced unseen). Requests and answers pass unchanged, headers included, except where a fault
// rewrites them (and `Expect: 100-continue`, which the proxy answers itself). Nothing is re-signed:
// SigV4 covers the body, which is fine because dynalite checks only that a well-formed
// Authorization header is there.
//
// Faults, drawn per request from one RNG seeded with `seed` (the same seed and the same sequence of
// requests give the same faults), in this order; each rate is the probability that a request which
// has reached that stage gets the fault:
//   1. throttle:    answered 400 with a ThrottlingException body (a `provisioned_share` of them
//                   ProvisionedThroughputExceededException instead), not forwarded;
//   2. drop_before: the client's connection is closed without an answer, nothing forwarded;
//   3. unprocessed: (BatchWriteItem only) a random strict subset of the write requests is forwarded
//                   (possibly none: at least one is always held back) and the answer is 200 with
//                   the held-back ones in `UnprocessedItems`, in DynamoDB's shape, merged into the
//                   upstream's response (ConsumedCapacity etc. kept); when none is forwarded the
//                   proxy answers {"UnprocessedItems":{...}} itself. An upstream error is passed
//                   on.
//   4. drop_after:  the request is forwarded (and applied), then the client's connection is closed
//                   without the answer: the client must retry idempotently.
// A rewritten answer gets a fresh x-amz-crc32. Note that libcurl may itself resend a request once
// on a fresh connection when a reused connection dies before any answer, so a drop need not reach a
// libcurl client's own retry counters; the proxy's counters always count it.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace vdpark::testing {

struct FaultRates {
  double throttle = 0;             // answered 400 throttling, not forwarded
  double provisioned_share = 0.5;  // of the throttled, answered ProvisionedThroughputExceeded
  double drop_before = 0;          // connection closed, nothing forwarded
  double unprocessed = 0;          // BatchWriteItem: part forwarded, the rest UnprocessedItems
  double drop_after = 0;           // forwarded, then connection closed without the answer
};

// One request as the client sent it (Expect included), and what the client was answered.
struct ObservedRequest {
  std::string method;  // "PUT"
  std::string target;  // as on the request line: path and query, still %-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // name as sent, value; in order
  std::string body;
  // The answer's status and body as sent to the client; 0 and "" when its connection was closed
  // instead (drops, upstream errors), and in what `fail_with` is given (not yet answered).
  int answer_status = 0;
  std::string answer_body;
};

struct FaultProxyOptions {
  std::string upstream;  // the server: "http://HOST:PORT" or "HOST:PORT" (plain HTTP only)
  FaultRates rates;      // all 0: a transparent proxy
  uint64_t seed = 1;     // of the RNG that draws every fault
  std::chrono::seconds idle_timeout{60};     // a client connection idle this long is closed
  std::chrono::seconds request_timeout{60};  // one read of a request, one upstream exchange
  // Called on the proxy's thread with every request, once it is handled and before its answer is
  // written: when a client call returns, the observer has seen all of its requests. Must not block.
  std::function<void(const ObservedRequest&)> on_request;
  // Called on the proxy's thread with every request before it is handled: an HTTP status (e.g. 500)
  // answers the request with that status and fault_proxy::S3ErrorBody(status) instead of
  // forwarding it; nullopt lets it through (to the faults above).
  std::function<std::optional<int>(const ObservedRequest&)> fail_with;
};

// Counters since the proxy started; read with .load().
struct FaultProxyCounters {
  std::atomic<uint64_t> connections{0};  // client connections accepted
  std::atomic<uint64_t> requests{0};     // requests read from clients
  // Requests sent upstream and answered by it, faults 3 and 4 included (a BatchWriteItem cut down
  // to no entry at all is not sent).
  std::atomic<uint64_t> forwarded{0};
  std::atomic<uint64_t> throttled{0};              // fault 1, both kinds
  std::atomic<uint64_t> throttled_provisioned{0};  // fault 1 as ProvisionedThroughputExceeded
  std::atomic<uint64_t> dropped_before{0};         // fault 2
  // Fault 3: answers that returned held-back entries in UnprocessedItems, and those entries (an
  // answer that fault 4 then drops is counted there instead).
  std::atomic<uint64_t> unprocessed_batches{0};
  std::atomic<uint64_t> unprocessed_items{0};
  std::atomic<uint64_t> dropped_after{0};  // fault 4
  std::atomic<uint64_t> failed{0};         // answered by `fail_with`, not forwarded
  // Upstream unreachable or broken: the client's connection is closed (not a fault of ours).
  std::atomic<uint64_t> upstream_errors{0};
};

class FaultProxy {
 public:
  // Binds 127.0.0.1:0 and starts serving. kInvalidArgument when `upstream` is not an http URL with
  // a port; kIOError when it does not resolve or the port cannot be bound.
  static Result<std::unique_ptr<FaultProxy>> Start(FaultProxyOptions options);
  ~FaultProxy();  // closes every connection and stops the thread
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // "http://127.0.0.1:PORT": what a client uses as its DynamoDB endpoint.
  std::string endpoint() const;
  const FaultProxyCounters& counters() const;
  // Replaces the rates for requests read from now on (e.g. 0 to let a client finish cleanly).
  void SetRates(const FaultRates& rates);

 private:
  struct Impl;
  explicit FaultProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The pure parts of the proxy, tested without a network.
namespace fault_proxy {

// The body DynamoDB answers a throttled request with (HTTP 400).
std::string ThrottlingBody(bool provisioned_throughput_exceeded);

// The XML error body S3 sends with `status`: InternalError for 500, SlowDown for 503 (S3's
// throttling), ServiceUnavailable for other 5xx, InvalidRequest otherwise.
std::string S3ErrorBody(int status);

// A BatchWriteItem request cut in two by fault 3.
struct BatchWriteSplit {
  std::optional<std::string> forward_body;  // the request with the kept entries; nullopt: none
  boost::json::object unprocessed;          // TABLE -> [entries held back], request order
  size_t forwarded = 0;                     // write requests kept
  size_t held_back = 0;                     // write requests in `unprocessed` (>= 1)
};

// Keeps a uniformly drawn number (0 to n-1) of the n write requests of a BatchWriteItem body,
// chosen at random; the other top-level fields (ReturnConsumedCapacity, ...) stay. nullopt when the
// body is not a BatchWriteItem request with at least one write request (then it is forwarded as
// is).
std::optional<BatchWriteSplit> SplitBatchWrite(std::string_view body, std::mt19937_64& rng);

// The client's answer: `upstream_body` (a 200 BatchWriteItem response; nullopt when nothing was
// forwarded) with `unprocessed` appended to its UnprocessedItems, table by table.
std::string MergeUnprocessed(const std::optional<std::string>& upstream_body,
                             const boost::json::object& unprocessed);

}  // namespace fault_proxy
}  // namespace vdpark::testing
