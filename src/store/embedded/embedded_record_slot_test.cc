// The embedded store's record slots (store/record_slot.h) as SingleTableStore uses them: a record
// made once per stored version, the live writes' records handed over with their items, and every
// record handed out exactly what decoding the stored item gives.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "record_test_support.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using record_test::Ts;

class EmbeddedRecordSlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RocksDbOptions options;
    options.background_purge = false;
    auto opened = RocksDbItemStore::Open(tmp_ / "db", options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    rocks_ = opened->get();
    store_ = std::make_unique<SingleTableStore>(std::move(*opened), "embedded:test",
                                                MapperOptions{}, nullptr);
    zone_.zone_id = "zone-1";
    zone_.name = "Marina";
    zone_.total_bays = 2;
    zone_.occupied_bays = 0;
    bay_.zone_id = "zone-1";
    bay_.bay_number = "A-1";
    bay_.sensor_id = "S-1";
    bay_.status = BayStatus::kVacant;
    bay_.last_change = Ts("2026-11-20T08:00:00.000001Z");
    bay_.bay_type = "";  // an empty string is a value, not an absence
    bay_.location = GeoPoint{0.1 + 0.2, -122.41941550000001};  // doubles that print long
    sensor_.sensor_id = "S-1";
    sensor_.model = "PSL01B";
    sensor_.zone_id = "zone-1";
    sensor_.bay_number = "A-1";
    sensor_.status = "active";
    sensor_.last_battery = 95;
    Metadata md;
    md.zones = {zone_};
    md.bays = {bay_};
    md.sensors = {sensor_};
    ASSERT_TRUE(store_->WriteMetadata(md).ok());
  }

  // The slot of the version stored under `key` (null when none is kept).
  std::shared_ptr<const RecordSlot> SlotOf(const ItemKey& key) {
    auto read = rocks_->GetWithSlot(key);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() ? read->slot : nullptr;
  }

  // What decoding the stored item gives, read past every slot.
  template <typename Record, typename ToRecord>
  std::optional<Record> Decoded(const ItemKey& key, ToRecord to_record) {
    auto item = rocks_->Get(key);
    EXPECT_TRUE(item.ok() && item->has_value());
    if (!item.ok() || !item->has_value()) return std::nullopt;
    auto record = to_record(**item);
    EXPECT_TRUE(record.ok()) << record.status().ToString();
    return record.ok() ? std::optional<Record>(*record) : std::nullopt;
  }
  std::optional<Bay> DecodedBay() {
    return Decoded<Bay>(SingleTableMapper::BayKey("zone-1", "A-1"),
                        [this](const Item& i) { return store_->mapper().ToBay(i); });
  }
  std::optional<Sensor> DecodedSensor() {
    return Decoded<Sensor>(SingleTableMapper::SensorKey("S-1"),
                           [this](const Item& i) { return store_->mapper().ToSensor(i); });
  }

  LiveChange Arrival(Timestamp at) {
    LiveChange c;
    c.bay_before = bay_;
    c.bay_after = bay_;
    c.bay_after->status = BayStatus::kOccupied;
    c.bay_after->last_change = at;
    c.bay_after->occupied_since = at;
    c.bay_after->last_heartbeat = at;
    c.event = ParkingEvent{"zone-1", "A-1", "S-1", EventType::kArrive, at, {}, {}, "dual"};
    c.occupied_delta = 1;
    c.sensor = sensor_;
    c.sensor->last_seen = at;
    c.sensor->last_battery = 90;
    c.sensor->last_signal = -101;
    return c;
  }

  testing::TempDir tmp_;
  RocksDbItemStore* rocks_ = nullptr;
  std::unique_ptr<SingleTableStore> store_;
  Zone zone_;
  Bay bay_;
  Sensor sensor_;
};

TEST_F(EmbeddedRecordSlotTest, ARecordIsMadeOnceForAVersionAndAWriteReplacesIt) {
  const ItemKey key = SingleTableMapper::BayKey("zone-1", "A-1");
  auto first = SlotOf(key);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->Get<Bay>(), nullptr) << "a load hands over no record";
  auto read = store_->GetBay("zone-1", "A-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, std::optional<Bay>(bay_));
  auto kept = first->Get<Bay>();
  ASSERT_NE(kept, nullptr) << "the record made by the read is kept with the version";
  EXPECT_EQ(*kept, bay_);
  ASSERT_TRUE(store_->GetBay("zone-1", "A-1").ok());
  EXPECT_EQ(SlotOf(key).get(), first.get()) << "the same version, the same slot";
  EXPECT_EQ(SlotOf(key)->Get<Bay>().get(), kept.get()) << "made again for the same version";

  // A write that hands over no record (not a live change): the next read makes the new one.
  Update update;
  update.set = {{"bayType", AttributeValue::S("vip")}};
  ASSERT_TRUE(store_->items().UpdateItem(key, update).ok());
  auto second = SlotOf(key);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second.get(), first.get());
  EXPECT_EQ(second->Get<Bay>(), nullptr);
  Bay vip = bay_;
  vip.bay_type = "vip";
  EXPECT_EQ(store_->GetBay("zone-1", "A-1").value(), std::optional<Bay>(vip));
  EXPECT_EQ(DecodedBay(), std::optional<Bay>(vip));
}

TEST_F(EmbeddedRecordSlotTest, ALiveChangeLeavesTheRecordsItWroteExactlyAsTheyDecode) {
  // Read first, as the ingestor does: the versions are kept, and their slots filled.
  ASSERT_TRUE(store_->GetBay("zone-1", "A-1").ok());
  ASSERT_TRUE(store_->GetSensor("S-1").ok());
  ASSERT_TRUE(store_->GetZone("zone-1").ok());
  const LiveChange arrival = Arrival(Ts("2026-11-21T08:00:00.123456Z"));
  ASSERT_TRUE(store_->ApplyLiveChange(arrival).ok());

  auto bay_slot = SlotOf(SingleTableMapper::BayKey("zone-1", "A-1"));
  ASSERT_NE(bay_slot, nullptr);
  ASSERT_NE(bay_slot->Get<Bay>(), nullptr) << "the bay written is handed over with its item";
  EXPECT_EQ(*bay_slot->Get<Bay>(), *arrival.bay_after);
  EXPECT_EQ(DecodedBay(), arrival.bay_after) << "what the slot holds is what decoding gives";
  auto sensor_slot = SlotOf(SingleTableMapper::SensorKey("S-1"));
  ASSERT_NE(sensor_slot, nullptr);
  ASSERT_NE(sensor_slot->Get<Sensor>(), nullptr);
  EXPECT_EQ(*sensor_slot->Get<Sensor>(), *arrival.sensor);
  EXPECT_EQ(DecodedSensor(), arrival.sensor);
  EXPECT_EQ(store_->GetBay("zone-1", "A-1").value(), arrival.bay_after);
  EXPECT_EQ(store_->GetSensor("S-1").value(), arrival.sensor);

  // The zone's ADD hands over no record: its new version is made anew, with the new count.
  auto zone_slot = SlotOf(SingleTableMapper::ZoneKey("zone-1"));
  ASSERT_NE(zone_slot, nullptr);
  EXPECT_EQ(zone_slot->Get<Zone>(), nullptr);
  auto zone = store_->GetZone("zone-1");
  ASSERT_TRUE(zone.ok() && zone->has_value());
  EXPECT_EQ((*zone)->occupied_bays, 1);
}

TEST_F(EmbeddedRecordSlotTest, AFailedLiveChangeLeavesTheKeptRecordsAlone) {
  ASSERT_TRUE(store_->GetBay("zone-1", "A-1").ok());
  LiveChange stale = Arrival(Ts("2026-11-21T08:00:00Z"));
  stale.bay_before->last_change = Ts("2026-11-19T08:00:00Z");  // not what is stored
  EXPECT_TRUE(store_->ApplyLiveChange(stale).IsConditionFailed());
  EXPECT_EQ(store_->GetBay("zone-1", "A-1").value(), std::optional<Bay>(bay_));
  EXPECT_EQ(store_->GetSensor("S-1").value(), std::optional<Sensor>(sensor_));
}

TEST_F(EmbeddedRecordSlotTest, ASensorThatDoesNotReadBackIsNotHandedOverButDecoded) {
  // A number the mapper writes but cannot read back (past what a Decimal holds): the read must
  // still find the stored item corrupt, as it always did, not hand out the record written.
  ASSERT_TRUE(store_->GetSensor("S-1").ok());  // read first, as the ingestor does: kept
  LiveChange arrival = Arrival(Ts("2026-11-21T08:00:00Z"));
  arrival.sensor->last_signal = int64_t{1} << 60;
  ASSERT_TRUE(store_->ApplyLiveChange(arrival).ok());
  auto sensor = store_->GetSensor("S-1");
  ASSERT_FALSE(sensor.ok());
  EXPECT_EQ(sensor.status().code(), Status::Code::kCorruption) << sensor.status().ToString();
  EXPECT_EQ(store_->GetBay("zone-1", "A-1").value(), arrival.bay_after);
}

TEST_F(EmbeddedRecordSlotTest, ARecordOfAnotherTypeInASlotIsNotHandedOut) {
  const ItemKey key = SingleTableMapper::BayKey("zone-1", "A-1");
  auto slot = SlotOf(key);
  ASSERT_NE(slot, nullptr);
  slot->Keep(KeepRecord(sensor_));  // a Sensor in a bay's slot: nothing a bay reader takes
  EXPECT_EQ(store_->GetBay("zone-1", "A-1").value(), std::optional<Bay>(bay_));
}

}  // namespace
}  // namespace vdpark
