#include "ingest/bay_processor.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

// 2026-11-20 12:00:00 +04:00 (08:00 UTC), a Friday in Dubai.
constexpr Timestamp kNoon = Timestamp::FromSeconds(1795161600);
constexpr int64_t kMin = kMicrosPerMinute;

Timestamp At(int64_t minutes_after_noon) {
  return kNoon + minutes_after_noon * kMin;
}

Zone MakeZone() {
  Zone z;
  z.zone_id = "zone-001";
  z.price_per_hour = Decimal::FromMicros(12500000, 2);  // 12.50
  z.operating_hours = OperatingHours{8 * 60, 22 * 60};
  return z;
}

Bay MakeBay(BayStatus status, std::optional<Timestamp> last_change) {
  Bay b;
  b.zone_id = "zone-001";
  b.bay_number = "A-001";
  b.sensor_id = "PSL01B-001";
  b.status = status;
  b.last_change = last_change;
  if (status == BayStatus::kOccupied) b.occupied_since = last_change;
  b.bay_type = "standard";
  return b;
}

Sensor MakeSensor() {
  Sensor s;
  s.sensor_id = "PSL01B-001";
  s.model = "PSL01B";
  s.zone_id = "zone-001";
  s.bay_number = "A-001";
  s.status = "active";
  s.last_battery = 90;
  s.last_signal = -70;
  return s;
}

SensorMessage Msg(BayStatus status, std::optional<Timestamp> ts) {
  SensorMessage m;
  m.topic = "visiondrive/parking/zone-001/A-001/status";
  m.zone_id = "zone-001";
  m.bay_number = "A-001";
  m.device_id = "PSL01B-001";
  m.status = status;
  m.battery = 88;
  m.signal = -75;
  m.mode = "dual";
  m.ts = ts;
  return m;
}

SensorMessage Health(int64_t battery) {
  SensorMessage m = Msg(BayStatus::kUnknown, std::nullopt);
  m.kind = SensorMessageKind::kHealth;
  m.topic = "visiondrive/parking/zone-001/A-001/health";
  m.status.reset();
  m.battery = battery;
  return m;
}

// Decides with the zone, the bay and the sensor of the fixture, received at `received`.
BayDecision Decide(const SensorMessage& m, const Bay& bay, Timestamp received,
                   const Sensor& sensor = MakeSensor(), const IngestConfig& config = {}) {
  auto d = DecideBayChange(m, received, MakeZone(), bay, sensor, config);
  if (auto* r = std::get_if<MessageRejection>(&d)) {
    ADD_FAILURE() << r->status.ToString();
    return {};
  }
  return std::get<BayDecision>(d);
}

MessageRejection RejectionOf(const SensorMessage& m, const std::optional<Zone>& zone,
                             const std::optional<Bay>& bay, const std::optional<Sensor>& sensor) {
  auto d = DecideBayChange(m, At(0), zone, bay, sensor, {});
  if (auto* r = std::get_if<MessageRejection>(&d)) {
    EXPECT_TRUE(r->status.IsInvalidArgument());
    EXPECT_NE(r->status.message().find(m.topic), std::string::npos) << r->status.message();
    EXPECT_NE(r->status.message().find(m.device_id), std::string::npos) << r->status.message();
    return *r;
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(BayProcessorTest, EventTimeIsTsWithinTheSkewOfTheReceiveTime) {
  IngestConfig config;  // 5 minutes
  EXPECT_EQ(EventTime(Msg(BayStatus::kOccupied, At(-5)), At(0), config), At(-5));
  EXPECT_EQ(EventTime(Msg(BayStatus::kOccupied, At(5)), At(0), config), At(5));
  EXPECT_EQ(EventTime(Msg(BayStatus::kOccupied, At(-6)), At(0), config), At(0));
  EXPECT_EQ(EventTime(Msg(BayStatus::kOccupied, At(6)), At(0), config), At(0));
  EXPECT_EQ(EventTime(Msg(BayStatus::kOccupied, std::nullopt), At(0), config), At(0));
  config.max_clock_skew = std::chrono::minutes(10);
  EXPECT_EQ(EventTime(Msg(BayStatus::kOccupied, At(-6)), At(0), config), At(-6));
}

TEST(BayProcessorTest, VacantToOccupiedArrives) {
  Bay before = MakeBay(BayStatus::kVacant, At(-60));
  BayDecision d = Decide(Msg(BayStatus::kOccupied, At(0)), before, At(0));
  EXPECT_EQ(d.outcome, IngestOutcome::kArrive);
  EXPECT_EQ(d.change.bay_before, before);
  Bay after = before;
  after.status = BayStatus::kOccupied;
  after.last_change = At(0);
  after.occupied_since = At(0);
  EXPECT_EQ(d.change.bay_after, after);
  EXPECT_EQ(d.change.occupied_delta, 1);
  ASSERT_TRUE(d.change.event);
  EXPECT_EQ(d.change.event->event_type, EventType::kArrive);
  EXPECT_EQ(d.change.event->timestamp, At(0));
  EXPECT_EQ(d.change.event->duration_minutes, std::nullopt);
  EXPECT_EQ(d.change.event->revenue, std::nullopt);
}

TEST(BayProcessorTest, UnknownToOccupiedArrives) {
  BayDecision d = Decide(Msg(BayStatus::kOccupied, At(0)), MakeBay(BayStatus::kUnknown, {}), At(0));
  EXPECT_EQ(d.outcome, IngestOutcome::kArrive);
  EXPECT_EQ(d.change.occupied_delta, 1);
  EXPECT_EQ(d.change.bay_after->occupied_since, At(0));
}

TEST(BayProcessorTest, EventCarriesTheDeviceIdAndDetectionMode) {
  SensorMessage m = Msg(BayStatus::kOccupied, At(0));
  m.mode = "radar";
  BayDecision d = Decide(m, MakeBay(BayStatus::kVacant, At(-60)), At(0));
  ASSERT_TRUE(d.change.event);
  EXPECT_EQ(d.change.event->zone_id, "zone-001");
  EXPECT_EQ(d.change.event->bay_number, "A-001");
  EXPECT_EQ(d.change.event->sensor_id, "PSL01B-001");
  EXPECT_EQ(d.change.event->detection_mode, "radar");
}

TEST(BayProcessorTest, OccupiedToVacantLeavesWithDurationAndRevenueInOperatingHours) {
  // Arrived 21:00 local, leaves 23:10: 130 minutes, of which 60 inside 08:00-22:00.
  Bay before = MakeBay(BayStatus::kOccupied, At(9 * 60));
  BayDecision d = Decide(Msg(BayStatus::kVacant, At(11 * 60 + 10)), before, At(11 * 60 + 10));
  EXPECT_EQ(d.outcome, IngestOutcome::kLeave);
  EXPECT_EQ(d.change.occupied_delta, -1);
  EXPECT_EQ(d.change.bay_after->status, BayStatus::kVacant);
  EXPECT_EQ(d.change.bay_after->last_change, At(11 * 60 + 10));
  EXPECT_EQ(d.change.bay_after->occupied_since, std::nullopt);
  ASSERT_TRUE(d.change.event);
  EXPECT_EQ(d.change.event->event_type, EventType::kLeave);
  EXPECT_EQ(d.change.event->duration_minutes, 130);
  EXPECT_EQ(d.change.event->revenue, Decimal::FromMicros(12500000, 2));
  EXPECT_EQ(d.change.event->revenue->ToString(), "12.50");
}

TEST(BayProcessorTest, OperatingHoursAreReadInTheConfiguredOffset) {
  // In UTC, 21:00 local Dubai is 17:00: the whole 2h10 stay is inside 08:00-22:00.
  IngestConfig utc;
  utc.zone_offset = UtcOffset{0};
  Bay before = MakeBay(BayStatus::kOccupied, At(9 * 60));
  BayDecision d = Decide(Msg(BayStatus::kVacant, At(11 * 60 + 10)), before, At(11 * 60 + 10),
                         MakeSensor(), utc);
  EXPECT_EQ(d.change.event->revenue->ToString(), "27.08");  // 12.50 x 130/60
}

TEST(BayProcessorTest, LeaveWithoutOccupiedSinceCountsFromTheLastChange) {
  Bay before = MakeBay(BayStatus::kOccupied, At(0));
  before.occupied_since.reset();
  BayDecision d = Decide(Msg(BayStatus::kVacant, At(90)), before, At(90));
  EXPECT_EQ(d.change.event->duration_minutes, 90);
  EXPECT_EQ(d.change.event->revenue->ToString(), "18.75");
}

TEST(BayProcessorTest, UnknownToVacantSetsTheBayWithoutEventOrCount) {
  Bay before = MakeBay(BayStatus::kUnknown, {});
  BayDecision d = Decide(Msg(BayStatus::kVacant, At(0)), before, At(0));
  EXPECT_EQ(d.outcome, IngestOutcome::kVacated);
  EXPECT_EQ(d.change.event, std::nullopt);
  EXPECT_EQ(d.change.occupied_delta, 0);
  EXPECT_EQ(d.change.bay_before, before);
  EXPECT_EQ(d.change.bay_after->status, BayStatus::kVacant);
  EXPECT_EQ(d.change.bay_after->last_change, At(0));
}

TEST(BayProcessorTest, SameStatusIsAHeartbeatThatMovesOnlyLastHeartbeat) {
  Bay before = MakeBay(BayStatus::kOccupied, At(0));
  BayDecision d = Decide(Msg(BayStatus::kOccupied, At(30)), before, At(30));
  EXPECT_EQ(d.outcome, IngestOutcome::kHeartbeat);
  Bay after = before;
  after.last_heartbeat = At(30);
  EXPECT_EQ(d.change.bay_before, before);
  EXPECT_EQ(d.change.bay_after, after);
  EXPECT_EQ(d.change.event, std::nullopt);
  EXPECT_EQ(d.change.occupied_delta, 0);
}

TEST(BayProcessorTest, OlderThanTheLastChangeIsLateAndLeavesTheBay) {
  Bay before = MakeBay(BayStatus::kOccupied, At(0));
  BayDecision d = Decide(Msg(BayStatus::kVacant, At(-1)), before, At(0));
  EXPECT_EQ(d.outcome, IngestOutcome::kLate);
  EXPECT_EQ(d.change.bay_after, std::nullopt);
  EXPECT_EQ(d.change.event, std::nullopt);
  EXPECT_EQ(d.change.occupied_delta, 0);
  ASSERT_TRUE(d.change.sensor);  // still heard from
  EXPECT_EQ(d.change.sensor->last_seen, At(0));
}

TEST(BayProcessorTest, OtherStatusAtTheInstantOfTheLastChangeIsLate) {
  BayDecision d =
      Decide(Msg(BayStatus::kVacant, At(0)), MakeBay(BayStatus::kOccupied, At(0)), At(0));
  EXPECT_EQ(d.outcome, IngestOutcome::kLate);
  EXPECT_EQ(d.change.bay_after, std::nullopt);
}

TEST(BayProcessorTest, SameTimeAndStatusAsTheLastChangeIsADuplicate) {
  // The ARRIVE at 12:00 delivered again, a minute later.
  BayDecision d =
      Decide(Msg(BayStatus::kOccupied, At(0)), MakeBay(BayStatus::kOccupied, At(0)), At(1));
  EXPECT_EQ(d.outcome, IngestOutcome::kDuplicate);
  EXPECT_TRUE(d.change.empty());
  EXPECT_EQ(d.change.bay_before, std::nullopt);
  EXPECT_FALSE(d.alerts.any());
}

TEST(BayProcessorTest, NotNewerThanTheLastHeartbeatIsADuplicate) {
  Bay before = MakeBay(BayStatus::kOccupied, At(0));
  before.last_heartbeat = At(30);
  EXPECT_EQ(Decide(Msg(BayStatus::kOccupied, At(30)), before, At(31)).outcome,
            IngestOutcome::kDuplicate);
  EXPECT_EQ(Decide(Msg(BayStatus::kOccupied, At(20)), before, At(21)).outcome,
            IngestOutcome::kDuplicate);
  // The other status at or before a heartbeat that confirmed this one is out of order.
  EXPECT_EQ(Decide(Msg(BayStatus::kVacant, At(20)), before, At(21)).outcome, IngestOutcome::kLate);
  EXPECT_EQ(Decide(Msg(BayStatus::kOccupied, At(31)), before, At(31)).outcome,
            IngestOutcome::kHeartbeat);
}

TEST(BayProcessorTest, SensorReadingsAndLastSeenAreAlwaysUpdated) {
  Sensor sensor = MakeSensor();
  sensor.last_seen = At(10);
  // Received before the last time it was seen (another worker was faster): lastSeen stays.
  BayDecision d =
      Decide(Msg(BayStatus::kOccupied, At(5)), MakeBay(BayStatus::kVacant, At(0)), At(5), sensor);
  ASSERT_TRUE(d.change.sensor);
  EXPECT_EQ(d.change.sensor->last_battery, 88);
  EXPECT_EQ(d.change.sensor->last_signal, -75);
  EXPECT_EQ(d.change.sensor->last_seen, At(10));
  EXPECT_EQ(d.change.sensor->status, "active");
  EXPECT_EQ(d.change.sensor->model, "PSL01B");  // the rest as it was

  d = Decide(Msg(BayStatus::kOccupied, At(20)), MakeBay(BayStatus::kVacant, At(0)), At(20), sensor);
  EXPECT_EQ(d.change.sensor->last_seen, At(20));
}

TEST(BayProcessorTest, LowBatteryRaisesOneAlertUntilItRecovers) {
  Sensor sensor = MakeSensor();
  Bay bay = MakeBay(BayStatus::kOccupied, At(0));
  auto heartbeat = [&](int minute, int64_t battery) {
    SensorMessage m = Msg(BayStatus::kOccupied, At(minute));
    m.battery = battery;
    BayDecision d = Decide(m, bay, At(minute), sensor);
    bay = *d.change.bay_after;
    sensor = *d.change.sensor;
    return d.alerts;
  };
  EXPECT_TRUE(heartbeat(30, 19).low_battery);
  EXPECT_EQ(sensor.status, "low_battery");
  EXPECT_FALSE(heartbeat(60, 18).low_battery);  // once, not once per message
  EXPECT_FALSE(heartbeat(90, 15).low_battery);
  IngestAlerts recovered = heartbeat(120, 20);
  EXPECT_TRUE(recovered.battery_recovered);
  EXPECT_EQ(sensor.status, "active");
  EXPECT_TRUE(heartbeat(150, 10).low_battery);  // a new episode
}

TEST(BayProcessorTest, OfflineSensorComesBackActive) {
  Sensor sensor = MakeSensor();
  sensor.status = "offline";
  BayDecision d =
      Decide(Msg(BayStatus::kOccupied, At(0)), MakeBay(BayStatus::kVacant, {}), At(0), sensor);
  EXPECT_TRUE(d.alerts.back_online);
  EXPECT_EQ(d.change.sensor->status, "active");
}

TEST(BayProcessorTest, StatusesOfOperatorsAreLeftAlone) {
  Sensor sensor = MakeSensor();
  sensor.status = "maintenance";
  SensorMessage m = Msg(BayStatus::kOccupied, At(0));
  m.battery = 5;
  BayDecision d = Decide(m, MakeBay(BayStatus::kVacant, {}), At(0), sensor);
  EXPECT_EQ(d.change.sensor->status, "maintenance");
  EXPECT_EQ(d.change.sensor->last_battery, 5);
  EXPECT_FALSE(d.alerts.any());
}

TEST(BayProcessorTest, HealthMessageChangesOnlyTheSensor) {
  auto d = DecideBayChange(Health(12), At(0), std::nullopt, std::nullopt, MakeSensor(), {});
  ASSERT_TRUE(std::holds_alternative<BayDecision>(d));
  const BayDecision& decision = std::get<BayDecision>(d);
  EXPECT_EQ(decision.outcome, IngestOutcome::kHealth);
  EXPECT_EQ(decision.change.bay_after, std::nullopt);
  EXPECT_EQ(decision.change.event, std::nullopt);
  EXPECT_EQ(decision.change.sensor->last_battery, 12);
  EXPECT_TRUE(decision.alerts.low_battery);
}

TEST(BayProcessorTest, UnknownSensorIsRejected) {
  SensorMessage m = Msg(BayStatus::kOccupied, At(0));
  MessageRejection r = RejectionOf(m, MakeZone(), MakeBay(BayStatus::kVacant, {}), std::nullopt);
  EXPECT_EQ(r.fault, MessageFault::kUnknownSensor);
}

TEST(BayProcessorTest, SensorRegisteredToAnotherBayIsRejected) {
  Sensor elsewhere = MakeSensor();
  elsewhere.bay_number = "A-002";
  SensorMessage m = Msg(BayStatus::kOccupied, At(0));
  MessageRejection r = RejectionOf(m, MakeZone(), MakeBay(BayStatus::kVacant, {}), elsewhere);
  EXPECT_EQ(r.fault, MessageFault::kWrongBay);
  EXPECT_NE(r.status.message().find("zone-001/A-002"), std::string::npos);
  EXPECT_EQ(RejectionOf(Health(50), std::nullopt, std::nullopt, elsewhere).fault,
            MessageFault::kWrongBay);
}

TEST(BayProcessorTest, UnregisteredSensorIsAcceptedWhereTheBayNamesIt) {
  Sensor unassigned = MakeSensor();
  unassigned.zone_id.reset();
  unassigned.bay_number.reset();
  SensorMessage m = Msg(BayStatus::kOccupied, At(0));
  EXPECT_EQ(Decide(m, MakeBay(BayStatus::kVacant, {}), At(0), unassigned).outcome,
            IngestOutcome::kArrive);
  Bay other = MakeBay(BayStatus::kVacant, {});
  other.sensor_id = "PSL01B-999";
  EXPECT_EQ(RejectionOf(m, MakeZone(), other, unassigned).fault, MessageFault::kWrongBay);
}

TEST(BayProcessorTest, UnknownZoneOrBayIsRejected) {
  SensorMessage m = Msg(BayStatus::kOccupied, At(0));
  EXPECT_EQ(RejectionOf(m, std::nullopt, MakeBay(BayStatus::kVacant, {}), MakeSensor()).fault,
            MessageFault::kUnknownBay);
  EXPECT_EQ(RejectionOf(m, MakeZone(), std::nullopt, MakeSensor()).fault,
            MessageFault::kUnknownBay);
}

TEST(BayProcessorTest, SilentSensorIsMarkedOfflineOnce) {
  IngestConfig config;  // 90 minutes
  Sensor s = MakeSensor();
  EXPECT_EQ(MarkOfflineIfSilent(s, At(0), At(90), config), std::nullopt);
  std::optional<Sensor> off = MarkOfflineIfSilent(s, At(0), At(91), config);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, "offline");
  EXPECT_EQ(off->last_battery, s.last_battery);
  EXPECT_EQ(MarkOfflineIfSilent(*off, At(0), At(200), config), std::nullopt);
  s.status = "retired";
  EXPECT_EQ(MarkOfflineIfSilent(s, At(0), At(200), config), std::nullopt);
}

}  // namespace
}  // namespace vdpark
