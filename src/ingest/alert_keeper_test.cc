#include "ingest/alert_keeper.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

constexpr Timestamp kNoon = Timestamp::FromSeconds(1795161600);

Timestamp At(int64_t minutes_after_noon) {
  return kNoon + minutes_after_noon * kMicrosPerMinute;
}

// Two tenants' zones, a sensor on a bay of each.
Metadata Fleet() {
  Metadata md;
  md.zones = {Zone{.zone_id = "Z1", .name = "Marina", .total_bays = 1, .tenant_id = "emaar"},
              Zone{.zone_id = "Z2", .name = "Mall", .total_bays = 1, .tenant_id = "majid"}};
  md.bays = {Bay{.zone_id = "Z1",
                 .bay_number = "1",
                 .sensor_id = "S-1",
                 .status = BayStatus::kVacant,
                 .last_change = At(-100)},
             Bay{.zone_id = "Z2",
                 .bay_number = "1",
                 .sensor_id = "S-2",
                 .status = BayStatus::kVacant,
                 .last_change = At(-100)}};
  auto sensor = [](const char* id, const char* zone) {
    return Sensor{.sensor_id = id,
                  .model = "PSL01B",
                  .zone_id = zone,
                  .bay_number = "1",
                  .status = "active",
                  .last_battery = 90,
                  .last_signal = -70};
  };
  md.sensors = {sensor("S-1", "Z1"), sensor("S-2", "Z2")};
  return md;
}

class AlertKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenStoreRoles("embedded:" + tmp_ / "store");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_.records->WriteMetadata(Fleet()).ok());
    keeper_ = std::make_unique<AlertKeeper>(
        *store_.operators, *store_.live,
        [this] { return store_.queries->ListSensors(std::nullopt); }, OperatorSettings{},
        [this](const Alert& a) { published_.push_back(a); });
    IngestConfig config;
    config.max_clock_skew = std::chrono::hours(24 * 365 * 10);  // the messages' ts count
    ingestor_ = std::make_unique<Ingestor>(
        *store_.live, *store_.records, config,
        [this](const AppliedChange& c) { keeper_->OnChange(c); },
        [this](std::string_view topic, std::string_view payload, std::string_view reason) {
          keeper_->OnRejected(topic, payload, reason, now_);
        });
  }

  // A health message of `sensor` (on its bay) with `battery`, received at `at`.
  void Health(const std::string& sensor, int battery, Timestamp at) {
    now_ = at;
    const std::string zone = sensor == "S-1" ? "Z1" : "Z2";
    const std::string payload =
        fmt::format(R"({{"deviceId":"{}","battery":{},"signal":-70,"ts":{}}})", sensor, battery,
                    at.micros() / 1000);
    ASSERT_TRUE(ingestor_->Handle("visiondrive/parking/" + zone + "/1/health", payload, at).ok());
  }

  std::vector<Alert> List(bool open) {
    AlertQuery q;
    q.open = open;
    auto alerts = store_.operators->ListAlerts(q);
    EXPECT_TRUE(alerts.ok()) << alerts.status().ToString();
    return alerts.ok() ? *alerts : std::vector<Alert>{};
  }

  testing::TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<AlertKeeper> keeper_;
  std::unique_ptr<Ingestor> ingestor_;
  std::vector<Alert> published_;
  Timestamp now_ = kNoon;
};

TEST_F(AlertKeeperTest, LowBatteryIsRaisedOncePerFallAndResolvedWhenItRecovers) {
  Health("S-1", 15, At(1));
  Health("S-1", 12, At(2));
  Health("S-1", 5, At(3));
  std::vector<Alert> open = List(true);
  ASSERT_EQ(open.size(), 1u) << "one alert per sensor, not per message";
  EXPECT_EQ(open[0].kind, AlertKind::kLowBattery);
  EXPECT_EQ(open[0].severity, AlertSeverity::kWarning) << "as raised, at 15 %";
  EXPECT_EQ(open[0].tenant_id, "emaar");
  EXPECT_EQ(open[0].zone_id, "Z1");
  EXPECT_EQ(open[0].value, 15);
  EXPECT_EQ(open[0].raised_at, At(1));

  Health("S-1", 80, At(4));
  EXPECT_TRUE(List(true).empty());
  std::vector<Alert> history = List(false);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_TRUE(history[0].auto_resolved);
  EXPECT_EQ(history[0].resolved_by, "vdpark");
  EXPECT_EQ(history[0].resolved_at, At(4));
  ASSERT_EQ(published_.size(), 2u);
  EXPECT_EQ(published_[1].state, AlertState::kResolved);

  Health("S-1", 8, At(5));
  open = List(true);
  ASSERT_EQ(open.size(), 1u) << "a new fall, a new alert";
  EXPECT_EQ(open[0].severity, AlertSeverity::kCritical) << "under 10 %";
}

TEST_F(AlertKeeperTest, AnAlertResolvedByHandWhileStillLowIsNotRaisedAgain) {
  Health("S-1", 15, At(1));
  std::vector<Alert> open = List(true);
  ASSERT_EQ(open.size(), 1u);
  Alert resolved = open[0];
  resolved.state = AlertState::kResolved;
  resolved.resolved_at = At(2);
  resolved.resolved_by = "operator";
  ASSERT_TRUE(store_.operators->ResolveAlert(open[0], resolved).ok());
  Health("S-1", 14, At(3));
  ASSERT_TRUE(keeper_->Sweep(At(4)).ok());
  Health("S-1", 13, At(5));
  EXPECT_TRUE(List(true).empty()) << "the battery has not recovered and fallen again";
}

TEST_F(AlertKeeperTest, EachTenantsOwnThresholdDecides) {
  OperatorSettings majid;
  majid.low_battery_percent = 50;
  ASSERT_TRUE(store_.operators->PutSettings(std::string("majid"), majid).ok());
  Health("S-1", 40, At(1));  // emaar: the default, 20 %
  Health("S-2", 40, At(1));  // majid: 50 %
  std::vector<Alert> open = List(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].sensor_id, "S-2");
  EXPECT_NE(open[0].message.find("under 50 %"), std::string::npos) << open[0].message;
}

TEST_F(AlertKeeperTest, ASilentSensorIsReportedOfflineAndResolvedWhenHeard) {
  Health("S-1", 90, At(0));
  ASSERT_TRUE(keeper_->Sweep(At(1)).ok());  // S-2 never heard from: silent from now on
  Health("S-2", 90, At(60));
  auto swept = keeper_->Sweep(At(95));
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->raised, 1u);
  std::vector<Alert> open = List(true);
  ASSERT_EQ(open.size(), 1u) << "S-1 silent 95 min, S-2 35 min";
  EXPECT_EQ(open[0].sensor_id, "S-1");
  EXPECT_EQ(open[0].kind, AlertKind::kOffline);
  EXPECT_EQ(open[0].severity, AlertSeverity::kCritical);
  EXPECT_EQ(open[0].value, 95);
  ASSERT_TRUE(keeper_->Sweep(At(100)).ok());
  EXPECT_EQ(List(true).size(), 1u) << "once per silence";

  Health("S-1", 90, At(101));
  EXPECT_TRUE(List(true).empty());
  EXPECT_EQ(List(false).size(), 1u);
}

TEST_F(AlertKeeperTest, AnUnusableMessageOfARegisteredSensorIsADetectionIssue) {
  now_ = At(1);
  ASSERT_TRUE(ingestor_
                  ->Handle("visiondrive/parking/Z1/1/status",
                           R"({"deviceId":"S-1","status":"occupied","battery":900})", At(1))
                  .ok());
  ASSERT_TRUE(ingestor_
                  ->Handle("visiondrive/parking/Z1/1/status",
                           R"({"deviceId":"S-404","status":"occupied","battery":90})", At(1))
                  .ok());
  std::vector<Alert> open = List(true);
  ASSERT_EQ(open.size(), 1u) << "an unknown sensor has no tenant: the errors topic has it";
  EXPECT_EQ(open[0].sensor_id, "S-1");
  EXPECT_EQ(open[0].kind, AlertKind::kDetection);
  EXPECT_NE(open[0].message.find("battery"), std::string::npos) << open[0].message;
  Health("S-1", 90, At(2));
  EXPECT_TRUE(List(true).empty()) << "its next message was used";
}

TEST_F(AlertKeeperTest, SweepResolvesWhatAnotherProcessSawClear) {
  Health("S-1", 15, At(1));
  ASSERT_EQ(List(true).size(), 1u);
  // Another process ingests a good reading (without this keeper seeing it).
  Ingestor other(*store_.live, *store_.records, {});
  ASSERT_TRUE(other
                  .Handle("visiondrive/parking/Z1/1/health",
                          R"({"deviceId":"S-1","battery":95,"signal":-70})", At(2))
                  .ok());
  EXPECT_EQ(List(true).size(), 1u);
  auto swept = keeper_->Sweep(At(3));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->resolved, 1u);
  EXPECT_TRUE(List(true).empty());
}

}  // namespace
}  // namespace vdpark
