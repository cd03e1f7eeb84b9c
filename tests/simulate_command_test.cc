// `vdpark simulate --mqtt URL` as a user runs it, against a broker of the test's own: every
// message it reports reaches a subscriber, --expect is an ExpectedState and the same seed makes
// the same one, SIGINT stops it cleanly, and bad flags are named.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cli_run.h"
#include "ingest/mqtt_client.h"
#include "mosquitto.h"
#include "simulate/expected_state.h"
#include "test_dirs.h"
#include "wait_until.h"

extern char** environ;

namespace vdpark {
namespace {

using namespace std::chrono_literals;
using testing::CliRun;
using testing::Json;
using testing::ReadFile;
using testing::TempDir;
using testing::Vdpark;
using testing::WaitUntil;

// A small generated city at a fixed time, so that runs are repeatable.
const std::string kFleet =
    "--zones 2 --bays-min 10 --bays-max 20 --days 1 --end 2026-11-01T00:00:00Z "
    "--start 2026-11-01T00:00:00Z";

uint64_t Count(const boost::json::object& o, const char* key) {
  return o.contains(key) ? o.at(key).to_number<uint64_t>() : 0;
}

// Counts what arrives on visiondrive/parking/#.
class Counter {
 public:
  explicit Counter(const std::string& url) {
    auto broker = ParseMqttUrl(url);
    EXPECT_TRUE(broker.ok()) << broker.status().ToString();
    if (!broker.ok()) return;
    MqttSubscriberOptions o;
    o.topics = {"visiondrive/parking/#"};
    o.client_id = testing::UniqueMqttName("simulate-counter");
    auto sub = MqttSubscriber::Start(*broker, o, [this](std::string_view, std::string_view, bool) {
      ++received_;
      return true;
    });
    EXPECT_TRUE(sub.ok()) << sub.status().ToString();
    if (!sub.ok()) return;
    sub_ = std::move(*sub);
    Status c = sub_->WaitConnected(20s);
    EXPECT_TRUE(c.ok()) << c.ToString();
  }

  uint64_t received() const { return received_; }

  // Waits until `n` have arrived (or 60 s pass), then a little longer for any extra one.
  uint64_t WaitFor(uint64_t n) const {
    WaitUntil([&] { return received_ >= n; }, 60s);
    // A sleep, not a wait: nothing more is due, and an extra message would arrive by now.
    std::this_thread::sleep_for(300ms);
    return received_;
  }

 private:
  std::atomic<uint64_t> received_{0};
  std::unique_ptr<MqttSubscriber> sub_;
};

TEST(SimulateCommand, EveryMessageArrivesAndTheSameSeedExpectsTheSame) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  Counter counter(broker.url());
  TempDir tmp;
  const std::string args = "simulate --mqtt " + broker.url() + " " + kFleet +
                           " --speed 0 --duration 6h --duplicates 0.05 --bad 0.05 --seed 9 --json";

  CliRun first = Vdpark(tmp, args + " --expect first.json");
  ASSERT_EQ(first.code, 0) << first.err;
  boost::json::object summary = Json(first.out);
  const uint64_t messages = Count(summary, "messages");
  EXPECT_GT(messages, 500u);
  EXPECT_EQ(Count(summary, "acknowledged"), messages);
  EXPECT_GT(Count(summary, "bad"), 0u);
  EXPECT_GT(Count(summary, "duplicates"), 0u);
  EXPECT_GT(Count(summary, "changes"), 0u);
  EXPECT_EQ(summary.at("interrupted"), false);
  EXPECT_EQ(counter.WaitFor(messages), messages);

  auto expected = ExpectedState::FromJson(ReadFile(tmp / "first.json"));
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  EXPECT_FALSE(expected->bays.empty());
  EXPECT_EQ(expected->zones.size(), 2u);
  EXPECT_GT(expected->arrivals(), 0);

  CliRun second = Vdpark(tmp, args + " --expect second.json");
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(Count(Json(second.out), "messages"), messages);
  EXPECT_EQ(counter.WaitFor(2 * messages), 2 * messages);
  EXPECT_EQ(ReadFile(tmp / "second.json"), ReadFile(tmp / "first.json"));

  // Another seed: other traffic.
  CliRun other = Vdpark(tmp, "simulate --mqtt " + broker.url() + " " + kFleet +
                                 " --speed 0 --duration 6h --seed 10 --expect other.json --json");
  ASSERT_EQ(other.code, 0) << other.err;
  EXPECT_NE(ReadFile(tmp / "other.json"), ReadFile(tmp / "first.json"));
}

TEST(SimulateCommand, MessagesStopsAtTheCountAndTheStoreGivesTheGeneratedFleet) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  Counter counter(broker.url());
  TempDir tmp;
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:export --zones 2 --bays-min 10 --bays-max 20 "
                      "--days 1 --end 2026-11-01T00:00:00Z --seed 4");
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string common =
      " --mqtt " + broker.url() + " --start 2026-11-01T00:00:00Z --speed 0 --messages 300 --seed 4";
  CliRun from_store =
      Vdpark(tmp, "simulate --store csv:export --expect store.json --json" + common);
  ASSERT_EQ(from_store.code, 0) << from_store.err;
  EXPECT_EQ(Count(Json(from_store.out), "messages"), 300u);
  CliRun generated = Vdpark(tmp,
                            "simulate --zones 2 --bays-min 10 --bays-max 20 --days 1 "
                            "--end 2026-11-01T00:00:00Z --expect generated.json --json" +
                                common);
  ASSERT_EQ(generated.code, 0) << generated.err;
  EXPECT_EQ(ReadFile(tmp / "generated.json"), ReadFile(tmp / "store.json"));
  EXPECT_EQ(counter.WaitFor(600), 600u);
}

TEST(SimulateCommand, SigintStopsCleanly) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  Counter counter(broker.url());
  TempDir tmp;
  std::string binary = VDPARK_BINARY;
  std::vector<std::string> args = {binary,         "simulate", "--mqtt",   broker.url(),
                                   "--zones",      "2",        "--speed",  "120",
                                   "--duration",   "24h",      "--expect", tmp / "expect.json",
                                   "--duplicates", "0.1",      "--json"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string out = tmp / "out.json", err = tmp / "err.txt";
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  // Once it publishes, interrupt it.
  WaitUntil([&] { return counter.received() >= 20; }, 60s);
  ASSERT_GE(counter.received(), 20u) << ReadFile(err);
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "ended by a signal: " << ReadFile(err);
  EXPECT_EQ(WEXITSTATUS(status), 0) << ReadFile(err);

  boost::json::object summary = Json(ReadFile(out));
  EXPECT_EQ(summary.at("interrupted"), true);
  const uint64_t messages = Count(summary, "messages");
  EXPECT_GE(messages, 20u);
  EXPECT_EQ(Count(summary, "acknowledged"), messages);
  EXPECT_EQ(counter.WaitFor(messages), messages);
  auto expected = ExpectedState::FromJson(ReadFile(tmp / "expect.json"));
  EXPECT_TRUE(expected.ok()) << expected.status().ToString();
}

TEST(SimulateCommand, ErrorsNameTheFlag) {
  TempDir tmp;
  struct Case {
    std::string args, flag;
    int code;
  };
  const Case cases[] = {
      {"--mqtt ftp://broker", "--mqtt", 3},
      {"--mqtt mqtt://127.0.0.1:1 --duration 5x", "--duration", 3},
      {"--mqtt mqtt://127.0.0.1:1 --heartbeat 0s", "--heartbeat", 3},
      {"--mqtt mqtt://127.0.0.1:1 --bad 1", "--bad", 3},
      {"--mqtt mqtt://127.0.0.1:1 --duplicates 1.5", "--duplicates", 3},
      {"--mqtt mqtt://127.0.0.1:1 --speed -2", "--speed", 3},
      {"--mqtt mqtt://127.0.0.1:1 --start yesterday", "--start", 3},
      {"--mqtt mqtt://127.0.0.1:1 --zones 0", "--zones", 3},
      {"--mqtt mqtt://127.0.0.1:1 --store csv:x --zones 3", "--zones", 3},
      {"--mqtt mqtt://127.0.0.1:1 --store csv:" + tmp / "nothing", "--store", 2},
      {"--mqtt mqtt://127.0.0.1:1 --expect " + tmp / "no/such/dir/e.json", "--expect", 2},
      // Nothing listens on port 1: the broker cannot be reached.
      {"--mqtt mqtt://127.0.0.1:1 --zones 1", "--mqtt", 2},
      {"--duration 1h", "--mqtt", 3},
  };
  for (const Case& c : cases) {
    CliRun r = Vdpark(tmp, "simulate " + c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.flag), std::string::npos) << c.args << "\n" << r.err;
  }
}

}  // namespace
}  // namespace vdpark
