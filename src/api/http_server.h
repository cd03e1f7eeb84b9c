// HttpServer: the REST API (router.h), the live stream (event_stream.h) and the dashboard's files
// over HTTP/1.1, on Boost.Beast and Asio with C++20 coroutines.
//
// Each connection is one coroutine on its own strand: read a request (with a timeout on every
// read), answer it, write, and again while the client keeps the connection alive. What needs no
// store (/healthz, /metrics, the dashboard's files, preflights, errors, answers kept in the
// response cache) is answered on these I/O threads; a route that reads the store runs on a
// bounded pool of store workers with a bounded queue, so that slow queries never hold up the
// rest. When every worker is busy and the queue is full, the request is answered 503 with
// Retry-After at once. GET /stream stays open as text/event-stream.
//
// Framing (RFC 9112): a request whose Transfer-Encoding is anything but "chunked" alone, or that
// has both Transfer-Encoding and Content-Length, is answered 400 and the connection closed (what
// follows it is never read as a request: no smuggling); HTTP/1.1 without exactly one Host is 400.
// Absolute-form targets ("GET http://127.0.0.1:8080/v1/zones") are served, their authority taken
// as the Host. HEAD is answered with the GET's headers and no body. A request body over the cap
// is answered 413 and the connection closed. With no API keys configured it binds loopback
// addresses only (and answers only loopback Hosts: access_rules.h).
//
// The dashboard's files carry Content-Security-Policy (the page's own scripts, styles and
// connections only; no inline script or style, no framing), X-Frame-Options: DENY and
// X-Content-Type-Options: nosniff; every answer carries nosniff.
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
  int threads = 2;  // I/O threads running the connections (and what needs no store)
  // Threads making the routes' store calls (1 for a store that takes one call at a time), and
  // how many such calls may wait for one beyond those running; a request beyond both is answered
  // 503 with Retry-After (kRetryAfterSeconds) at once. `vdpark serve --api-workers/--api-queue`.
  int store_workers = 4;
  size_t store_queue = 64;
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
  // One more source the dashboard's page may load images from, as Content-Security-Policy's
  // img-src spells it ("https://*.tile.example.org"): the map's tiles. "" = none.
  std::string image_source;
};

class HttpServer {
 public:
  // The Retry-After of the 503 answered when the store workers and their queue are full.
  static constexpr int kRetryAfterSeconds = 1;

  // Binds options.listen and starts serving `context` on options.threads threads, and `stream`
  // on GET /stream (nullptr: no stream; 404). Both must outlive the server. kInvalidArgument when
  // listen is not HOST:PORT or, with no API keys in `context`, names an address that is not
  // loopback; kIOError when the address cannot be bound.
  static Result<std::unique_ptr<HttpServer>> Start(ApiContext& context, EventStream* stream,
                                                   HttpServerOptions options = {});
  ~HttpServer();  // Stop()

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;  // as bound: the one picked when options asked for 0
  // Requests given to the store workers and not yet finished: running, and waiting for a worker.
  size_t pending_store_calls() const;
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
