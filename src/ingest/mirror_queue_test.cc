#include "ingest/mirror_queue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "test_dirs.h"

extern char** environ;

namespace vdpark {
namespace {

using testing::TempDir;

Timestamp T(const char* text) {
  return *Timestamp::Parse(text);
}

// A change with every field set.
LiveChange FullChange() {
  LiveChange c;
  Bay before;
  before.zone_id = "zone-001";
  before.bay_number = "A-007";
  c.bay_before = before;  // not kept: the mirror needs the state after
  Bay b;
  b.zone_id = "zone-001";
  b.bay_number = "A-007";
  b.sensor_id = "PSL01B-000007";
  b.status = BayStatus::kOccupied;
  b.last_change = T("2026-11-20T06:00:00.000001Z");
  b.occupied_since = T("2026-11-20T06:00:00.000001Z");
  b.last_heartbeat = T("2026-11-20T06:00:01.5Z");
  b.bay_type = "accessible \"wide\"";
  b.location = GeoPoint{0.1 + 0.2, 55.14030000000001};
  c.bay_after = b;
  ParkingEvent e;
  e.zone_id = "zone-001";
  e.bay_number = "A-007";
  e.sensor_id = "PSL01B-000007";
  e.event_type = EventType::kLeave;
  e.timestamp = T("2026-11-20T06:00:00.000001Z");
  e.duration_minutes = 95;
  e.revenue = *Decimal::Parse("12.50");
  e.detection_mode = "magnetic+radar";
  c.event = e;
  c.occupied_delta = -1;
  Sensor s;
  s.sensor_id = "PSL01B-000007";
  s.model = "PSL01B";
  s.firmware_version = "2.1.4";
  s.install_date = T("2025-01-01T00:00:00Z");
  s.zone_id = "zone-001";
  s.bay_number = "A-007";
  s.status = "active";
  s.last_battery = 87;
  s.last_signal = -71;
  s.last_seen = T("2026-11-20T06:00:01.5Z");
  c.sensor = s;
  return c;
}

std::string SensorId(int i) {
  return fmt::format("S{}", i);
}

LiveChange SensorOnly(const std::string& id) {
  LiveChange c;
  Sensor s;
  s.sensor_id = id;
  c.sensor = s;
  return c;
}

TEST(MirrorQueueCodec, RoundTripsEveryField) {
  LiveChange c = FullChange();
  Timestamp at = T("2026-11-20T06:00:02.25Z");
  std::string stored = EncodeQueuedChange(c, at);
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(static_cast<uint8_t>(stored[0]), kMirrorFormatVersion);

  auto back = DecodeQueuedChange(stored);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->enqueued, at);
  EXPECT_FALSE(back->change.bay_before.has_value());
  ASSERT_TRUE(back->change.bay_after.has_value());
  EXPECT_EQ(*back->change.bay_after, *c.bay_after);  // coordinates bit for bit
  ASSERT_TRUE(back->change.event.has_value());
  EXPECT_EQ(*back->change.event, *c.event);
  EXPECT_EQ(back->change.event->revenue->ToString(), "12.50");  // the scale survives
  ASSERT_TRUE(back->change.sensor.has_value());
  EXPECT_EQ(*back->change.sensor, *c.sensor);
  EXPECT_EQ(back->change.occupied_delta, -1);
}

TEST(MirrorQueueCodec, UnsetFieldsStayUnset) {
  LiveChange c;
  Bay b;
  b.zone_id = "z";
  b.bay_number = "1";
  c.bay_after = b;
  auto back = DecodeQueuedChange(EncodeQueuedChange(c, T("2026-01-01T00:00:00Z")));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->change.bay_after, c.bay_after);
  EXPECT_FALSE(back->change.event.has_value());
  EXPECT_FALSE(back->change.sensor.has_value());
  EXPECT_EQ(back->change.occupied_delta, 0);

  auto sensor = DecodeQueuedChange(EncodeQueuedChange(SensorOnly("S1"), Timestamp()));
  ASSERT_TRUE(sensor.ok()) << sensor.status().ToString();
  EXPECT_EQ(sensor->change.sensor, SensorOnly("S1").sensor);
  EXPECT_FALSE(sensor->change.bay_after.has_value());
}

TEST(MirrorQueueCodec, RefusesWhatItCannotRead) {
  std::string good = EncodeQueuedChange(FullChange(), T("2026-01-01T00:00:00Z"));
  std::string other_version = good;
  other_version[0] = static_cast<char>(kMirrorFormatVersion + 1);
  auto v = DecodeQueuedChange(other_version);
  EXPECT_EQ(v.status().code(), Status::Code::kCorruption);
  EXPECT_NE(v.status().message().find("format version 2"), std::string::npos)
      << v.status().ToString();

  EXPECT_EQ(DecodeQueuedChange("").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeQueuedChange(std::string(1, '\x01') + "{not json").status().code(),
            Status::Code::kCorruption);
  auto wrong_type =
      DecodeQueuedChange(std::string(1, '\x01') + R"({"t":1,"b":{"zone":"z","bay":7}})");
  EXPECT_EQ(wrong_type.status().code(), Status::Code::kCorruption);
  EXPECT_NE(wrong_type.status().message().find("b.bay"), std::string::npos)
      << wrong_type.status().ToString();
  auto bad_status = DecodeQueuedChange(std::string(1, '\x01') +
                                       R"({"t":1,"b":{"zone":"z","bay":"1","status":"parked"}})");
  EXPECT_EQ(bad_status.status().code(), Status::Code::kCorruption);
  auto other_zone =
      DecodeQueuedChange(std::string(1, '\x01') +
                         R"({"t":1,"z":"y","d":1,"b":{"zone":"z","bay":"1","status":"vacant"}})");
  EXPECT_EQ(other_zone.status().code(), Status::Code::kCorruption);
}

std::unique_ptr<MirrorQueue> OpenQueue(const std::string& dir) {
  auto q = MirrorQueue::Open(dir);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return q.ok() ? std::move(*q) : nullptr;
}

std::vector<uint64_t> Sequences(const std::vector<QueuedChange>& entries) {
  std::vector<uint64_t> out;
  for (const auto& e : entries) out.push_back(e.sequence);
  return out;
}

std::vector<std::string> SensorIds(const std::vector<QueuedChange>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.change.sensor ? e.change.sensor->sensor_id : "-");
  return out;
}

TEST(MirrorQueue, PeeksInOrderAndAcksUpTo) {
  TempDir dir;
  auto q = OpenQueue(dir / "queue");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->size(), 0u);
  auto empty = q->Peek(10);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  for (int i = 1; i <= 5; ++i) {
    auto seq = q->Append(SensorOnly(SensorId(i)));
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_EQ(*seq, static_cast<uint64_t>(i));
  }
  EXPECT_EQ(q->size(), 5u);

  auto first = q->Peek(3);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Sequences(*first), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(SensorIds(*first), (std::vector<std::string>{"S1", "S2", "S3"}));
  // Peeking removes nothing.
  EXPECT_EQ(Sequences(*q->Peek(3)), (std::vector<uint64_t>{1, 2, 3}));

  ASSERT_TRUE(q->Ack(3).ok());
  EXPECT_EQ(q->size(), 2u);
  auto rest = q->Peek(10);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(SensorIds(*rest), (std::vector<std::string>{"S4", "S5"}));

  EXPECT_TRUE(q->Ack(2).ok());  // already acknowledged: nothing happens
  EXPECT_EQ(q->size(), 2u);
  EXPECT_TRUE(q->Ack(6).IsInvalidArgument());  // not given yet
  EXPECT_EQ(q->size(), 2u);

  ASSERT_TRUE(q->Ack(5).ok());
  EXPECT_EQ(q->size(), 0u);
  EXPECT_TRUE(q->Peek(10)->empty());
}

TEST(MirrorQueue, SurvivesReopeningAndSequencesContinue) {
  TempDir dir;
  const std::string path = dir / "queue";
  {
    auto q = OpenQueue(path);
    ASSERT_NE(q, nullptr);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(q->Append(SensorOnly(SensorId(i))).ok());
    ASSERT_TRUE(q->Ack(1).ok());
  }
  {
    auto q = OpenQueue(path);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->size(), 2u);
    EXPECT_EQ(q->next_sequence(), 4u);
    auto entries = q->Peek(10);
    ASSERT_TRUE(entries.ok());
    EXPECT_EQ(Sequences(*entries), (std::vector<uint64_t>{2, 3}));
    EXPECT_EQ(SensorIds(*entries), (std::vector<std::string>{"S2", "S3"}));
    ASSERT_TRUE(q->Ack(3).ok());  // empty now
  }
  {
    auto q = OpenQueue(path);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->size(), 0u);
    // The acknowledged mark keeps the count going though no entry is left.
    auto seq = q->Append(SensorOnly("S4"));
    ASSERT_TRUE(seq.ok());
    EXPECT_EQ(*seq, 4u);
  }
}

TEST(MirrorQueue, OldestAgeFollowsTheHead) {
  TempDir dir;
  auto q = OpenQueue(dir / "queue");
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(q->oldest().has_value());
  EXPECT_EQ(q->OldestAgeMicros(), 0);
  const Timestamp t1 = T("2026-01-01T00:00:00Z"), t2 = T("2026-01-01T00:00:10Z");
  ASSERT_TRUE(q->Append(SensorOnly("S1"), t1).ok());
  ASSERT_TRUE(q->Append(SensorOnly("S2"), t2).ok());
  EXPECT_EQ(q->oldest(), t1);
  EXPECT_EQ(q->OldestAgeMicros(t2 + 5 * kMicrosPerSecond), 15 * kMicrosPerSecond);
  ASSERT_TRUE(q->Ack(1).ok());
  EXPECT_EQ(q->oldest(), t2);
  q.reset();
  q = OpenQueue(dir / "queue");  // read back from disk
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->oldest(), t2);
  ASSERT_TRUE(q->Ack(2).ok());
  EXPECT_FALSE(q->oldest().has_value());
  EXPECT_EQ(q->OldestAgeMicros(), 0);
}

TEST(MirrorQueue, PassesAnUnreadableEntryInItsPlace) {
  TempDir dir;
  const std::string path = dir / "queue";
  {
    auto q = OpenQueue(path);
    ASSERT_NE(q, nullptr);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(q->Append(SensorOnly(SensorId(i))).ok());
  }
  {
    // Entry 2 overwritten with a format from some other build (key layout: 'q' + 8 bytes BE).
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string key = std::string("q") + std::string(7, '\0') + '\x02';
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, "\x09whatever").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  auto q = OpenQueue(path);
  ASSERT_NE(q, nullptr);
  auto entries = q->Peek(10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(Sequences(*entries), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE((*entries)[0].status.ok());
  EXPECT_EQ((*entries)[1].status.code(), Status::Code::kCorruption);
  EXPECT_NE((*entries)[1].status.message().find("entry 2"), std::string::npos)
      << (*entries)[1].status.ToString();
  EXPECT_TRUE((*entries)[2].status.ok());
  EXPECT_EQ((*entries)[2].change.sensor->sensor_id, "S3");
}

// Run as a child process by AppendsSurviveSigkill: appends VDPARK_MIRROR_KILL_COUNT changes to
// the queue in VDPARK_MIRROR_KILL_DIR, then kills itself without closing anything.
TEST(MirrorQueueChild, DISABLED_AppendThenDie) {
  const char* dir = std::getenv("VDPARK_MIRROR_KILL_DIR");
  const char* count = std::getenv("VDPARK_MIRROR_KILL_COUNT");
  ASSERT_TRUE(dir != nullptr && count != nullptr);
  auto q = OpenQueue(dir);
  ASSERT_NE(q, nullptr);
  for (int i = 1; i <= std::atoi(count); ++i) {
    ASSERT_TRUE(q->Append(SensorOnly(SensorId(i))).ok());
  }
  raise(SIGKILL);
}

TEST(MirrorQueue, AppendsSurviveSigkill) {
  TempDir dir;
  const std::string path = dir / "queue";
  constexpr int kCount = 300;
  {
    // A first life, so that the child continues a queue rather than starting one.
    auto q = OpenQueue(path);
    ASSERT_NE(q, nullptr);
    ASSERT_TRUE(q->Append(SensorOnly("S0")).ok());
  }
  std::string dir_var = "VDPARK_MIRROR_KILL_DIR=" + path;
  std::string count_var = "VDPARK_MIRROR_KILL_COUNT=" + std::to_string(kCount);
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(dir_var.data());
  env.push_back(count_var.data());
  env.push_back(nullptr);
  std::string self = "/proc/self/exe";
  std::string filter = "--gtest_filter=MirrorQueueChild.DISABLED_AppendThenDie";
  std::string also = "--gtest_also_run_disabled_tests";
  char* argv[] = {self.data(), filter.data(), also.data(), nullptr};
  pid_t child = -1;
  ASSERT_EQ(posix_spawn(&child, self.c_str(), nullptr, nullptr, argv, env.data()), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the child did not get to the end of its appends: status " << status;

  auto q = OpenQueue(path);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->size(), static_cast<uint64_t>(kCount + 1));
  auto entries = q->Peek(kCount + 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), static_cast<size_t>(kCount + 1));
  for (int i = 0; i <= kCount; ++i) {
    EXPECT_EQ((*entries)[i].sequence, static_cast<uint64_t>(i + 1));
    ASSERT_TRUE((*entries)[i].status.ok()) << (*entries)[i].status.ToString();
    EXPECT_EQ((*entries)[i].change.sensor->sensor_id, SensorId(i));
  }
}

}  // namespace
}  // namespace vdpark
