// `vdpark probe` end to end, against a private Mosquitto: a `vdpark serve` that ingests from it
// shows the change within the timeout, with a latency above zero; a second serve over a copy of
// the store, without --mqtt, never does (exit 1); an embedded store held by a running serve is
// refused with a message that says so.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "migrate/migration_records.h"
#include "mosquitto.h"
#include "served_api.h"
#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::Server;
using testing::Str;
using testing::TempDir;

TEST(ProbeTest, ReportsTheLatencyOfTheApiThatIngestsAndTheTimeoutOfOneThatDoesNot) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  TempDir tmp;
  ASSERT_EQ(RunCli(tmp, "generate --out csv:export --zones 2 --days 1"), 0)
      << ReadFile(tmp / "cli.log");
  for (const char* store : {"store", "idle"}) {
    ASSERT_EQ(RunCli(tmp, "migrate --source csv:export --target embedded:" + std::string(store) +
                              " --retention-days 0"),
              0)
        << ReadFile(tmp / "cli.log");
  }
  // A vacant bay with a sensor.
  std::string zone, bay, sensor;
  {
    auto store = OpenStore("embedded:" + tmp / "store");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto md = (*store)->ReadMetadata({});
    ASSERT_TRUE(md.ok());
    for (const Bay& b : md->bays) {
      if (b.status == BayStatus::kVacant && b.sensor_id) {
        zone = b.zone_id, bay = b.bay_number, sensor = *b.sensor_id;
        break;
      }
    }
  }
  ASSERT_FALSE(sensor.empty());

  Server ingesting(
      tmp, {"--store", "embedded:store", "--mqtt", broker.url(), "--client-id", "probe-test"},
      "serve.log");
  Server idle(tmp, {"--store", "embedded:idle"}, "idle.log");
  const std::string api = ingesting.WaitUrl();
  ASSERT_FALSE(api.empty()) << ingesting.log();
  const std::string idle_api = idle.WaitUrl();
  ASSERT_FALSE(idle_api.empty()) << idle.log();
  const std::string probe = "probe --mqtt " + broker.url() + " --zone " + zone + " --bay " + bay;

  // The ingesting API shows the arrival: the status is the opposite of the vacant it shows now.
  ASSERT_EQ(RunCli(tmp, probe + " --sensor " + sensor + " --api " + api + " --timeout 20s --json"),
            0)
      << ReadFile(tmp / "cli.log") << "\n--- serve:\n"
      << ingesting.log();
  {
    boost::json::value report = boost::json::parse(ReadFile(tmp / "out.txt"));
    const auto& r = report.as_object();
    EXPECT_EQ(r.at("ok").as_bool(), true);
    EXPECT_EQ(Str(r.at("status")), "occupied");
    EXPECT_EQ(Str(r.at("sensorId")), sensor);
    ASSERT_EQ(r.at("targets").as_array().size(), 1u);
    const auto& t = r.at("targets").as_array()[0].as_object();
    EXPECT_EQ(Str(t.at("kind")), "api");
    EXPECT_EQ(Str(t.at("name")), api + "/v1");
    EXPECT_EQ(t.at("shown").as_bool(), true);
    EXPECT_EQ(Str(t.at("before")), "vacant");
    const double latency = t.at("latencyMs").to_number<double>();
    EXPECT_GT(latency, 0);
    EXPECT_LT(latency, 20000);
  }
  {
    auto store = OpenStore("embedded:" + tmp / "store");
    EXPECT_FALSE(store.ok());  // serve holds it
  }

  // The same bay at an API that ingests nothing: the timeout, exit 1. The text report names both.
  EXPECT_EQ(RunCli(tmp, probe + " --api " + idle_api + " --api " + api +
                            " --timeout 2s --record-dir probe-state"),
            1)
      << ReadFile(tmp / "cli.log");
  // Recorded for `vdpark status` (migrate/migration_records.h): the target that did not show it.
  {
    auto recorded = LoadMigrationRecord(tmp / "probe-state", "probe");
    ASSERT_TRUE(recorded.ok() && recorded->has_value()) << ReadFile(tmp / "cli.log");
    const MigrationRecord& r = **recorded;
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.differences, 1u);
    ASSERT_EQ(r.first_differences.size(), 1u);
    EXPECT_NE(r.first_differences[0].find(idle_api + "/v1: NOT shown within 2s"), std::string::npos)
        << r.first_differences[0];
    EXPECT_EQ(r.Count("targets"), 2);
  }
  const std::string out = ReadFile(tmp / "out.txt");
  auto line_of = [&](const std::string& name) {
    const size_t at = out.find(name + "/v1 ");
    return at == std::string::npos ? "" : out.substr(at, out.find('\n', at) - at);
  };
  EXPECT_NE(line_of(idle_api).find("NOT shown within 2s (still vacant)"), std::string::npos) << out;
  EXPECT_NE(line_of(api).find("shown after "), std::string::npos) << out;
  EXPECT_NE(out.find("TIMEOUT: 1 of 2 did not show the change within 2s"), std::string::npos)
      << out;

  // The embedded store serve holds: refused, saying why and what to do instead.
  EXPECT_EQ(RunCli(tmp, probe + " --store embedded:store"), 3) << ReadFile(tmp / "cli.log");
  EXPECT_NE(ReadFile(tmp / "cli.log").find("the embedded store is locked"), std::string::npos)
      << ReadFile(tmp / "cli.log");
  // Nothing to watch, or a status that is not one: usage.
  EXPECT_EQ(RunCli(tmp, probe), 3);
  EXPECT_EQ(RunCli(tmp, probe + " --api " + api + " --status parked"), 3);
}

}  // namespace
}  // namespace vdpark
