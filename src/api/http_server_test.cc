// HttpServer over a real socket on 127.0.0.1: keep-alive, the size cap, timeouts, the stream,
// health and metrics, static files, the loopback rule, and a stop that does not hang.
#include "api/http_server.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>

#include "parking_fixture.h"
#include "raw_http_client.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using testing::RawHttpClient;
using testing::TempDir;
using testing::WaitUntil;

std::string Get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: localhost\r\n" + std::string(extra) +
         "\r\n";
}

// The keys of a key file's text, which must parse.
ApiKeys KeysOf(const std::string& text) {
  Result<ApiKeys> keys = ApiKeys::Parse(text, "keys");
  EXPECT_TRUE(keys.ok()) << keys.status().ToString();
  return keys.ok() ? std::move(keys).value() : ApiKeys();
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFixture(tmp_, "csv");
    auto csv = OpenStore("csv:" + tmp_ / "csv");
    ASSERT_TRUE(csv.ok());
    auto metadata = (*csv)->ReadMetadata([](Rejected) {});
    ASSERT_TRUE(metadata.ok());
    auto opened = OpenStoreRoles("embedded:" + tmp_ / "store");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_.records->WriteMetadata(*metadata).ok());
    stream_ = std::make_unique<EventStream>(EventStream::TenantsFrom(*store_.queries));
  }

  void StartServer(HttpServerOptions options = {}, std::string keys = "") {
    context_ = std::make_unique<ApiContext>(*store_.queries);
    if (!keys.empty()) context_->keys = KeysOf(keys);
    context_->extra_metrics = [this] { return stream_->PrometheusText(); };
    options.listen = options.listen == "127.0.0.1:8080" ? "127.0.0.1:0" : options.listen;
    auto started = HttpServer::Start(*context_, stream_.get(), std::move(options));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(*started);
    ASSERT_NE(server_->port(), 0);
  }

  void WaitForSubscribers(size_t n) {
    WaitUntil([&] { return stream_->subscribers() == n; }, std::chrono::seconds(60));
    ASSERT_EQ(stream_->subscribers(), n);
  }

  TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<EventStream> stream_;
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, KeepsTheConnectionAliveAcrossRequests) {
  StartServer();
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(server_->port()));
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Get("/healthz")));
  auto first = c.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(json::parse(first->body), json::parse(R"({"status":"ok"})"));
  EXPECT_EQ(first->head.find("Access-Control-Allow-Origin"), std::string::npos);  // keyless
  ASSERT_TRUE(c.Send(Get("/v1/zones/zone-001")));
  auto second = c.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(json::parse(second->body).at("zoneId").as_string(), "zone-001");
  // Two requests in one write (pipelined) are answered in order.
  ASSERT_TRUE(c.Send(Get("/v1/zones/zone-404") + Get("/healthz", "Connection: close\r\n")));
  EXPECT_EQ(c.ReadResponse()->status, 404);
  EXPECT_EQ(c.ReadResponse()->status, 200);
  EXPECT_TRUE(c.Closed());
}

TEST_F(HttpServerTest, ABodyOverTheCapIs413) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  StartServer(o);
  RawHttpClient c(server_->port());
  const std::string body(4096, 'x');
  ASSERT_TRUE(
      c.Send("POST /v1/zones HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json::parse(r->body).at("error").as_string(), "Payload too large");
  EXPECT_TRUE(c.Closed());

  // Chunked, with no length announced: cut off when it passes the cap.
  RawHttpClient chunked(server_->port());
  ASSERT_TRUE(chunked.Send(
      "POST /v1/zones HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
      std::string(2048, 'y') + "\r\n"));
  auto r2 = chunked.ReadResponse();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 413);

  // Headers over their cap, and a request that is not HTTP, are answered too.
  RawHttpClient big_headers(server_->port());
  ASSERT_TRUE(big_headers.Send(Get("/healthz", "X-Filler: " + std::string(20000, 'h') + "\r\n")));
  EXPECT_EQ(big_headers.ReadResponse()->status, 431);
  RawHttpClient garbage(server_->port());
  ASSERT_TRUE(garbage.Send("HELLO THERE\r\n\r\n"));
  auto bad = garbage.ReadResponse();
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body).at("error").as_string(), "Bad request");

  // Under the cap is read whole.
  RawHttpClient fine(server_->port());
  const std::string zone = R"({"zoneId":"zone-777","name":"Small"})";
  ASSERT_TRUE(
      fine.Send("POST /v1/zones HTTP/1.1\r\nHost: localhost\r\n"
                "Content-Type: application/json\r\nContent-Length: " +
                std::to_string(zone.size()) + "\r\n\r\n" + zone));
  EXPECT_EQ(fine.ReadResponse()->status, 201);
}

TEST_F(HttpServerTest, AHalfRequestTimesOut) {
  HttpServerOptions o;
  o.header_timeout = milliseconds(300);
  o.idle_timeout = milliseconds(600);
  StartServer(o);
  RawHttpClient half(server_->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(half.Send("GET /healthz HTTP/1.1\r\nHost: te"));
  EXPECT_TRUE(half.Closed());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, milliseconds(250));
  EXPECT_LT(waited, milliseconds(3000));
  EXPECT_EQ(half.buffer().find("HTTP/1.1 200"), std::string::npos);

  // A connection that sends nothing is closed after the idle timeout.
  RawHttpClient idle(server_->port());
  const auto idle_start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.Closed());
  EXPECT_GE(std::chrono::steady_clock::now() - idle_start, milliseconds(500));
}

TEST_F(HttpServerTest, TheStreamReceivesPublishedEvents) {
  StartServer({}, "op *\nrta tenant-rta\n");
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/v1/stream", "X-Api-Key: op\r\n")));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  EXPECT_EQ(c.buffer().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c.buffer();
  EXPECT_NE(c.buffer().find("Content-Type: text/event-stream"), std::string::npos);
  // EventSource sends no headers: the key may come as a parameter.
  RawHttpClient tenant(server_->port());
  ASSERT_TRUE(tenant.Send(Get("/stream?apiKey=rta")));
  ASSERT_TRUE(tenant.ReadUntil("\r\n\r\n"));
  WaitForSubscribers(2);

  stream_->Publish("zone-002", R"({"type":"bay","zoneId":"zone-002","bayNumber":"B-002"})");
  stream_->Publish("zone-001", R"({"type":"bay","zoneId":"zone-001","bayNumber":"A-002"})");
  ASSERT_TRUE(c.ReadUntil(R"(data: {"type":"bay","zoneId":"zone-001","bayNumber":"A-002"})"
                          "\n\n"));
  EXPECT_NE(c.buffer().find(R"(data: {"type":"bay","zoneId":"zone-002")"), std::string::npos);
  ASSERT_TRUE(tenant.ReadUntil(R"("zoneId":"zone-001")"));
  EXPECT_EQ(tenant.buffer().find("zone-002"), std::string::npos);

  RawHttpClient nokey(server_->port());
  ASSERT_TRUE(nokey.Send(Get("/stream")));
  EXPECT_EQ(nokey.ReadResponse()->status, 401);

  // Stopping ends the streams rather than waiting for them.
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(stream_->subscribers(), 0u);
}

TEST_F(HttpServerTest, AQuietStreamGetsHeartbeats) {
  stream_ = std::make_unique<EventStream>(EventStream::TenantsFrom(*store_.queries),
                                          EventStreamOptions{.heartbeat = milliseconds(100)});
  StartServer();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/stream")));
  ASSERT_TRUE(c.ReadUntil(": heartbeat\n\n"));
}

TEST_F(HttpServerTest, HealthzAndMetrics) {
  StartServer();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/healthz") + Get("/v1/zones") + Get("/v1/nowhere")));
  for (int expected : {200, 200, 404}) EXPECT_EQ(c.ReadResponse()->status, expected);
  ASSERT_TRUE(c.Send(Get("/metrics")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(
      r->body.find(R"(vdpark_api_requests_total{route="/zones",method="GET",status="200"} 1)"),
      std::string::npos)
      << r->body;
  EXPECT_NE(
      r->body.find(R"(vdpark_api_requests_total{route="/healthz",method="GET",status="200"} 1)"),
      std::string::npos);
  EXPECT_NE(r->body.find(R"(route="unmatched",method="GET",status="404"} 1)"), std::string::npos);
  EXPECT_NE(r->body.find("vdpark_api_request_duration_seconds_bucket{le=\"+Inf\"} 3"),
            std::string::npos);
  EXPECT_NE(r->body.find("vdpark_stream_subscribers 0"), std::string::npos);
}

TEST_F(HttpServerTest, StaticFilesForPathsThatAreNotTheApis) {
  HttpServerOptions o;
  o.static_files = [](std::string_view path) -> std::optional<StaticFile> {
    // A lookup that answers everything, as a single-page app's fallback would.
    return StaticFile{"text/html; charset=utf-8", "<h1>" + std::string(path) + "</h1>"};
  };
  StartServer(o);
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.Send(Get("/") + Get("/app.js") + Get("/v1/zones")));
  auto page = c.ReadResponse();
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "<h1>/</h1>");
  EXPECT_NE(page->head.find("Content-Type: text/html"), std::string::npos);
  EXPECT_EQ(c.ReadResponse()->body, "<h1>/app.js</h1>");
  auto api = c.ReadResponse();
  EXPECT_EQ(json::parse(api->body).at("count").as_int64(), 2);  // the API, not the fallback
}

TEST_F(HttpServerTest, ServesOnlyLoopbackWithoutKeys) {
  ApiContext open(*store_.queries);
  HttpServerOptions o;
  o.listen = "0.0.0.0:0";
  auto refused = HttpServer::Start(open, nullptr, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_NE(refused.status().message().find("loopback"), std::string::npos);

  ApiContext keyed(*store_.queries, KeysOf("k *\n"));
  auto any = HttpServer::Start(keyed, nullptr, o);
  ASSERT_TRUE(any.ok()) << any.status().ToString();
  EXPECT_NE((*any)->port(), 0);

  for (std::string bad : {"8080", "localhost:", "::1:80", "host:99999", "[::1:80"}) {
    o.listen = bad;
    auto r = HttpServer::Start(open, nullptr, o);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad;
  }
  o.listen = "localhost:0";
  EXPECT_TRUE(HttpServer::Start(open, nullptr, o).ok());
}

TEST_F(HttpServerTest, StopEndsIdleConnectionsPromptly) {
  StartServer();
  RawHttpClient idle(server_->port());
  ASSERT_TRUE(idle.Send(Get("/healthz")));
  ASSERT_TRUE(idle.ReadResponse());
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_TRUE(idle.Closed());
  server_->Stop();  // again: nothing
  RawHttpClient late(server_->port());
  EXPECT_FALSE(late.connected());
}

}  // namespace
}  // namespace vdpark
