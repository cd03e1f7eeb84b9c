// `vdpark serve` end to end, against a real Mosquitto: a simulated fleet's messages in, then the
// store compared with what the simulator says a correct processor makes of them (bay states,
// events per bay, every zone's occupiedBays). Also with the serve process killed with SIGKILL and
// restarted, the broker restarted mid-stream, and dual-writing to PostgreSQL. Several processes:
// serve_processes_test.cc.
#include <gtest/gtest.h>

#include <mutex>
#include <random>
#include <set>

#include "postgres.h"
#include "serve_harness.h"

namespace vdpark {
namespace {

using namespace testing;

TEST(ServeTest, SimulatedFleetEndsInExactlyTheStatesItShould) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  Metadata fleet = LoadFleet(tmp, "embedded:store", 3);
  ExpectedState expected;
  auto messages = Simulate(fleet, 60, 12, &expected);
  ASSERT_GT(messages.size(), 1000u);

  // Whoever watches the errors topic gets each bad message with its reason.
  std::atomic<int> errors{0};
  std::string first_error;
  std::mutex mu;
  auto watcher = MqttSubscriber::Start(
      *ParseMqttUrl(broker.url()),
      MqttSubscriberOptions{.topics = {"visiondrive/parking/errors"}, .client_id = "watcher"},
      [&](std::string_view, std::string_view payload, bool) {
        std::lock_guard lock(mu);
        if (errors++ == 0) first_error = payload;
        return true;
      });
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE((*watcher)->WaitConnected(std::chrono::seconds(10)).ok());

  ServeProcess serve(tmp, ServeArgs("embedded:store", broker.url(), "serve-a"), "serve.log");
  ASSERT_TRUE(serve.WaitServing()) << serve.log();
  PublishAll(broker.url(), messages, [](size_t) {});
  uint64_t bad = 0;
  for (const auto& m : messages) bad += m.bad;
  Drain(broker.url(), 1);
  EXPECT_EQ(serve.Kill(SIGTERM), 0) << serve.log();
  EXPECT_EQ(StoppedMessages(serve.log()), messages.size() + 1) << serve.log();
  {
    std::lock_guard lock(mu);
    EXPECT_NE(first_error.find("\"reason\""), std::string::npos) << first_error;
    EXPECT_NE(first_error.find("\"payload\""), std::string::npos) << first_error;
  }
  EXPECT_TRUE(
      WaitUntil([&] { return errors >= static_cast<int>(bad) + 1; }, std::chrono::seconds(60)));
  EXPECT_EQ(errors.load(), static_cast<int>(bad) + 1);

  auto store = OpenStore("embedded:" + tmp / "store");
  ASSERT_TRUE(store.ok());
  ExpectStoreMatches(AsSingleTable(**store), expected);
}

TEST(ServeTest, KilledWithSigkillAndRestartedLosesNothingAndCountsNothingTwice) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  Metadata fleet = LoadFleet(tmp, "embedded:store", 3);
  ExpectedState expected;
  auto messages = Simulate(fleet, 80, 24, &expected);
  ASSERT_GT(messages.size(), 3000u);

  // The session is made first, so that everything published while serve is down waits for it.
  auto serve = std::make_unique<ServeProcess>(
      tmp, ServeArgs("embedded:store", broker.url(), "serve-k"), "serve.log");
  ASSERT_TRUE(serve->WaitServing()) << serve->log();
  std::mt19937 rng(20261127);
  std::set<size_t> kill_at;
  while (kill_at.size() < 3) {
    kill_at.insert(std::uniform_int_distribution<size_t>(100, messages.size() - 100)(rng));
  }
  int kills = 0;
  PublishAll(broker.url(), messages, [&](size_t i) {
    if (!kill_at.contains(i)) return;
    // Mid-stream, at a random moment of whatever it is doing: a sleep, the moment is the point.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 30)(rng)));
    EXPECT_EQ(serve->Kill(SIGKILL), -SIGKILL);
    ++kills;
    serve = std::make_unique<ServeProcess>(
        tmp, ServeArgs("embedded:store", broker.url(), "serve-k"), "serve.log");
    ASSERT_TRUE(serve->WaitServing()) << serve->log();
  });
  EXPECT_EQ(kills, 3);
  Drain(broker.url(), 1);
  EXPECT_EQ(serve->Kill(SIGTERM), 0) << serve->log();
  EXPECT_NE(serve->log().find("stopped: "), std::string::npos);
  auto store = OpenStore("embedded:" + tmp / "store");
  ASSERT_TRUE(store.ok());
  ExpectStoreMatches(AsSingleTable(**store), expected);
}

// The moment between the store's commit and the intake log's removal of what it handled (issue
// 17): serve kills itself there (VDPARK_TEST_CRASH_AFTER_APPLIED), twice, with messages still
// arriving. Everything it had acknowledged is in its log, handled again at the next start, and
// nothing is counted twice.
TEST(ServeTest, KilledBetweenCommitAndRemovingFromTheIntakeLogDoublesNothing) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  Metadata fleet = LoadFleet(tmp, "embedded:store", 3);
  ExpectedState expected;
  auto messages = Simulate(fleet, 60, 12, &expected);
  ASSERT_GT(messages.size(), 1500u);
  const std::vector<std::string> args = ServeArgs("embedded:store", broker.url(), "serve-c");

  auto crashing = [&](int after) {
    setenv("VDPARK_TEST_CRASH_AFTER_APPLIED", std::to_string(after).c_str(), 1);
    auto p = std::make_unique<ServeProcess>(tmp, args, "serve.log");
    unsetenv("VDPARK_TEST_CRASH_AFTER_APPLIED");
    return p;
  };
  auto serve = crashing(300);
  ASSERT_TRUE(serve->WaitServing()) << serve->log();
  int crashes = 0;
  std::string restarted_log;
  PublishAll(broker.url(), messages, [&](size_t i) {
    if (i != messages.size() / 3 && i != 2 * messages.size() / 3) return;
    // By now it has died at its crash point (300 messages handled); it starts again, and the
    // second time dies again 200 messages into its restart.
    EXPECT_EQ(serve->WaitExit(std::chrono::seconds(60)), -SIGKILL) << serve->log();
    ++crashes;
    serve = crashes == 1 ? crashing(200) : std::make_unique<ServeProcess>(tmp, args, "serve.log");
    ASSERT_TRUE(serve->WaitServing()) << serve->log();
    restarted_log = serve->log();
  });
  EXPECT_EQ(crashes, 2);
  EXPECT_NE(restarted_log.find("taken before the last stop, handled first"), std::string::npos)
      << restarted_log;
  Drain(broker.url(), 1);
  EXPECT_EQ(serve->Kill(SIGTERM), 0) << serve->log();
  auto store = OpenStore("embedded:" + tmp / "store");
  ASSERT_TRUE(store.ok());
  ExpectStoreMatches(AsSingleTable(**store), expected);
}

TEST(ServeTest, BrokerRestartedMidStreamLosesNothing) {
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  Metadata fleet = LoadFleet(tmp, "embedded:store", 2);
  ExpectedState expected;
  auto messages = Simulate(fleet, 40, 12, &expected);
  ServeProcess serve(tmp, ServeArgs("embedded:store", broker.url(), "serve-b"), "serve.log");
  ASSERT_TRUE(serve.WaitServing()) << serve.log();
  const size_t restart_at = messages.size() / 2;
  PublishAll(broker.url(), messages, [&](size_t i) {
    if (i == restart_at) {
      ASSERT_TRUE(broker.Restart().ok()) << broker.log();
    }
  });
  Drain(broker.url(), 1);
  EXPECT_EQ(serve.Kill(SIGTERM), 0) << serve.log();
  EXPECT_NE(serve.log().find("stopped: "), std::string::npos);
  auto store = OpenStore("embedded:" + tmp / "store");
  ASSERT_TRUE(store.ok());
  ExpectStoreMatches(AsSingleTable(**store), expected);
}

TEST(ServeTest, DualWriteMirrorsEveryChangeToPostgres) {
  VDPARK_REQUIRE_POSTGRES(schema);
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  const std::string pg = "'" + schema.url() + "'";
  ASSERT_EQ(RunCli(tmp, "schema create --target " + pg), 0) << ReadFile(tmp / "cli.log");
  Metadata fleet = LoadFleet(tmp, "embedded:store", 2);
  // TimescaleDB holds the same fleet, as it does before the migration starts.
  ASSERT_EQ(RunCli(tmp, "migrate --source csv:export --target " + pg + " --retention-days 0"), 0)
      << ReadFile(tmp / "cli.log");
  ExpectedState expected;
  auto messages = Simulate(fleet, 30, 12, &expected);

  std::vector<std::string> args = ServeArgs("embedded:store", broker.url(), "serve-dual");
  args.insert(args.end(), {"--mirror", schema.url(), "--mirror-queue", "mirror-queue"});
  setenv("DUAL_WRITE_ENABLED", "true", 1);
  ServeProcess serve(tmp, args, "serve.log");
  unsetenv("DUAL_WRITE_ENABLED");
  ASSERT_TRUE(serve.WaitServing()) << serve.log();
  EXPECT_NE(serve.log().find("dual-write: every change also to"), std::string::npos);
  PublishAll(broker.url(), messages, [](size_t) {});
  Drain(broker.url(), 1);
  EXPECT_EQ(serve.Kill(SIGTERM), 0) << serve.log();  // drains the queue into PostgreSQL

  // PostgreSQL now holds what the single table holds: each bay's status and its new events.
  auto mirror = OpenStore(schema.url());
  ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> events;
  EventScanOptions since;
  since.since = kSimStart;
  ASSERT_TRUE((*mirror)
                  ->ScanEvents(since,
                               [&](ParkingEvent&& e, const Origin&) {
                                 auto& [arrivals, departures] = events[{e.zone_id, e.bay_number}];
                                 ++(e.event_type == EventType::kArrive ? arrivals : departures);
                                 return Status::OK();
                               },
                               {})
                  .ok());
  auto md = (*mirror)->ReadMetadata({});
  ASSERT_TRUE(md.ok());
  std::map<std::pair<std::string, std::string>, BayStatus> status;
  for (const Bay& b : md->bays) status[{b.zone_id, b.bay_number}] = b.status;
  int moved = 0;
  for (const ExpectedBay& b : expected.bays) {
    EXPECT_EQ(status[std::pair(b.zone_id, b.bay_number)], b.status)
        << b.zone_id << "/" << b.bay_number;
    auto [arrivals, departures] = events[{b.zone_id, b.bay_number}];
    EXPECT_EQ(arrivals, b.arrivals) << b.zone_id << "/" << b.bay_number;
    EXPECT_EQ(departures, b.departures) << b.zone_id << "/" << b.bay_number;
    moved += b.arrivals > 0;
  }
  EXPECT_GT(moved, 5);
}

}  // namespace
}  // namespace vdpark
