// The dual-write mirror of plan §4.3 into TimescaleDB as customers run it: ingest's changes land
// once in a hypertable whose chunks are compressed, a late one inside a compressed chunk too,
// and a redelivered change changes nothing (issue 11).
#include <gtest/gtest.h>

#include <chrono>

#include "ingest/postgres_mirror.h"
#include "mirror_changes.h"
#include "record_test_support.h"
#include "store/postgres/postgres_store.h"
#include "test_dirs.h"
#include "timescaledb.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using namespace std::chrono_literals;
using testing::BayChange;
using testing::Replayed;
using testing::TempDir;
using testing::WaitUntil;

bool Drained(const PostgresMirror& m, uint64_t mirrored) {
  return WaitUntil([&] { return m.queue_depth() == 0 && m.metrics().mirrored.load() >= mirrored; },
                   120s, 20ms);
}

TEST(TimescaleDbMirrorTest, ChangesLandOnceInAHypertableWithCompressedChunks) {
  VDPARK_REQUIRE_TIMESCALEDB(db);
  // The zone as the migration left it, and eight days of another bay's history, compressed but
  // for the newest day.
  {
    auto store = PostgresStore::Open(db.url());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Metadata m;
    Zone z;
    z.zone_id = "zone-001";
    z.total_bays = 10;
    m.zones.push_back(z);
    RECORD_ASSERT_OK((*store)->WriteMetadata(m));
    std::vector<ParkingEvent> history;
    for (int i = 0; i < 8 * 48; ++i) {
      ParkingEvent e;
      e.zone_id = "zone-001";
      e.bay_number = "Z-009";
      e.event_type = i % 2 ? EventType::kLeave : EventType::kArrive;
      e.timestamp = *Timestamp::Parse("2026-11-12T00:00:00Z") + int64_t{i} * 30 * kMicrosPerMinute;
      history.push_back(e);
    }
    RECORD_ASSERT_OK((*store)->WriteEvents(history));
  }
  RECORD_ASSERT_OK(db.Compress("1 day"));
  ASSERT_GE(db.Number("SELECT count(*) FROM timescaledb_information.chunks WHERE "
                      "hypertable_name = 'parking_events' AND is_compressed"),
            6);

  TempDir dir;
  PostgresMirrorOptions options;
  options.initial_backoff = 20ms;
  options.max_backoff = 200ms;
  {
    auto mirror = PostgresMirror::Open(dir / "queue", db.url(), options);
    ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
    // A stay inside a compressed chunk's range (a late message), then one in the newest day.
    const Timestamp late = *Timestamp::Parse("2026-11-14T08:00:00Z");
    const Timestamp now = *Timestamp::Parse("2026-11-19T22:00:00Z");
    const AppliedChange leave =
        BayChange("A-001", BayStatus::kVacant, late + 90 * kMicrosPerMinute, late);
    RECORD_ASSERT_OK((*mirror)->Enqueue(BayChange("A-001", BayStatus::kOccupied, late)));
    RECORD_ASSERT_OK((*mirror)->Enqueue(leave));
    RECORD_ASSERT_OK((*mirror)->Enqueue(BayChange("A-002", BayStatus::kOccupied, now)));
    ASSERT_TRUE(Drained(**mirror, 3)) << (*mirror)->MetricsText();
    RECORD_ASSERT_OK((*mirror)->Enqueue(Replayed(leave)));  // the last change, redelivered
    ASSERT_TRUE(Drained(**mirror, 4)) << (*mirror)->MetricsText();
    RECORD_ASSERT_OK((*mirror)->Stop());
  }  // its connection closed: the server serves one client at a time

  EXPECT_EQ(db.Number("SELECT count(*) FROM parking_events WHERE bay_number = 'A-001'"), 2);
  EXPECT_EQ(db.Number("SELECT count(*) FROM parking_events WHERE bay_number = 'A-002'"), 1);
  EXPECT_EQ(db.Number("SELECT count(*) FROM parking_events WHERE bay_number = 'Z-009'"), 8 * 48);
  EXPECT_EQ(db.Number("SELECT count(*) FROM parking_bays WHERE zone_id = 'zone-001' AND "
                      "bay_number = 'A-001' AND status = 'vacant'"),
            1);
}

}  // namespace
}  // namespace vdpark
