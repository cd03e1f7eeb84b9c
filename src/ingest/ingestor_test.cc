#include "ingest/ingestor.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ingest/failure_class.h"
#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

// 2026-11-20 12:00:00 +04:00.
constexpr Timestamp kNoon = Timestamp::FromSeconds(1795161600);

Timestamp At(int64_t minutes_after_noon) {
  return kNoon + minutes_after_noon * kMicrosPerMinute;
}

// A live store that passes everything to another and can be told to fail or to lose races.
class FaultyStore : public LiveStore {
 public:
  explicit FaultyStore(LiveStore& inner) : inner_(inner) {}

  std::string DisplayName() const override { return "faulty " + inner_.DisplayName(); }
  Result<std::optional<Zone>> GetZone(std::string_view zone_id) override {
    if (fail_zone_reads) return Status::InvalidArgument("credentials refused");
    return inner_.GetZone(zone_id);
  }
  Result<std::optional<Bay>> GetBay(std::string_view zone_id, std::string_view bay) override {
    return inner_.GetBay(zone_id, bay);
  }
  Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id) override {
    ++sensor_reads;
    if (fail_reads) return Status::Unavailable("store down");
    if (!sensor_failure.ok()) return sensor_failure;
    return inner_.GetSensor(sensor_id);
  }
  Status ApplyLiveChange(const LiveChange& change) override {
    ++applied;
    if (once_before_apply) {
      auto hook = std::exchange(once_before_apply, nullptr);
      hook();
    }
    if (conflicts_to_report > 0) {
      --conflicts_to_report;
      return Status::ConditionFailed("bay changed");
    }
    return inner_.ApplyLiveChange(change);
  }
  Result<uint64_t> ReconcileOccupancy() override { return inner_.ReconcileOccupancy(); }

  bool fail_reads = false;
  bool fail_zone_reads = false;  // every GetZone answers kInvalidArgument, as refused credentials
  Status sensor_failure;         // what GetSensor answers when not OK
  int sensor_reads = 0;
  int conflicts_to_report = 0;
  int applied = 0;
  std::function<void()> once_before_apply;  // runs before the next ApplyLiveChange: another writer

 private:
  LiveStore& inner_;
};

// zone-001: A-001 vacant, A-002 occupied since 10:00, A-003 unknown; zone-002: B-001 vacant.
Metadata Fleet() {
  Metadata md;
  Zone z1{.zone_id = "zone-001",
          .name = "Marina Walk P1",
          .total_bays = 3,
          .price_per_hour = Decimal::FromMicros(12500000, 2),
          .operating_hours = OperatingHours{8 * 60, 22 * 60},
          .tenant_id = "tenant-rta"};
  Zone z2{.zone_id = "zone-002",
          .total_bays = 1,
          .price_per_hour = Decimal::FromInt(4),
          .tenant_id = "tenant-emaar"};
  md.zones = {z1, z2};
  auto bay = [](const char* zone, const char* number, const char* sensor, BayStatus status,
                std::optional<Timestamp> since) {
    return Bay{.zone_id = zone,
               .bay_number = number,
               .sensor_id = sensor,
               .status = status,
               .last_change = since,
               .occupied_since = status == BayStatus::kOccupied ? since : std::nullopt,
               .bay_type = "standard"};
  };
  md.bays = {bay("zone-001", "A-001", "S-1", BayStatus::kVacant, At(-180)),
             bay("zone-001", "A-002", "S-2", BayStatus::kOccupied, At(-120)),
             bay("zone-001", "A-003", "S-3", BayStatus::kUnknown, std::nullopt),
             bay("zone-002", "B-001", "S-4", BayStatus::kVacant, At(-180))};
  auto sensor = [](const char* id, const char* zone, const char* number) {
    return Sensor{.sensor_id = id,
                  .model = "PSL01B",
                  .firmware_version = "2.1.4",
                  .zone_id = zone,
                  .bay_number = number,
                  .status = "active",
                  .last_battery = 90,
                  .last_signal = -70};
  };
  md.sensors = {sensor("S-1", "zone-001", "A-001"), sensor("S-2", "zone-001", "A-002"),
                sensor("S-3", "zone-001", "A-003"), sensor("S-4", "zone-002", "B-001")};
  return md;
}

std::string Topic(std::string_view zone, std::string_view bay, std::string_view kind = "status") {
  return fmt::format("visiondrive/parking/{}/{}/{}", zone, bay, kind);
}

std::string Payload(std::string_view device, std::string_view status, Timestamp ts,
                    int battery = 90) {
  return fmt::format(
      R"({{"deviceId":"{}","status":"{}","battery":{},"signal":-71,"mode":"dual","ts":{}}})",
      device, status, battery, ts.micros() / 1000);
}

struct RejectedMessage {
  std::string topic, payload, reason;
};

class IngestorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenStoreRoles("embedded:" + tmp_ / "store");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_.records->WriteMetadata(Fleet()).ok());
    faulty_ = std::make_unique<FaultyStore>(*store_.live);
    MakeIngestor({});
  }

  void MakeIngestor(IngestConfig config) {
    ingestor_ = std::make_unique<Ingestor>(
        *faulty_, *store_.records, config,
        [this](const AppliedChange& c) { changes_.push_back(c); },
        [this](std::string_view topic, std::string_view payload, std::string_view reason) {
          rejected_.push_back({std::string(topic), std::string(payload), std::string(reason)});
        });
  }

  // Handles a status message sent at `sent` and received a second later; must succeed.
  void Send(std::string_view bay, std::string_view device, std::string_view status, Timestamp sent,
            int battery = 90, std::string_view zone = "zone-001") {
    Status s = ingestor_->Handle(Topic(zone, bay), Payload(device, status, sent, battery),
                                 sent + kMicrosPerSecond);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Bay GetBay(std::string_view bay, std::string_view zone = "zone-001") {
    auto b = store_.live->GetBay(zone, bay);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() && *b ? **b : Bay{};
  }
  int64_t Occupied(std::string_view zone = "zone-001") {
    auto z = store_.live->GetZone(zone);
    EXPECT_TRUE(z.ok()) << z.status().ToString();
    return z.ok() && *z ? (*z)->occupied_bays.value_or(-1) : -1;
  }
  Sensor GetSensor(std::string_view id) {
    auto s = store_.live->GetSensor(id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() && *s ? **s : Sensor{};
  }
  std::optional<ParkingEvent> GetEvent(std::string_view bay, Timestamp t) {
    auto e = store_.records->GetEvent(
        ParkingEvent{.zone_id = "zone-001", .bay_number = std::string(bay), .timestamp = t});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : std::nullopt;
  }
  const IngestMetrics& metrics() { return ingestor_->metrics(); }

  testing::TempDir tmp_;
  OpenedStore store_;
  std::unique_ptr<FaultyStore> faulty_;
  std::unique_ptr<Ingestor> ingestor_;
  std::vector<AppliedChange> changes_;
  std::vector<RejectedMessage> rejected_;
};

TEST_F(IngestorTest, ArrivalThenDepartureWritesEventsBaysAndTheZoneCount) {
  ASSERT_EQ(Occupied(), 1);
  Send("A-001", "S-1", "occupied", At(0));
  Bay b = GetBay("A-001");
  EXPECT_EQ(b.status, BayStatus::kOccupied);
  EXPECT_EQ(b.last_change, At(0));
  EXPECT_EQ(b.occupied_since, At(0));
  EXPECT_EQ(Occupied(), 2);
  std::optional<ParkingEvent> arrive = GetEvent("A-001", At(0));
  ASSERT_TRUE(arrive);
  EXPECT_EQ(arrive->event_type, EventType::kArrive);
  EXPECT_EQ(arrive->sensor_id, "S-1");
  EXPECT_EQ(arrive->detection_mode, "dual");

  // 12:00 to 22:45 local: 645 minutes, 600 of them inside 08:00-22:00.
  Send("A-001", "S-1", "vacant", At(645));
  b = GetBay("A-001");
  EXPECT_EQ(b.status, BayStatus::kVacant);
  EXPECT_EQ(b.last_change, At(645));
  EXPECT_EQ(b.occupied_since, std::nullopt);
  EXPECT_EQ(Occupied(), 1);
  std::optional<ParkingEvent> leave = GetEvent("A-001", At(645));
  ASSERT_TRUE(leave);
  EXPECT_EQ(leave->event_type, EventType::kLeave);
  EXPECT_EQ(leave->duration_minutes, 645);
  EXPECT_EQ(leave->revenue, Decimal::FromInt(125));

  EXPECT_EQ(metrics().messages, 2u);
  EXPECT_EQ(metrics().status, 2u);
  EXPECT_EQ(metrics().arrivals, 1u);
  EXPECT_EQ(metrics().departures, 1u);
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_EQ(changes_[0].outcome, IngestOutcome::kArrive);
  EXPECT_EQ(changes_[0].change.occupied_delta, 1);
  EXPECT_FALSE(changes_[0].replayed);
  EXPECT_EQ(changes_[1].outcome, IngestOutcome::kLeave);
  EXPECT_EQ(changes_[1].change.event, leave);
}

TEST_F(IngestorTest, DepartureOfABayOccupiedBeforeIngestStarted) {
  Send("A-002", "S-2", "vacant", At(0));  // occupied since 10:00
  EXPECT_EQ(GetEvent("A-002", At(0))->duration_minutes, 120);
  EXPECT_EQ(GetEvent("A-002", At(0))->revenue, Decimal::FromInt(25));
  EXPECT_EQ(Occupied(), 0);
}

TEST_F(IngestorTest, UnknownBayReportedVacantBecomesVacantWithoutEvent) {
  Send("A-003", "S-3", "vacant", At(0));
  EXPECT_EQ(GetBay("A-003").status, BayStatus::kVacant);
  EXPECT_EQ(GetEvent("A-003", At(0)), std::nullopt);
  EXPECT_EQ(Occupied(), 1);
  EXPECT_EQ(metrics().vacated, 1u);
}

TEST_F(IngestorTest, HeartbeatMovesLastHeartbeatOnly) {
  Bay before = GetBay("A-002");
  Send("A-002", "S-2", "occupied", At(30));
  Bay after = GetBay("A-002");
  EXPECT_EQ(after.last_heartbeat, At(30));
  after.last_heartbeat.reset();
  EXPECT_EQ(after, before);
  EXPECT_EQ(Occupied(), 1);
  EXPECT_EQ(metrics().heartbeats, 1u);
  EXPECT_EQ(GetSensor("S-2").last_seen, At(30) + kMicrosPerSecond);
}

TEST_F(IngestorTest, RedeliveredMessageChangesNothingAndIsReplayedToTheSink) {
  Send("A-001", "S-1", "occupied", At(0));
  Bay once = GetBay("A-001");
  Sensor sensor_once = GetSensor("S-1");
  int applied = faulty_->applied;
  // Delivered again a minute later (QoS 1).
  ASSERT_TRUE(
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "occupied", At(0)), At(1)).ok());
  EXPECT_EQ(faulty_->applied, applied);  // nothing written
  EXPECT_EQ(GetBay("A-001"), once);
  EXPECT_EQ(GetSensor("S-1"), sensor_once);
  EXPECT_EQ(Occupied(), 2);
  EXPECT_EQ(metrics().duplicates, 1u);
  EXPECT_EQ(metrics().arrivals, 1u);

  ASSERT_EQ(changes_.size(), 2u);
  const AppliedChange& replay = changes_[1];
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.outcome, IngestOutcome::kDuplicate);
  EXPECT_EQ(replay.change.bay_after, once);
  EXPECT_EQ(replay.change.occupied_delta, 0);
  ASSERT_TRUE(replay.change.event);
  EXPECT_EQ(*replay.change.event, *changes_[0].change.event);
}

TEST_F(IngestorTest, LateMessageLeavesTheBayAndIsCounted) {
  Send("A-001", "S-1", "occupied", At(0));
  Bay arrived = GetBay("A-001");
  // A vacant reading from before the arrival, delivered after it.
  ASSERT_TRUE(
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "vacant", At(-1), 55), At(2))
          .ok());
  EXPECT_EQ(GetBay("A-001"), arrived);
  EXPECT_EQ(Occupied(), 2);
  EXPECT_EQ(GetEvent("A-001", At(-1)), std::nullopt);
  EXPECT_EQ(metrics().late, 1u);
  EXPECT_EQ(GetSensor("S-1").last_battery, 55);  // the sensor was still heard from
  EXPECT_EQ(GetSensor("S-1").last_seen, At(2));
}

TEST_F(IngestorTest, TsOutsideTheSkewCountsAtTheReceiveTime) {
  Timestamp received = At(0);
  ASSERT_TRUE(
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "occupied", At(-60)), received)
          .ok());
  EXPECT_EQ(GetBay("A-001").last_change, received);
  EXPECT_TRUE(GetEvent("A-001", received));
  // The lag is still measured from the sensor's ts.
  EXPECT_EQ(metrics().lag.count(), 1u);
  EXPECT_GE(metrics().lag.last_micros(), 60 * kMicrosPerMinute);
}

TEST_F(IngestorTest, BadMessagesAreCountedAndSentToTheErrorSink) {
  struct Case {
    std::string topic, payload;
    MessageFault fault;
  };
  std::vector<Case> cases = {
      {Topic("zone-001", "A-001"), "{not json", MessageFault::kBadJson},
      {Topic("zone-001", "A-001"), R"({"deviceId":"S-1","status":"occupied","battery":300})",
       MessageFault::kBadValue},
      {Topic("zone-001", "A-001"), std::string(5000, ' '), MessageFault::kOversized},
      {"visiondrive/parking/zone-001/A-001", R"({"deviceId":"S-1","status":"occupied"})",
       MessageFault::kUnknownTopic},
      {Topic("zone-001", "A-001"), R"({"deviceId":"S-99","status":"occupied"})",
       MessageFault::kUnknownSensor},
      {Topic("zone-001", "A-001"), R"({"deviceId":"S-2","status":"occupied"})",
       MessageFault::kWrongBay},
      {Topic("zone-001", "A-009"), R"({"deviceId":"S-1","status":"occupied"})",
       MessageFault::kWrongBay},
  };
  for (const Case& c : cases) {
    Status s = ingestor_->Handle(c.topic, c.payload, At(0));
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ASSERT_EQ(rejected_.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(rejected_[i].topic, cases[i].topic);
    EXPECT_EQ(rejected_[i].payload, cases[i].payload);
    EXPECT_TRUE(rejected_[i].reason.starts_with(ToString(cases[i].fault))) << rejected_[i].reason;
  }
  EXPECT_NE(rejected_[1].reason.find("'battery'"), std::string::npos);
  EXPECT_NE(rejected_[4].reason.find("S-99"), std::string::npos);
  EXPECT_EQ(metrics().messages, cases.size());
  EXPECT_EQ(metrics().errors, cases.size());
  EXPECT_EQ(metrics().errors_for(MessageFault::kBadJson), 1u);
  EXPECT_EQ(metrics().errors_for(MessageFault::kBadValue), 1u);
  EXPECT_EQ(metrics().errors_for(MessageFault::kOversized), 1u);
  EXPECT_EQ(metrics().errors_for(MessageFault::kUnknownTopic), 1u);
  EXPECT_EQ(metrics().errors_for(MessageFault::kUnknownSensor), 1u);
  EXPECT_EQ(metrics().errors_for(MessageFault::kWrongBay), 2u);
  EXPECT_EQ(faulty_->applied, 0);
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(GetBay("A-001").status, BayStatus::kVacant);
  EXPECT_EQ(Occupied(), 1);
}

TEST_F(IngestorTest, HealthMessageUpdatesTheSensorAndRaisesLowBatteryOnce) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ingestor_
                    ->Handle(Topic("zone-001", "A-001", "health"),
                             R"({"deviceId":"S-1","battery":15,"signal":-99})", At(i))
                    .ok());
  }
  Sensor s = GetSensor("S-1");
  EXPECT_EQ(s.last_battery, 15);
  EXPECT_EQ(s.last_signal, -99);
  EXPECT_EQ(s.status, "low_battery");
  EXPECT_EQ(s.last_seen, At(2));
  EXPECT_EQ(metrics().health, 3u);
  EXPECT_EQ(metrics().low_battery_alerts, 1u);
  ASSERT_EQ(changes_.size(), 3u);
  EXPECT_TRUE(changes_[0].alerts.low_battery);
  EXPECT_FALSE(changes_[1].alerts.low_battery);
  EXPECT_EQ(GetBay("A-001").status, BayStatus::kVacant);
}

TEST_F(IngestorTest, ConflictIsDecidedAgainAgainstTheNewBay) {
  // Another worker applies the same arrival between our read and our write.
  std::string topic = Topic("zone-001", "A-001");
  std::string payload = Payload("S-1", "occupied", At(0));
  Ingestor other(*store_.live, *store_.records);
  faulty_->once_before_apply = [&] {
    ASSERT_TRUE(other.Handle(topic, payload, At(0) + kMicrosPerSecond).ok());
  };
  // The store itself finds the bay no longer as read and refuses the write.
  ASSERT_TRUE(ingestor_->Handle(topic, payload, At(0) + kMicrosPerSecond).ok());
  EXPECT_EQ(metrics().conflicts_retried, 1u);
  EXPECT_EQ(metrics().duplicates, 1u);
  EXPECT_EQ(metrics().arrivals, 0u);
  EXPECT_EQ(Occupied(), 2);  // counted once
  EXPECT_EQ(GetBay("A-001").status, BayStatus::kOccupied);
}

TEST_F(IngestorTest, ConflictsBeyondTheRetriesAreGivenUpOnAfterTheBoundedTries) {
  IngestConfig config;
  config.max_conflict_retries = 2;
  config.unhandleable_backoff = std::chrono::milliseconds(1);
  MakeIngestor(config);
  faulty_->conflicts_to_report = 100;
  Status s =
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "occupied", At(0)), At(0));
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(faulty_->applied, 9);  // 3 tries of 3 writes each
  EXPECT_EQ(metrics().conflicts_retried, 6u);
  EXPECT_EQ(metrics().unhandleable, 1u);
  EXPECT_EQ(metrics().unhandleable_retries, 2u);
  EXPECT_EQ(metrics().store_failures, 0u);
  ASSERT_EQ(rejected_.size(), 1u);
  EXPECT_TRUE(rejected_[0].reason.starts_with("unhandleable: condition failed: "))
      << rejected_[0].reason;
  EXPECT_NE(rejected_[0].reason.find("still changing"), std::string::npos) << rejected_[0].reason;
  EXPECT_EQ(GetBay("A-001").status, BayStatus::kVacant);
}

TEST_F(IngestorTest, ARecordThatCannotBeDecodedIsTriedBoundedTimesThenSentToTheErrorSink) {
  IngestConfig config;
  config.unhandleable_attempts = 4;
  config.unhandleable_backoff = std::chrono::milliseconds(1);
  MakeIngestor(config);
  faulty_->sensor_failure = Status::Corruption("item SENSOR#S-1 / METADATA: installDate: bad");
  std::string topic = Topic("zone-001", "A-001");
  std::string payload = Payload("S-1", "occupied", At(0));
  ASSERT_TRUE(ingestor_->Handle(topic, payload, At(0)).ok());
  EXPECT_EQ(faulty_->sensor_reads, 4);
  EXPECT_EQ(metrics().messages, 1u);
  EXPECT_EQ(metrics().status, 1u);
  EXPECT_EQ(metrics().unhandleable, 1u);
  EXPECT_EQ(metrics().unhandleable_retries, 3u);
  EXPECT_EQ(metrics().errors, 0u);  // not an unusable message: its records are the problem
  ASSERT_EQ(rejected_.size(), 1u);
  EXPECT_EQ(rejected_[0].topic, topic);
  EXPECT_EQ(rejected_[0].payload, payload);
  EXPECT_EQ(rejected_[0].reason,
            "unhandleable: corruption: topic 'visiondrive/parking/zone-001/A-001/status': item "
            "SENSOR#S-1 / METADATA: installDate: bad (4 tries, a retry cannot fix it)");
  EXPECT_NE(ingestor_->MetricsText().find("vdpark_ingest_messages_unhandleable_total 1\n"),
            std::string::npos);

  // The next message goes through as usual.
  faulty_->sensor_failure = Status::OK();
  Send("A-001", "S-1", "occupied", At(1));
  EXPECT_EQ(Occupied(), 2);
}

TEST_F(IngestorTest, AMessageClassErrorIsWaitedForWhenTheStoreFailsAProbeReadToo) {
  IngestConfig config;
  config.unhandleable_backoff = std::chrono::milliseconds(1);
  MakeIngestor(config);
  // Refused credentials come back as kInvalidArgument, for this message and every other.
  faulty_->sensor_failure = Status::InvalidArgument("UnrecognizedClientException");
  faulty_->fail_zone_reads = true;
  Status s =
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "occupied", At(0)), At(0));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("probe"), std::string::npos) << s.ToString();
  EXPECT_EQ(metrics().unhandleable, 0u);
  EXPECT_EQ(metrics().store_failures, 1u);
  EXPECT_TRUE(rejected_.empty());
}

TEST(FailureClassTest, OnlyErrorsAboutTheMessagesRecordsAreGivenUpOn) {
  for (const Status& s : {Status::Corruption("x"), Status::InvalidArgument("x"),
                          Status::ConditionFailed("x"), Status::Internal("x")}) {
    EXPECT_EQ(ClassifyFailure(s), FailureClass::kMessage) << s.ToString();
  }
  for (const Status& s : {Status::Unavailable("x"), Status::Throttled("x"), Status::IOError("x"),
                          Status::NotFound("x"), Status::Aborted("x"), Status::NotSupported("x"),
                          Status::FailedPrecondition("x")}) {
    EXPECT_EQ(ClassifyFailure(s), FailureClass::kStore) << s.ToString();
  }
}

TEST_F(IngestorTest, StoreFailureIsAnErrorSoTheMessageComesAgain) {
  faulty_->fail_reads = true;
  Status s =
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "occupied", At(0)), At(0));
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("zone-001/A-001"), std::string::npos) << s.message();
  EXPECT_EQ(faulty_->sensor_reads, 1);  // no tries here: the message comes again
  EXPECT_EQ(metrics().store_failures, 1u);
  EXPECT_EQ(metrics().unhandleable, 0u);
  EXPECT_EQ(metrics().errors, 0u);
  EXPECT_TRUE(rejected_.empty());
  faulty_->fail_reads = false;
  Send("A-001", "S-1", "occupied", At(0));
  EXPECT_EQ(Occupied(), 2);
}

TEST_F(IngestorTest, SweepMarksSilentSensorsOfflineOnceAndTheyComeBack) {
  // Nothing heard yet: sensors count as heard at the first sweep.
  auto swept = ingestor_->SweepOffline(At(0));
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 0u);
  ASSERT_TRUE(
      ingestor_->Handle(Topic("zone-001", "A-001"), Payload("S-1", "occupied", At(60)), At(60))
          .ok());
  swept = ingestor_->SweepOffline(At(91));
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 3u);  // S-2, S-3, S-4; S-1 was heard at 13:00
  EXPECT_EQ(GetSensor("S-1").status, "active");
  EXPECT_EQ(GetSensor("S-2").status, "offline");
  EXPECT_EQ(GetSensor("S-2").last_battery, 90);
  EXPECT_EQ(GetSensor("S-4").status, "offline");
  EXPECT_EQ(metrics().offline, 3u);
  ASSERT_EQ(changes_.size(), 4u);
  EXPECT_EQ(changes_[1].outcome, IngestOutcome::kOffline);
  EXPECT_TRUE(changes_[1].alerts.offline);
  EXPECT_FALSE(changes_[1].change.bay_after);

  swept = ingestor_->SweepOffline(At(120));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 0u);  // once

  Send("A-002", "S-2", "occupied", At(125));
  EXPECT_EQ(GetSensor("S-2").status, "active");
  EXPECT_EQ(metrics().back_online, 1u);
  swept = ingestor_->SweepOffline(At(160));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 1u);  // S-1: last heard 13:00
}

TEST_F(IngestorTest, SweepTrustsTheStoredLastSeenOfAnotherWorker) {
  ASSERT_TRUE(ingestor_->SweepOffline(At(0)).ok());
  Ingestor other(*store_.live, *store_.records);
  ASSERT_TRUE(
      other.Handle(Topic("zone-001", "A-002"), Payload("S-2", "occupied", At(60)), At(60)).ok());
  auto swept = ingestor_->SweepOffline(At(91));
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(*swept, 3u);  // S-1, S-3, S-4
  EXPECT_EQ(GetSensor("S-2").status, "active");
}

TEST_F(IngestorTest, MetricsAreWrittenInPrometheusFormat) {
  Send("A-001", "S-1", "occupied", At(0));
  ASSERT_TRUE(ingestor_->Handle(Topic("zone-001", "A-001"), "{", At(0)).ok());
  std::string text = ingestor_->MetricsText();
  EXPECT_NE(text.find("# TYPE vdpark_ingest_messages_total counter\n"
                      "vdpark_ingest_messages_total 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vdpark_ingest_arrivals_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_ingest_errors_total{reason=\"bad_json\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_ingest_errors_total{reason=\"wrong_bay\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE vdpark_ingest_lag_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_ingest_lag_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_ingest_lag_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(text.find("vdpark_ingest_lag_p99_seconds "), std::string::npos);
}

TEST(LagHistogramTest, QuantilesAreReadToTheBucket) {
  LagHistogram h;
  EXPECT_EQ(h.QuantileMicros(0.5), 0);
  for (int i = 0; i < 98; ++i) h.Record(3000);  // 2.5-5 ms
  h.Record(700000);                             // 0.5-1 s
  h.Record(-5);                                 // clock ahead: zero
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.QuantileMicros(0.5), 5000);
  EXPECT_EQ(h.QuantileMicros(0.99), 5000);
  EXPECT_EQ(h.QuantileMicros(1.0), 1000000);
  EXPECT_EQ(h.last_micros(), 0);
  h.Record(3600LL * kMicrosPerSecond);
  EXPECT_EQ(h.QuantileMicros(1.0), LagHistogram::kOverflow);
}

}  // namespace
}  // namespace vdpark
