// HttpServer: the REST API (router.h), the live stream (event_stream.h) and the dashboard's files
// over HTTP/1.1, on Boost.Beast and Asio with C++20 coroutines.
//
// Each connection is one coroutine on its own strand: read a request (with a timeout on every
// read), answer it with HandleRequest, write, and again while the client keeps the connection
// alive. GET /stream stays open as text/event-stream. A request body over the cap is answered 413
// and the connection closed. With no API keys configured it binds loopback addresses only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/event_stream.h"
#include "api/router.h"
#include "common/result.h"

namespace vdpark {

// A file the server hands out as it is (the dashboard's page, script, styles).
struct StaticFile {
  std::string content_type;  // "text/html; charset=utf-8"
  std::string body;
};
// The file for a request path as sent, without the query ("/", "/app.js"); nullopt when there is
// none. Asked only for GET paths that no API route serves, so a fallback to index.html for every
// path never hides the API. Called from the server's threads, concurrently.
using StaticFileLookup = std::function<std::optional<StaticFile>(std::string_view path)>;

struct HttpServerOptions {
  // HOST:PORT ("[::1]:8080" for IPv6). Port 0 picks a free port: see HttpServer::port().
  std::string listen = "127.0.0.1:8080";
  int threads = 2;  // threads running the connections (and the store calls they make)
  // A kept-alive connection waiting for its next request is closed after this.
  std::chrono::milliseconds idle_timeout{30000};
  // From a request's first byte to the end of its headers.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};   // reading a request's body
  std::chrono::milliseconds write_timeout{30000};  // writing a response or a stream's events
  size_t max_body_bytes = 64 * 1024;               // a larger body is answered 413
  size_t max_header_bytes = 16 * 1024;             // larger headers are answered 431
  // Stop() waits this long for requests in flight before it cuts them off.
  std::chrono::milliseconds stop_grace{5000};
  // GET paths that no API route serves ("/" and the dashboard's assets). Empty: none.
  StaticFileLookup static_files;
};

class HttpServer {
 public:
  // Binds options.listen and starts serving `context` on options.threads threads, and `stream`
  // on GET /stream (nullptr: no stream; 404). Both must outlive the server. kInvalidArgument when
  // listen is not HOST:PORT or, with no API keys in `context`, names an address that is not
  // loopback; kIOError when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(ApiContext& context, EventStream* stream,
                                                   HttpServerOptions options = {});
  ~HttpServer();  // Stop()

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;        // as bound: the one picked when options asked for 0
  std::string address() const;  // "127.0.0.1:8080" as bound

  // Stops accepting, closes idle connections and streams, lets requests in flight finish (at
  // most stop_grace), then joins the threads. Idempotent; not to be called from a static-file
  // lookup or anything else running on the server's threads.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vdpark
