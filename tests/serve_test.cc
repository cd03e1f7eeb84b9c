// `vdpark serve` end to end, against a real Mosquitto: a simulated fleet's messages in, then the
// store compared with what the simulator says a correct processor makes of them (bay states,
// events per bay, every zone's occupiedBays). Also with the serve process killed with SIGKILL and
// restarted, the broker restarted mid-stream, and two processes sharing the sensors of one store
// (on dynalite, and on DynamoDB Local through TransactWriteItems); default client ids distinct per
// process and kept across a restart, and a client id that two processes share reported as an
// error.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "dynamodb_local.h"
#include "ingest/mqtt_client.h"
#include "mosquitto.h"
#include "postgres.h"
#include "raw_http_client.h"
#include "simulate/fleet_simulator.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"
#include "verify/live_stream_reader.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using testing::PrivateBroker;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitUntil;

// The simulated window starts after the generated history, so that the events made here are
// told apart from the loaded ones by their time.
const Timestamp kSimStart = Timestamp::FromSeconds(1798761600);  // 2027-01-01T00:00Z

int RunCli(const TempDir& tmp, const std::string& args) {
  std::string cmd =
      "cd " + tmp.path() + " && " + VDPARK_BINARY + " " + args + " >>" + tmp / "cli.log" + " 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A `vdpark serve` child process with its output in a log file.
class ServeProcess {
 public:
  // `state_dir`: VDPARK_STATE_DIR of the child (where default client ids are leased), when
  // not "".
  ServeProcess(const TempDir& tmp, std::vector<std::string> args, std::string log_name,
               const std::string& state_dir = "")
      : log_(tmp / log_name) {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(tmp.path().c_str()) != 0) _exit(127);
      if (!state_dir.empty()) setenv("VDPARK_STATE_DIR", state_dir.c_str(), 1);
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> argv{const_cast<char*>(VDPARK_BINARY), const_cast<char*>("serve")};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(VDPARK_BINARY, argv.data());
      _exit(127);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) Kill(SIGKILL);
  }
  // Waits until it says it is serving (ingesting), or has exited.
  bool WaitServing(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    return WaitFor("serving: ", timeout);
  }
  // Waits until its log holds `mark`, or it has exited.
  bool WaitFor(const std::string& mark, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    bool serving = false;
    WaitUntil(
        [&] {
          serving = ReadFile(log_).find(mark) != std::string::npos;
          if (!serving && pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
          return serving || pid_ <= 0;
        },
        timeout);
    return serving;
  }
  // Sends `sig` and waits for the exit; the exit code, or -signal.
  int Kill(int sig) {
    if (pid_ <= 0) return -999;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

// A fleet made by `vdpark generate` and loaded with `vdpark migrate` into `store_url`; returns
// its metadata as the store holds it.
Metadata LoadFleet(const TempDir& tmp, const std::string& store_url, int zones) {
  EXPECT_EQ(RunCli(tmp, "generate --out csv:export --end 2026-12-01T00:00:00Z --days 1 --zones " +
                            std::to_string(zones)),
            0)
      << ReadFile(tmp / "cli.log");
  EXPECT_EQ(RunCli(tmp, "migrate --source csv:export --target '" + store_url +
                            "' --retention-days 0 --restart"),
            0)
      << ReadFile(tmp / "cli.log");
  auto store = OpenStore(
      store_url.starts_with("embedded:") ? "embedded:" + tmp / store_url.substr(9) : store_url);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  auto md = (*store)->ReadMetadata({});
  EXPECT_TRUE(md.ok()) << md.status().ToString();
  return md.ok() ? std::move(*md) : Metadata{};
}

// Publishes every message, retrying each until the broker has it (it may be restarting);
// `between(i)` runs before message i.
template <typename Between>
void PublishAll(const std::string& url, const std::vector<SimulatedMessage>& messages,
                Between between) {
  auto broker = ParseMqttUrl(url);
  ASSERT_TRUE(broker.ok());
  MqttPublisherOptions po;
  po.min_reconnect_delay = std::chrono::seconds(1);
  auto pub = MqttPublisher::Connect(*broker, po);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  for (size_t i = 0; i < messages.size(); ++i) {
    between(i);
    Status s;
    ASSERT_TRUE(WaitUntil(
        [&] {
          s = (*pub)->Publish(messages[i].topic, messages[i].payload, 1);
          return s.ok();
        },
        std::chrono::seconds(60), std::chrono::milliseconds(100)))
        << s.ToString();
  }
}

std::vector<SimulatedMessage> Simulate(const Metadata& fleet, int sensors, int64_t hours,
                                       ExpectedState* expected, double duplicates = 0.05,
                                       double bad = 0.02) {
  SimulateOptions o;
  o.seed = 7;
  o.sensors = sensors;
  o.start = kSimStart;
  o.duration_micros = hours * kMicrosPerHour;
  o.duplicate_rate = duplicates;
  o.bad_rate = bad;
  EXPECT_TRUE(ValidateSimulateOptions(o).ok());
  FleetSimulator sim(fleet, o);
  std::vector<SimulatedMessage> out;
  while (auto m = sim.Next()) out.push_back(std::move(*m));
  *expected = sim.Expected();
  return out;
}

// The store against the simulator's expectation: each simulated bay's status and its ARRIVE and
// LEAVE events since kSimStart, and every zone's occupiedBays, both as expected and as its bays
// say.
// The store a serve wrote: embedded or dynamodb, both single-table stores.
SingleTableStore& AsSingleTable(RecordStore& store) {
  auto* single = dynamic_cast<SingleTableStore*>(&store);
  EXPECT_NE(single, nullptr) << store.DisplayName();
  return *single;
}

void ExpectStoreMatches(SingleTableStore& store, const ExpectedState& expected,
                        bool exact_events = true) {
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> events;
  EventScanOptions since;
  since.since = kSimStart;
  Status s = store.ScanEvents(since,
                              [&](ParkingEvent&& e, const Origin&) {
                                if (e.timestamp < kSimStart) return Status::OK();
                                auto& [arrivals, departures] = events[{e.zone_id, e.bay_number}];
                                ++(e.event_type == EventType::kArrive ? arrivals : departures);
                                return Status::OK();
                              },
                              {});
  ASSERT_TRUE(s.ok()) << s.ToString();
  int checked = 0;
  for (const ExpectedBay& b : expected.bays) {
    auto bay = store.GetBay(b.zone_id, b.bay_number);
    ASSERT_TRUE(bay.ok() && *bay) << b.zone_id << "/" << b.bay_number;
    EXPECT_EQ((*bay)->status, b.status) << b.zone_id << "/" << b.bay_number;
    auto [arrivals, departures] = events[{b.zone_id, b.bay_number}];
    if (exact_events) {
      EXPECT_EQ(arrivals, b.arrivals) << b.zone_id << "/" << b.bay_number;
      EXPECT_EQ(departures, b.departures) << b.zone_id << "/" << b.bay_number;
    } else {
      EXPECT_LE(arrivals, b.arrivals) << b.zone_id << "/" << b.bay_number;
      EXPECT_LE(departures, b.departures) << b.zone_id << "/" << b.bay_number;
      // Arrivals and departures alternate: never two arrivals without a departure between.
      EXPECT_LE(arrivals - departures, 1) << b.zone_id << "/" << b.bay_number;
      EXPECT_GE(arrivals - departures, -1) << b.zone_id << "/" << b.bay_number;
    }
    checked += arrivals > 0;
  }
  EXPECT_GT(checked, 5);  // the stream did move bays
  auto md = store.ReadMetadata({});
  ASSERT_TRUE(md.ok());
  std::map<std::string, int64_t> occupied;
  for (const Bay& b : md->bays) occupied[b.zone_id] += b.status == BayStatus::kOccupied;
  for (const ExpectedZone& z : expected.zones) {
    auto zone = store.GetZone(z.zone_id);
    ASSERT_TRUE(zone.ok() && *zone) << z.zone_id;
    EXPECT_EQ((*zone)->occupied_bays.value_or(-1), z.occupied_bays) << z.zone_id;
    EXPECT_EQ((*zone)->occupied_bays.value_or(-1), occupied[z.zone_id]) << z.zone_id;
  }
}

std::vector<std::string> ServeArgs(const std::string& store, const std::string& mqtt,
                                   const std::string& client) {
  // Simulated times are far from now: let every message's ts count.
  // The API on a port of its own: tests run side by side.
  return {"--store",  store,         "--mqtt",     mqtt,     "--client-id",      client,
          "--listen", "127.0.0.1:0", "--max-skew", "10000d", "--retention-days", "0"};
}

// Waits until serve has handled everything published before: publishes `count` unusable
// messages and waits for each on the errors topic. A session delivers in order, so once a
// process has refused its sentinel, it has handled every message published before it.
void Drain(const std::string& url, int count) {
  std::atomic<int> seen{0};
  auto watcher =
      MqttSubscriber::Start(*ParseMqttUrl(url),
                            MqttSubscriberOptions{.topics = {"visiondrive/parking/errors"},
                                                  .client_id = testing::UniqueMqttName("drain")},
                            [&](std::string_view, std::string_view payload, bool) {
                              if (payload.find("sentinel-") != std::string_view::npos) ++seen;
                              return true;
                            });
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE((*watcher)->WaitConnected(std::chrono::seconds(10)).ok());
  std::vector<SimulatedMessage> sentinels;
  for (int i = 0; i < count; ++i) {
    sentinels.push_back({Timestamp(), "visiondrive/parking/zone-x/bay-x/status",
                         "sentinel-" + std::to_string(i), true, false});
  }
  PublishAll(url, sentinels, [](size_t) {});
  EXPECT_TRUE(WaitUntil([&] { return seen >= count; }, std::chrono::seconds(120)))
      << seen << " of " << count << " sentinels came back";
}

// The API's port, from the "dashboard: http://127.0.0.1:PORT/" line.
uint16_t ApiPort(const std::string& log) {
  const std::string mark = "dashboard: http://127.0.0.1:";
  const size_t at = log.rfind(mark);
  return at == std::string::npos ? 0
                                 : static_cast<uint16_t>(std::stoi(log.substr(at + mark.size())));
}

// GET /metrics of a serve process.
std::string Metrics(const std::string& log) {
  testing::RawHttpClient http(ApiPort(log));
  if (!http.connected()) return "";
  http.Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  return http.ReadToClose();
}

// The value of the sample `series` (name{labels} as written) in Metrics(log); nullopt, with a
// test failure, when it is not there.
std::optional<double> MetricOf(const std::string& log, const std::string& series) {
  const std::string metrics = Metrics(log);
  const size_t line = metrics.find("\n" + series + " ");
  if (line == std::string::npos) {
    ADD_FAILURE() << "no " << series << " in /metrics:\n" << metrics;
    return std::nullopt;
  }
  return std::stod(metrics.substr(line + series.size() + 2));
}

// How many messages serve reported handling, from its "stopped:" line.
uint64_t StoppedMessages(const std::string& log) {
  size_t at = log.rfind("stopped: ");
  return at == std::string::npos ? 0 : std::stoull(log.substr(at + 9));
}

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
