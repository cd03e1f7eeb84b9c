#include "store/csv/csv_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vdpark {
namespace {

namespace fs = std::filesystem;

Timestamp T(std::string_view text) {
  auto t = Timestamp::Parse(text);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : Timestamp();
}

Decimal D(std::string_view text) {
  auto d = Decimal::Parse(text);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : Decimal();
}

// The small fixture: every kind of value that needs care in CSV (commas and quotes in JSON,
// commas and newlines in text, the empty string next to NULL, fractions of a second).
Metadata FixtureMetadata() {
  Metadata m;
  Zone z1;
  z1.zone_id = "zone-001";
  z1.name = "Dubai Mall";
  z1.address = "Financial Centre Rd, Downtown";
  z1.city = "Dubai";
  z1.total_bays = 120;
  z1.location = GeoPoint{25.1972, 55.2796};
  z1.price_per_hour = D("12.50");
  z1.operating_hours = OperatingHours{8 * 60, 22 * 60};
  z1.tenant_id = "tenant-a";
  z1.created_at = T("2026-01-12 23:59:43.123456+04");
  Zone z2;
  z2.zone_id = "zone-002";
  z2.name = "The \"Marina\" Lot";
  z2.address = "Line 1\nLine 2";
  z2.city = "";
  z2.price_per_hour = D("5");
  z2.operating_hours = OperatingHours{0, 23 * 60 + 59};
  z2.created_at = T("2025-12-31T00:00:00Z");
  m.zones = {z1, z2};

  Bay b1;
  b1.zone_id = "zone-001";
  b1.bay_number = "A-001";
  b1.sensor_id = "PSL01B-001";
  b1.status = BayStatus::kOccupied;
  b1.last_change = T("2026-01-12 19:59:43.1+00");
  b1.occupied_since = b1.last_change;
  b1.bay_type = "standard";
  b1.location = GeoPoint{25.19721, 55.27961};
  Bay b2;
  b2.zone_id = "zone-001";
  b2.bay_number = "A-002";
  m.bays = {b1, b2};

  Sensor s1;
  s1.sensor_id = "PSL01B-001";
  s1.model = "PSL01B";
  s1.firmware_version = "1.2.3";
  s1.install_date = T("2025-06-01 08:00:00+00");
  s1.zone_id = "zone-001";
  s1.bay_number = "A-001";
  s1.status = "active";
  s1.last_battery = 95;
  s1.last_signal = -72;
  Sensor s2;
  s2.sensor_id = "PSL01B-999";
  m.sensors = {s1, s2};
  return m;
}

std::vector<ParkingEvent> FixtureEvents() {
  ParkingEvent arrive;
  arrive.zone_id = "zone-001";
  arrive.bay_number = "A-001";
  arrive.event_type = EventType::kArrive;
  arrive.timestamp = T("2026-01-12 19:59:43.1+00");
  arrive.detection_mode = "dual";
  ParkingEvent leave = arrive;
  leave.event_type = EventType::kLeave;
  leave.timestamp = T("2026-01-12T21:15:00Z");
  leave.duration_minutes = 75;
  leave.revenue = D("15.63");
  return {arrive, leave};
}

// What psql `\copy (SELECT ...) TO ... WITH CSV HEADER` writes for the fixture, TimeZone UTC.
constexpr std::string_view kZonesCsv =
    "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
    "created_at\n"
    "zone-001,Dubai Mall,\"Financial Centre Rd, Downtown\",Dubai,120,55.2796,25.1972,12.50,"
    "\"{\"\"open\"\": \"\"08:00\"\", \"\"close\"\": \"\"22:00\"\"}\",tenant-a,"
    "2026-01-12 19:59:43.123456+00\n"
    "zone-002,\"The \"\"Marina\"\" Lot\",\"Line 1\nLine 2\",\"\",,,,5,"
    "\"{\"\"open\"\": \"\"00:00\"\", \"\"close\"\": \"\"23:59\"\"}\",,2025-12-31 00:00:00+00\n";
constexpr std::string_view kBaysCsv =
    "zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat\n"
    "zone-001,A-001,PSL01B-001,occupied,2026-01-12 19:59:43.1+00,2026-01-12 19:59:43.1+00,"
    "standard,55.27961,25.19721\n"
    "zone-001,A-002,,unknown,,,,,\n";
constexpr std::string_view kEventsCsv =
    "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
    "zone-001,A-001,ARRIVE,2026-01-12 19:59:43.1+00,,,dual\n"
    "zone-001,A-001,LEAVE,2026-01-12 21:15:00+00,75,15.63,dual\n";
constexpr std::string_view kSensorsCsv =
    "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,last_battery,"
    "last_signal\n"
    "PSL01B-001,PSL01B,1.2.3,2025-06-01 08:00:00+00,zone-001,A-001,active,95,-72\n"
    "PSL01B-999,,,,,,,,\n";

class CsvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() /
            ("vdpark_csv_store_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<CsvStore> OpenStore(StoreOptions options = {}) {
    auto s = CsvStore::Open(dir_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  void Write(std::string_view file, std::string_view text) {
    std::ofstream(fs::path(dir_) / file, std::ios::binary) << text;
  }
  std::string Slurp(std::string_view file) {
    std::ifstream in(fs::path(dir_) / file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void WriteFixtureFiles() {
    Write("zones.csv", kZonesCsv);
    Write("bays.csv", kBaysCsv);
    Write("events.csv", kEventsCsv);
    Write("sensors.csv", kSensorsCsv);
  }

  struct Scan {
    Status status;
    std::vector<ParkingEvent> events;
    std::vector<uint64_t> lines;
    std::vector<Rejected> rejects;
  };
  Scan ScanAll(CsvStore& store, std::optional<Timestamp> since = std::nullopt) {
    Scan scan;
    EventScanOptions options;
    options.since = since;
    scan.status = store.ScanEvents(
        options,
        [&](ParkingEvent&& e, const Origin& origin) {
          EXPECT_EQ(origin.source, "events.csv");
          scan.events.push_back(std::move(e));
          scan.lines.push_back(origin.line);
          return Status::OK();
        },
        [&](Rejected r) { scan.rejects.push_back(std::move(r)); });
    return scan;
  }

  std::string dir_;
};

TEST_F(CsvStoreTest, WritesExactlyWhatPsqlWrites) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->DisplayName(), "csv:" + dir_);
  ASSERT_TRUE(store->WriteMetadata(FixtureMetadata()).ok());
  auto events = FixtureEvents();
  ASSERT_TRUE(store->WriteEvents(events).ok());
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(Slurp("zones.csv"), kZonesCsv);
  EXPECT_EQ(Slurp("bays.csv"), kBaysCsv);
  EXPECT_EQ(Slurp("events.csv"), kEventsCsv);
  EXPECT_EQ(Slurp("sensors.csv"), kSensorsCsv);
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "zones.csv.tmp"));
}

TEST_F(CsvStoreTest, ReadsPsqlFilesIntoTheOriginalRecords) {
  WriteFixtureFiles();
  auto store = OpenStore();
  ASSERT_TRUE(store);
  std::vector<Rejected> rejects;
  auto m = store->ReadMetadata([&](Rejected r) { rejects.push_back(std::move(r)); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(rejects.empty());
  Metadata want = FixtureMetadata();
  EXPECT_EQ(m->zones, want.zones);
  EXPECT_EQ(m->bays, want.bays);
  EXPECT_EQ(m->sensors, want.sensors);
  EXPECT_EQ(m->zones[0].price_per_hour->ToString(), "12.50");  // the scale survives
  EXPECT_EQ(m->zones[1].city, std::optional<std::string>(""));
  EXPECT_EQ(m->zones[1].tenant_id, std::nullopt);
  Scan scan = ScanAll(*store);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_EQ(scan.events, FixtureEvents());
  EXPECT_EQ(scan.lines, (std::vector<uint64_t>{2, 3}));
}

TEST_F(CsvStoreTest, RoundTripDropsOnlyWhatTheExportCannotHold) {
  Metadata m = FixtureMetadata();
  m.zones[0].occupied_bays = 1;
  m.bays[0].last_heartbeat = T("2026-01-12T20:00:00Z");
  m.sensors[0].last_seen = T("2026-01-12T20:00:00Z");
  auto events = FixtureEvents();
  events[0].sensor_id = "PSL01B-001";
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->WriteMetadata(m).ok());
    ASSERT_TRUE(store->WriteEvents(events).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  auto store = OpenStore();
  auto read = store->ReadMetadata(nullptr);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->zones, FixtureMetadata().zones);
  EXPECT_EQ(read->bays, FixtureMetadata().bays);
  EXPECT_EQ(read->sensors, FixtureMetadata().sensors);
  Scan scan = ScanAll(*store);
  EXPECT_EQ(scan.events, FixtureEvents());
}

TEST_F(CsvStoreTest, ColumnsAreFoundByNameInAnyOrderAndExtrasIgnored) {
  WriteFixtureFiles();
  Write("bays.csv",
        "lat,lng,note,bay_type,occupied_since,last_change,status,sensor_id,bay_number,zone_id\n"
        "25.19721,55.27961,\"x, y\",standard,2026-01-12 19:59:43.1+00,"
        "2026-01-12 19:59:43.1+00,occupied,PSL01B-001,A-001,zone-001\n"
        ",,,,,,,,A-002,zone-001\n");
  auto store = OpenStore();
  auto m = store->ReadMetadata(nullptr);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->bays, FixtureMetadata().bays);
}

TEST_F(CsvStoreTest, MissingColumnNamesFileAndColumn) {
  WriteFixtureFiles();
  Write("zones.csv",
        "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,created_at\n");
  auto m = OpenStore()->ReadMetadata(nullptr);
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsInvalidArgument());
  EXPECT_EQ(m.status().message(), "zones.csv: missing column 'tenant_id'");
}

TEST_F(CsvStoreTest, MissingFilesAreNotFoundNamingTheFile) {
  WriteFixtureFiles();
  fs::remove(fs::path(dir_) / "sensors.csv");
  fs::remove(fs::path(dir_) / "events.csv");
  auto store = OpenStore();
  auto m = store->ReadMetadata(nullptr);
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.status().IsNotFound());
  EXPECT_NE(m.status().message().find("sensors.csv"), std::string::npos);
  Scan scan = ScanAll(*store);
  EXPECT_TRUE(scan.status.IsNotFound());
  EXPECT_NE(scan.status.message().find("events.csv"), std::string::npos);
}

TEST_F(CsvStoreTest, MissingFolderIsCreatedOrNotFound) {
  std::string sub = dir_ + "/sub/dir";
  StoreOptions no_create;
  no_create.create_if_missing = false;
  auto s = CsvStore::Open(sub, no_create);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsNotFound());
  ASSERT_TRUE(CsvStore::Open(sub).ok());
  EXPECT_TRUE(fs::is_directory(sub));
}

TEST_F(CsvStoreTest, BadRowsAreRejectedWithPlaceAndReasonAndTheRestLoads) {
  Write("zones.csv",
        "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
        "created_at\n"
        "zone-001,A,,,10,,,1.00,,t,\n"                            // 2 ok
        "zone-002,B,,,ten,,,,,t,\n"                               // 3 bad integer
        ",C,,,1,,,,,t,\n"                                         // 4 NULL key
        "zone-003,D,,,1,55.1,,,,t,\n"                             // 5 one of lng/lat
        "zone-004,E,,,1,,,,\"{\"\"open\"\": \"\"8am\"\"}\",t,\n"  // 6 bad operating_hours
        "zone-001,dup,,,1,,,,,t,\n"                               // 7 duplicate key
        "zone-005,F,,,1,,,,,t\n"                                  // 8 ten fields
        "zone-006,\"multi\nline\",,,1,,,abc,,t,\n"                // 9-10 bad price
        "zone-007,G,,,1,,,,,t,2026-01-01\n");                     // 11 ok
  Write("bays.csv",
        "zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat\n"
        "zone-001,A-001,S1,occupied,2026-01-12 19:59:43+00,,std,,\n"  // 2 ok
        "zone-001,A-002,,broken,,,,,\n"                               // 3 unknown status
        "zone-001,A-003,,vacant,2026-13-01,,,,\n"                     // 4 bad timestamp
        "zone-999,A-001,,vacant,,,,,\n"                               // 5 unknown zone
        "zone-002,A-001,,vacant,,,,,\n"                               // 6 zone was rejected
        "zone-001,,,vacant,,,,,\n"                                    // 7 NULL bay_number
        "\n"                                                          // 8 blank: skipped
        "zone-001,A-004,,,,,,,\n"                                     // 9 ok, NULL status
        "zone-001,A-001,S1,vacant,,,,,\n");                           // 10 duplicate key
  Write("sensors.csv",
        "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,last_battery,"
        "last_signal\n"
        "S1,PSL01B,1.0,,zone-001,A-001,active,95,-72\n"  // 2 ok
        "S2,PSL01B,1.0,,zone-999,A-001,active,95,-72\n"  // 3 unknown zone
        "S3,,,,,,,,\n"                                   // 4 ok
        "S4,,,,,,,high,\n");                             // 5 bad integer
  auto store = OpenStore();
  std::vector<Rejected> rejects;
  auto m = store->ReadMetadata([&](Rejected r) { rejects.push_back(std::move(r)); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->zones.size(), 2u);
  EXPECT_EQ(m->zones[0].zone_id, "zone-001");
  EXPECT_EQ(m->zones[0].name, "A");
  EXPECT_EQ(m->zones[1].zone_id, "zone-007");
  ASSERT_EQ(m->bays.size(), 2u);
  EXPECT_EQ(m->bays[1].bay_number, "A-004");
  EXPECT_EQ(m->bays[1].status, BayStatus::kUnknown);
  ASSERT_EQ(m->sensors.size(), 2u);
  EXPECT_EQ(m->sensors[1].sensor_id, "S3");

  std::vector<std::string> wheres;
  for (const Rejected& r : rejects) wheres.push_back(r.where);
  EXPECT_EQ(wheres,
            (std::vector<std::string>{"zones.csv:3", "zones.csv:4", "zones.csv:5", "zones.csv:6",
                                      "zones.csv:7", "zones.csv:8", "zones.csv:9", "bays.csv:3",
                                      "bays.csv:4", "bays.csv:5", "bays.csv:6", "bays.csv:7",
                                      "bays.csv:10", "sensors.csv:3", "sensors.csv:5"}));
  ASSERT_EQ(rejects.size(), 15u);
  EXPECT_EQ(rejects[0].reason, "column 'total_bays': bad integer 'ten'");
  EXPECT_EQ(rejects[0].raw, "zone-002,B,,,ten,,,,,t,");
  EXPECT_EQ(rejects[1].reason, "column 'zone_id': NULL in a key column");
  EXPECT_EQ(rejects[2].reason, "column 'lat': NULL while 'lng' is set");
  EXPECT_NE(rejects[3].reason.find("column 'operating_hours': bad operating_hours"),
            std::string::npos);
  EXPECT_EQ(rejects[4].reason, "duplicate zone_id, first on line 2");
  EXPECT_EQ(rejects[5].reason, "expected 11 fields as in the header, found 10");
  EXPECT_EQ(rejects[6].raw, "zone-006,\"multi\nline\",,,1,,,abc,,t,");
  EXPECT_NE(rejects[6].reason.find("column 'price_per_hour': bad number 'abc'"), std::string::npos);
  EXPECT_EQ(rejects[7].reason,
            "column 'status': unknown bay status 'broken' (expected occupied, vacant or unknown)");
  EXPECT_EQ(rejects[8].reason,
            "column 'last_change': bad timestamp '2026-13-01': month out of range");
  EXPECT_EQ(rejects[8].raw, "zone-001,A-003,,vacant,2026-13-01,,,,");
  EXPECT_EQ(rejects[9].reason, "column 'zone_id': zone 'zone-999' is not in zones.csv");
  EXPECT_EQ(rejects[10].reason, "column 'zone_id': zone 'zone-002' is not in zones.csv");
  EXPECT_EQ(rejects[11].reason, "column 'bay_number': NULL in a key column");
  EXPECT_EQ(rejects[12].reason, "duplicate zone_id and bay_number, first on line 2");
  EXPECT_EQ(rejects[13].reason, "column 'zone_id': zone 'zone-999' is not in zones.csv");
  EXPECT_EQ(rejects[14].reason, "column 'last_battery': bad integer 'high'");
}

TEST_F(CsvStoreTest, ANulByteOrAnOverLongFieldCostsOnlyItsOwnRow) {
  // 100 KB: within a record's 1 MiB (csv_tables.h; longer is a broken record), over a field's.
  const std::string huge(100 << 10, 'x');
  std::string nul_name = "Mar";
  nul_name += '\0';
  nul_name += "ina";
  Write("zones.csv",
        "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
        "created_at\n"
        "zone-001,A,,,10,,,1.00,,t,\n"  // 2 ok
        "zone-002," +
            nul_name +
            ",,,1,,,,,t,\n"  // 3 NUL in name
            "zone-003,C,\"" +
            huge +
            "\",,1,,,,,t,\n"                                 // 4 100 KB address
            "zone-004,D,,,1,,,,,t,0001-01-01 00:00:00+00\n"  // 5 created_at out of range
            "zone-005,E,,,1,,,,,t,\n");                      // 6 ok
  Write("bays.csv",
        "zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat\n");
  Write("sensors.csv",
        "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,last_battery,"
        "last_signal\n"
        "S1,PSL01B,1.0,,zone-001,A-001,active,95,-72\n"  // 2 ok
        "S2," +
            std::string(2000, 'm') +
            ",1.0,,zone-001,A-002,,,\n"                                 // 3 model over 1024
            "S3,PSL01B,1.0,0000-01-01 00:00:00+05,zone-001,A-003,,,\n"  // 4 install_date
            "S" +
            std::string(200, '4') +
            ",PSL01B,1.0,,zone-001,A-004,,,\n"      // 5 sensor_id too long
            "S5,PSL01B,1.0,,zone-001,A-005,,,\n");  // 6 ok
  std::string events =
      "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
      "zone-001,A-001,ARRIVE,2026-01-12 10:00:00+00,,,dual\n"  // 2 ok
      "zone-001,A-001,LEAVE,2026-01-12 11:00:00+00,60,5,\"" +
      std::string(4096, 'm') + "\"\n";  // 3 mode over 32 bytes
  events += "zone-001,A-001,ARRIVE,2026-01-12 12:00:00+00,,,du";
  events += '\0';
  events += "al\n";                                                     // 4 NUL in mode
  events += "zone-001,A-001,LEAVE,2026-01-12 13:00:00+00,60,5,dual\n";  // 5 ok
  Write("events.csv", events);

  auto store = OpenStore();
  std::vector<Rejected> rejects;
  auto m = store->ReadMetadata([&](Rejected r) { rejects.push_back(std::move(r)); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->zones.size(), 2u);
  EXPECT_EQ(m->zones[1].zone_id, "zone-005");
  ASSERT_EQ(m->sensors.size(), 2u);
  EXPECT_EQ(m->sensors[1].sensor_id, "S5");
  std::vector<std::string> wheres;
  for (const Rejected& r : rejects) wheres.push_back(r.where);
  EXPECT_EQ(wheres, (std::vector<std::string>{"zones.csv:3", "zones.csv:4", "zones.csv:5",
                                              "sensors.csv:3", "sensors.csv:4", "sensors.csv:5"}));
  ASSERT_EQ(rejects.size(), 6u);
  auto expect_reason = [&](size_t i, std::string_view begins) {
    EXPECT_TRUE(rejects[i].reason.starts_with(begins)) << rejects[i].reason;
  };
  expect_reason(0, "column 'name': a NUL byte");
  expect_reason(1, "column 'address': 102400 bytes, over the limit of 1024");
  expect_reason(2,
                "column 'created_at': bad timestamp '0001-01-01 00:00:00+00': outside the range");
  expect_reason(3, "column 'model': 2000 bytes, over the limit of 1024");
  expect_reason(4, "column 'install_date': bad timestamp");
  expect_reason(5, "column 'sensor_id': 201 bytes, over the limit of 128");

  Scan scan = ScanAll(*store);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_EQ(scan.lines, (std::vector<uint64_t>{2, 5}));
  ASSERT_EQ(scan.rejects.size(), 2u);
  EXPECT_EQ(scan.rejects[0].where, "events.csv:3");
  EXPECT_TRUE(scan.rejects[0].reason.starts_with(
      "column 'detection_mode': 4096 bytes, over the limit of 32"))
      << scan.rejects[0].reason;
  EXPECT_EQ(scan.rejects[1].where, "events.csv:4");
  EXPECT_TRUE(scan.rejects[1].reason.starts_with("column 'detection_mode': a NUL byte"))
      << scan.rejects[1].reason;
}

TEST_F(CsvStoreTest, WritesRefuseARecordItsReaderWouldReject) {
  auto store = OpenStore();
  Metadata m = FixtureMetadata();
  m.sensors[0].install_date = Timestamp::FromMicros(-62200000000000LL * 1000);
  Status s = store->WriteMetadata(m);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("installDate"), std::string::npos) << s.ToString();
  std::vector<ParkingEvent> events = FixtureEvents();
  events[1].detection_mode = std::string(100, 'm');
  s = store->WriteEvents(events);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("detectionMode"), std::string::npos) << s.ToString();
  ASSERT_TRUE(store->Flush().ok());
  // Nothing of either call was written, and what is there reads without a reject.
  std::vector<Rejected> rejects;
  auto read = store->ReadMetadata([&](Rejected r) { rejects.push_back(std::move(r)); });
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->sensors.empty());
  Scan scan = ScanAll(*store);
  EXPECT_TRUE(scan.events.empty());
  EXPECT_TRUE(scan.rejects.empty());
  EXPECT_TRUE(rejects.empty());
}

TEST_F(CsvStoreTest, EventsStreamWithSinceAndRejectOnlyWhatDoesNotParse) {
  WriteFixtureFiles();
  Write("events.csv",
        "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
        "zone-001,A-001,ARRIVE,2026-01-10 10:00:00+00,,,dual\n"                 // 2 before since
        "zone-001,A-001,LEAVE,2026-01-12 10:00:00+04,30,5.00,\"dual\nmode\"\n"  // 3-4
        "zone-001,A-001,PARK,2026-01-12 11:00:00+00,,,dual\n"                   // 5 bad type
        "zone-001,A-001,ARRIVE,,,,dual\n"                                       // 6 NULL timestamp
        "zone-009,B-001,ARRIVE,2026-01-13 00:00:00+00,,,radar\n"  // 7 zone not checked
        "zone-001,A-001,LEAVE,2026-01-13 01:00:00+00,x,,dual\n"   // 8 bad duration
        "zone-001,A-001,ARRIVE,2026-01-09 10:00:00+00,x,,dual\n"  // 9 before since
        "zone-001,A-001,,2026-01-14 10:00:00+00,,,dual\n");       // 10 NULL event_type
  auto store = OpenStore();
  Scan since = ScanAll(*store, T("2026-01-11T00:00:00Z"));
  ASSERT_TRUE(since.status.ok()) << since.status.ToString();
  ASSERT_EQ(since.events.size(), 2u);
  EXPECT_EQ(since.lines, (std::vector<uint64_t>{3, 7}));
  EXPECT_EQ(since.events[0].timestamp, T("2026-01-12T06:00:00Z"));
  EXPECT_EQ(since.events[0].detection_mode, "dual\nmode");
  EXPECT_EQ(since.events[0].revenue->ToString(), "5.00");
  EXPECT_EQ(since.events[1].zone_id, "zone-009");
  ASSERT_EQ(since.rejects.size(), 4u);
  EXPECT_EQ(since.rejects[0].where, "events.csv:5");
  EXPECT_EQ(since.rejects[0].reason,
            "column 'event_type': unknown event type 'PARK' (expected ARRIVE or LEAVE)");
  EXPECT_EQ(since.rejects[1].where, "events.csv:6");
  EXPECT_EQ(since.rejects[1].reason, "column 'timestamp': NULL in a key column");
  EXPECT_EQ(since.rejects[2].where, "events.csv:8");
  EXPECT_EQ(since.rejects[2].reason, "column 'duration_minutes': bad integer 'x'");
  EXPECT_EQ(since.rejects[3].where, "events.csv:10");
  EXPECT_EQ(since.rejects[3].reason, "column 'event_type': NULL (expected ARRIVE or LEAVE)");

  Scan all = ScanAll(*store);
  EXPECT_EQ(all.lines, (std::vector<uint64_t>{2, 3, 7}));
  EXPECT_EQ(all.rejects.size(), 5u);
}

TEST_F(CsvStoreTest, EstimatesTheEventCount) {
  auto store = OpenStore();
  EXPECT_EQ(store->EstimateEventCount(), std::nullopt);  // no events.csv yet
  auto events = FixtureEvents();
  ASSERT_TRUE(store->WriteEvents(events).ok());
  EXPECT_EQ(store->EstimateEventCount(), std::optional<uint64_t>(2));
  std::vector<ParkingEvent> many(60000, events[1]);
  ASSERT_TRUE(store->WriteEvents(many).ok());
  auto estimate = store->EstimateEventCount();
  ASSERT_TRUE(estimate.has_value());
  EXPECT_NEAR(static_cast<double>(*estimate), 60002.0, 600.0);
}

TEST_F(CsvStoreTest, VisitorErrorStopsTheScan) {
  WriteFixtureFiles();
  auto store = OpenStore();
  int seen = 0;
  Status s = store->ScanEvents(
      {},
      [&](ParkingEvent&&, const Origin&) {
        ++seen;
        return Status::Aborted("enough");
      },
      nullptr);
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(seen, 1);
}

TEST_F(CsvStoreTest, AppendsWithoutASecondHeaderAndTruncateStartsFresh) {
  auto events = FixtureEvents();
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->WriteEvents(std::span(events).first(1)).ok());
    // Unflushed events are visible to a scan through the same store.
    EXPECT_EQ(ScanAll(*store).events.size(), 1u);
    ASSERT_TRUE(store->Flush().ok());
  }
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->WriteEvents(std::span(events).subspan(1)).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  EXPECT_EQ(Slurp("events.csv"), kEventsCsv);
  // Flush left the folder readable: the metadata files exist with their headers.
  EXPECT_EQ(Slurp("sensors.csv"),
            "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,"
            "last_battery,last_signal\n");
  {
    StoreOptions truncate;
    truncate.truncate = true;
    auto store = OpenStore(truncate);
    ASSERT_TRUE(store->WriteEvents(std::span(events).subspan(1)).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  EXPECT_EQ(Slurp("events.csv"),
            "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
            "zone-001,A-001,LEAVE,2026-01-12 21:15:00+00,75,15.63,dual\n");
}

TEST_F(CsvStoreTest, AppendAfterATornLastLineKeepsTheNewRowsWhole) {
  WriteFixtureFiles();
  Write("events.csv",
        "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
        "zone-001,A-001,ARR");
  auto events = FixtureEvents();
  auto store = OpenStore();
  ASSERT_TRUE(store->WriteEvents(events).ok());
  ASSERT_TRUE(store->Flush().ok());
  Scan scan = ScanAll(*store);
  EXPECT_EQ(scan.events, events);
  EXPECT_EQ(scan.lines, (std::vector<uint64_t>{3, 4}));
  ASSERT_EQ(scan.rejects.size(), 1u);
  EXPECT_EQ(scan.rejects[0].where, "events.csv:2");
}

TEST_F(CsvStoreTest, AppendRefusesAFileWithAnotherHeader) {
  Write("events.csv",
        "bay_number,zone_id,event_type,timestamp,duration_minutes,revenue,detection_mode\n");
  auto store = OpenStore();
  Status s = store->WriteEvents(FixtureEvents());
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST_F(CsvStoreTest, EventTimestampsAreWrittenAsTimestampToPsql) {
  // Every fraction length, whole seconds, midnight, leap days, and before 1970.
  std::vector<ParkingEvent> events;
  int64_t us = T("1969-12-31T23:59:59.999999Z").micros();
  for (int i = 0; i < 2000; ++i) {
    events.push_back({.zone_id = "z", .bay_number = "b", .timestamp = Timestamp::FromMicros(us)});
    us += 1 + int64_t{7919} * 1000003 * (i % 97) + (i % 3 == 0 ? 0 : i * 10);
  }
  events.back().timestamp = T("2024-02-29T00:00:00Z");
  auto store = OpenStore();
  ASSERT_TRUE(store->WriteEvents(events).ok());
  ASSERT_TRUE(store->Flush().ok());
  std::istringstream lines(Slurp("events.csv"));
  std::string line;
  std::getline(lines, line);  // the header
  for (const ParkingEvent& e : events) {
    ASSERT_TRUE(std::getline(lines, line));
    EXPECT_EQ(line, "z,b,ARRIVE," + e.timestamp.ToPsql() + ",,,");
  }
  EXPECT_EQ(ScanAll(*store).events, events);
}

TEST_F(CsvStoreTest, LaterMetadataWritesInsertOrReplaceByKey) {
  Metadata m = FixtureMetadata();
  auto store = OpenStore();
  Metadata first;
  first.zones = {m.zones[1]};
  ASSERT_TRUE(store->WriteMetadata(first).ok());
  Metadata second;
  Zone renamed = m.zones[1];
  renamed.name = "Renamed";
  second.zones = {renamed, m.zones[0]};
  second.bays = m.bays;
  ASSERT_TRUE(store->WriteMetadata(second).ok());
  ASSERT_TRUE(store->Flush().ok());
  auto read = store->ReadMetadata(nullptr);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->zones.size(), 2u);
  EXPECT_EQ(read->zones[0], m.zones[0]);
  EXPECT_EQ(read->zones[1].name, "Renamed");
  EXPECT_EQ(read->bays, m.bays);
  EXPECT_TRUE(read->sensors.empty());
}

// A stray quote in any of the four files costs its own row, and no other: the lines it would
// have swallowed are read as the rows they are (csv_format.h, "Broken records").
TEST_F(CsvStoreTest, AStrayQuoteInAnyFileCostsOnlyItsOwnRow) {
  Write("zones.csv",
        "zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,tenant_id,"
        "created_at\n"
        "zone-001,A,,,10,,,1.00,,t,\n"            // 2 ok
        "zone-002,\"B,,,1,,,,,t,\n"               // 3 a quote that does not close
        "zone-003,C,,,1,,,,,t,\n"                 // 4 ok: a row, not part of a name
        "zone-004,D,\"multi\nline\",,1,,,,,t,\n"  // 5-6 ok: an address over two lines
        "zone-005,E,,,1,,,,,t,\"2026-01-01\n");   // 7 still open at the end of the file
  Write("bays.csv",
        "zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat\n"
        "zone-001,A-001,S1,occupied,,,std,,\n"  // 2 ok
        "zone-001,A-002,,vacant,,,\"std,,\n"    // 3 a quote that does not close
        "zone-001,A-003,,vacant,,,std,,\n"      // 4 ok
        "zone-001,A-004,,vacant,,,std,,\"\n");  // 5 still open at the end of the file
  Write("sensors.csv",
        "sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,last_battery,"
        "last_signal\n"
        "S1,PSL01B,1.0,,zone-001,A-001,active,95,-72\n"    // 2 ok
        "S2,\"PSL01B,1.0,,zone-001,A-002,active,95,-72\n"  // 3 opens a quote ...
        "S3,PSL01B,1.0,,zone-001,A-003,active,95,-72\n"    // 4 ok
        "S4,PSL01B\",1.0,,zone-001,A-004,active,95,-72\n"  // 5 ... that this one closes (and
                                                           // opens another)
        "S5,PSL01B,1.0,,zone-001,A-004,active,95,-72\n");  // 6 ok
  Write("events.csv",
        "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode\n"
        "zone-001,A-001,ARRIVE,2026-01-12 10:00:00+00,,,\"dual\n"  // 2 a quote that does not close
        "zone-001,A-001,LEAVE,2026-01-12 11:00:00+00,60,5.00,dual\n"  // 3 ok
        "zone-001,A-001,ARRIVE,2026-01-12 12:00:00+00,,,\"dual\n");   // 4 open at the end
  auto store = OpenStore();
  std::vector<Rejected> rejects;
  auto m = store->ReadMetadata([&](Rejected r) { rejects.push_back(std::move(r)); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::vector<std::string> zones, bays, sensors;
  for (const Zone& z : m->zones) zones.push_back(z.zone_id);
  for (const Bay& b : m->bays) bays.push_back(b.bay_number);
  for (const Sensor& x : m->sensors) sensors.push_back(x.sensor_id);
  EXPECT_EQ(zones, (std::vector<std::string>{"zone-001", "zone-003", "zone-004"}));
  EXPECT_EQ(m->zones[2].address, "multi\nline");
  EXPECT_EQ(bays, (std::vector<std::string>{"A-001", "A-003"}));
  EXPECT_EQ(sensors, (std::vector<std::string>{"S1", "S3", "S5"}));

  Scan scan = ScanAll(*store);
  ASSERT_TRUE(scan.status.ok()) << scan.status.ToString();
  EXPECT_EQ(scan.lines, (std::vector<uint64_t>{3}));
  rejects.insert(rejects.end(), scan.rejects.begin(), scan.rejects.end());

  std::vector<std::string> wheres;
  for (const Rejected& r : rejects) wheres.push_back(r.where);
  EXPECT_EQ(wheres, (std::vector<std::string>{"zones.csv:3", "zones.csv:7", "bays.csv:3",
                                              "bays.csv:5", "sensors.csv:3", "sensors.csv:5",
                                              "events.csv:2", "events.csv:4"}));
  ASSERT_EQ(rejects.size(), 8u);
  EXPECT_EQ(rejects[0].reason,
            "a quote opened on this line runs on over line 4, which reads as a row of its own (a "
            "stray quote?)");
  EXPECT_EQ(rejects[0].raw, "zone-002,\"B,,,1,,,,,t,");
  EXPECT_EQ(rejects[1].reason,
            "unterminated quoted field: a quote opened on this line is still open at the end of "
            "the file");
  EXPECT_EQ(rejects[1].raw, "zone-005,E,,,1,,,,,t,\"2026-01-01");
  EXPECT_NE(rejects[4].reason.find("runs on over line 4"), std::string::npos);
  EXPECT_NE(rejects[5].reason.find("runs on over line 6"), std::string::npos);
  EXPECT_NE(rejects[6].reason.find("runs on over line 3"), std::string::npos);
  EXPECT_NE(rejects[7].reason.find("unterminated quoted field"), std::string::npos);
  EXPECT_EQ(store->EstimateEventCount(), std::optional<uint64_t>(3));
}

TEST_F(CsvStoreTest, FilesWithRowsNamesTheFilesHoldingData) {
  auto files = CsvStore::FilesWithRows(dir_);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_TRUE(files->empty());  // nothing there
  Write("zones.csv", "");
  Write("bays.csv", "zone_id,bay_number\n");
  Write("sensors.csv", "sensor_id\n\n\n");
  Write("events.csv", "zone_id,bay_number,event_type,timestamp\r\n");
  files = CsvStore::FilesWithRows(dir_);
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty()) << files->size();  // empty, headers, blank lines: no data
  Write("events.csv", "zone_id,bay_number\nzone-001,A-001\n");
  Write("zones.csv", "\"not csv at all\n");
  files = CsvStore::FilesWithRows(dir_);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<std::string>{"zones.csv", "events.csv"}));
  Write("events.csv", "zone_id,bay_number\n\"torn");
  files = CsvStore::FilesWithRows(dir_);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<std::string>{"zones.csv", "events.csv"}));
}

}  // namespace
}  // namespace vdpark
