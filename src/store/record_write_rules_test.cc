// A single-table store refuses to write a record that its reader would refuse (issue 13, point
// 1), and still reads everything else afterwards. On the embedded store (no server needed).
#include <gtest/gtest.h>

#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::TempDir;

Timestamp T(std::string_view text) {
  auto t = Timestamp::Parse(text);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : Timestamp();
}

class RecordWriteRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenStoreRoles("embedded:" + tmp_ / "store");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    zone_.zone_id = "zone-001";
    zone_.name = "Marina";
    bay_.zone_id = "zone-001";
    bay_.bay_number = "A-001";
    bay_.sensor_id = "S-1";
    sensor_.sensor_id = "S-1";
    sensor_.zone_id = "zone-001";
    sensor_.bay_number = "A-001";
    sensor_.install_date = T("2025-01-01T00:00:00Z");
    Metadata m;
    m.zones = {zone_};
    m.bays = {bay_};
    m.sensors = {sensor_};
    ASSERT_TRUE(store_.records->WriteMetadata(m).ok());
  }

  // Every read of the zone's records still answers, with the good sensor alone.
  void ExpectStoreStillReads() {
    auto sensors = store_.queries->ListSensors(std::string_view("zone-001"));
    ASSERT_TRUE(sensors.ok()) << sensors.status().ToString();
    ASSERT_EQ(sensors->size(), 1u);
    EXPECT_EQ((*sensors)[0], sensor_);
    auto all = store_.queries->ListSensors(std::nullopt);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(all->size(), 1u);
    auto bays = store_.queries->ListBays("zone-001");
    ASSERT_TRUE(bays.ok()) << bays.status().ToString();
    EXPECT_EQ(bays->size(), 1u);
    auto bad = store_.live->GetSensor("S-OVF2");
    ASSERT_TRUE(bad.ok()) << bad.status().ToString();
    EXPECT_FALSE(bad->has_value());
    std::vector<Rejected> rejects;
    auto md = store_.records->ReadMetadata([&](Rejected r) { rejects.push_back(std::move(r)); });
    ASSERT_TRUE(md.ok()) << md.status().ToString();
    EXPECT_TRUE(rejects.empty()) << rejects[0].where << ": " << rejects[0].reason;
  }

  TempDir tmp_;
  OpenedStore store_;
  Zone zone_;
  Bay bay_;
  Sensor sensor_;
};

TEST_F(RecordWriteRulesTest, ASensorInstalledOutsideTheRangeIsRefused) {
  for (int64_t micros :
       {int64_t{-62200000000000} * 1000, int64_t{-1} << 62, int64_t{253402300800} * 1000000}) {
    Sensor bad = sensor_;
    bad.sensor_id = "S-OVF2";
    bad.bay_number = "A-002";
    bad.install_date = Timestamp::FromMicros(micros);
    Metadata m;
    m.sensors = {bad};
    Status s = store_.records->WriteMetadata(m);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find("sensor 'S-OVF2'"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("installDate"), std::string::npos) << s.ToString();
    ExpectStoreStillReads();
  }
}

TEST_F(RecordWriteRulesTest, LiveChangesAndEventsThatBreakTheRulesAreRefused) {
  LiveChange change;
  change.sensor = sensor_;
  change.sensor->last_seen = Timestamp::FromMicros(int64_t{-62200000000000} * 1000);
  Status s = store_.live->ApplyLiveChange(change);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("lastSeen"), std::string::npos) << s.ToString();

  ParkingEvent e;
  e.zone_id = "zone-001";
  e.bay_number = "A-001";
  e.timestamp = T("2026-01-01T00:00:00Z");
  e.detection_mode = std::string(4096, 'm');
  s = store_.records->WriteEvents(std::span<const ParkingEvent>(&e, 1));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("detectionMode"), std::string::npos) << s.ToString();

  Bay long_type = bay_;
  long_type.bay_type = std::string(2000, 't');
  Metadata m;
  m.bays = {long_type};
  s = store_.records->WriteMetadata(m);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("bayType"), std::string::npos) << s.ToString();
  ExpectStoreStillReads();
  size_t events = 0;
  ASSERT_TRUE(store_.records
                  ->ScanEvents(
                      {},
                      [&](ParkingEvent&&, const Origin&) {
                        ++events;
                        return Status::OK();
                      },
                      [](Rejected r) { ADD_FAILURE() << r.reason; })
                  .ok());
  EXPECT_EQ(events, 0u);
}

}  // namespace
}  // namespace vdpark
