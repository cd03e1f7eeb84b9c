// HttpServer under hostile and careless clients, over a real socket on 127.0.0.1 (issue 13):
// request smuggling through Transfer-Encoding, DNS rebinding, keys in cookies, HEAD, absolute-form
// targets, Host on HTTP/1.1, the dashboard's security headers, and slow store calls that must not
// hold up the rest (a store whose calls wait on a latch: the real embedded store behind a
// fault-injecting wrapper).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>

#include "api/dashboard_assets.h"
#include "api/http_server.h"
#include "fixture_store.h"
#include "raw_http_client.h"
#include "served_api.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark {
namespace {

namespace json = boost::json;
using testing::RawHttpClient;
using testing::TempDir;

// How long a read waits: long enough for a loaded machine, short of hanging the suite.
constexpr std::chrono::seconds kPatience{30};
using testing::WaitUntil;

std::string Get(std::string_view target, std::string_view extra = "",
                std::string_view method = "GET") {
  std::string r(method);
  r += " ";
  r += target;
  r += " HTTP/1.1\r\nHost: localhost\r\n";
  r += extra;
  r += "\r\n";
  return r;
}

// The real store, each query of which first waits until the latch is open: the fault injected is
// a store call that takes as long as the test wants.
class LatchedStore : public QueryStore {
 public:
  explicit LatchedStore(QueryStore& inner) : inner_(inner) {}

  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }

  std::string DisplayName() const override { return inner_.DisplayName(); }
  Result<std::optional<Zone>> GetZone(std::string_view zone_id) override {
    Wait();
    return inner_.GetZone(zone_id);
  }
  Result<std::optional<Bay>> GetBay(std::string_view zone_id,
                                    std::string_view bay_number) override {
    Wait();
    return inner_.GetBay(zone_id, bay_number);
  }
  Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id) override {
    Wait();
    return inner_.GetSensor(sensor_id);
  }
  Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id) override {
    Wait();
    return inner_.ListZones(tenant_id);
  }
  Result<std::vector<Bay>> ListBays(std::string_view zone_id) override {
    Wait();
    return inner_.ListBays(zone_id);
  }
  Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id) override {
    Wait();
    return inner_.ListSensors(zone_id);
  }
  Result<EventPage> QueryEvents(const EventQuery& query) override {
    Wait();
    return inner_.QueryEvents(query);
  }
  Result<CreateOutcome> CreateZone(const Zone& zone) override {
    Wait();
    return inner_.CreateZone(zone);
  }
  Result<CreateOutcome> RegisterSensor(const Sensor& sensor, const Bay& bay) override {
    Wait();
    return inner_.RegisterSensor(sensor, bay);
  }

 private:
  void Wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.wait(lock, [this] { return open_; });
    --waiting_;
  }
  QueryStore& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

class HttpHardeningServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = testing::OpenFixtureStore(tmp_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    latched_ = std::make_unique<LatchedStore>(*store_.queries);
  }
  void TearDown() override {
    latched_->Open();
    server_.reset();
  }

  void Start(ApiKeys keys = {}, HttpServerOptions options = {}) {
    context_ = std::make_unique<ApiContext>(*latched_, std::move(keys));
    options.listen = "127.0.0.1:0";
    options.static_files = [](std::string_view path) -> std::optional<StaticFile> {
      auto f = dashboard::FindDashboardFile(path);
      if (!f) return std::nullopt;
      return StaticFile{std::string(f->content_type), std::string(f->body)};
    };
    auto server = HttpServer::Start(*context_, nullptr, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<LatchedStore> latched_;
  ResponseCache cache_{std::chrono::minutes(10), std::chrono::minutes(10)};
  std::unique_ptr<ApiContext> context_;
  std::unique_ptr<HttpServer> server_;
};

// RFC 9112 §6.3: a transfer coding we do not implement, one whose last is not chunked, or
// Transfer-Encoding with Content-Length: 400 and the connection closed, so that the bytes after
// the header are never read as a request of their own.
TEST_F(HttpHardeningServerTest, ASmuggledRequestIsNeverAnswered) {
  Start();
  const std::string smuggled = "GET /v1/zones/zone-001 HTTP/1.1\r\nHost: localhost\r\n\r\n";
  for (const std::string framing :
       {"Transfer-Encoding: xchunked\r\n", "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: identity\r\n", "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
        "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n"}) {
    RawHttpClient c(server_->port(), kPatience);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(
        c.Send("POST /v1/zones HTTP/1.1\r\nHost: localhost\r\n"
               "Content-Type: application/json\r\n" +
               framing + "\r\n" + smuggled));
    const std::string all = c.ReadToClose();
    EXPECT_TRUE(all.starts_with("HTTP/1.1 400 ")) << framing << all;
    // Named by our check, or by Beast's own when it sees Content-Length after Transfer-Encoding.
    EXPECT_TRUE(all.find("Transfer-Encoding") != std::string::npos ||
                all.find("Content-Length") != std::string::npos)
        << all;
    // One answer only: the smuggled GET was never served.
    EXPECT_EQ(all.find("HTTP/1.1", 1), std::string::npos) << framing << all;
    EXPECT_EQ(all.find("zone-001"), std::string::npos) << framing << all;
  }
  // "chunked" alone still works.
  RawHttpClient fine(server_->port(), kPatience);
  const std::string body = R"({"zoneId":"zone-777","name":"Chunked"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  ASSERT_TRUE(fine.Send(std::string("POST /v1/zones HTTP/1.1\r\nHost: localhost\r\n") +
                        "Content-Type: application/json\r\nTransfer-Encoding: Chunked\r\n\r\n" +
                        size + "\r\n" + body + "\r\n0\r\n\r\n"));
  auto created = fine.ReadResponse();
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
}

TEST_F(HttpHardeningServerTest, KeylessRefusesAnotherHostOnEveryPath) {
  Start();
  for (const char* target : {"/v1/zones", "/healthz", "/", "/app.js", "/stream"}) {
    RawHttpClient c(server_->port(), kPatience);
    ASSERT_TRUE(c.Send(std::string("GET ") + target +
                       " HTTP/1.1\r\nHost: rebind.evil.example:8080\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 421) << target << ": " << r->body;
    EXPECT_NE(r->body.find("Host"), std::string::npos) << r->body;
    EXPECT_FALSE(r->Header("Access-Control-Allow-Origin"));
  }
  // The same server, asked under a loopback name, with the Origin of another site: served, no
  // CORS header (a page of that site cannot read it).
  RawHttpClient c(server_->port(), kPatience);
  ASSERT_TRUE(c.Send(Get("/v1/zones", "Origin: https://evil.example\r\n")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->Header("Access-Control-Allow-Origin")) << r->head;
  // A cross-origin form post (text/plain, another Origin) writes nothing.
  ASSERT_TRUE(
      c.Send("POST /v1/zones HTTP/1.1\r\nHost: localhost:8080\r\nOrigin: https://evil.example\r\n"
             "Content-Type: text/plain\r\nContent-Length: 20\r\n\r\n{\"zoneId\":\"zone-x1\"}"));
  auto form = c.ReadResponse();
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415) << form->body;
  ASSERT_TRUE(c.Send(
      "POST /v1/zones HTTP/1.1\r\nHost: localhost:8080\r\nOrigin: https://evil.example\r\n"
      "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"zoneId\":\"zone-x1\"}"));
  auto cross = c.ReadResponse();
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 403) << cross->body;
  EXPECT_FALSE(store_.queries->GetZone("zone-x1")->has_value());
}

TEST_F(HttpHardeningServerTest, ACookieCarryingAKeyIsNotAKey) {
  auto keys = ApiKeys::Parse("secret-key *\n", "keys");
  ASSERT_TRUE(keys.ok());
  Start(std::move(*keys));
  RawHttpClient c(server_->port(), kPatience);
  ASSERT_TRUE(c.Send(Get("/v1/zones",
                         "Cookie: X-Api-Key=secret-key; apiKey=secret-key; "
                         "x-api-key=secret-key\r\n")));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401) << r->body;
  ASSERT_TRUE(c.Send(Get("/v1/zones", "X-Api-Key: secret-key\r\n")));
  auto keyed = c.ReadResponse();
  ASSERT_TRUE(keyed);
  EXPECT_EQ(keyed->status, 200) << keyed->body;
}

TEST_F(HttpHardeningServerTest, HostRequiredOnHttp11AndAbsoluteFormServed) {
  Start();
  {
    RawHttpClient c(server_->port(), kPatience);
    ASSERT_TRUE(c.Send("GET /v1/zones HTTP/1.1\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("Host"), std::string::npos) << r->body;
  }
  {
    RawHttpClient c(server_->port(), kPatience);
    ASSERT_TRUE(c.Send("GET /v1/zones HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
  RawHttpClient c(server_->port(), kPatience);
  const std::string authority = "127.0.0.1:" + std::to_string(server_->port());
  ASSERT_TRUE(c.Send("GET http://" + authority +
                     "/v1/zones/zone-001?x=1 HTTP/1.1\r\nHost: " + authority + "\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body).at("zoneId").as_string(), "zone-001");
  // The absolute form's authority is the host asked for (RFC 9112 §3.2.2), whatever Host says.
  ASSERT_TRUE(
      c.Send("GET http://rebind.evil.example/v1/zones HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  auto rebound = c.ReadResponse();
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 421);
}

TEST_F(HttpHardeningServerTest, HeadSendsTheHeadersOfGetAndNoBody) {
  Start();
  RawHttpClient c(server_->port(), kPatience);
  ASSERT_TRUE(c.Send(Get("/v1/zones/zone-001")));
  auto get = c.ReadResponse();
  ASSERT_TRUE(get);
  ASSERT_EQ(get->status, 200);
  // HEAD then GET on one connection: had HEAD sent a body, the next answer would not parse.
  ASSERT_TRUE(c.Send(Get("/v1/zones/zone-001", "", "HEAD") + Get("/healthz")));
  auto head = c.ReadResponse(/*head_only=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(get->body.size()));
  EXPECT_EQ(head->Header("Content-Type"), "application/json");
  auto next = c.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, R"({"status":"ok"})");
  ASSERT_TRUE(c.Send(Get("/", "", "HEAD")));  // the dashboard's page too
  auto page = c.ReadResponse(/*head_only=*/true);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->Header("Content-Type")->find("text/html"), std::string::npos);
}

TEST_F(HttpHardeningServerTest, TheDashboardCarriesItsSecurityHeaders) {
  Start();
  RawHttpClient c(server_->port(), kPatience);
  for (const char* path : {"/", "/app.js", "/style.css"}) {
    ASSERT_TRUE(c.Send(Get(path)));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << path;
    ASSERT_EQ(r->status, 200) << path;
    auto csp = r->Header("Content-Security-Policy");
    ASSERT_TRUE(csp) << path << r->head;
    EXPECT_NE(csp->find("default-src 'none'"), std::string::npos) << *csp;
    EXPECT_NE(csp->find("script-src 'self'"), std::string::npos) << *csp;
    EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos) << *csp;
    EXPECT_EQ(csp->find("unsafe-inline"), std::string::npos) << *csp;
    EXPECT_EQ(r->Header("X-Frame-Options"), "DENY") << path;
    EXPECT_EQ(r->Header("X-Content-Type-Options"), "nosniff") << path;
  }
  // The page has no inline script for the policy to block.
  ASSERT_TRUE(c.Send(Get("/")));
  auto page = c.ReadResponse();
  ASSERT_TRUE(page);
  for (size_t at = page->body.find("<script"); at != std::string::npos;
       at = page->body.find("<script", at + 1)) {
    EXPECT_NE(page->body.substr(at, page->body.find('>', at) - at).find("src="), std::string::npos)
        << page->body.substr(at, 80);
  }
  EXPECT_EQ(page->body.find("style=\""), std::string::npos);
}

// Store calls run on the store workers: while every worker waits on a slow store and the queue is
// full, what needs no store is answered at once and a data request is answered 503 with
// Retry-After; once the store answers, everything is.
TEST_F(HttpHardeningServerTest, SlowStoreCallsDoNotHoldUpTheRest) {
  HttpServerOptions options;
  options.threads = 2;
  options.store_workers = 2;
  options.store_queue = 1;
  Start({}, options);
  context_->cache = &cache_;
  {
    RawHttpClient warm(server_->port(), kPatience);
    ASSERT_TRUE(warm.Send(Get("/v1/zones")));
    ASSERT_EQ(warm.ReadResponse()->status, 200);  // now kept in the cache
  }

  latched_->Close();
  std::vector<std::unique_ptr<RawHttpClient>> slow;
  auto ask_slow = [&](const char* target) {
    slow.push_back(std::make_unique<RawHttpClient>(server_->port(), kPatience));
    return slow.back()->Send(Get(target));
  };
  // Every worker waits on the store.
  ASSERT_TRUE(ask_slow("/v1/zones/zone-001"));
  ASSERT_TRUE(ask_slow("/v1/zones/zone-002"));
  ASSERT_TRUE(WaitUntil([&] { return latched_->waiting() == 2; }, std::chrono::seconds(30)));
  RawHttpClient other(server_->port(), kPatience);
  auto answered_now = [&] {
    for (const char* target : {"/healthz", "/metrics", "/", "/v1/zones"}) {
      ASSERT_TRUE(other.Send(Get(target)));
      auto r = other.ReadResponse();
      ASSERT_TRUE(r) << target << ": no answer while the store is slow";
      EXPECT_EQ(r->status, 200) << target;
    }
  };
  answered_now();
  // And the queue is full.
  ASSERT_TRUE(ask_slow("/v1/sensors"));
  ASSERT_TRUE(
      WaitUntil([&] { return server_->pending_store_calls() == 3; }, std::chrono::seconds(30)))
      << server_->pending_store_calls();
  answered_now();
  ASSERT_TRUE(other.Send(Get("/v1/zones/zone-001/bays")));
  auto busy = other.ReadResponse();
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503) << busy->body;
  EXPECT_EQ(busy->Header("Retry-After"), "1");
  EXPECT_NE(busy->body.find("busy"), std::string::npos) << busy->body;

  latched_->Open();
  for (auto& c : slow) {
    auto r = c->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
  }
  ASSERT_TRUE(other.Send(Get("/v1/zones/zone-001/bays")));
  auto after = other.ReadResponse();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << after->body;
  EXPECT_EQ(server_->pending_store_calls(), 0u);
}

// CORS is for keyed mode only, and an origin is SCHEME://HOST[:PORT]: refused before anything
// starts.
TEST(HttpHardeningServeTest, CorsOriginsAreCheckedAndNeedKeys) {
  TempDir tmp;
  EXPECT_NE(testing::RunCli(tmp, "serve --cors-origin https://ops.example --stop-after 1s"), 0);
  EXPECT_NE(testing::ReadFile(tmp / "cli.log").find("--cors-origin: only with --api-keys"),
            std::string::npos)
      << testing::ReadFile(tmp / "cli.log");
  tmp.Write("keys.txt", "k *\n");
  EXPECT_NE(testing::RunCli(tmp, "serve --api-keys keys.txt --cors-origin ops.example/x"), 0);
  EXPECT_NE(testing::ReadFile(tmp / "cli.log").find("--cors-origin 'ops.example/x'"),
            std::string::npos)
      << testing::ReadFile(tmp / "cli.log");
}

}  // namespace
}  // namespace vdpark
