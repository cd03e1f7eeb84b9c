#include "api/http_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "api/access_rules.h"
#include "api/api_error.h"
#include "common/host_port.h"

namespace vdpark {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kStreamPath = "/stream";

// What the dashboard's page may load and reach: its own files and the API, nothing inline, no
// framing (the page has no inline script or style, and sets styles through the CSSOM only).
constexpr std::string_view kDashboardPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

using Clock = std::chrono::steady_clock;

int64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

std::string FormatEndpoint(const tcp::endpoint& e) {
  return FormatHostPort(e.address().to_string(), e.port());
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The framing of a request as its header says it, checked before its body is read (RFC 9112
// §6.1, §6.3, §3.2): nullopt when it is sound. Beast would read an unknown transfer coding, or one
// whose last is not chunked, as no body at all, and what follows as the next request (smuggling):
// so only "chunked" alone is taken, never with Content-Length, and only on HTTP/1.1.
std::optional<ApiError> CheckFraming(const http::request_parser<http::string_body>& parser) {
  const auto& h = parser.get();
  if (h.count(http::field::transfer_encoding) > 0) {
    std::vector<std::string_view> codings;
    const auto [first, last] = h.equal_range(http::field::transfer_encoding);
    for (auto field = first; field != last; ++field) {
      std::string_view value = field->value();
      while (!value.empty()) {
        const size_t comma = value.find(',');
        std::string_view coding = Trim(value.substr(0, comma));
        if (!coding.empty()) codings.push_back(coding);
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      }
    }
    if (codings.size() != 1 || !beast::iequals(codings[0], "chunked")) {
      return ApiError::BadRequest(
          "Transfer-Encoding: only 'chunked' alone is accepted (RFC 9112 §6.3)");
    }
    if (h.count(http::field::content_length) > 0) {
      return ApiError::BadRequest(
          "Transfer-Encoding and Content-Length together (RFC 9112 §6.3): send one");
    }
    if (h.version() < 11) {
      return ApiError::BadRequest("Transfer-Encoding: not in an HTTP/1.0 request");
    }
  }
  if (h.version() >= 11 && h.count(http::field::host) != 1) {
    return ApiError::BadRequest(h.count(http::field::host) == 0
                                    ? "Host: an HTTP/1.1 request must send one (RFC 9112 §3.2)"
                                    : "Host: sent more than once");
  }
  return std::nullopt;
}

// What one connection shares with Stop(): touched on the connection's strand only.
struct Connection {
  asio::any_io_executor executor;
  beast::tcp_stream* stream = nullptr;
  asio::steady_timer* wake = nullptr;  // set while the connection is a /stream
  bool alive = true;
  bool busy = false;  // a request is being read, answered or written
};

}  // namespace

struct HttpServer::Impl {
  Impl(ApiContext& context, EventStream* stream, HttpServerOptions options)
      : context(context),
        stream(stream),
        options(std::move(options)),
        io(std::max(this->options.threads, 1)),
        acceptor(asio::make_strand(io)) {}

  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(tcp::socket socket);
  asio::awaitable<void> Serve(beast::tcp_stream& tcp, Connection& conn);
  asio::awaitable<void> ServeStream(beast::tcp_stream& tcp, Connection& conn,
                                    const ApiRequest& request, unsigned version);
  asio::awaitable<bool> Write(beast::tcp_stream& tcp, const ApiResponse& response, unsigned version,
                              bool keep_alive, bool head = false);
  asio::awaitable<ApiResponse> Answer(const ApiRequest& request);
  std::optional<ApiResponse> StaticFileFor(const ApiRequest& request);
  asio::awaitable<ApiResponse> OnStoreWorker(RoutedRequest& routed);
  ApiResponse Refused(const ApiRequest& request, const ApiError& error, Clock::time_point start);

  ApiContext& context;
  EventStream* const stream;
  const HttpServerOptions options;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable idle;                       // signalled when connections empties
  std::set<std::shared_ptr<Connection>> connections;  // guarded by mu
  std::string bound;
  uint16_t port = 0;
  // The requests given to the store workers not yet finished (running or waiting).
  const size_t store_workers = static_cast<size_t>(std::max(options.store_workers, 1));
  std::atomic<size_t> admitted{0};
  // Declared after what the connections' coroutines touch as they unwind, so that a coroutine
  // destroyed with the io_context still finds those alive.
  asio::io_context io;
  // After io: a request waiting for a worker owns its connection's coroutine, which must be
  // destroyed while io (its socket's) is still there.
  asio::thread_pool workers{store_workers};
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

namespace {

// Logs what escaped a coroutine: nothing should, but a server thread must not die of it.
void LogException(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("api: connection failed: {}", x.what());
  } catch (...) {
    spdlog::error("api: connection failed");
  }
}

}  // namespace

asio::awaitable<void> HttpServer::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kTuple);
    if (stopping || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of file descriptors, most likely: wait a little rather than spin.
      spdlog::warn("api: accept: {}", ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    tcp::socket s(std::move(socket));
    auto executor = s.get_executor();
    asio::co_spawn(executor, Session(std::move(s)), LogException);
  }
}

asio::awaitable<void> HttpServer::Impl::Session(tcp::socket socket) {
  beast::tcp_stream tcp(std::move(socket));
  auto conn = std::make_shared<Connection>();
  conn->executor = tcp.get_executor();
  conn->stream = &tcp;
  {
    std::lock_guard lock(mu);
    connections.insert(conn);
  }
  // Unregisters however the coroutine ends (also when destroyed unfinished at shutdown).
  struct Unregister {
    Impl* impl;
    std::shared_ptr<Connection> conn;
    ~Unregister() {
      conn->alive = false;
      std::lock_guard lock(impl->mu);
      impl->connections.erase(conn);
      if (impl->connections.empty()) impl->idle.notify_all();
    }
  } unregister{this, conn};

  co_await Serve(tcp, *conn);
  beast::error_code ignored;
  tcp.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Closing with unread input would reset the connection, and the client could lose the answer
  // just sent (a 413 before the body it was still sending): read what still comes, briefly.
  if (!stopping && tcp.socket().is_open()) {
    std::array<char, 8192> sink;
    size_t drained = 0;
    tcp.expires_after(std::chrono::seconds(1));
    while (drained < 1024 * 1024) {
      auto [ec, n] = co_await tcp.async_read_some(asio::buffer(sink), kTuple);
      if (ec) break;
      drained += n;
    }
  }
  tcp.close();
}

// An error answered for `request` outside the router, counted unmatched.
ApiResponse HttpServer::Impl::Refused(const ApiRequest& request, const ApiError& error,
                                      Clock::time_point start) {
  ApiResponse r = ErrorResponse(error);
  AddCorsHeaders(request, context, &r);
  context.metrics.Record("", request.method, r.status, MicrosSince(start));
  return r;
}

// The dashboard's file for a GET (or HEAD) of a path no API route serves; nullopt when none.
std::optional<ApiResponse> HttpServer::Impl::StaticFileFor(const ApiRequest& request) {
  if (!options.static_files || (request.method != "GET" && request.method != "HEAD") ||
      MatchesRoute(request.path)) {
    return std::nullopt;
  }
  const auto start = Clock::now();
  auto file = options.static_files(request.path);
  if (!file) return std::nullopt;
  ApiResponse r;
  r.content_type = std::move(file->content_type);
  r.body = std::move(file->body);
  r.route = "static";
  r.headers.emplace_back("Cache-Control", "no-cache");
  std::string policy(kDashboardPolicy);
  if (!options.image_source.empty()) {
    const std::string_view own = "img-src 'self' data:";
    policy.insert(policy.find(own) + own.size(), " " + options.image_source);
  }
  r.headers.emplace_back("Content-Security-Policy", std::move(policy));
  r.headers.emplace_back("X-Frame-Options", "DENY");
  context.metrics.Record(r.route, request.method, r.status, MicrosSince(start));
  return r;
}

asio::awaitable<ApiResponse> HttpServer::Impl::Answer(const ApiRequest& request) {
  if (auto file = StaticFileFor(request)) co_return std::move(*file);
  RoutedRequest routed = RouteRequest(request, context);
  if (routed.answered()) co_return routed.TakeAnswer();
  co_return co_await OnStoreWorker(routed);
}

// Finishes `routed` on a store worker, and resumes on the connection's strand; 503 at once when
// the workers and their queue are full.
asio::awaitable<ApiResponse> HttpServer::Impl::OnStoreWorker(RoutedRequest& routed) {
  const size_t limit = store_workers + options.store_queue;
  if (admitted.fetch_add(1) >= limit) {
    admitted.fetch_sub(1);
    ApiResponse r = routed.Refuse(ApiError::Unavailable(
        "the server is busy: " + std::to_string(store_workers) + " store calls running and " +
        std::to_string(options.store_queue) + " waiting; retry after " +
        std::to_string(HttpServer::kRetryAfterSeconds) + " s"));
    r.headers.emplace_back("Retry-After", std::to_string(HttpServer::kRetryAfterSeconds));
    co_return r;
  }
  std::atomic<size_t>* count = &admitted;
  co_return co_await asio::co_spawn(
      workers.get_executor(),
      [&routed, count]() -> asio::awaitable<ApiResponse> {
        ApiResponse r = routed.Finish();
        count->fetch_sub(1);
        co_return r;
      },
      asio::use_awaitable);
}

asio::awaitable<bool> HttpServer::Impl::Write(beast::tcp_stream& tcp, const ApiResponse& r,
                                              unsigned version, bool keep_alive, bool head) {
  // The body is sent from `r` itself, which outlives the write: a copy of it was a tenth of an
  // uncached list's time (perf).
  http::response<http::span_body<const char>> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "vdpark");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  res.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : r.headers) res.insert(name, value);
  res.keep_alive(keep_alive);
  if (head) {
    // The GET's headers, its length included, and no body (RFC 9110 §9.3.2).
    if (r.status != 204 && r.status >= 200) res.content_length(r.body.size());
  } else {
    res.body() = {r.body.data(), r.body.size()};
    res.prepare_payload();
  }
  tcp.expires_after(options.write_timeout);
  auto [ec, n] = co_await http::async_write(tcp, res, kTuple);
  co_return !ec;
}

asio::awaitable<void> HttpServer::Impl::Serve(beast::tcp_stream& tcp, Connection& conn) {
  beast::flat_buffer buffer;
  for (;;) {
    conn.busy = false;
    if (stopping) co_return;
    if (buffer.size() == 0) {
      // Waiting for the next request: the idle timeout, and Stop() may cancel the read.
      tcp.expires_after(options.idle_timeout);
      auto [ec, n] = co_await tcp.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) co_return;
      buffer.commit(n);
    }
    conn.busy = true;
    const auto start = Clock::now();
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    tcp.expires_after(options.header_timeout);
    auto [ec, n] = co_await http::async_read_header(tcp, buffer, parser, kTuple);
    if (!ec) {
      if (auto refused = CheckFraming(parser)) {
        // Its body cannot be told from what follows: answered, and the connection closed.
        ApiResponse r = ErrorResponse(*refused);
        context.metrics.Record("", parser.get().method_string(), r.status, MicrosSince(start));
        co_await Write(tcp, r, 11, false);
        co_return;
      }
    }
    if (!ec && !parser.is_done()) {
      if (auto expect = parser.get()[http::field::expect]; beast::iequals(expect, "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
        tcp.expires_after(options.write_timeout);
        std::tie(ec, n) = co_await http::async_write(tcp, go_on, kTuple);
      }
      if (!ec) {
        tcp.expires_after(options.body_timeout);
        std::tie(ec, n) = co_await http::async_read(tcp, buffer, parser, kTuple);
      }
    }
    if (ec) {
      // A timeout or a closed connection has nobody to answer to; a request too large or
      // malformed is answered, and the connection closed (its rest is not read).
      std::optional<ApiError> error;
      if (ec == http::error::body_limit) {
        error = ApiError::PayloadTooLarge("the body is larger than " +
                                          std::to_string(options.max_body_bytes) + " bytes");
      } else if (ec == http::error::header_limit) {
        error = ApiError{
            431, "Request header fields too large",
            "the headers are larger than " + std::to_string(options.max_header_bytes) + " bytes"};
      } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        error = ApiError::BadRequest("malformed HTTP request: " + ec.message());
      }
      if (error && tcp.socket().is_open()) {
        ApiResponse r = ErrorResponse(*error);
        context.metrics.Record("", parser.get().method_string(), r.status, MicrosSince(start));
        co_await Write(tcp, r, 11, false);
      }
      co_return;
    }

    http::request<http::string_body> req = parser.release();
    auto parsed = ApiRequest::FromTarget(req.method_string(), req.target());
    ApiResponse response;
    bool head = false;
    if (!parsed.ok()) {
      response = ErrorResponse(ApiError::BadRequest(parsed.status().message()));
      context.metrics.Record("", req.method_string(), response.status, MicrosSince(start));
    } else {
      ApiRequest& request = *parsed;
      request.api_key = std::string(req["X-Api-Key"]);
      request.origin = std::string(req[http::field::origin]);
      // An absolute-form target's authority, when there is one, is the host asked for.
      if (request.host.empty()) request.host = std::string(req[http::field::host]);
      request.content_type = std::string(req[http::field::content_type]);
      request.body = std::move(req.body());
      head = request.method == "HEAD";
      if (auto refused = CheckHost(request, context)) {
        response = Refused(request, *refused, start);
      } else if (request.method == "GET" && WithoutVersion(request.path) == kStreamPath && stream) {
        co_await ServeStream(tcp, conn, request, req.version());
        co_return;
      } else {
        response = co_await Answer(request);
      }
    }
    const bool keep_alive = req.keep_alive() && !stopping;
    if (!co_await Write(tcp, response, req.version(), keep_alive, head) || !keep_alive) co_return;
  }
}

asio::awaitable<void> HttpServer::Impl::ServeStream(beast::tcp_stream& tcp, Connection& conn,
                                                    const ApiRequest& request, unsigned version) {
  const auto start = Clock::now();
  // A browser's EventSource cannot send headers: the key may come as ?apiKey= instead.
  std::string key = request.api_key;
  if (key.empty()) key = std::string(request.Query("apiKey").value_or(""));
  auto caller = context.keys.Authenticate(key);
  if (!caller) {
    ApiResponse r = ErrorResponse(
        ApiError::Unauthorized(key.empty() ? "an X-Api-Key header (or apiKey parameter) is required"
                                           : "the API key is not a known key"));
    AddCorsHeaders(request, context, &r);
    context.metrics.Record(kStreamPath, request.method, r.status, MicrosSince(start));
    co_await Write(tcp, r, version, false);
    co_return;
  }

  auto wake = std::make_shared<asio::steady_timer>(tcp.get_executor());
  std::weak_ptr<asio::steady_timer> weak = wake;
  auto executor = tcp.get_executor();
  auto subscription = stream->Subscribe(*caller, [executor, weak] {
    asio::post(executor, [weak] {
      if (auto timer = weak.lock()) timer->cancel();
    });
  });
  struct Leave {
    EventStream* stream;
    std::shared_ptr<EventStream::Subscription> subscription;
    Connection* conn;
    ~Leave() {
      stream->Unsubscribe(subscription);
      conn->wake = nullptr;
    }
  } leave{stream, subscription, &conn};
  conn.wake = wake.get();
  conn.busy = false;  // Stop() wakes a stream rather than waiting for it
  context.metrics.Record(kStreamPath, request.method, 200, MicrosSince(start));

  http::response<http::empty_body> res{http::status::ok, version};
  res.set(http::field::server, "vdpark");
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");  // no proxy buffering of the events
  res.set("X-Content-Type-Options", "nosniff");
  ApiResponse cors;
  AddCorsHeaders(request, context, &cors);
  for (const auto& [name, value] : cors.headers) res.insert(name, value);
  res.keep_alive(false);  // the events run until the connection closes
  http::response_serializer<http::empty_body> serializer{res};
  tcp.expires_after(options.write_timeout);
  if (auto [ec, n] = co_await http::async_write_header(tcp, serializer, kTuple); ec) co_return;

  std::string out = "retry: 3000\n: connected\n\n";
  for (;;) {
    if (!out.empty()) {
      tcp.expires_after(options.write_timeout);
      auto [ec, n] = co_await asio::async_write(tcp, asio::buffer(out), kTuple);
      if (ec) co_return;
      out.clear();
    }
    if (stopping || subscription->closed()) co_return;
    for (const std::string& line : subscription->Take()) {
      out += "data: ";
      out += line;
      out += "\n\n";
    }
    if (!out.empty()) continue;
    wake->expires_after(stream->options().heartbeat);
    auto [ec] = co_await wake->async_wait(kTuple);
    if (!ec) out = ": heartbeat\n\n";  // quiet for a while: keeps proxies from closing it
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
}

uint16_t HttpServer::port() const {
  return impl_->port;
}
size_t HttpServer::pending_store_calls() const {
  return impl_->admitted.load();
}
std::string HttpServer::address() const {
  return impl_->bound;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(ApiContext& context, EventStream* stream,
                                                      HttpServerOptions options) {
  const std::string listen = options.listen;
  auto host_port = ParseHostPort(listen, {.port_required = true, .allow_port_zero = true});
  if (!host_port.ok()) {
    std::string message = "--listen '";
    message += listen;
    message += "': ";
    message += host_port.status().message();
    message += " (expected HOST:PORT, such as 127.0.0.1:8080)";
    return Status::InvalidArgument(message);
  }
  auto impl = std::make_unique<Impl>(context, stream, std::move(options));
  boost::system::error_code ec;
  tcp::resolver resolver(impl->io);
  auto found = resolver.resolve(host_port->host, std::to_string(*host_port->port),
                                tcp::resolver::passive, ec);
  if (ec || found.empty()) {
    return Status::InvalidArgument("--listen '" + listen + "': cannot resolve '" + host_port->host +
                                   "': " + ec.message());
  }
  const tcp::endpoint endpoint = found.begin()->endpoint();
  if (context.keys.empty() && !endpoint.address().is_loopback()) {
    return Status::InvalidArgument(
        "--listen '" + listen +
        "': with no API keys configured the API is served on loopback only (127.0.0.1, ::1); "
        "give a key file to serve other addresses");
  }
  tcp::acceptor& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("--listen '" + listen + "': " + ec.message());
  const tcp::endpoint local = acceptor.local_endpoint(ec);
  impl->port = local.port();
  impl->bound = FormatEndpoint(local);

  spdlog::info("api: listening on http://{}", impl->bound);
  if (context.keys.empty()) {
    spdlog::warn(
        "api: no API keys configured: every request is served without a key, on loopback only");
  }
  asio::co_spawn(acceptor.get_executor(), impl->Accept(), LogException);
  Impl* raw = impl.get();
  for (int i = 0; i < std::max(raw->options.threads, 1); ++i) {
    raw->threads.emplace_back([raw] { raw->io.run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (!s.stopping.exchange(true)) {
    asio::post(s.acceptor.get_executor(), [&s] {
      beast::error_code ignored;
      s.acceptor.close(ignored);
    });
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard lock(s.mu);
      open.assign(s.connections.begin(), s.connections.end());
    }
    for (const auto& conn : open) {
      asio::post(conn->executor, [conn] {
        if (!conn->alive) return;
        if (conn->wake != nullptr) {
          conn->wake->cancel();
        } else if (!conn->busy) {
          conn->stream->cancel();  // waiting for a next request that need not come
        }
      });
    }
    std::unique_lock lock(s.mu);
    s.idle.wait_for(lock, s.options.stop_grace, [&s] { return s.connections.empty(); });
  }
  s.io.stop();
  for (std::thread& t : s.threads) {
    if (t.joinable()) t.join();
  }
  // The store calls still running finish (their answers go nowhere); those waiting are dropped.
  s.workers.stop();
  s.workers.join();
  // The close posted above may not have run before io.stop(); no thread runs now, so it is safe
  // to close here.
  beast::error_code ignored;
  s.acceptor.close(ignored);
}

}  // namespace vdpark
