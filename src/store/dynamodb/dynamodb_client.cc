#include "store/dynamodb/dynamodb_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/crc.hpp>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "common/redact_url.h"
#include "store/dynamodb/aws_http.h"
#include "store/dynamodb/dynamodb_error.h"
#include "store/dynamodb/sigv4.h"

namespace vdpark {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kContentType = "application/x-amz-json-1.0";

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

DynamoDbClientOptions StreamsClientOptions(DynamoDbClientOptions options) {
  options.api = "DynamoDBStreams_20120810";
  if (options.settings.endpoint_source == "default") {
    options.settings.endpoint =
        "https://streams.dynamodb." + options.settings.region + ".amazonaws.com";
  }
  return options;
}

struct DynamoDbClient::Impl {
  // One call, from CallAsync to its callback, across its attempts.
  struct Request {
    std::string operation;
    std::string body;
    Callback done;
    int attempts = 0;               // HTTP exchanges started
    Status presign_error;           // signing failed before the first attempt
    curl_slist* headers = nullptr;  // of the next or current attempt
    std::string response;
    char error[CURL_ERROR_SIZE] = {};
    ~Request() { curl_slist_free_all(headers); }
  };
  using RequestPtr = std::unique_ptr<Request>;

  DynamoDbClientOptions options;
  AwsEndpoint endpoint;
  DynamoDbClientStats stats;
  sigv4::SigningKeyCache keys;
  CURLM* multi = nullptr;

  std::mutex mu;                     // guards incoming and stopping
  std::vector<RequestPtr> incoming;  // submitted, not yet seen by the I/O thread
  bool stopping = false;

  // Owned by the I/O thread alone.
  std::deque<RequestPtr> ready;  // to start as soon as a connection slot frees
  std::multimap<Clock::time_point, RequestPtr> waiting;  // backing off until their time
  std::vector<CURL*> spare_handles;                      // finished easy handles, reused
  int in_flight = 0;
  boost::json::parser parser;  // reused: keeps its buffers between responses
  std::thread io;

  ~Impl() {
    for (CURL* easy : spare_handles) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }

  // Signs the request for an attempt now and prepares its header list.
  Status Prepare(Request* r) {
    sigv4::SigningRequest sr;
    sr.path = endpoint.path;
    sr.headers = {{"host", endpoint.host},
                  {"content-type", std::string(kContentType)},
                  {"x-amz-target", options.api + "." + r->operation}};
    sr.body = std::move(r->body);  // lent to the signer: bodies can be large
    sigv4::SigV4Params params;
    params.region = options.settings.region;
    params.service = "dynamodb";
    params.time = Timestamp::Now();
    Result<sigv4::SignedRequest> s = sigv4::Sign(sr, params, options.settings.credentials, &keys);
    r->body = std::move(sr.body);
    if (!s.ok()) return s.status().WithContext(r->operation);
    curl_slist_free_all(r->headers);
    r->headers = nullptr;
    auto add = [r](const std::string& name, const std::string& value) {
      r->headers = curl_slist_append(r->headers, (name + ": " + value).c_str());
    };
    for (const auto& [name, value] : sr.headers) add(name, value);
    for (const auto& [name, value] : s->headers) add(name, value);
    // curl would otherwise wait for "100 Continue" before sending a large body.
    r->headers = curl_slist_append(r->headers, "Expect:");
    return Status::OK();
  }

  void Submit(RequestPtr r) {
    {
      std::lock_guard lock(mu);
      incoming.push_back(std::move(r));
    }
    curl_multi_wakeup(multi);
  }

  void Run() {
    while (true) {
      bool stop = false;
      {
        std::lock_guard lock(mu);
        for (RequestPtr& r : incoming) ready.push_back(std::move(r));
        incoming.clear();
        stop = stopping;
      }
      Clock::time_point now = Clock::now();
      while (!waiting.empty() && waiting.begin()->first <= now) {
        ready.push_back(std::move(waiting.begin()->second));
        waiting.erase(waiting.begin());
      }
      // Requests beyond the connection limit wait here rather than in curl, so that
      // request_timeout measures one exchange and not the time spent queued behind others.
      while (!ready.empty() && in_flight < options.max_connections) {
        RequestPtr r = std::move(ready.front());
        ready.pop_front();
        Start(std::move(r));
      }
      int running = 0;
      curl_multi_perform(multi, &running);
      int finished = Reap();
      if (stop && in_flight == 0 && ready.empty() && waiting.empty()) {
        std::lock_guard lock(mu);
        if (incoming.empty()) return;
        continue;
      }
      if (finished > 0) continue;  // slots freed or retries queued: start them before sleeping
      auto timeout = std::chrono::milliseconds(1000);
      if (!waiting.empty()) {
        auto until = std::chrono::ceil<std::chrono::milliseconds>(waiting.begin()->first - now);
        timeout = std::clamp(until, std::chrono::milliseconds(0), timeout);
      }
      // Also returns early for curl's own timers and for curl_multi_wakeup from Submit.
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(timeout.count()), nullptr);
    }
  }

  void Start(RequestPtr r) {
    if (!r->presign_error.ok()) {
      Status s = r->presign_error;
      return Complete(std::move(r), s);
    }
    if (r->attempts > 0) {
      Status s = Prepare(r.get());
      if (!s.ok()) return Complete(std::move(r), s);
    }
    CURL* easy = nullptr;
    if (!spare_handles.empty()) {
      easy = spare_handles.back();
      spare_handles.pop_back();
      curl_easy_reset(easy);
    } else {
      easy = curl_easy_init();
    }
    if (easy == nullptr) return Complete(std::move(r), Status::Internal("curl_easy_init failed"));
    r->response.clear();
    r->error[0] = '\0';
    curl_easy_setopt(easy, CURLOPT_URL, endpoint.url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r->body.size()));
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendToString);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &r->response);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, r->error);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "vdpark");
    ++r->attempts;
    ++stats.attempts;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, r.get());
    if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
      spare_handles.push_back(easy);
      return Complete(std::move(r), Status::Internal("curl_multi_add_handle failed"));
    }
    ++in_flight;
    r.release();  // owned by the transfer until Reap takes it back
  }

  // Takes finished transfers back from curl; returns how many there were.
  int Reap() {
    int finished = 0;
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      char* priv = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
      RequestPtr r(reinterpret_cast<Request*>(priv));
      Result<boost::json::object> result = Evaluate(*r, easy, code);
      curl_multi_remove_handle(multi, easy);
      spare_handles.push_back(easy);
      --in_flight;
      ++finished;
      if (!result.ok() && IsRetryable(result.status()) && r->attempts < options.max_attempts) {
        Retry(std::move(r), result.status());
      } else {
        Complete(std::move(r), std::move(result));
      }
    }
    return finished;
  }

  Result<boost::json::object> Evaluate(Request& r, CURL* easy, CURLcode code) {
    if (code != CURLE_OK) {
      ++stats.connection_errors;
      std::string msg = r.operation + ": no answer from " + RedactUrl(endpoint.url) + ": " +
                        (r.error[0] != '\0' ? r.error : curl_easy_strerror(code));
      if (IsRetryableCurlCode(code)) return Status::Unavailable(msg);
      return Status::IOError(msg);
    }
    long http = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http);
    // DynamoDB sends the CRC32 of every body; the SDKs check it, and so do we, since a damaged
    // answer must not be mistaken for the server's.
    curl_header* crc = nullptr;
    if (curl_easy_header(easy, "x-amz-crc32", 0, CURLH_HEADER, -1, &crc) == CURLHE_OK) {
      boost::crc_32_type sum;
      sum.process_bytes(r.response.data(), r.response.size());
      if (std::strtoull(crc->value, nullptr, 10) != sum.checksum()) {
        ++stats.connection_errors;
        return Status::Unavailable(r.operation + ": the answer was damaged in transit (CRC32)");
      }
    }
    boost::system::error_code ec;
    parser.reset();
    parser.write(r.response, ec);
    boost::json::value body;
    if (!ec) body = parser.release();
    const boost::json::object* object = body.if_object();
    if (http == 200) {
      if (object != nullptr) return std::move(body.get_object());
      return Status::Internal(r.operation + ": the answer is not a JSON object" +
                              (ec ? " (" + ec.message() + ")" : ""));
    }
    if (http >= 500) ++stats.server_errors;
    Status s = DynamoDbError(r.operation, static_cast<int>(http), object);
    if (s.code() == Status::Code::kThrottled) ++stats.throttled;
    return s;
  }

  // Full jitter: a random wait up to base * 2^(retry - 1), capped, so that many clients throttled
  // at once do not come back at once.
  void Retry(RequestPtr r, const Status& why) {
    int shift = std::min(r->attempts - 1, 30);
    auto cap = std::chrono::duration_cast<std::chrono::microseconds>(options.base_backoff) *
               (int64_t{1} << shift);
    cap = std::min(cap, std::chrono::duration_cast<std::chrono::microseconds>(options.max_backoff));
    auto delay = Jitter(cap);
    spdlog::debug("DynamoDB {}: attempt {}/{} failed ({}); retrying in {} ms", r->operation,
                  r->attempts, options.max_attempts, why.ToString(), delay.count() / 1000);
    waiting.emplace(Clock::now() + delay, std::move(r));
  }

  void Complete(RequestPtr r, Result<boost::json::object> result) {
    // A retryable error here means the attempts ran out: say so after the server's reason.
    if (!result.ok() && IsRetryable(result.status()) && r->attempts > 1) {
      Status s = result.status();
      std::string msg =
          s.message() + " (gave up after " + std::to_string(r->attempts) + " attempts)";
      result =
          s.code() == Status::Code::kThrottled ? Status::Throttled(msg) : Status::Unavailable(msg);
    }
    // A callback that throws must not take the I/O thread, and every other call, down with it.
    try {
      r->done(std::move(result));
    } catch (const std::exception& e) {
      spdlog::error("DynamoDB {}: the completion callback threw: {}", r->operation, e.what());
    } catch (...) {
      spdlog::error("DynamoDB {}: the completion callback threw", r->operation);
    }
  }
};

Result<std::unique_ptr<DynamoDbClient>> DynamoDbClient::Create(DynamoDbClientOptions options) {
  InitCurlOnce();
  if (options.max_connections < 1) return Status::InvalidArgument("max_connections must be >= 1");
  if (options.max_attempts < 1) return Status::InvalidArgument("max_attempts must be >= 1");
  VDPARK_ASSIGN_OR_RETURN(AwsEndpoint endpoint,
                          ParseAwsEndpoint(options.settings.endpoint, "DynamoDB"));
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->endpoint = std::move(endpoint);
  impl->multi = curl_multi_init();
  if (impl->multi == nullptr) return Status::Internal("curl_multi_init failed");
  long connections = impl->options.max_connections;
  curl_multi_setopt(impl->multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  curl_multi_setopt(impl->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, connections);
  curl_multi_setopt(impl->multi, CURLMOPT_MAXCONNECTS, connections);  // keep them all alive
  Impl* raw = impl.get();
  impl->io = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<DynamoDbClient>(new DynamoDbClient(std::move(impl)));
}

DynamoDbClient::DynamoDbClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DynamoDbClient::~DynamoDbClient() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  curl_multi_wakeup(impl_->multi);
  impl_->io.join();
}

void DynamoDbClient::CallAsync(std::string_view operation, const boost::json::object& request,
                               Callback done) {
  ++impl_->stats.calls;
  auto r = std::make_unique<Impl::Request>();
  r->operation = std::string(operation);
  r->body = boost::json::serialize(request);
  r->done = std::move(done);
  // The first signature is made here, on the caller's thread, to keep the I/O thread free.
  r->presign_error = impl_->Prepare(r.get());
  impl_->Submit(std::move(r));
}

Result<boost::json::object> DynamoDbClient::Call(std::string_view operation,
                                                 const boost::json::object& request) {
  if (std::this_thread::get_id() == impl_->io.get_id()) {
    return Status::Internal(std::string(operation) +
                            ": Call() from a completion callback would wait forever");
  }
  // Shared, so that the promise outlives set_value even when the waiter wakes up first.
  auto promise = std::make_shared<std::promise<Result<boost::json::object>>>();
  std::future<Result<boost::json::object>> future = promise->get_future();
  CallAsync(operation, request,
            [promise](Result<boost::json::object> r) { promise->set_value(std::move(r)); });
  return future.get();
}

const DynamoDbClientStats& DynamoDbClient::stats() const {
  return impl_->stats;
}

const AwsSettings& DynamoDbClient::settings() const {
  return impl_->options.settings;
}

}  // namespace vdpark
