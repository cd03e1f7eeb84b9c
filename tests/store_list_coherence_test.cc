// The API's lists on the embedded store (ListZones, ListBays, ListSensors) are answered from
// memory kept in step with the store's writes (KeyListingCache, StoredValueCache, the records
// made of shared items): after each kind of committed write, every list shows it at once.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "record_test_support.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"

namespace vdpark {

namespace {

using record_test::Ts;
using testing::TempDir;

Zone MakeZone(const std::string& id) {
  Zone z;
  z.zone_id = id;
  z.name = "Zone " + id;
  z.total_bays = 10;
  z.tenant_id = "tenant-a";
  return z;
}

Bay MakeBay(const std::string& zone, const std::string& number, const std::string& sensor) {
  Bay b;
  b.zone_id = zone;
  b.bay_number = number;
  b.sensor_id = sensor;
  b.status = BayStatus::kVacant;
  b.last_change = Ts("2026-03-04T20:00:00Z");
  return b;
}

Sensor MakeSensor(const std::string& id, const std::string& zone, const std::string& bay) {
  Sensor s;
  s.sensor_id = id;
  s.zone_id = zone;
  s.bay_number = bay;
  s.last_battery = 90;
  return s;
}

class StoreListCoherenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rocks = RocksDbItemStore::Open(tmp_ / "db", RocksDbOptions{.background_purge = false});
    RECORD_ASSERT_OK(rocks);
    store_ = std::make_unique<SingleTableStore>(std::move(*rocks), "embedded:" + tmp_.path(),
                                                MapperOptions{0}, nullptr);
  }
  std::vector<std::string> ZoneIds() {
    auto zones = store_->ListZones(std::nullopt);
    EXPECT_TRUE(zones.ok()) << zones.status().ToString();
    std::vector<std::string> ids;
    if (zones.ok()) {
      for (const Zone& z : *zones)
        ids.push_back(z.zone_id + ":" + std::to_string(*z.occupied_bays));
    }
    return ids;
  }
  std::vector<std::string> Bays(const std::string& zone) {
    auto bays = store_->ListBays(zone);
    EXPECT_TRUE(bays.ok()) << bays.status().ToString();
    std::vector<std::string> out;
    if (bays.ok()) {
      for (const Bay& b : *bays)
        out.push_back(b.bay_number + ":" + std::string(ToString(b.status)));
    }
    return out;
  }
  std::vector<std::string> Sensors(const std::string& zone) {
    auto sensors = store_->ListSensors(std::string_view(zone));
    EXPECT_TRUE(sensors.ok()) << sensors.status().ToString();
    std::vector<std::string> out;
    if (sensors.ok()) {
      for (const Sensor& s : *sensors) {
        out.push_back(s.sensor_id + ":" + std::to_string(s.last_battery.value_or(-1)));
      }
    }
    return out;
  }

  TempDir tmp_;
  std::unique_ptr<SingleTableStore> store_;
};

using V = std::vector<std::string>;

TEST_F(StoreListCoherenceTest, EveryListShowsEachCommittedWriteAtOnce) {
  Metadata md;
  md.zones = {MakeZone("z1"), MakeZone("z2")};
  md.bays = {MakeBay("z1", "B-1", "S-1"), MakeBay("z1", "B-2", "S-2")};
  md.sensors = {MakeSensor("S-1", "z1", "B-1"), MakeSensor("S-2", "z1", "B-2")};
  RECORD_ASSERT_OK(store_->WriteMetadata(md));
  // Read once: from here on the lists come from memory.
  EXPECT_EQ(ZoneIds(), (V{"z1:0", "z2:0"}));
  EXPECT_EQ(Bays("z1"), (V{"B-1:vacant", "B-2:vacant"}));
  EXPECT_EQ(Sensors("z1"), (V{"S-1:90", "S-2:90"}));

  // A live change: the bay, the zone's counter and the sensor, in one write.
  LiveChange change;
  change.bay_before = md.bays[0];
  change.bay_after = md.bays[0];
  change.bay_after->status = BayStatus::kOccupied;
  change.bay_after->last_change = Ts("2026-03-04T21:00:00Z");
  change.bay_after->occupied_since = change.bay_after->last_change;
  change.occupied_delta = 1;
  change.sensor = md.sensors[0];
  change.sensor->last_battery = 80;
  RECORD_ASSERT_OK(store_->ApplyLiveChange(change));
  EXPECT_EQ(ZoneIds(), (V{"z1:1", "z2:0"}));
  EXPECT_EQ(Bays("z1"), (V{"B-1:occupied", "B-2:vacant"}));
  EXPECT_EQ(Sensors("z1"), (V{"S-1:80", "S-2:90"}));

  // New records: a zone, a bay, a sensor; and a sensor moved to another zone.
  Metadata more;
  more.zones = {MakeZone("z0")};
  more.bays = {MakeBay("z1", "B-0", "S-0")};
  more.sensors = {MakeSensor("S-0", "z1", "B-0"), MakeSensor("S-2", "z2", "B-9")};
  RECORD_ASSERT_OK(store_->WriteMetadata(more));
  EXPECT_EQ(ZoneIds(), (V{"z0:0", "z1:1", "z2:0"}));
  EXPECT_EQ(Bays("z1"), (V{"B-0:vacant", "B-1:occupied", "B-2:vacant"}));
  EXPECT_EQ(Sensors("z1"), (V{"S-0:90", "S-1:80"}));
  EXPECT_EQ(Sensors("z2"), (V{"S-2:90"}));

  // Deleted items leave the lists.
  RECORD_ASSERT_OK(store_->items().Delete(SingleTableMapper::ZoneKey("z2")));
  RECORD_ASSERT_OK(store_->items().Delete(SingleTableMapper::BayKey("z1", "B-2")));
  RECORD_ASSERT_OK(store_->items().Delete(SingleTableMapper::SensorKey("S-0")));
  EXPECT_EQ(ZoneIds(), (V{"z0:0", "z1:1"}));
  EXPECT_EQ(Bays("z1"), (V{"B-0:vacant", "B-1:occupied"}));
  EXPECT_EQ(Sensors("z1"), (V{"S-1:80"}));

  // ReconcileOccupancy's SET of a counter that was off.
  RECORD_ASSERT_OK(
      store_->items().UpdateItem(SingleTableMapper::ZoneKey("z0"),
                                 Update{.set = {{"occupiedBays", AttributeValue::N(int64_t{5})}}}));
  EXPECT_EQ(ZoneIds(), (V{"z0:5", "z1:1"}));
  RECORD_ASSERT_OK(store_->ReconcileOccupancy());
  EXPECT_EQ(ZoneIds(), (V{"z0:0", "z1:1"}));
}

}  // namespace
}  // namespace vdpark
