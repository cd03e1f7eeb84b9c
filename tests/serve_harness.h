// What the tests of `vdpark serve` share (serve_test.cc, serve_processes_test.cc): serve as a
// child process, a generated fleet loaded into a store, the simulator's messages published to a
// broker and its expected state checked against the store, and serve's /metrics read.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/mqtt_client.h"
#include "mosquitto.h"
#include "raw_http_client.h"
#include "simulate/fleet_simulator.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark::testing {

// The simulated window starts after the generated history, so that the events made here are
// told apart from the loaded ones by their time.
inline const Timestamp kSimStart = Timestamp::FromSeconds(1798761600);  // 2027-01-01T00:00Z

inline int RunCli(const TempDir& tmp, const std::string& args) {
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
  // Waits for it to exit by itself: the exit code, or -signal; -999 when it still runs after
  // `timeout` (or was not running).
  int WaitExit(std::chrono::seconds timeout) {
    int status = 0;
    const bool exited =
        pid_ > 0 && WaitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!exited) return -999;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
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
inline Metadata LoadFleet(const TempDir& tmp, const std::string& store_url, int zones) {
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
inline void PublishAll(const std::string& url, const std::vector<SimulatedMessage>& messages,
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

inline std::vector<SimulatedMessage> Simulate(const Metadata& fleet, int sensors, int64_t hours,
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
inline SingleTableStore& AsSingleTable(RecordStore& store) {
  auto* single = dynamic_cast<SingleTableStore*>(&store);
  EXPECT_NE(single, nullptr) << store.DisplayName();
  return *single;
}

inline void ExpectStoreMatches(SingleTableStore& store, const ExpectedState& expected,
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

inline std::vector<std::string> ServeArgs(const std::string& store, const std::string& mqtt,
                                          const std::string& client) {
  // Simulated times are far from now: let every message's ts count.
  // The API on a port of its own: tests run side by side.
  return {"--store",  store,         "--mqtt",     mqtt,     "--client-id",      client,
          "--listen", "127.0.0.1:0", "--max-skew", "10000d", "--retention-days", "0"};
}

// Waits until serve has handled everything published before: publishes `count` unusable
// messages and waits for each on the errors topic. A session delivers in order, so once a
// process has refused its sentinel, it has handled every message published before it.
inline void Drain(const std::string& url, int count) {
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
inline uint16_t ApiPort(const std::string& log) {
  const std::string mark = "dashboard: http://127.0.0.1:";
  const size_t at = log.rfind(mark);
  return at == std::string::npos ? 0
                                 : static_cast<uint16_t>(std::stoi(log.substr(at + mark.size())));
}

// GET /metrics of a serve process.
inline std::string Metrics(const std::string& log) {
  testing::RawHttpClient http(ApiPort(log));
  if (!http.connected()) return "";
  http.Send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  return http.ReadToClose();
}

// The value of the sample `series` (name{labels} as written) in Metrics(log); nullopt, with a
// test failure, when it is not there.
inline std::optional<double> MetricOf(const std::string& log, const std::string& series) {
  const std::string metrics = Metrics(log);
  const size_t line = metrics.find("\n" + series + " ");
  if (line == std::string::npos) {
    ADD_FAILURE() << "no " << series << " in /metrics:\n" << metrics;
    return std::nullopt;
  }
  return std::stod(metrics.substr(line + series.size() + 2));
}

// How many messages serve reported handling, from its "stopped:" line.
inline uint64_t StoppedMessages(const std::string& log) {
  size_t at = log.rfind("stopped: ");
  return at == std::string::npos ? 0 : std::stoull(log.substr(at + 9));
}

}  // namespace vdpark::testing
