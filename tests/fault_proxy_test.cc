// Tests of the fault-injecting proxy (fault_proxy.h): its pure parts, then against dynalite.
#include "fault_proxy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "dynalite.h"
#include "fault_proxy_http.h"
#include "store/s3/s3_error.h"
#include "wait_until.h"

namespace vdpark::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace proxy_http;

// ---------------------------------------------------------------------------------------------
// Tests.

namespace {

// A minimal blocking DynamoDB-API client over one kept-alive connection, with the dummy SigV4
// header dynalite wants (it checks the header's form, not the signature).
class TestClient {
 public:
  struct Answer {
    unsigned status = 0;
    json::value body;
  };

  // `retry_stale`: resend once when a reused connection turns out closed by the server while idle.
  // Only for a direct connection to dynalite: through the proxy it would hide injected drops.
  explicit TestClient(const std::string& endpoint, bool retry_stale = false)
      : retry_stale_(retry_stale) {
    auto hp = ParseUpstream(endpoint);
    if (hp) endpoints_ = tcp::resolver(ioc_).resolve(hp->host, hp->port);
  }

  // The answer, or the error that ended the exchange (a dropped connection: no answer at all).
  Result<Answer> Call(std::string_view operation, const json::value& request,
                      bool expect_continue = false) {
    Request req{http::verb::post, "/", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/x-amz-json-1.0");
    req.set(kTargetHeader, "DynamoDB_20120810." + std::string(operation));
    req.set("X-Amz-Date", "20250101T000000Z");
    req.set(http::field::authorization,
            "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=abc");
    if (expect_continue) req.set(http::field::expect, "100-continue");
    req.body() = json::serialize(request);
    req.prepare_payload();
    for (int attempt = 0;; ++attempt) {
      const bool reused = stream_.has_value();
      beast::error_code ec = Exchange(req, expect_continue);
      if (!ec) break;
      stream_.reset();
      if (!retry_stale_ || !reused || attempt > 0 || !IsStaleConnection(ec)) {
        return Status::Unavailable(std::string(operation) + ": " + ec.message());
      }
    }
    Answer answer{static_cast<unsigned>(res_.result_int()), {}};
    boost::system::error_code ec;
    answer.body = json::parse(res_.body(), ec);
    if (ec) return Status::Corruption(std::string(operation) + ": not JSON: " + res_.body());
    return answer;
  }

  // The same, asserting a 200 answer; returns its body.
  json::object Ok(std::string_view operation, const json::value& request) {
    Result<Answer> a = Call(operation, request);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (!a.ok()) return {};
    EXPECT_EQ(a->status, 200u) << operation << ": " << json::serialize(a->body);
    return a->body.is_object() ? a->body.as_object() : json::object{};
  }

 private:
  beast::error_code Exchange(Request& req, bool expect_continue) {
    beast::error_code ec;
    if (!stream_) {
      stream_.emplace(ioc_);
      buffer_.clear();
      stream_->connect(endpoints_, ec);
      if (ec) return ec;
    }
    stream_->expires_after(std::chrono::seconds(30));
    if (expect_continue) {
      // Header first, then the body only after the server's 100 Continue.
      http::request_serializer<http::string_body> sr(req);
      http::write_header(*stream_, sr, ec);
      if (ec) return ec;
      http::response<http::empty_body> go_ahead;
      http::read(*stream_, buffer_, go_ahead, ec);
      if (ec) return ec;
      if (go_ahead.result() != http::status::continue_) return http::error::bad_status;
      http::write(*stream_, sr, ec);
    } else {
      http::write(*stream_, req, ec);
    }
    if (ec) return ec;
    res_ = {};
    http::read(*stream_, buffer_, res_, ec);
    return ec;
  }

  asio::io_context ioc_;
  tcp::resolver::results_type endpoints_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  Response res_;
  bool retry_stale_;
};

json::value PutEntry(const std::string& pk, const std::string& sk) {
  return {
      {"PutRequest", {{"Item", {{"PK", {{"S", pk}}}, {"SK", {{"S", sk}}}, {"n", {{"N", "1"}}}}}}}};
}

json::value Key(const std::string& pk, const std::string& sk) {
  return {{"PK", {{"S", pk}}}, {"SK", {{"S", sk}}}};
}

// The proxy tests against dynalite: a fresh table for each test, dropped after it.
class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    endpoint_ = DynaliteEndpoint();  // records the failure, saying how to start dynalite
    ASSERT_FALSE(endpoint_.empty());
    direct_ = std::make_unique<TestClient>(endpoint_, /*retry_stale=*/true);
    table_ = UniqueTableName("fault-proxy");
    json::object created =
        direct_->Ok("CreateTable", {{"TableName", table_},
                                    {"AttributeDefinitions",
                                     {{{"AttributeName", "PK"}, {"AttributeType", "S"}},
                                      {{"AttributeName", "SK"}, {"AttributeType", "S"}}}},
                                    {"KeySchema",
                                     {{{"AttributeName", "PK"}, {"KeyType", "HASH"}},
                                      {{"AttributeName", "SK"}, {"KeyType", "RANGE"}}}},
                                    {"BillingMode", "PAY_PER_REQUEST"}});
    ASSERT_FALSE(created.empty());
    // dynalite keeps a new table CREATING for --createTableMs (500 ms by default).
    ASSERT_TRUE(WaitUntil(
        [&] {
          json::object d = direct_->Ok("DescribeTable", {{"TableName", table_}});
          return d.contains("Table") && d["Table"].as_object()["TableStatus"] == "ACTIVE";
        },
        std::chrono::seconds(60), std::chrono::milliseconds(50)))
        << "table " << table_ << " never became ACTIVE";
  }

  void TearDown() override {
    // Best effort: the table is the test's own, and a failure to drop it fails nothing.
    if (direct_ && !table_.empty()) (void)direct_->Call("DeleteTable", {{"TableName", table_}});
  }

  std::unique_ptr<FaultProxy> StartProxy(FaultRates rates, uint64_t seed = 7) {
    auto proxy = FaultProxy::Start({.upstream = endpoint_, .rates = rates, .seed = seed});
    EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
    return proxy.ok() ? std::move(*proxy) : nullptr;
  }

  bool Exists(const std::string& pk, const std::string& sk) {
    json::object got = direct_->Ok(
        "GetItem", {{"TableName", table_}, {"Key", Key(pk, sk)}, {"ConsistentRead", true}});
    return got.contains("Item");
  }

  // Every item's "PK|SK", read directly from dynalite.
  std::set<std::string> ScanKeys() {
    std::set<std::string> keys;
    json::value start;
    do {
      json::object req{{"TableName", table_}};
      if (!start.is_null()) req["ExclusiveStartKey"] = start;
      json::object page = direct_->Ok("Scan", req);
      if (!page.contains("Items")) break;
      for (const json::value& item : page["Items"].as_array()) {
        const json::object& o = item.as_object();
        keys.insert(std::string(o.at("PK").at("S").as_string()) + "|" +
                    std::string(o.at("SK").at("S").as_string()));
      }
      start = page.contains("LastEvaluatedKey") ? page["LastEvaluatedKey"] : json::value();
    } while (!start.is_null());
    return keys;
  }

  std::string endpoint_;
  std::string table_;
  std::unique_ptr<TestClient> direct_;
};

TEST(FaultProxyPureTest, ThrottlingBodiesAreDynamoDbs) {
  json::value t = json::parse(fault_proxy::ThrottlingBody(false));
  EXPECT_EQ(t.at("__type"), "com.amazonaws.dynamodb.v20120810#ThrottlingException");
  EXPECT_EQ(t.at("message"), "Rate exceeded");
  json::value p = json::parse(fault_proxy::ThrottlingBody(true));
  EXPECT_EQ(p.at("__type"),
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException");
}

TEST(FaultProxyPureTest, S3ErrorBodiesCarryS3sCodes) {
  EXPECT_EQ(S3ErrorCode(fault_proxy::S3ErrorBody(500)), "InternalError");
  EXPECT_EQ(S3ErrorCode(fault_proxy::S3ErrorBody(503)), "SlowDown");
  EXPECT_EQ(S3ErrorCode(fault_proxy::S3ErrorBody(502)), "ServiceUnavailable");
  EXPECT_EQ(S3ErrorCode(fault_proxy::S3ErrorBody(400)), "InvalidRequest");
  // What S3Client makes of them: 5xx retried, SlowDown as throttling.
  EXPECT_TRUE(
      S3ErrorStatus("S3 PutObject s3://b/k", 500, fault_proxy::S3ErrorBody(500)).IsRetryable());
  EXPECT_EQ(S3ErrorStatus("S3 PutObject s3://b/k", 503, fault_proxy::S3ErrorBody(503)).code(),
            Status::Code::kThrottled);
}

TEST(FaultProxyPureTest, SplitBatchWriteKeepsAStrictSubsetAndHoldsBackTheRest) {
  json::object request{{"ReturnConsumedCapacity", "TOTAL"}};
  json::object items;
  std::multiset<std::string> all;
  for (const char* table : {"A", "B"}) {
    json::array entries;
    for (int i = 0; i < (table[0] == 'A' ? 10 : 3); ++i) {
      entries.push_back(PutEntry(table + std::to_string(i), "s"));
      all.insert(std::string(table) + json::serialize(entries.back()));
    }
    items[table] = std::move(entries);
  }
  request["RequestItems"] = std::move(items);
  const std::string body = json::serialize(request);

  std::set<size_t> kept_counts;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    std::mt19937_64 rng(seed);
    auto split = fault_proxy::SplitBatchWrite(body, rng);
    ASSERT_TRUE(split.has_value());
    EXPECT_GE(split->held_back, 1u);
    EXPECT_EQ(split->forwarded + split->held_back, 13u);
    kept_counts.insert(split->forwarded);
    std::multiset<std::string> seen;
    auto collect = [&](const json::object& by_table) {
      for (const auto& [table, entries] : by_table) {
        for (const json::value& e : entries.as_array()) {
          seen.insert(std::string(table) + json::serialize(e));
        }
      }
    };
    collect(split->unprocessed);
    if (split->forward_body) {
      json::value fwd = json::parse(*split->forward_body);
      EXPECT_EQ(fwd.at("ReturnConsumedCapacity"), "TOTAL");
      collect(fwd.at("RequestItems").as_object());
    } else {
      EXPECT_EQ(split->forwarded, 0u);
    }
    EXPECT_EQ(seen, all) << "seed " << seed;
  }
  EXPECT_TRUE(kept_counts.contains(0));  // nothing forwarded happens too
  EXPECT_TRUE(kept_counts.contains(12));
  EXPECT_FALSE(kept_counts.contains(13));

  // Seeded: the same seed cuts the same way.
  std::mt19937_64 a(99), b(99);
  EXPECT_EQ(fault_proxy::SplitBatchWrite(body, a)->forward_body,
            fault_proxy::SplitBatchWrite(body, b)->forward_body);
}

TEST(FaultProxyPureTest, SplitBatchWriteLeavesOtherBodiesAlone) {
  std::mt19937_64 rng(1);
  EXPECT_FALSE(fault_proxy::SplitBatchWrite("not json", rng));
  EXPECT_FALSE(fault_proxy::SplitBatchWrite(R"({"TableName":"T"})", rng));
  EXPECT_FALSE(fault_proxy::SplitBatchWrite(R"({"RequestItems":{}})", rng));
  EXPECT_FALSE(fault_proxy::SplitBatchWrite(R"({"RequestItems":{"T":[]}})", rng));
}

TEST(FaultProxyPureTest, MergeUnprocessedAppendsToTheUpstreamsAnswer) {
  json::object held{{"T", json::array{PutEntry("b", "s")}}, {"U", json::array{PutEntry("c", "s")}}};
  const std::string upstream = json::serialize(
      json::object{{"UnprocessedItems", {{"T", json::array{PutEntry("a", "s")}}}},
                   {"ConsumedCapacity", json::array{{{"TableName", "T"}, {"CapacityUnits", 3}}}}});
  json::value merged = json::parse(fault_proxy::MergeUnprocessed(upstream, held));
  EXPECT_EQ(merged.at("ConsumedCapacity").as_array().size(), 1u);
  EXPECT_EQ(merged.at("UnprocessedItems").at("T"),
            (json::array{PutEntry("a", "s"), PutEntry("b", "s")}));
  EXPECT_EQ(merged.at("UnprocessedItems").at("U"), json::array{PutEntry("c", "s")});

  json::value alone = json::parse(fault_proxy::MergeUnprocessed(std::nullopt, held));
  EXPECT_EQ(alone, (json::object{{"UnprocessedItems", held}}));
}

TEST(FaultProxyPureTest, StartRejectsABadUpstream) {
  for (const char* bad : {"", "127.0.0.1", "https://127.0.0.1:1", "http://h:1/path", "h:port"}) {
    auto proxy = FaultProxy::Start({.upstream = bad});
    ASSERT_FALSE(proxy.ok()) << bad;
    EXPECT_EQ(proxy.status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST_F(FaultProxyTest, WithNoFaultsItIsTransparentAndKeepsTheConnectionAlive) {
  auto proxy = StartProxy({});
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());

  // The same answer through the proxy as without it (of this test's own table: other tests
  // create and delete tables on the same server meanwhile, so ListTables is not stable).
  EXPECT_EQ(via.Ok("DescribeTable", {{"TableName", table_}}),
            direct_->Ok("DescribeTable", {{"TableName", table_}}));
  via.Ok("PutItem",
         {{"TableName", table_}, {"Item", PutEntry("p", "1").at("PutRequest").at("Item")}});
  json::object got = via.Ok("GetItem", {{"TableName", table_}, {"Key", Key("p", "1")}});
  EXPECT_EQ(got["Item"].at("n").at("N"), "1");
  for (int i = 0; i < 20; ++i) via.Ok("DescribeTable", {{"TableName", table_}});
  // An error answer comes through as it is.
  Result<TestClient::Answer> missing = via.Call("DescribeTable", {{"TableName", "no-such-table"}});
  ASSERT_TRUE(missing.ok()) << missing.status().ToString();
  EXPECT_EQ(missing->status, 400u);
  EXPECT_NE(json::serialize(missing->body).find("ResourceNotFoundException"), std::string::npos);
  // A client asking for 100-continue gets it, and then its answer.
  Result<TestClient::Answer> asked =
      via.Call("ListTables", json::object{}, /*expect_continue=*/true);
  ASSERT_TRUE(asked.ok()) << asked.status().ToString();
  EXPECT_EQ(asked->status, 200u);

  const FaultProxyCounters& c = proxy->counters();
  EXPECT_EQ(c.connections.load(), 1u);
  EXPECT_EQ(c.requests.load(), 25u);
  EXPECT_EQ(c.forwarded.load(), 25u);
  EXPECT_EQ(c.throttled.load() + c.dropped_before.load() + c.dropped_after.load() +
                c.unprocessed_batches.load() + c.upstream_errors.load(),
            0u);
}

TEST_F(FaultProxyTest, AnUpstreamConnectionClosedWhileIdleIsReplacedUnseen) {
  auto proxy = StartProxy({});
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());
  via.Ok("ListTables", json::object{});
  // dynalite (node) closes a kept-alive connection after 5 s idle; the proxy keeps the client's.
  // A sleep: the idle time is the point, and nothing the test can watch says when it closed.
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));
  via.Ok("ListTables", json::object{});
  EXPECT_EQ(proxy->counters().forwarded.load(), 2u);
  EXPECT_EQ(proxy->counters().upstream_errors.load(), 0u);
  EXPECT_EQ(proxy->counters().connections.load(), 1u);
}

TEST_F(FaultProxyTest, ThrottleRateOneAnswersEveryRequestWithAThrottlingError) {
  auto proxy = StartProxy({.throttle = 1.0});
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());
  std::set<std::string> types;
  for (int i = 0; i < 20; ++i) {
    Result<TestClient::Answer> a = via.Call(
        "PutItem", {{"TableName", table_},
                    {"Item", PutEntry("t" + std::to_string(i), "1").at("PutRequest").at("Item")}});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->status, 400u);
    const std::string type(a->body.at("__type").as_string());
    types.insert(type);
    EXPECT_EQ(a->body,
              json::parse(fault_proxy::ThrottlingBody(type.ends_with("ExceededException"))));
  }
  EXPECT_EQ(types.size(), 2u);  // both kinds, with the default provisioned_share of one half
  EXPECT_TRUE(ScanKeys().empty());
  const FaultProxyCounters& c = proxy->counters();
  EXPECT_EQ(c.throttled.load(), 20u);
  EXPECT_GT(c.throttled_provisioned.load(), 0u);
  EXPECT_EQ(c.forwarded.load(), 0u);
  EXPECT_EQ(c.connections.load(), 1u);  // a throttled client keeps its connection

  proxy->SetRates({});
  via.Ok("PutItem",
         {{"TableName", table_}, {"Item", PutEntry("t", "1").at("PutRequest").at("Item")}});
  EXPECT_TRUE(Exists("t", "1"));
}

TEST_F(FaultProxyTest, UnprocessedRateOneAppliesExactlyTheItemsNotReturned) {
  auto proxy = StartProxy({.unprocessed = 1.0});
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());
  std::set<std::string> expected;
  size_t held_back = 0;
  std::set<size_t> held_counts;
  for (int batch = 0; batch < 12; ++batch) {
    json::array puts;
    std::set<std::string> sent;
    for (int i = 0; i < 10; ++i) {
      const std::string pk = "b" + std::to_string(batch), sk = std::to_string(i);
      puts.push_back(PutEntry(pk, sk));
      sent.insert(pk + "|" + sk);
    }
    json::object answer = via.Ok("BatchWriteItem", {{"RequestItems", {{table_, puts}}},
                                                    {"ReturnConsumedCapacity", "TOTAL"}});
    ASSERT_TRUE(answer.contains("UnprocessedItems"));
    const json::array& back = answer["UnprocessedItems"].at(table_).as_array();
    ASSERT_GE(back.size(), 1u);
    held_counts.insert(back.size());
    held_back += back.size();
    for (const json::value& e : back) {
      const json::object& item = e.at("PutRequest").at("Item").as_object();
      ASSERT_EQ(sent.erase(std::string(item.at("PK").at("S").as_string()) + "|" +
                           std::string(item.at("SK").at("S").as_string())),
                1u)
          << "returned an entry that was not sent: " << json::serialize(e);
    }
    // What was forwarded answers with the upstream's own fields.
    if (back.size() < 10) {
      EXPECT_TRUE(answer.contains("ConsumedCapacity"));
    }
    expected.insert(sent.begin(), sent.end());
  }
  EXPECT_EQ(ScanKeys(), expected);
  EXPECT_GT(held_counts.size(), 1u);  // the cut varies
  const FaultProxyCounters& c = proxy->counters();
  EXPECT_EQ(c.unprocessed_batches.load(), 12u);
  EXPECT_EQ(c.unprocessed_items.load(), held_back);

  // Only BatchWriteItem is cut: other operations pass.
  via.Ok("PutItem",
         {{"TableName", table_}, {"Item", PutEntry("p", "1").at("PutRequest").at("Item")}});
  EXPECT_TRUE(Exists("p", "1"));
}

TEST_F(FaultProxyTest, DropBeforeForwardingAppliesNothingAndAnswersNothing) {
  auto proxy = StartProxy({.drop_before = 1.0});
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());
  for (int i = 0; i < 3; ++i) {
    Result<TestClient::Answer> a = via.Call(
        "PutItem", {{"TableName", table_},
                    {"Item", PutEntry("d" + std::to_string(i), "1").at("PutRequest").at("Item")}});
    EXPECT_FALSE(a.ok()) << "answered " << json::serialize(a->body);
  }
  EXPECT_TRUE(ScanKeys().empty());
  const FaultProxyCounters& c = proxy->counters();
  EXPECT_EQ(c.dropped_before.load(), 3u);
  EXPECT_EQ(c.forwarded.load(), 0u);
  EXPECT_EQ(c.connections.load(), 3u);  // each drop cost the client its connection
}

TEST_F(FaultProxyTest, DropAfterForwardingAppliesTheRequestButAnswersNothing) {
  auto proxy = StartProxy({.drop_after = 1.0});
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());
  for (int i = 0; i < 3; ++i) {
    Result<TestClient::Answer> a = via.Call(
        "PutItem", {{"TableName", table_},
                    {"Item", PutEntry("d" + std::to_string(i), "1").at("PutRequest").at("Item")}});
    EXPECT_FALSE(a.ok()) << "answered " << json::serialize(a->body);
  }
  EXPECT_EQ(ScanKeys(), (std::set<std::string>{"d0|1", "d1|1", "d2|1"}));
  const FaultProxyCounters& c = proxy->counters();
  EXPECT_EQ(c.dropped_after.load(), 3u);
  EXPECT_EQ(c.forwarded.load(), 3u);
}

TEST_F(FaultProxyTest, ARetryingLoaderThroughEveryFaultLandsEveryItemOnce) {
  auto proxy = StartProxy(
      {.throttle = 0.15, .drop_before = 0.1, .unprocessed = 0.5, .drop_after = 0.1}, 2026);
  ASSERT_TRUE(proxy);
  TestClient via(proxy->endpoint());
  std::set<std::string> expected;
  size_t calls = 0;
  for (int batch = 0; batch < 20; ++batch) {
    json::array pending;
    for (int i = 0; i < 25; ++i) {
      pending.push_back(PutEntry("z" + std::to_string(batch), std::to_string(i)));
      expected.insert("z" + std::to_string(batch) + "|" + std::to_string(i));
    }
    // What a correct loader does: resend throttled and unanswered requests, and what comes back
    // unprocessed, until nothing is left (no backoff needed against a proxy).
    while (!pending.empty()) {
      ASSERT_LT(++calls, 1000u) << "no progress";
      Result<TestClient::Answer> a =
          via.Call("BatchWriteItem", {{"RequestItems", {{table_, pending}}}});
      if (!a.ok() || a->status != 200) continue;
      const json::value* back = a->body.at("UnprocessedItems").as_object().if_contains(table_);
      pending = back ? back->as_array() : json::array{};
    }
  }
  EXPECT_EQ(ScanKeys(), expected);
  const FaultProxyCounters& c = proxy->counters();
  EXPECT_GT(c.throttled.load(), 0u);
  EXPECT_GT(c.dropped_before.load(), 0u);
  EXPECT_GT(c.unprocessed_batches.load(), 0u);
  EXPECT_GT(c.dropped_after.load(), 0u);
  EXPECT_EQ(c.requests.load(), calls);
  EXPECT_EQ(c.upstream_errors.load(), 0u);
}

}  // namespace
}  // namespace vdpark::testing
