// The full rollback of plan §9: the data goes back from the target system (embedded, DynamoDB) into
// PostgreSQL, into a fresh schema made by the store's own schema code, and verify finds no
// difference between the two.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "dynalite.h"
#include "generate/generator.h"
#include "migrate/migrate.h"
#include "parking_fixture.h"
#include "postgres.h"
#include "store/dynamodb/dynamodb_item_store.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "store/postgres/postgres_schema.h"
#include "store/postgres/postgres_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"
#include "verify/verify.h"

namespace vdpark {
namespace {

using testing::PostgresTestSchema;

Status CreateSchema(const PostgresTestSchema& schema) {
  VDPARK_ASSIGN_OR_RETURN(auto url, PostgresUrl::Parse(schema.url()));
  VDPARK_ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(url));
  return CreatePostgresSchema(*conn).status();
}

GenerateOptions SmallFleet() {
  GenerateOptions g;
  g.zones = 3;
  g.bays_per_zone_min = 4;
  g.bays_per_zone_max = 8;
  g.days = 4;
  return g;
}

// Migrates `from` into a fresh PostgreSQL schema, then verifies `from` against it.
void RollBackAndVerify(RecordStore& from, uint64_t events, const PostgresTestSchema& schema,
                       const testing::TempDir& tmp) {
  ASSERT_TRUE(CreateSchema(schema).ok());
  auto pg = PostgresStore::Open(schema.url());
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  MigrateOptions mo;
  mo.retention_days = 0;
  mo.show_progress = false;
  mo.on_reject = [](Rejected r) { ADD_FAILURE() << r.where << ": " << r.reason; };
  auto migrated = Migrate(from, **pg, mo);
  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  EXPECT_EQ(migrated->events_written, events);
  EXPECT_EQ(migrated->rejected, 0u);

  VerifyOptions vo;
  vo.retention_days = 0;
  vo.scratch_dir = tmp / "scratch";
  auto report = Verify(from, **pg, vo);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->total_differences << " differences, first: "
                            << (report->differences.empty() ? std::string()
                                                            : report->differences[0].entity + " " +
                                                                  report->differences[0].kind +
                                                                  " " + report->differences[0].key);
  EXPECT_EQ(report->total_differences, 0u);
  EXPECT_EQ(report->events.compared, events);
  EXPECT_EQ(report->events.target, events);
  EXPECT_GT(report->zones.compared, 0u);
  EXPECT_GT(report->bays.compared, 0u);
  EXPECT_GT(report->sensors.compared, 0u);
  EXPECT_EQ(report->rejected, 0u);
}

TEST(PostgresRollbackTest, EmbeddedToPostgresVerifiesWithNoDifference) {
  VDPARK_REQUIRE_POSTGRES(schema);
  testing::TempDir tmp;
  StoreOptions so;
  so.retention_days = 0;
  auto embedded = OpenStore("embedded:" + tmp / "store", so);
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  auto generated = Generate(SmallFleet(), **embedded);
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  ASSERT_TRUE((*embedded)->Flush().ok());
  ASSERT_GT(generated->events, 100u);
  RollBackAndVerify(**embedded, generated->events, schema, tmp);
}

TEST(PostgresRollbackTest, DynamoDbToPostgresVerifiesWithNoDifference) {
  VDPARK_REQUIRE_POSTGRES(schema);
  VDPARK_REQUIRE_DYNALITE(endpoint);
  testing::TempDir tmp;
  auto client = DynamoDbClient::Create(testing::DynaliteClientOptions(endpoint));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  const std::string table = testing::UniqueTableName("rollback");
  TableAdminOptions admin;
  admin.poll_interval = std::chrono::milliseconds(20);
  auto created = CreateTable(**client, table, admin);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  DynamoDbStoreOptions options;
  options.table = table;
  options.batch.base_backoff = std::chrono::milliseconds(1);
  auto items = DynamoDbItemStore::Open(std::move(*client), std::move(options));
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  DynamoDbItemStore* raw = items->get();
  SingleTableStore dynamo(std::move(*items), "dynamodb://" + table, MapperOptions{0}, nullptr);

  auto generated = Generate(SmallFleet(), dynamo);
  ASSERT_TRUE(generated.ok()) << generated.status().ToString();
  ASSERT_TRUE(dynamo.Flush().ok());
  ASSERT_GT(generated->events, 100u);
  RollBackAndVerify(dynamo, generated->events, schema, tmp);

  Status dropped = DeleteTable(raw->client(), table);
  EXPECT_TRUE(dropped.ok()) << dropped.ToString();
}

// A PostgreSQL store whose event stream leaves out one event: its SQL counts then disagree with it.
class DroppingOneEvent : public RecordStore {
 public:
  explicit DroppingOneEvent(RecordStore& inner) : inner_(inner) {}
  std::string DisplayName() const override { return inner_.DisplayName(); }
  Result<Metadata> ReadMetadata(const RejectFn& rejects) override {
    return inner_.ReadMetadata(rejects);
  }
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override {
    bool dropped = false;
    return inner_.ScanEvents(
        options,
        [&](ParkingEvent&& e, const Origin& origin) {
          if (!dropped && e.timestamp == *Timestamp::Parse("2026-11-21T08:00:00.123456Z")) {
            dropped = true;
            return Status::OK();
          }
          return visit(std::move(e), origin);
        },
        rejects);
  }
  bool EventsInKeyOrder() const override { return inner_.EventsInKeyOrder(); }
  Result<std::optional<ZoneDayCounts>> CountEventsPerZoneDay(
      const EventScanOptions& options) override {
    return inner_.CountEventsPerZoneDay(options);
  }
  Status WriteMetadata(const Metadata& m) override { return inner_.WriteMetadata(m); }
  Status WriteEvents(std::span<const ParkingEvent> events) override {
    return inner_.WriteEvents(events);
  }
  Status Flush() override { return inner_.Flush(); }

 private:
  RecordStore& inner_;
};

size_t CountDifferences(const VerifyReport& r, const std::string& entity, const std::string& kind) {
  return static_cast<size_t>(
      std::count_if(r.differences.begin(), r.differences.end(),
                    [&](const Difference& d) { return d.entity == entity && d.kind == kind; }));
}

TEST(PostgresVerifyTest, ZoneDayCountsFromSqlAreCheckedAgainstTheStream) {
  VDPARK_REQUIRE_POSTGRES(schema);
  ASSERT_TRUE(CreateSchema(schema).ok());
  testing::TempDir tmp;
  testing::WriteFixture(tmp, "export");
  auto csv = OpenStore("csv:" + tmp / "export");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  auto pg = PostgresStore::Open(schema.url());
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  MigrateOptions mo;
  mo.retention_days = 0;
  mo.show_progress = false;
  ASSERT_TRUE(Migrate(**csv, **pg, mo).ok());

  // The SQL counts: distinct keys per zone and UTC day, since honoured.
  auto sql = (*pg)->CountEventsPerZoneDay({});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  ASSERT_TRUE(sql->has_value());
  ZoneDayCounts expected = {{{"zone-001", "2026-11-20"}, 5},
                            {{"zone-001", "2026-11-21"}, 2},
                            {{"zone-002", "2026-11-20"}, 3}};
  EXPECT_EQ(**sql, expected);
  auto since =
      (*pg)->CountEventsPerZoneDay({*Timestamp::Parse("2026-11-21T00:00:00Z"), std::nullopt});
  ASSERT_TRUE(since.ok() && since->has_value());
  EXPECT_EQ(**since, (ZoneDayCounts{{{"zone-001", "2026-11-21"}, 2}}));
  // A duplicate row counts once.
  ASSERT_TRUE(schema
                  .Exec("INSERT INTO parking_events SELECT * FROM parking_events WHERE bay_number "
                        "= 'A-003' AND event_type = 'ARRIVE'")
                  .ok());
  auto dup = (*pg)->CountEventsPerZoneDay({});
  ASSERT_TRUE(dup.ok() && dup->has_value());
  EXPECT_EQ(**dup, expected);

  VerifyOptions vo;
  vo.retention_days = 0;
  vo.scratch_dir = tmp / "scratch";
  auto clean = Verify(**csv, **pg, vo);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_TRUE(clean->ok()) << clean->total_differences;
  EXPECT_EQ(clean->sql_zone_days, 3u);  // the target's three zone-days (csv has no SQL)
  EXPECT_EQ(clean->events.compared, 10u);

  // One more row, inserted straight with SQL: an extra event, and its zone-day's count differs;
  // the SQL still agrees with the stream it came from.
  ASSERT_TRUE(schema
                  .Exec("INSERT INTO parking_events (zone_id, bay_number, event_type, "
                        "\"timestamp\", detection_mode) VALUES ('zone-001', 'A-002', 'ARRIVE', "
                        "'2026-11-20 13:00:00+04', 'dual')")
                  .ok());
  auto extra = Verify(**csv, **pg, vo);
  ASSERT_TRUE(extra.ok()) << extra.status().ToString();
  EXPECT_EQ(extra->events.extra, 1u);
  EXPECT_EQ(extra->total_differences, 2u);
  EXPECT_EQ(CountDifferences(*extra, "event", "extra"), 1u);
  EXPECT_EQ(CountDifferences(*extra, "zone-day", "count"), 1u);
  EXPECT_EQ(CountDifferences(*extra, "zone-day", "sql-count"), 0u);
  ASSERT_EQ(extra->zone_day_mismatches.size(), 1u);
  EXPECT_EQ(extra->zone_day_mismatches[0].zone_id, "zone-001");
  EXPECT_EQ(extra->zone_day_mismatches[0].day, "2026-11-20");
  EXPECT_EQ(extra->zone_day_mismatches[0].target, 6u);
  EXPECT_EQ(extra->sql_zone_days, 3u);

  // A stream that loses an event disagrees with its own SQL: a "sql-count" difference.
  DroppingOneEvent lossy(**pg);
  auto lost = Verify(**csv, lossy, vo);
  ASSERT_TRUE(lost.ok()) << lost.status().ToString();
  EXPECT_EQ(CountDifferences(*lost, "zone-day", "sql-count"), 1u);
  auto it = std::find_if(lost->differences.begin(), lost->differences.end(),
                         [](const Difference& d) { return d.kind == "sql-count"; });
  ASSERT_NE(it, lost->differences.end());
  EXPECT_EQ(it->key, "zone-001 2026-11-21");
  EXPECT_EQ(it->detail, "target SQL counts 2 events, its stream 1");
}

}  // namespace
}  // namespace vdpark
