// PostgresMirror against a real PostgreSQL (tests/postgres.h), taken away and given back by a
// TcpProxy in front of it.
#include "ingest/postgres_mirror.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "mirror_changes.h"
#include "postgres.h"
#include "store/postgres/postgres_schema.h"
#include "tcp_proxy.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using namespace std::chrono_literals;
using testing::BayChange;
using testing::PostgresTestSchema;
using testing::Replayed;
using testing::TcpProxy;
using testing::TempDir;
using testing::WaitUntil;

Timestamp T(const char* text) {
  return *Timestamp::Parse(text);
}

// The mirror works on a thread of its own: how long a test waits, at most, for what it does.
constexpr auto kMirrorWait = 60s;

// The source schema with the one zone the tests' bays are in, as the migration left it: the
// mirror writes bays, sensors and events, never zones.
Status CreateSchema(const PostgresTestSchema& schema) {
  VDPARK_ASSIGN_OR_RETURN(auto url, PostgresUrl::Parse(schema.url()));
  VDPARK_ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(url));
  VDPARK_RETURN_IF_ERROR(CreatePostgresSchema(*conn).status());
  VDPARK_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(schema.url()));
  Metadata m;
  Zone z;
  z.zone_id = "zone-001";
  z.name = "Marina Walk";
  z.total_bays = 50;
  m.zones.push_back(z);
  return store->WriteMetadata(m);
}

// The test schema's URL with the server's host:port replaced by the proxy's.
std::string ThroughProxy(const std::string& url, const TcpProxy& proxy) {
  size_t at = url.find('@');
  size_t slash = url.find('/', at);
  return url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(proxy.port()) + url.substr(slash);
}

// The server's host and port, from the test schema's URL.
std::pair<std::string, uint16_t> HostPort(const std::string& url) {
  size_t at = url.find('@');
  size_t slash = url.find('/', at);
  std::string authority = url.substr(at + 1, slash - at - 1);
  size_t colon = authority.rfind(':');
  return {authority.substr(0, colon),
          static_cast<uint16_t>(std::stoi(authority.substr(colon + 1)))};
}

struct Mirrored {
  std::vector<Bay> bays;
  std::vector<Sensor> sensors;
  std::vector<ParkingEvent> events;  // every row, by (bay, timestamp)
};

// What PostgreSQL holds now, read on a connection of its own (not through the proxy).
Mirrored ReadBack(const PostgresTestSchema& schema) {
  Mirrored out;
  auto store = PostgresStore::Open(schema.url());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  auto m = (*store)->ReadMetadata([](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; });
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (m.ok()) {
    out.bays = m->bays;
    out.sensors = m->sensors;
  }
  Status s = (*store)->ScanEvents(
      {},
      [&](ParkingEvent&& e, const Origin&) {
        out.events.push_back(std::move(e));
        return Status::OK();
      },
      [](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; });
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::sort(out.events.begin(), out.events.end(), [](const auto& a, const auto& b) {
    return std::tie(a.bay_number, a.timestamp) < std::tie(b.bay_number, b.timestamp);
  });
  return out;
}

const Bay* FindBay(const Mirrored& m, const std::string& bay) {
  for (const Bay& b : m.bays) {
    if (b.bay_number == bay) return &b;
  }
  return nullptr;
}

// Fast retries, so that a test does not wait for the production backoff.
PostgresMirrorOptions TestOptions() {
  PostgresMirrorOptions o;
  o.initial_backoff = 20ms;
  o.max_backoff = 200ms;
  return o;
}

std::unique_ptr<PostgresMirror> OpenMirror(const std::string& dir, const std::string& url,
                                           const PostgresMirrorOptions& options = TestOptions()) {
  auto m = PostgresMirror::Open(dir, url, options);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(*m) : nullptr;
}

bool Drained(const PostgresMirror& m, uint64_t mirrored) {
  return m.queue_depth() == 0 && m.metrics().mirrored.load() >= mirrored;
}

std::vector<std::pair<EventType, Timestamp>> EventsOf(const Mirrored& m, const std::string& bay) {
  std::vector<std::pair<EventType, Timestamp>> out;
  for (const ParkingEvent& e : m.events) {
    if (e.bay_number == bay) out.emplace_back(e.event_type, e.timestamp);
  }
  return out;
}

// vacant -> occupied -> vacant: the bay ends vacant with both events, whether the two changes go
// in one batch (the last of a key wins) or in two (the batches go in order).
class PostgresMirrorOrder : public ::testing::TestWithParam<size_t> {};

TEST_P(PostgresMirrorOrder, BayEndsInItsLastState) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  TempDir dir;
  PostgresMirrorOptions options = TestOptions();
  options.batch_size = GetParam();
  options.start = false;  // both queued before the first batch is read
  auto mirror = OpenMirror(dir / "queue", schema.url(), options);
  ASSERT_NE(mirror, nullptr);

  const Timestamp t1 = T("2026-11-20T06:00:00.000001Z"), t2 = T("2026-11-20T07:35:00.000001Z");
  ASSERT_TRUE(mirror->Enqueue(BayChange("A-001", BayStatus::kOccupied, t1)).ok());
  ASSERT_TRUE(mirror->Enqueue(BayChange("A-001", BayStatus::kVacant, t2, t1)).ok());
  EXPECT_EQ(mirror->queue_depth(), 2u);
  mirror->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(*mirror, 2); }, kMirrorWait)) << mirror->MetricsText();

  Mirrored got = ReadBack(schema);
  const Bay* bay = FindBay(got, "A-001");
  ASSERT_NE(bay, nullptr);
  EXPECT_EQ(bay->status, BayStatus::kVacant);
  EXPECT_EQ(bay->last_change, t2);
  EXPECT_FALSE(bay->occupied_since.has_value());
  EXPECT_EQ(bay->location, (GeoPoint{25.0805123456789, 55.1403}));
  ASSERT_EQ(got.events.size(), 2u);
  EXPECT_EQ(got.events[0].event_type, EventType::kArrive);
  EXPECT_EQ(got.events[0].timestamp, t1);
  EXPECT_EQ(got.events[1].event_type, EventType::kLeave);
  EXPECT_EQ(got.events[1].timestamp, t2);
  EXPECT_EQ(got.events[1].duration_minutes, 95);
  EXPECT_EQ(got.events[1].revenue->ToString(), "12.50");
  ASSERT_EQ(got.sensors.size(), 1u);
  EXPECT_EQ(got.sensors[0].sensor_id, "PSL01B-A-001");
  EXPECT_EQ(got.sensors[0].last_battery, 90);
  EXPECT_EQ(mirror->metrics().failures.load(), 0u);
  EXPECT_TRUE(mirror->Stop().ok());
}

INSTANTIATE_TEST_SUITE_P(BatchSizes, PostgresMirrorOrder, ::testing::Values(1, 500),
                         [](const auto& info) { return "Batch" + std::to_string(info.param); });

TEST(PostgresMirror, ReplayedChangeLeavesOneEventRow) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  TempDir dir;
  auto mirror = OpenMirror(dir / "queue", schema.url());
  ASSERT_NE(mirror, nullptr);

  const Timestamp t1 = T("2026-11-20T06:00:00Z");
  AppliedChange arrive = BayChange("A-001", BayStatus::kOccupied, t1);
  ASSERT_TRUE(mirror->Enqueue(arrive).ok());
  ASSERT_TRUE(WaitUntil([&] { return Drained(*mirror, 1); }, kMirrorWait)) << mirror->MetricsText();
  // Redelivered after it was mirrored (a batch of its own), then twice in one batch.
  ASSERT_TRUE(mirror->Enqueue(Replayed(arrive)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Drained(*mirror, 2); }, kMirrorWait)) << mirror->MetricsText();
  ASSERT_TRUE(mirror->Stop().ok());
  mirror.reset();  // the folder is one mirror's at a time
  mirror = OpenMirror(dir / "queue", schema.url(), [] {
    PostgresMirrorOptions o = TestOptions();
    o.start = false;
    return o;
  }());
  ASSERT_NE(mirror, nullptr);
  ASSERT_TRUE(mirror->Enqueue(Replayed(arrive)).ok());
  ASSERT_TRUE(mirror->Enqueue(Replayed(arrive)).ok());
  mirror->Start();
  ASSERT_TRUE(WaitUntil([&] { return Drained(*mirror, 2); }, kMirrorWait)) << mirror->MetricsText();

  Mirrored got = ReadBack(schema);
  ASSERT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.events[0].event_type, EventType::kArrive);
  EXPECT_EQ(got.events[0].timestamp, t1);
  ASSERT_EQ(got.bays.size(), 1u);
  EXPECT_EQ(got.bays[0].status, BayStatus::kOccupied);
  EXPECT_EQ(got.bays[0].occupied_since, t1);
}

TEST(PostgresMirror, ChangesWaitOutAnOutageAndArriveInOrder) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto [host, port] = HostPort(schema.url());
  auto proxy = TcpProxy::Start(host, port);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  TempDir dir;
  auto mirror = OpenMirror(dir / "queue", ThroughProxy(schema.url(), **proxy));
  ASSERT_NE(mirror, nullptr);

  const Timestamp t1 = T("2026-11-20T06:00:00Z"), t2 = T("2026-11-20T06:30:00Z"),
                  t3 = T("2026-11-20T07:00:00Z"), t4 = T("2026-11-20T07:10:00Z");
  ASSERT_TRUE(mirror->Enqueue(BayChange("A-001", BayStatus::kOccupied, t1)).ok());
  ASSERT_TRUE(WaitUntil([&] { return Drained(*mirror, 1); }, kMirrorWait)) << mirror->MetricsText();
  EXPECT_EQ(mirror->metrics().connected.load(), true);

  // The server goes away (the mirror's open connection is cut with it).
  (*proxy)->SetRefusing(true);
  std::vector<AppliedChange> during = {
      BayChange("A-001", BayStatus::kVacant, t2, t1),
      BayChange("A-002", BayStatus::kOccupied, t2),
      BayChange("A-001", BayStatus::kOccupied, t3),
      BayChange("A-002", BayStatus::kVacant, t4, t2),
  };
  auto began = std::chrono::steady_clock::now();
  for (const AppliedChange& c : during) ASSERT_TRUE(mirror->Enqueue(c).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s) << "Enqueue waited for PostgreSQL";
  ASSERT_TRUE(WaitUntil([&] { return mirror->metrics().failures.load() >= 3; }, kMirrorWait))
      << mirror->MetricsText();
  EXPECT_GT((*proxy)->refused(), 0u);
  EXPECT_EQ(mirror->metrics().mirrored.load(), 1u);
  EXPECT_EQ(mirror->queue_depth(), during.size());
  EXPECT_EQ(mirror->metrics().connected.load(), false);
  EXPECT_EQ(mirror->metrics().outages.load(), 1u);
  std::string text = mirror->MetricsText();
  EXPECT_NE(text.find("vdpark_mirror_queue_depth 4\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vdpark_mirror_up 0\n"), std::string::npos) << text;
  {
    Mirrored meanwhile = ReadBack(schema);  // nothing of the outage's changes yet
    EXPECT_EQ(meanwhile.events.size(), 1u);
    ASSERT_NE(FindBay(meanwhile, "A-001"), nullptr);
    EXPECT_EQ(FindBay(meanwhile, "A-001")->last_change, t1);
  }

  (*proxy)->SetRefusing(false);
  ASSERT_TRUE(WaitUntil([&] { return Drained(*mirror, 5); }, kMirrorWait)) << mirror->MetricsText();
  EXPECT_EQ(mirror->metrics().outages.load(), 1u);
  EXPECT_EQ(mirror->metrics().connected.load(), true);

  Mirrored got = ReadBack(schema);
  const Bay* a1 = FindBay(got, "A-001");
  const Bay* a2 = FindBay(got, "A-002");
  ASSERT_NE(a1, nullptr);
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(a1->status, BayStatus::kOccupied);  // arrive, leave, arrive
  EXPECT_EQ(a1->last_change, t3);
  EXPECT_EQ(a2->status, BayStatus::kVacant);  // arrive, leave
  EXPECT_EQ(a2->last_change, t4);
  using E = std::vector<std::pair<EventType, Timestamp>>;
  EXPECT_EQ(EventsOf(got, "A-001"),
            (E{{EventType::kArrive, t1}, {EventType::kLeave, t2}, {EventType::kArrive, t3}}));
  EXPECT_EQ(EventsOf(got, "A-002"), (E{{EventType::kArrive, t2}, {EventType::kLeave, t4}}));
  text = mirror->MetricsText();
  EXPECT_NE(text.find("vdpark_mirror_mirrored_total 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vdpark_mirror_queue_depth 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vdpark_mirror_lag_seconds 0\n"), std::string::npos) << text;
}

TEST(PostgresMirror, QueueOutlivesTheMirror) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  TempDir dir;
  const Timestamp t1 = T("2026-11-20T06:00:00Z"), t2 = T("2026-11-20T06:30:00Z");
  {
    // Its thread never runs: the changes are only on disk when it goes.
    PostgresMirrorOptions options = TestOptions();
    options.start = false;
    auto first = OpenMirror(dir / "queue", schema.url(), options);
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(first->Enqueue(BayChange("A-001", BayStatus::kOccupied, t1)).ok());
    ASSERT_TRUE(first->Enqueue(BayChange("A-001", BayStatus::kVacant, t2, t1)).ok());
    Status stopped = first->Stop(0ms);
    EXPECT_EQ(stopped.code(), Status::Code::kUnavailable) << stopped.ToString();
    EXPECT_EQ(first->queue_depth(), 2u);
  }
  EXPECT_TRUE(ReadBack(schema).events.empty());

  auto [host, port] = HostPort(schema.url());
  auto proxy = TcpProxy::Start(host, port);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  (*proxy)->SetRefusing(true);
  const Timestamp t3 = T("2026-11-20T07:00:00Z");
  {
    // Its thread runs but cannot reach the server; going away does not wait for it.
    auto second = OpenMirror(dir / "queue", ThroughProxy(schema.url(), **proxy));
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->queue_depth(), 2u);
    ASSERT_TRUE(second->Enqueue(BayChange("A-002", BayStatus::kOccupied, t3)).ok());
    ASSERT_TRUE(WaitUntil([&] { return second->metrics().failures.load() >= 2; }, kMirrorWait));
    auto began = std::chrono::steady_clock::now();
    Status stopped = second->Stop(100ms);
    EXPECT_LT(std::chrono::steady_clock::now() - began, 3s);
    EXPECT_EQ(stopped.code(), Status::Code::kUnavailable) << stopped.ToString();
    EXPECT_NE(stopped.message().find("3 changes"), std::string::npos) << stopped.ToString();
  }
  EXPECT_TRUE(ReadBack(schema).events.empty());

  auto third = OpenMirror(dir / "queue", schema.url());
  ASSERT_NE(third, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return Drained(*third, 3); }, kMirrorWait)) << third->MetricsText();
  Mirrored got = ReadBack(schema);
  using E = std::vector<std::pair<EventType, Timestamp>>;
  EXPECT_EQ(EventsOf(got, "A-001"), (E{{EventType::kArrive, t1}, {EventType::kLeave, t2}}));
  EXPECT_EQ(EventsOf(got, "A-002"), (E{{EventType::kArrive, t3}}));
  ASSERT_NE(FindBay(got, "A-001"), nullptr);
  EXPECT_EQ(FindBay(got, "A-001")->status, BayStatus::kVacant);
  EXPECT_TRUE(third->Stop().ok());
}

TEST(PostgresMirror, StopDrainsWhatIsQueued) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  TempDir dir;
  PostgresMirrorOptions options = TestOptions();
  options.batch_size = 7;
  options.start = false;
  auto mirror = OpenMirror(dir / "queue", schema.url(), options);
  ASSERT_NE(mirror, nullptr);
  Timestamp t = T("2026-11-20T06:00:00Z");
  constexpr int kBays = 40;
  for (int i = 0; i < kBays; ++i) {
    ASSERT_TRUE(
        mirror->Enqueue(BayChange("B-" + std::to_string(i), BayStatus::kOccupied, t + i)).ok());
  }
  AppliedChange nothing;  // a change with nothing in it is not queued
  ASSERT_TRUE(mirror->Enqueue(nothing).ok());
  EXPECT_EQ(mirror->queue_depth(), static_cast<uint64_t>(kBays));
  mirror->Start();
  Status stopped = mirror->Stop(20s);
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  EXPECT_EQ(mirror->queue_depth(), 0u);
  EXPECT_EQ(mirror->metrics().mirrored.load(), static_cast<uint64_t>(kBays));
  EXPECT_EQ(mirror->metrics().queued.load(), static_cast<uint64_t>(kBays));
  Mirrored got = ReadBack(schema);
  EXPECT_EQ(got.bays.size(), static_cast<size_t>(kBays));
  EXPECT_EQ(got.events.size(), static_cast<size_t>(kBays));
  EXPECT_EQ(got.sensors.size(), static_cast<size_t>(kBays));
}

TEST(PostgresMirror, SinkQueuesWhatTheIngestorCommits) {
  TempDir dir;
  PostgresMirrorOptions options = TestOptions();
  options.start = false;  // no server needed: only the queue is looked at
  auto mirror = OpenMirror(dir / "queue", "postgres://u@127.0.0.1:1/db", options);
  ASSERT_NE(mirror, nullptr);
  ChangeSink sink = mirror->Sink();
  sink(BayChange("A-001", BayStatus::kOccupied, T("2026-11-20T06:00:00Z")));
  sink(Replayed(BayChange("A-001", BayStatus::kOccupied, T("2026-11-20T06:00:00Z"))));
  EXPECT_EQ(mirror->queue_depth(), 2u);
  EXPECT_EQ(mirror->metrics().queued.load(), 2u);
  std::string text = mirror->MetricsText();
  for (const char* name : {"vdpark_mirror_queued_total 2\n", "vdpark_mirror_mirrored_total 0\n",
                           "vdpark_mirror_failures_total 0\n", "vdpark_mirror_queue_depth 2\n",
                           "vdpark_mirror_lag_seconds ", "vdpark_mirror_up 0\n",
                           "# TYPE vdpark_mirror_lag_seconds gauge\n"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name << " in\n" << text;
  }
}

TEST(PostgresMirror, OpenRefusesAUrlThatIsNotPostgres) {
  TempDir dir;
  auto m = PostgresMirror::Open(dir / "queue", "mysql://u@h:1/db");
  EXPECT_TRUE(m.status().IsInvalidArgument()) << m.status().ToString();
}

}  // namespace
}  // namespace vdpark
