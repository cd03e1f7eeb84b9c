// FaultProxy (fault_proxy.h): an HTTP/1.1 proxy on Asio and Beast that injects DynamoDB's faults.
#include "fault_proxy.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/crc.hpp>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "fault_proxy_http.h"

namespace vdpark::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace proxy_http;

// ---------------------------------------------------------------------------------------------
// The pure parts.

namespace fault_proxy {

std::string ThrottlingBody(bool provisioned_throughput_exceeded) {
  // The texts DynamoDB itself sends, so that a client's error mapping sees what it will in AWS.
  if (provisioned_throughput_exceeded) {
    return R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",)"
           R"("message":"The level of configured provisioned throughput for the table was )"
           R"(exceeded. Consider increasing your provisioning level with the UpdateTable API."})";
  }
  return R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",)"
         R"("message":"Rate exceeded"})";
}

std::string S3ErrorBody(int status) {
  // S3's own codes and texts, so that a client's error mapping sees what it will in AWS.
  std::string_view code = "InvalidRequest";
  std::string_view message = "Invalid Request";
  if (status == 500) {
    code = "InternalError";
    message = "We encountered an internal error. Please try again.";
  } else if (status == 503) {
    code = "SlowDown";
    message = "Please reduce your request rate.";
  } else if (status > 500) {
    code = "ServiceUnavailable";
    message = "Service is unable to handle request.";
  }
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?>)";
  body += "\n<Error><Code>";
  body += code;
  body += "</Code><Message>";
  body += message;
  body += "</Message><RequestId>FAULTPROXY</RequestId></Error>";
  return body;
}

std::optional<BatchWriteSplit> SplitBatchWrite(std::string_view body, std::mt19937_64& rng) {
  boost::system::error_code ec;
  json::value request = json::parse(body, ec);
  if (ec || !request.is_object()) return std::nullopt;
  json::value* items = request.as_object().if_contains("RequestItems");
  if (items == nullptr || !items->is_object()) return std::nullopt;

  size_t n = 0;
  for (const auto& [table, entries] : items->as_object()) {
    if (!entries.is_array()) return std::nullopt;
    n += entries.as_array().size();
  }
  if (n == 0) return std::nullopt;

  // At least one entry is held back: a cut that keeps everything would be no fault at all.
  const size_t keep = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> kept(n, false);
  for (size_t i = 0; i < keep; ++i) kept[order[i]] = true;

  BatchWriteSplit split;
  json::object forward_items;
  size_t i = 0;
  for (const auto& [table, entries] : items->as_object()) {
    for (const json::value& entry : entries.as_array()) {
      json::object& side = kept[i++] ? forward_items : split.unprocessed;
      json::value& list = side[table];
      if (!list.is_array()) list.emplace_array();
      list.as_array().push_back(entry);
    }
  }
  split.forwarded = keep;
  split.held_back = n - keep;
  if (keep > 0) {
    *items = std::move(forward_items);
    split.forward_body = json::serialize(request);
  }
  return split;
}

std::string MergeUnprocessed(const std::optional<std::string>& upstream_body,
                             const json::object& unprocessed) {
  json::object answer;
  if (upstream_body) {
    boost::system::error_code ec;
    json::value parsed = json::parse(*upstream_body, ec);
    if (!ec && parsed.is_object()) answer = std::move(parsed.as_object());
  }
  json::value& all = answer["UnprocessedItems"];
  if (!all.is_object()) all.emplace_object();
  for (const auto& [table, entries] : unprocessed) {
    json::value& list = all.as_object()[table];
    if (!list.is_array()) list.emplace_array();
    for (const json::value& entry : entries.as_array()) list.as_array().push_back(entry);
  }
  return json::serialize(answer);
}

}  // namespace fault_proxy

// ---------------------------------------------------------------------------------------------
// The proxy.

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
// BatchWriteItem requests top out at 16 MB and Scan/Query pages at 1 MB of data (more as JSON).
constexpr uint64_t kMaxBodyBytes = uint64_t{64} << 20;
constexpr std::string_view kBatchWriteTarget = "DynamoDB_20120810.BatchWriteItem";

// DynamoDB's responses carry the CRC32 of their body; a rewritten body needs a fresh one.
std::string Crc32Of(std::string_view body) {
  boost::crc_32_type crc;
  crc.process_bytes(body.data(), body.size());
  return std::to_string(crc.checksum());
}

void SetJsonBody(Response* res, std::string body) {
  res->set(http::field::content_type, "application/x-amz-json-1.0");
  res->set("x-amz-crc32", Crc32Of(body));
  res->body() = std::move(body);
  res->prepare_payload();
}

ObservedRequest Observe(const Request& req) {
  ObservedRequest o;
  o.method = std::string(req.method_string());
  o.target = std::string(req.target());
  for (const auto& field : req) o.headers.emplace_back(field.name_string(), field.value());
  o.body = req.body();
  return o;
}

enum class Action { kForward, kThrottle, kDropBefore };

// What happens to one request, drawn before it is handled.
struct Plan {
  Action action = Action::kForward;
  bool provisioned = false;  // kThrottle: which error
  bool split = false;        // kForward: cut a BatchWriteItem (fault 3)
  uint64_t split_seed = 0;   // the cut's own RNG, so the cut runs outside the lock
  bool drop_after = false;   // kForward: no answer (fault 4)
};

// The upstream side of one client connection.
struct Upstream {
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

}  // namespace

struct FaultProxy::Impl {
  explicit Impl(FaultProxyOptions o) : options(std::move(o)), rng(options.seed) {
    rates = options.rates;
  }
  ~Impl() {
    // Suspended sessions are destroyed with the io_context, closing their sockets.
    ioc.stop();
    if (thread.joinable()) thread.join();
  }

  Plan Draw(bool batch_write);
  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(tcp::socket socket);
  asio::awaitable<beast::error_code> Exchange(Upstream& up, Request& req, Response& res);

  FaultProxyOptions options;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  tcp::resolver::results_type upstream;
  uint16_t port = 0;
  FaultProxyCounters counters;
  std::atomic<uint64_t> next_request_id{1};
  std::mutex mu;  // guards rng and rates
  std::mt19937_64 rng;
  FaultRates rates;
  std::thread thread;
};

Plan FaultProxy::Impl::Draw(bool batch_write) {
  std::lock_guard lock(mu);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  Plan plan;
  if (coin(rng) < rates.throttle) {
    plan.action = Action::kThrottle;
    plan.provisioned = coin(rng) < rates.provisioned_share;
    return plan;
  }
  if (coin(rng) < rates.drop_before) {
    plan.action = Action::kDropBefore;
    return plan;
  }
  if (batch_write && coin(rng) < rates.unprocessed) {
    plan.split = true;
    plan.split_seed = rng();
  }
  plan.drop_after = coin(rng) < rates.drop_after;
  return plan;
}

asio::awaitable<void> FaultProxy::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    counters.connections++;
    asio::co_spawn(ioc, Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<beast::error_code> FaultProxy::Impl::Exchange(Upstream& up, Request& req,
                                                              Response& res) {
  for (int attempt = 0;; ++attempt) {
    const bool reused = up.stream.has_value();
    beast::error_code ec;
    if (!reused) {
      up.stream.emplace(ioc.get_executor());
      up.buffer.clear();
      up.stream->expires_after(options.request_timeout);
      std::tie(ec, std::ignore) = co_await up.stream->async_connect(upstream, kNoThrow);
      if (ec) {
        up.stream.reset();
        co_return ec;
      }
      up.stream->socket().set_option(tcp::no_delay(true), ec);
    }
    up.stream->expires_after(options.request_timeout);
    std::tie(ec, std::ignore) = co_await http::async_write(*up.stream, req, kNoThrow);
    if (!ec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxBodyBytes);
      // A HEAD answer's Content-Length is the object's, with no body after it.
      if (req.method() == http::verb::head) parser.skip(true);
      std::tie(ec, std::ignore) =
          co_await http::async_read(*up.stream, up.buffer, parser, kNoThrow);
      if (!ec) {
        res = parser.release();
        if (!res.keep_alive()) up.stream.reset();
        co_return ec;
      }
    }
    up.stream.reset();
    if (!reused || attempt > 0 || !IsStaleConnection(ec)) co_return ec;
  }
}

asio::awaitable<void> FaultProxy::Impl::Serve(tcp::socket socket) {
  beast::tcp_stream client(std::move(socket));
  beast::error_code ec;
  client.socket().set_option(tcp::no_delay(true), ec);
  beast::flat_buffer buffer;
  Upstream up;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    client.expires_after(options.idle_timeout);
    std::tie(ec, std::ignore) = co_await http::async_read_header(client, buffer, parser, kNoThrow);
    if (ec) break;
    // libcurl asks before sending a large body and otherwise waits a second for the go-ahead.
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_ahead{http::status::continue_, parser.get().version()};
      std::tie(ec, std::ignore) = co_await http::async_write(client, go_ahead, kNoThrow);
      if (ec) break;
    }
    client.expires_after(options.request_timeout);
    std::tie(ec, std::ignore) = co_await http::async_read(client, buffer, parser, kNoThrow);
    if (ec) break;
    Request req = parser.release();
    counters.requests++;
    std::optional<ObservedRequest> observed;
    if (options.on_request || options.fail_with) observed = Observe(req);
    // Tells the observer what the client gets: `answer`, or nothing (its connection is closed).
    auto report = [&](const Response* answer) {
      if (!options.on_request) return;
      if (answer != nullptr) {
        observed->answer_status = static_cast<int>(answer->result_int());
        observed->answer_body = answer->body();
      }
      options.on_request(*observed);
    };
    req.erase(http::field::expect);  // the upstream gets the body at once

    std::optional<int> fail_status;
    if (options.fail_with) fail_status = options.fail_with(*observed);
    const Plan plan = fail_status ? Plan{} : Draw(req[kTargetHeader] == kBatchWriteTarget);
    if (plan.action == Action::kDropBefore) {
      counters.dropped_before++;
      report(nullptr);
      break;
    }
    Response res;
    if (fail_status) {
      counters.failed++;
      res = Response(static_cast<http::status>(*fail_status), req.version());
      res.set(http::field::content_type, "application/xml");
      if (req.method() != http::verb::head) res.body() = fault_proxy::S3ErrorBody(*fail_status);
      res.prepare_payload();
    } else if (plan.action == Action::kThrottle) {
      counters.throttled++;
      if (plan.provisioned) counters.throttled_provisioned++;
      res = Response(http::status::bad_request, req.version());
      res.set("x-amzn-RequestId", "FAULTPROXY" + std::to_string(next_request_id++));
      SetJsonBody(&res, fault_proxy::ThrottlingBody(plan.provisioned));
    } else {
      std::optional<fault_proxy::BatchWriteSplit> split;
      if (plan.split) {
        std::mt19937_64 split_rng(plan.split_seed);
        split = fault_proxy::SplitBatchWrite(req.body(), split_rng);
      }
      if (split && !split->forward_body) {
        // Nothing kept: DynamoDB rejects an empty BatchWriteItem, so the proxy answers alone.
        res = Response(http::status::ok, req.version());
        res.set("x-amzn-RequestId", "FAULTPROXY" + std::to_string(next_request_id++));
        SetJsonBody(&res, fault_proxy::MergeUnprocessed(std::nullopt, split->unprocessed));
      } else {
        if (split) {
          req.body() = *split->forward_body;
          req.prepare_payload();
        }
        ec = co_await Exchange(up, req, res);
        if (ec) {
          counters.upstream_errors++;
          report(nullptr);
          break;
        }
        counters.forwarded++;
        if (split && res.result() == http::status::ok) {
          SetJsonBody(&res, fault_proxy::MergeUnprocessed(res.body(), split->unprocessed));
        } else {
          split.reset();  // the upstream's error answers for the whole request
        }
      }
      if (plan.drop_after) {
        counters.dropped_after++;
        report(nullptr);
        break;
      }
      if (split) {
        counters.unprocessed_batches++;
        counters.unprocessed_items += split->held_back;
      }
    }
    // The client's connection lives by the client's request and our idle timeout, not upstream's.
    res.erase(http::field::keep_alive);
    res.keep_alive(req.keep_alive());
    report(&res);
    client.expires_after(options.request_timeout);
    std::tie(ec, std::ignore) = co_await http::async_write(client, res, kNoThrow);
    if (ec || !req.keep_alive()) break;
  }
  client.socket().shutdown(tcp::socket::shutdown_both, ec);
  client.socket().close(ec);
}

FaultProxy::FaultProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaultProxy::~FaultProxy() = default;

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(FaultProxyOptions options) {
  const std::optional<HostPort> upstream = ParseUpstream(options.upstream);
  if (!upstream) {
    return Status::InvalidArgument("fault proxy: upstream '" + options.upstream +
                                   "' is not http://HOST:PORT");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  boost::system::error_code ec;
  tcp::resolver resolver(impl->ioc);
  impl->upstream = resolver.resolve(upstream->host, upstream->port, ec);
  if (ec) {
    return Status::IOError("fault proxy: cannot resolve upstream " + upstream->host + ":" +
                           upstream->port + ": " + ec.message());
  }
  const tcp::endpoint local(asio::ip::address_v4::loopback(), 0);
  impl->acceptor.open(local.protocol(), ec);
  if (!ec) impl->acceptor.bind(local, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("fault proxy: cannot listen on 127.0.0.1: " + ec.message());
  impl->port = impl->acceptor.local_endpoint().port();
  asio::co_spawn(impl->ioc, impl->Accept(), asio::detached);
  impl->thread = std::thread([p = impl.get()] { p->ioc.run(); });
  return std::unique_ptr<FaultProxy>(new FaultProxy(std::move(impl)));
}

std::string FaultProxy::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

const FaultProxyCounters& FaultProxy::counters() const {
  return impl_->counters;
}

void FaultProxy::SetRates(const FaultRates& rates) {
  std::lock_guard lock(impl_->mu);
  impl_->rates = rates;
}

}  // namespace vdpark::testing
