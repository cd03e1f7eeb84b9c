// Several `vdpark serve` processes on one store: two sharing the sensors (on dynalite, and on
// DynamoDB Local through TransactWriteItems); default client ids distinct per process and kept
// across a restart, and a client id that two processes share reported as an error; two ingest
// processes and an API process on one DynamoDB Local table, whose live stream tells every change.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "dynamodb_local.h"
#include "serve_harness.h"
#include "verify/live_stream_reader.h"

namespace vdpark {
namespace {

using namespace testing;

// On either DynamoDB server of the tests: dynalite (changes written one by one) and DynamoDB Local
// (in one TransactWriteItems each).
class ServeDynamoDbTest : public ::testing::TestWithParam<testing::DynamoDbServer> {};

TEST_P(ServeDynamoDbTest, TwoProcessesSharingTheSensorsOfOneStoreNeverDoubleCount) {
  const std::string endpoint = testing::ServerEndpoint(GetParam());
  ASSERT_FALSE(endpoint.empty());
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  const std::string table = testing::UniqueTableName("serve-two");
  const std::string url = "dynamodb://" + table + "?endpoint=" + endpoint;
  ASSERT_EQ(RunCli(tmp, "table create --target '" + url + "'"), 0) << ReadFile(tmp / "cli.log");
  Metadata fleet = LoadFleet(tmp, url, 2);
  ExpectedState expected;
  auto messages = Simulate(fleet, 30, 8, &expected, 0.1, 0.01);

  std::vector<std::string> a = ServeArgs(url, broker.url(), "serve-one");
  std::vector<std::string> b = ServeArgs(url, broker.url(), "serve-two");
  for (auto* args : {&a, &b}) args->insert(args->end(), {"--share", "ingest"});
  ServeProcess one(tmp, a, "one.log"), two(tmp, b, "two.log");
  ASSERT_TRUE(one.WaitServing()) << one.log();
  ASSERT_TRUE(two.WaitServing()) << two.log();
  PublishAll(broker.url(), messages, [](size_t) {});
  Drain(broker.url(), 8);  // the group hands them out in turn: some reach each process
  // Each process wrote its changes the way the server allows, and says so in /metrics.
  const bool transactions = testing::ServerHasTransactions(GetParam());
  for (const ServeProcess* p : {&one, &two}) {
    const std::string log = p->log();
    auto by_transaction =
        MetricOf(log, "vdpark_store_live_writes_total{path=\"transaction\"}").value_or(-1);
    auto one_by_one =
        MetricOf(log, "vdpark_store_live_writes_total{path=\"one_by_one\"}").value_or(-1);
    EXPECT_EQ(transactions ? one_by_one : by_transaction, 0) << log;
    EXPECT_GT(transactions ? by_transaction : one_by_one, 0) << log;
  }
  EXPECT_EQ(one.Kill(SIGTERM), 0) << one.log();
  EXPECT_EQ(two.Kill(SIGTERM), 0) << two.log();
  const uint64_t handled = StoppedMessages(one.log()) + StoppedMessages(two.log());
  EXPECT_EQ(handled, messages.size() + 8) << one.log() << two.log();
  EXPECT_GT(StoppedMessages(one.log()), 0u);  // the group split the work
  EXPECT_GT(StoppedMessages(two.log()), 0u);
  // A group hands one bay's messages to either process, so they may be taken out of order: an
  // older one then counts as late and makes no event. What must hold is every bay ending as its
  // newest message says, and no arrival counted twice.
  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok());
  ExpectStoreMatches(AsSingleTable(**store), expected, /*exact_events=*/false);
}

INSTANTIATE_TEST_SUITE_P(Servers, ServeDynamoDbTest,
                         ::testing::Values(testing::DynamoDbServer::kDynalite,
                                           testing::DynamoDbServer::kDynamoDbLocal),
                         testing::ServerTestName);

// The client id a serve process printed on its "serving:" line (the last one in `log`).
std::string ServingClientId(const std::string& log) {
  const size_t at = log.rfind("serving: ");
  const size_t from = log.find("(client ", at);
  if (at == std::string::npos || from == std::string::npos) return "";
  const size_t end = log.find_first_of(",)", from);
  return log.substr(from + 8, end - from - 8);
}

// Serve's arguments without --client-id: the default one is used.
std::vector<std::string> ServeArgsWithDefaultId(const std::string& mqtt) {
  std::vector<std::string> args = ServeArgs("embedded:store", mqtt, "");
  args.erase(args.begin() + 4, args.begin() + 6);
  return args;
}

// Two processes started with the same command line (each in a folder of its own, so each has
// its own embedded store) on one machine, sharing the sensors: before, both took the default
// client id made from the store and group, and took the session from each other at every
// reconnect.
TEST(ServeTest, TwoProcessesStartedTheSameWayGetDistinctClientIdsAndNeverCollide) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir state, dir_one, dir_two;
  LoadFleet(dir_one, "embedded:store", 2);
  Metadata fleet = LoadFleet(dir_two, "embedded:store", 2);
  std::vector<std::string> args = ServeArgsWithDefaultId(broker.url());
  args.insert(args.end(), {"--share", "ingest"});
  ServeProcess one(dir_one, args, "serve.log", state.path());
  ASSERT_TRUE(one.WaitServing()) << one.log();
  ServeProcess two(dir_two, args, "serve.log", state.path());
  ASSERT_TRUE(two.WaitServing()) << two.log();
  const std::string id_one = ServingClientId(one.log()), id_two = ServingClientId(two.log());
  EXPECT_TRUE(id_one.starts_with("vdpark-serve-")) << one.log();
  EXPECT_TRUE(id_one.ends_with("-0")) << id_one;
  EXPECT_TRUE(id_two.ends_with("-1")) << id_two;
  EXPECT_EQ(id_one.substr(0, id_one.size() - 2), id_two.substr(0, id_two.size() - 2));
  EXPECT_NE(id_one, id_two);
  ExpectedState expected;
  PublishAll(broker.url(), Simulate(fleet, 20, 4, &expected), [](size_t) {});
  Drain(broker.url(), 8);  // the group hands them out in turn: some reach each process
  // Both ingested; neither lost its connection meanwhile, nor counted a takeover.
  for (ServeProcess* p : {&one, &two}) {
    const std::string metrics = Metrics(p->log());
    EXPECT_NE(metrics.find("\nvdpark_mqtt_session_taken_over_total 0\n"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("\nvdpark_mqtt_reconnects_total 0\n"), std::string::npos) << metrics;
  }
  EXPECT_EQ(one.Kill(SIGTERM), 0) << one.log();
  EXPECT_EQ(two.Kill(SIGTERM), 0) << two.log();
  EXPECT_GT(StoppedMessages(one.log()), 0u) << one.log();
  EXPECT_GT(StoppedMessages(two.log()), 0u) << two.log();
  for (ServeProcess* p : {&one, &two}) {
    EXPECT_EQ(p->log().find("lost its connection"), std::string::npos) << p->log();
    EXPECT_EQ(p->log().find("reconnected"), std::string::npos) << p->log();
  }
}

// A process killed and started again while another started the same way runs on: it takes its
// own client id again (not its sibling's), so the broker hands it its session with what was
// published while it was down.
TEST(ServeTest, RestartedBesideASiblingGetsItsOwnClientIdAndSessionBack) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir state, dir_one, dir_two;
  Metadata fleet = LoadFleet(dir_one, "embedded:store", 2);
  LoadFleet(dir_two, "embedded:store", 2);
  const std::vector<std::string> args = ServeArgsWithDefaultId(broker.url());
  auto one = std::make_unique<ServeProcess>(dir_one, args, "serve.log", state.path());
  ASSERT_TRUE(one->WaitServing()) << one->log();
  ServeProcess two(dir_two, args, "serve.log", state.path());
  ASSERT_TRUE(two.WaitServing()) << two.log();
  const std::string id_one = ServingClientId(one->log()), id_two = ServingClientId(two.log());
  ASSERT_NE(id_one, id_two);

  EXPECT_EQ(one->Kill(SIGKILL), -SIGKILL);
  ExpectedState expected;
  auto messages = Simulate(fleet, 20, 4, &expected);
  PublishAll(broker.url(), messages, [](size_t) {});  // while the first one is down
  one = std::make_unique<ServeProcess>(dir_one, args, "serve-again.log", state.path());
  ASSERT_TRUE(one->WaitServing()) << one->log();
  EXPECT_EQ(ServingClientId(one->log()), id_one) << one->log();
  EXPECT_EQ(two.Kill(SIGTERM), 0) << two.log();
  Drain(broker.url(), 1);
  EXPECT_EQ(one->Kill(SIGTERM), 0) << one->log();
  EXPECT_EQ(StoppedMessages(one->log()), messages.size() + 1) << one->log();
  EXPECT_EQ(one->log().find("lost its connection"), std::string::npos) << one->log();
  auto store = OpenStore("embedded:" + dir_one / "store");
  ASSERT_TRUE(store.ok());
  ExpectStoreMatches(AsSingleTable(**store), expected);
}

// Two processes given the same --client-id take the session from each other: they say so, as an
// error naming the client id and what to do, and count it.
TEST(ServeTest, TwoProcessesGivenOneClientIdReportTheCollision) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir dir_one, dir_two;
  LoadFleet(dir_one, "embedded:store", 1);
  LoadFleet(dir_two, "embedded:store", 1);
  const std::vector<std::string> args = ServeArgs("embedded:store", broker.url(), "twin-id");
  ServeProcess one(dir_one, args, "serve.log"), two(dir_two, args, "serve.log");
  ASSERT_TRUE(one.WaitServing()) << one.log();
  ASSERT_TRUE(two.WaitServing()) << two.log();
  // Mosquitto 2.0 closes the connection taken over without saying why (no DISCONNECT 0x8E):
  // known by connections closed soon after they were made.
  const std::string error = "error: mqtt: client id 'twin-id': the broker closed this session's";
  EXPECT_TRUE(WaitUntil(
      [&] {
        return one.log().find(error) != std::string::npos &&
               two.log().find(error) != std::string::npos;
      },
      std::chrono::seconds(120)))
      << one.log() << two.log();
  EXPECT_NE(one.log().find("another process probably uses the same client id"), std::string::npos);
  EXPECT_NE(one.log().find("give each process its own --client-id"), std::string::npos);
  const std::string metrics = Metrics(one.log());
  const std::string counter = "\nvdpark_mqtt_session_taken_over_total ";  // the sample line
  const size_t at = metrics.find(counter);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GE(std::stod(metrics.substr(at + counter.size())), 3.0) << metrics;
}

// Past one machine (issue 14): two ingest processes sharing the sensors (one group) and one API
// process that ingests nothing, on one DynamoDB Local table, fed by a simulated fleet with
// duplicates and unusable messages, one ingest process killed with SIGKILL mid-stream and started
// again. Every bay ends as its newest message says, every zone's occupiedBays is a count of its
// bays, no arrival is counted twice, the changes went through TransactWriteItems, and the API
// process's live stream (what its dashboard shows) told every change either worker made, once.
TEST(ServeScaleOutTest, TwoIngestProcessesAndAnApiProcessOnDynamoDbLocal) {
  VDPARK_REQUIRE_DYNAMODB_LOCAL(endpoint);
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  const std::string table = testing::UniqueTableName("scale-out");
  const std::string url = "dynamodb://" + table + "?endpoint=" + endpoint;
  ASSERT_EQ(RunCli(tmp, "table create --target '" + url + "'"), 0) << ReadFile(tmp / "cli.log");
  Metadata fleet = LoadFleet(tmp, url, 2);
  ExpectedState expected;
  auto messages = Simulate(fleet, 30, 8, &expected, 0.1, 0.01);

  // The API process: no --mqtt; its live view comes from the table's stream.
  ServeProcess api(tmp, {"--store", url, "--listen", "127.0.0.1:0", "--retention-days", "0"},
                   "api.log");
  ASSERT_TRUE(api.WaitFor("dashboard: ")) << api.log();
  ASSERT_NE(api.log().find("live view: every writer's changes"), std::string::npos) << api.log();
  std::mutex mu;
  std::vector<std::string> shown;  // guarded by mu
  LiveStreamReader stream("http://127.0.0.1:" + std::to_string(ApiPort(api.log())) + "/stream", "",
                          [&](std::string_view data) {
                            std::lock_guard lock(mu);
                            shown.emplace_back(data);
                          });
  ASSERT_TRUE(stream.WaitOpen(std::chrono::seconds(30)).ok());

  std::vector<std::string> a = ServeArgs(url, broker.url(), "scale-one");
  std::vector<std::string> b = ServeArgs(url, broker.url(), "scale-two");
  for (auto* args : {&a, &b}) args->insert(args->end(), {"--share", "ingest"});
  auto one = std::make_unique<ServeProcess>(tmp, a, "one.log");
  ServeProcess two(tmp, b, "two.log");
  ASSERT_TRUE(one->WaitServing()) << one->log();
  ASSERT_TRUE(two.WaitServing()) << two.log();
  std::string killed_log;
  PublishAll(broker.url(), messages, [&](size_t i) {
    if (i != messages.size() / 2) return;
    // Mid-stream: one worker killed at once, and started again with its client id, so that the
    // broker hands it back what it had not acknowledged.
    EXPECT_EQ(one->Kill(SIGKILL), -SIGKILL);
    killed_log = one->log();
    one = std::make_unique<ServeProcess>(tmp, a, "one-again.log");
    EXPECT_TRUE(one->WaitServing()) << one->log();
  });
  Drain(broker.url(), 8);
  for (const ServeProcess* p : {one.get(), &two}) {
    const std::string log = p->log();
    EXPECT_GT(MetricOf(log, "vdpark_store_live_writes_total{path=\"transaction\"}").value_or(-1), 0)
        << log;
    EXPECT_EQ(MetricOf(log, "vdpark_store_live_writes_total{path=\"one_by_one\"}").value_or(-1), 0)
        << log;
  }
  EXPECT_EQ(one->Kill(SIGTERM), 0) << one->log();
  EXPECT_EQ(two.Kill(SIGTERM), 0) << two.log();
  EXPECT_GT(StoppedMessages(two.log()), 0u);  // the group split the work
  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok());
  SingleTableStore& single = AsSingleTable(**store);
  ExpectStoreMatches(single, expected, /*exact_events=*/false);

  // The live stream of the API process: every event either worker wrote since the start, once,
  // in order for each bay, and each bay last shown as it ends.
  size_t events = 0;
  EventScanOptions since;
  since.since = kSimStart;
  ASSERT_TRUE(single
                  .ScanEvents(since,
                              [&](ParkingEvent&& e, const Origin&) {
                                events += e.timestamp >= kSimStart;
                                return Status::OK();
                              },
                              {})
                  .ok());
  auto with_event = [&] {
    std::lock_guard lock(mu);
    return static_cast<size_t>(std::count_if(shown.begin(), shown.end(), [](const auto& line) {
      return line.find("\"eventType\"") != std::string::npos;
    }));
  };
  EXPECT_TRUE(WaitUntil([&] { return with_event() >= events; }, std::chrono::seconds(60)))
      << with_event() << " of " << events << " events shown";
  EXPECT_EQ(with_event(), events);
  std::lock_guard lock(mu);
  std::map<std::string, std::pair<std::string, std::string>> last;  // bay -> (lastChange, status)
  for (const std::string& line : shown) {
    auto v = boost::json::parse(line).as_object();
    const std::string bay =
        std::string(v.at("zoneId").as_string()) + "/" + std::string(v.at("bayNumber").as_string());
    const std::string at(v.at("lastChange").as_string());
    auto& [prev_at, status] = last[bay];
    EXPECT_LT(prev_at, at) << bay << ": shown out of order or twice";
    prev_at = at;
    status = std::string(v.at("status").as_string());
  }
  for (const ExpectedBay& b : expected.bays) {
    auto it = last.find(b.zone_id + "/" + b.bay_number);
    if (it == last.end()) continue;  // no change since the start
    EXPECT_EQ(it->second.second, ToString(b.status)) << it->first;
  }
}

}  // namespace
}  // namespace vdpark
