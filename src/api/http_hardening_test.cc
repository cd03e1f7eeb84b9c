// The API's promises under hostile input, without a socket (issue 13): keyless mode answers only a
// loopback Host, sends no CORS, and takes writes only as JSON from its own origin; keyed mode
// sends CORS only to configured origins; made-up parameters and methods cannot grow the cache or
// the metrics; HEAD answers as GET; a store's words never reach a 400 body. The same over a real
// socket: tests/http_hardening_test.cc.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include "api/access_rules.h"
#include "api/router.h"
#include "fixture_store.h"
#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

namespace json = boost::json;
using testing::TempDir;

class HttpHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = testing::OpenFixtureStore(tmp_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    keyless_ = std::make_unique<ApiContext>(*store_.queries);
    auto keys = ApiKeys::Parse("op-key *\nrta-key tenant-rta\n", "keys.txt");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keyed_ = std::make_unique<ApiContext>(*store_.queries, std::move(*keys));
  }

  static ApiRequest Request(std::string_view method, std::string_view target,
                            std::string host = "127.0.0.1:8080") {
    auto r = ApiRequest::FromTarget(method, target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    r->host = std::move(host);
    return std::move(*r);
  }
  static ApiRequest Post(std::string_view target, std::string body,
                         std::string content_type = "application/json", std::string origin = "") {
    ApiRequest r = Request("POST", target);
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    r.origin = std::move(origin);
    return r;
  }
  static std::string Message(const ApiResponse& r) {
    return std::string(json::parse(r.body).at("message").as_string());
  }

  TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<ApiContext> keyless_, keyed_;
};

TEST_F(HttpHardeningTest, KeylessAnswersOnlyALoopbackHost) {
  for (const char* host : {"localhost", "localhost:8080", "LocalHost:80", "127.0.0.1",
                           "127.0.0.1:8080", "127.1.2.3:9", "[::1]", "[::1]:8080"}) {
    EXPECT_EQ(HandleRequest(Request("GET", "/v1/zones", host), *keyless_).status, 200) << host;
  }
  for (const char* host :
       {"rebind.evil.example", "rebind.evil.example:8080", "10.0.0.7:8080", "128.0.0.1",
        "[::2]:8080", "localhost.evil.example", "127.0.0.1.nip.io", "a b"}) {
    for (const char* target : {"/v1/zones", "/healthz", "/v1/zones/zone-001", "/nowhere"}) {
      ApiResponse r = HandleRequest(Request("GET", target, host), *keyless_);
      EXPECT_EQ(r.status, 421) << host << " " << target;
      EXPECT_NE(Message(r).find("Host"), std::string::npos) << r.body;
    }
  }
  // With keys the server may be behind any name: the key is what is checked.
  ApiRequest keyed = Request("GET", "/v1/zones", "parking.example.com");
  keyed.api_key = "op-key";
  EXPECT_EQ(HandleRequest(keyed, *keyed_).status, 200);
}

TEST_F(HttpHardeningTest, KeylessSendsNoCorsHeaderEvenWhenOriginsAreConfigured) {
  keyless_->cors_origins = {"*", "https://evil.example"};
  for (const char* method : {"GET", "OPTIONS"}) {
    ApiRequest r = Request(method, "/v1/zones");
    r.origin = "https://evil.example";
    ApiResponse answer = HandleRequest(r, *keyless_);
    EXPECT_LT(answer.status, 300) << method;
    EXPECT_FALSE(answer.Header("Access-Control-Allow-Origin")) << method;
    EXPECT_FALSE(answer.Header("Access-Control-Allow-Methods")) << method;
  }
}

TEST_F(HttpHardeningTest, KeyedSendsCorsOnlyToConfiguredOrigins) {
  ApiRequest r = Request("GET", "/v1/zones");
  r.api_key = "op-key";
  r.origin = "https://ops.example";
  EXPECT_FALSE(HandleRequest(r, *keyed_).Header("Access-Control-Allow-Origin"));  // none by default
  keyed_->cors_origins = {"https://ops.example"};
  EXPECT_EQ(HandleRequest(r, *keyed_).Header("Access-Control-Allow-Origin"), "https://ops.example");
  r.origin = "https://evil.example";
  EXPECT_FALSE(HandleRequest(r, *keyed_).Header("Access-Control-Allow-Origin"));
  keyed_->cors_origins = {"*"};
  EXPECT_EQ(HandleRequest(r, *keyed_).Header("Access-Control-Allow-Origin"), "*");
}

TEST_F(HttpHardeningTest, WritesTakeJsonOnly) {
  const std::string zone = R"({"zoneId":"zone-900","name":"New","totalBays":3})";
  for (const char* type : {"text/plain", "", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonp"}) {
    ApiResponse r = HandleRequest(Post("/v1/zones", zone, type), *keyless_);
    EXPECT_EQ(r.status, 415) << type;
    EXPECT_NE(Message(r).find("Content-Type"), std::string::npos) << r.body;
    ApiRequest keyed = Post("/v1/zones", zone, type);
    keyed.api_key = "op-key";
    EXPECT_EQ(HandleRequest(keyed, *keyed_).status, 415) << type;
  }
  EXPECT_FALSE(store_.queries->GetZone("zone-900")->has_value());
  EXPECT_EQ(
      HandleRequest(Post("/v1/zones", zone, "Application/JSON; charset=utf-8"), *keyless_).status,
      201);
}

TEST_F(HttpHardeningTest, KeylessRefusesCrossOriginWrites) {
  const std::string zone = R"({"zoneId":"zone-901","name":"New","totalBays":3})";
  for (const char* origin : {"https://evil.example", "null", "http://127.0.0.1:9999",
                             "http://localhost:8080", "https://127.0.0.1:8080"}) {
    ApiResponse r = HandleRequest(Post("/v1/zones", zone, "application/json", origin), *keyless_);
    EXPECT_EQ(r.status, 403) << origin;
    EXPECT_NE(Message(r).find("Origin"), std::string::npos) << r.body;
  }
  EXPECT_FALSE(store_.queries->GetZone("zone-901")->has_value());
  // The server's own page (Origin = http://HOST), and a client that sends no Origin, write.
  EXPECT_EQ(
      HandleRequest(Post("/v1/zones", zone, "application/json", "http://127.0.0.1:8080"), *keyless_)
          .status,
      201);
  EXPECT_EQ(HandleRequest(Post("/v1/sensors",
                               R"({"sensorId":"S-NEW","zoneId":"zone-001","bayNumber":"A-009"})"),
                          *keyless_)
                .status,
            201);
}

TEST_F(HttpHardeningTest, MadeUpParametersShareOneCacheEntry) {
  ResponseCache cache(std::chrono::milliseconds(1000), std::chrono::milliseconds(60000));
  keyless_->cache = &cache;
  std::string first;
  for (int n = 0; n < 200; ++n) {
    ApiResponse r = HandleRequest(
        Request("GET", "/v1/sensors?junk=" + std::to_string(n) + "&x" + std::to_string(n) + "=1"),
        *keyless_);
    ASSERT_EQ(r.status, 200);
    if (n == 0) first = r.body;
    EXPECT_EQ(r.body, first);
  }
  EXPECT_EQ(cache.entries(), 1u);
  // A parameter the route reads makes an answer of its own.
  ApiResponse zone = HandleRequest(Request("GET", "/v1/sensors?zoneId=zone-002&junk=1"), *keyless_);
  EXPECT_EQ(json::parse(zone.body).at("count").as_int64(), 2);
  EXPECT_EQ(cache.entries(), 2u);
}

TEST_F(HttpHardeningTest, TheCacheStaysWithinItsBytes) {
  const size_t bound = 24 * 1024;
  ResponseCache cache(std::chrono::milliseconds(1000), std::chrono::milliseconds(60000), bound);
  keyless_->cache = &cache;
  for (int n = 0; n < 300; ++n) {
    const char* zone = n % 2 ? "zone-001" : "zone-002";
    ApiResponse r =
        HandleRequest(Request("GET", "/v1/zones/" + std::string(zone) +
                                         "/events?from=" + std::to_string(1700000000000 + n) +
                                         "&limit=" + std::to_string(n % 999 + 1)),
                      *keyless_);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_LE(cache.bytes(), bound) << n;
  }
  EXPECT_GT(cache.entries(), 10u);  // it is used, within its bound
}

TEST_F(HttpHardeningTest, MadeUpMethodsAndPathsLeaveTheMetricsSmall) {
  for (int n = 0; n < 2000; ++n) {
    std::string method(10 * 1024, 'A' + n % 26);
    method += std::to_string(n);
    ApiResponse r = HandleRequest(Request(method, "/v1/zones/z" + std::to_string(n)), *keyless_);
    EXPECT_EQ(r.status, 405);
    EXPECT_LT(r.body.size(), 1024u);  // the method is not echoed in full either
    HandleRequest(Request("GET", "/made/up/" + std::to_string(n)), *keyless_);
  }
  const std::string text = HandleRequest(Request("GET", "/metrics"), *keyless_).body;
  EXPECT_LT(text.size(), 16u * 1024) << text.substr(0, 2000);
  EXPECT_EQ(text.find("AAAA"), std::string::npos);
  EXPECT_EQ(text.find("/made/up"), std::string::npos);
  EXPECT_NE(text.find(R"(route="/zones/{zoneId}",method="other",status="405")"), std::string::npos)
      << text;
}

TEST_F(HttpHardeningTest, HeadAnswersAsGet) {
  ApiResponse get = HandleRequest(Request("GET", "/v1/zones/zone-001"), *keyless_);
  ApiResponse head = HandleRequest(Request("HEAD", "/v1/zones/zone-001"), *keyless_);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, get.body);  // the server sends its length, not its bytes
  EXPECT_EQ(head.route, "/zones/{zoneId}");
  EXPECT_EQ(HandleRequest(Request("HEAD", "/healthz"), *keyless_).status, 200);
  ApiResponse nowhere = HandleRequest(Request("HEAD", "/v1/nowhere"), *keyless_);
  EXPECT_EQ(nowhere.status, 404);
  ApiResponse not_allowed = HandleRequest(Request("DELETE", "/v1/zones"), *keyless_);
  EXPECT_EQ(not_allowed.Header("Allow"), "GET, HEAD, POST, OPTIONS");
}

TEST_F(HttpHardeningTest, AStoresRefusalKeepsItsKeyLayoutOutOf400Bodies) {
  const std::string long_id(3000, 'z');
  for (const std::string& target :
       {"/v1/zones/" + long_id, "/v1/zones/" + long_id + "/bays", std::string("/v1/zones/a%00b"),
        "/v1/sensors/" + long_id, "/v1/zones/zone-001/bays/" + long_id}) {
    ApiResponse r = HandleRequest(Request("GET", target), *keyless_);
    EXPECT_LT(r.status, 500) << target.substr(0, 40) << ": " << r.body;
    for (const char* internal : {"PK", "SK", "ZONE#", "GSI", "SENSOR#", "BAY#"}) {
      EXPECT_EQ(r.body.find(internal), std::string::npos) << target.substr(0, 40) << ": " << r.body;
    }
  }
}

TEST(HttpHardeningRequestTest, AbsoluteFormTargetsGiveTheirAuthorityAsTheHost) {
  auto r = ApiRequest::FromTarget("GET", "http://127.0.0.1:8080/v1/zones?limit=5");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->host, "127.0.0.1:8080");
  EXPECT_EQ(r->path, "/v1/zones");
  EXPECT_EQ(r->Query("limit"), "5");
  auto bare = ApiRequest::FromTarget("GET", "HTTP://[::1]:8080");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->host, "[::1]:8080");
  EXPECT_EQ(bare->path, "/");
  for (const char* bad : {"ftp://x/y", "zones", "http:///v1", "http://user@evil/v1", "*"}) {
    EXPECT_FALSE(ApiRequest::FromTarget("GET", bad).ok()) << bad;
  }
}

TEST(HttpHardeningRequestTest, LoopbackHostsAndCorsOrigins) {
  EXPECT_TRUE(IsLoopbackHost("127.255.0.1:1"));
  EXPECT_FALSE(IsLoopbackHost(""));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_TRUE(CheckCorsOrigin("https://ops.example").ok());
  EXPECT_TRUE(CheckCorsOrigin("http://[::1]:8080").ok());
  EXPECT_TRUE(CheckCorsOrigin("*").ok());
  for (const char* bad : {"ops.example", "https://ops.example/", "https://", "https://a b"}) {
    EXPECT_FALSE(CheckCorsOrigin(bad).ok()) << bad;
  }
}

TEST(HttpHardeningKeysTest, AKeyFileOpenToOthersIsWarnedAbout) {
  TempDir tmp;
  tmp.Write("keys.txt", "k *\n");
  const std::string path = tmp / "keys.txt";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto warning = ApiKeys::PermissionWarning(path);
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("644"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("chmod 600"), std::string::npos) << *warning;
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  EXPECT_FALSE(ApiKeys::PermissionWarning(path));
  EXPECT_TRUE(ApiKeys::Load(path).ok());
}

TEST(HttpHardeningKeysTest, KeysAreRecognisedByTheirDigestOnly) {
  auto keys = ApiKeys::Parse("alpha-key tenant-a\nbeta-key *\n", "keys");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->Authenticate("alpha-key")->tenant, "tenant-a");
  EXPECT_TRUE(keys->Authenticate("beta-key")->operator_access());
  for (const char* wrong : {"", "alpha-ke", "alpha-key ", "alpha-keyx", "ALPHA-KEY", "beta"}) {
    EXPECT_FALSE(keys->Authenticate(wrong)) << wrong;
  }
}

}  // namespace
}  // namespace vdpark
