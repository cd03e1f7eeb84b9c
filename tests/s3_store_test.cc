// The s3:// store against s3rver (tests/s3rver.h): the §8.1 backup made, verified and restored
// (csv -> s3 -> postgres, verify with 0 differences both ways), a damaged object caught by its
// SHA-256 and named, a migrate killed mid-upload resumed with every event once, multipart uploads
// of large days, and writing the same events twice leaving each once.
#include "store/s3/s3_store.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cli_run.h"
#include "postgres.h"
#include "s3rver.h"
#include "store/csv/csv_store.h"
#include "store/s3/gzip.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_url.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::ReadFile;
using testing::S3rverClientOptions;
using testing::StartAndKill;
using testing::TempDir;
using testing::U;
using testing::UniqueBucketName;
using testing::Vdpark;

std::string S3Target(const std::string& endpoint, const std::string& bucket,
                     const std::string& prefix) {
  return "'s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint + "'";
}

// verify's --json: the number of differences over the four kinds (and that events were compared).
uint64_t Differences(const CliRun& verify, uint64_t events) {
  auto v = Json(verify.out);
  uint64_t diffs = 0;
  for (const char* kind : {"zones", "bays", "sensors", "events"}) {
    if (!v.contains(kind)) {
      ADD_FAILURE() << "no " << kind << " in " << verify.out << verify.err;
      return 1;
    }
    const auto& k = v.at(kind).as_object();
    diffs += U(k.at("missing")) + U(k.at("extra")) + U(k.at("different"));
  }
  EXPECT_EQ(U(v.at("events").as_object().at("compared")), events) << verify.out;
  return diffs;
}

Result<std::unique_ptr<S3Store>> OpenS3(const std::string& endpoint, const std::string& bucket,
                                        const std::string& prefix, size_t part_size = 8 << 20,
                                        bool truncate = false) {
  S3ClientOptions o = S3rverClientOptions(endpoint);
  o.part_size = part_size;
  VDPARK_ASSIGN_OR_RETURN(auto client, S3Client::Create(o));
  VDPARK_ASSIGN_OR_RETURN(S3Url url, ParseS3Url("s3://" + bucket + "/" + prefix));
  StoreOptions so;
  so.truncate = truncate;
  return S3Store::Open(std::move(url), std::move(client), so);
}

TEST(S3StoreTest, BackupVerifiedAndRestoredCsvToS3ToPostgres) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  VDPARK_REQUIRE_POSTGRES(schema);
  TempDir tmp;
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:export --end 2026-11-01T00:00:00Z --json "
                      "--zones 5 --days 4");
  ASSERT_EQ(gen.code, 0) << gen.err;
  const uint64_t events = U(Json(gen.out).at("events"));
  const std::string bucket = UniqueBucketName("backup");
  const std::string s3 = S3Target(endpoint, bucket, "timescale");
  const std::string pg = "'" + schema.url() + "'";

  CliRun backup = Vdpark(tmp, "migrate --source csv:export --target " + s3 + " --retention-days 0");
  ASSERT_EQ(backup.code, 0) << backup.out << backup.err;
  CliRun checked =
      Vdpark(tmp, "verify --source csv:export --target " + s3 + " --retention-days 0 --json");
  EXPECT_EQ(checked.code, 0) << checked.out << checked.err;
  EXPECT_EQ(Differences(checked, events), 0u);
  // audit reads the backup as it reads the export: the same counts, nothing unreadable.
  CliRun audit_backup = Vdpark(tmp, "audit --source " + s3 + " --json");
  CliRun audit_export = Vdpark(tmp, "audit --source csv:export --json");
  ASSERT_EQ(audit_backup.code, 0) << audit_backup.out << audit_backup.err;
  ASSERT_EQ(audit_export.code, 0) << audit_export.err;
  for (const char* field : {"zones", "bays", "sensors", "events", "arrivals", "eventsPerZone",
                            "firstEvent", "lastEvent", "duplicateKeys", "rejected"}) {
    EXPECT_EQ(Json(audit_backup.out).at(field), Json(audit_export.out).at(field)) << field;
  }
  EXPECT_EQ(U(Json(audit_backup.out).at("events")), events);

  // The objects and the manifest: one object per UTC day, 4 days of history.
  auto store = OpenS3(endpoint, bucket, "timescale/");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const S3Manifest& m = (*store)->manifest();
  EXPECT_EQ(m.source, "csv:export");
  EXPECT_FALSE(m.vdpark_version.empty());
  EXPECT_EQ(m.EventRows(), events);
  EXPECT_TRUE(m.files.contains("zones.csv.gz"));
  EXPECT_TRUE(m.files.contains("bays.csv.gz"));
  EXPECT_TRUE(m.files.contains("sensors.csv.gz"));
  EXPECT_TRUE(m.files.contains("events/2026-10-30.csv.gz"));
  size_t days = 0;
  for (const auto& [key, f] : m.files) {
    if (key.starts_with("events/")) ++days;
    EXPECT_LT(f.bytes, f.csv_bytes) << key << " is compressed";
  }
  EXPECT_EQ(days, 4u);
  ASSERT_TRUE(m.TimeRange().has_value());
  EXPECT_TRUE(m.TimeRange()->first.starts_with("2026-10-28")) << m.TimeRange()->first;

  // Restored into an empty schema, and verified against the backup and the original.
  ASSERT_EQ(Vdpark(tmp, "schema create --target " + pg).code, 0);
  CliRun restore =
      Vdpark(tmp, "migrate --source " + s3 + " --target " + pg + " --retention-days 0");
  ASSERT_EQ(restore.code, 0) << restore.out << restore.err;
  CliRun against_backup =
      Vdpark(tmp, "verify --source " + s3 + " --target " + pg + " --retention-days 0 --json");
  EXPECT_EQ(against_backup.code, 0) << against_backup.out << against_backup.err;
  EXPECT_EQ(Differences(against_backup, events), 0u);
  CliRun back =
      Vdpark(tmp, "verify --source " + pg + " --target " + s3 + " --retention-days 0 --json");
  EXPECT_EQ(back.code, 0) << back.out << back.err;
  EXPECT_EQ(Differences(back, events), 0u);
}

TEST(S3StoreTest, AnObjectWithOneByteChangedIsCaughtByItsHashAndNamed) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  TempDir tmp;
  ASSERT_EQ(
      Vdpark(tmp, "generate --out csv:export --end 2026-11-01T00:00:00Z --zones 3 --days 2").code,
      0);
  const std::string bucket = UniqueBucketName("corrupt");
  const std::string s3 = S3Target(endpoint, bucket, "archive");
  ASSERT_EQ(Vdpark(tmp, "migrate --source csv:export --target " + s3 + " --retention-days 0").code,
            0);

  // One byte of one day's object changed, through the client, as a damaged copy would be.
  auto client = S3Client::Create(S3rverClientOptions(endpoint));
  ASSERT_TRUE(client.ok());
  const std::string key = "archive/events/2026-10-31.csv.gz";
  Result<std::string> bytes = (*client)->GetObject(bucket, key);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  std::string damaged = *bytes;
  damaged[damaged.size() / 2] ^= 0x01;
  ASSERT_TRUE((*client)->PutObject(bucket, key, damaged).ok());

  auto store = OpenS3(endpoint, bucket, "archive/");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  uint64_t seen = 0;
  Status scanned = (*store)->ScanEvents(
      {},
      [&](ParkingEvent&&, const Origin&) {
        ++seen;
        return Status::OK();
      },
      nullptr);
  ASSERT_EQ(scanned.code(), Status::Code::kCorruption) << scanned.ToString();
  EXPECT_NE(scanned.message().find("s3://" + bucket + "/" + key), std::string::npos)
      << scanned.message();
  EXPECT_NE(scanned.message().find("SHA-256"), std::string::npos);

  CliRun verify = Vdpark(tmp, "verify --source csv:export --target " + s3 + " --retention-days 0");
  EXPECT_NE(verify.code, 0);
  EXPECT_NE(verify.err.find("events/2026-10-31.csv.gz"), std::string::npos)
      << verify.out << verify.err;

  // The metadata objects are checked as well.
  ASSERT_TRUE((*client)->PutObject(bucket, key, *bytes).ok());  // the day repaired
  Result<std::string> zones = (*client)->GetObject(bucket, "archive/zones.csv.gz");
  ASSERT_TRUE(zones.ok());
  std::string z = *zones;
  z.back() ^= 0x20;
  ASSERT_TRUE((*client)->PutObject(bucket, "archive/zones.csv.gz", z).ok());
  auto again = OpenS3(endpoint, bucket, "archive/");
  ASSERT_TRUE(again.ok());
  Result<Metadata> metadata = (*again)->ReadMetadata(nullptr);
  ASSERT_EQ(metadata.status().code(), Status::Code::kCorruption) << metadata.status().ToString();
  EXPECT_NE(metadata.status().message().find("zones.csv.gz"), std::string::npos);
}

// The events of the csv folder `dir`, in file order, and its metadata.
void ReadCsv(const std::string& dir, Metadata* metadata, std::vector<ParkingEvent>* events) {
  auto csv = CsvStore::Open(dir);
  ASSERT_TRUE(csv.ok());
  auto m = (*csv)->ReadMetadata(nullptr);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  *metadata = std::move(*m);
  ASSERT_TRUE((*csv)
                  ->ScanEvents(
                      {},
                      [&](ParkingEvent&& e, const Origin&) {
                        events->push_back(std::move(e));
                        return Status::OK();
                      },
                      nullptr)
                  .ok());
}

uint64_t ScanCount(S3Store& store) {
  uint64_t n = 0;
  Status s = store.ScanEvents(
      {},
      [&](ParkingEvent&&, const Origin&) {
        ++n;
        return Status::OK();
      },
      nullptr);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return n;
}

TEST(S3StoreTest, LargeDaysGoAsMultipartUploadsAndWritingTwiceLeavesEachEventOnce) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  TempDir tmp;
  ASSERT_EQ(
      Vdpark(tmp, "generate --out csv:export --end 2026-11-01T00:00:00Z --zones 4 --days 3").code,
      0);
  Metadata metadata;
  std::vector<ParkingEvent> events;
  ReadCsv(tmp / "export", &metadata, &events);
  ASSERT_GT(events.size(), 3000u);
  const std::string bucket = UniqueBucketName("multipart");

  {
    auto store = OpenS3(endpoint, bucket, "p/", /*part_size=*/16 * 1024);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->WriteMetadata(metadata).ok());
    // In three batches with a flush after each: a day is rewritten whole with what it held.
    const size_t third = events.size() / 3;
    for (size_t from = 0; from < events.size(); from += third) {
      const size_t n = std::min(third, events.size() - from);
      ASSERT_TRUE((*store)->WriteEvents(std::span(events).subspan(from, n)).ok());
      ASSERT_TRUE((*store)->Flush().ok());
    }
    EXPECT_GT((*store)->client().stats().multipart_uploads.load(), 0u);
  }
  {
    auto store = OpenS3(endpoint, bucket, "p/");
    ASSERT_TRUE(store.ok());
    auto count = (*store)->CountEvents(std::nullopt);
    ASSERT_TRUE(count.ok() && count->has_value());
    EXPECT_EQ(**count, events.size());
    EXPECT_EQ(ScanCount(**store), events.size());
    // Again, all of it, through a store opened anew: still once each.
    ASSERT_TRUE((*store)->WriteEvents(events).ok());
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto store = OpenS3(endpoint, bucket, "p/");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->manifest().EventRows(), events.size());
  EXPECT_EQ(ScanCount(**store), events.size());
  auto read = (*store)->ReadMetadata(nullptr);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->zones.size(), metadata.zones.size());
  EXPECT_EQ(read->bays.size(), metadata.bays.size());
  EXPECT_EQ(read->sensors.size(), metadata.sensors.size());

  // --overwrite's truncate empties the prefix.
  auto emptied = OpenS3(endpoint, bucket, "p/", 8 << 20, /*truncate=*/true);
  ASSERT_TRUE(emptied.ok());
  ASSERT_TRUE((*emptied)->Flush().ok());
  auto empty = OpenS3(endpoint, bucket, "p/");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->manifest().EventRows(), 0u);
  EXPECT_EQ(ScanCount(**empty), 0u);
}

// migrate csv -> s3 killed with SIGKILL right after start, mid-load and near the end (each kill
// lands while days are being uploaded: uploads are most of such a load's time), then run to the
// end: every event once, verify finds no difference.
TEST(S3StoreTest, MigrateKilledMidUploadResumesWithEveryEventOnce) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  TempDir tmp;
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:export --end 2026-11-01T00:00:00Z --json "
                      "--zones 8 --days 20");
  ASSERT_EQ(gen.code, 0) << gen.err;
  const uint64_t events = U(Json(gen.out).at("events"));
  const std::string bucket = UniqueBucketName("resume");
  const std::string target = "s3://" + bucket + "/archive?endpoint=" + endpoint;
  const std::vector<std::string> args = {"migrate",
                                         "--source",
                                         "csv:export",
                                         "--target",
                                         target,
                                         "--retention-days",
                                         "0",
                                         "--checkpoint-every",
                                         std::to_string(std::max<uint64_t>(events / 40, 1000)),
                                         "--batch-size",
                                         "1024"};
  const std::string checkpoints = tmp / ".vdpark-migrate";
  auto checkpointed = [&]() -> uint64_t {
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(checkpoints, ec)) {
      if (f.path().extension() != ".json") continue;
      auto j = Json(ReadFile(f.path().string()));
      if (j.contains("eventsLoaded")) return U(j.at("eventsLoaded"));
    }
    return 0;
  };
  std::mt19937 rng(20261206);
  auto ms = [&](int lo, int hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  EXPECT_TRUE(StartAndKill(
      tmp.path(), args, [] { return true; }, ms(5, 150)));
  for (double share : {0.45, 0.85}) {
    const uint64_t at = static_cast<uint64_t>(events * share);
    EXPECT_TRUE(StartAndKill(
        tmp.path(), args, [&] { return checkpointed() >= at; }, ms(0, 40)))
        << share;
  }
  std::string command = "migrate";
  for (size_t i = 1; i < args.size(); ++i) command += " '" + args[i] + "'";
  CliRun last = Vdpark(tmp, command);
  ASSERT_EQ(last.code, 0) << last.out << last.err;
  EXPECT_NE(last.out.find("resumed from checkpoint: "), std::string::npos) << last.out;

  CliRun verify =
      Vdpark(tmp, "verify --source csv:export --target '" + target + "' --retention-days 0 --json");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_EQ(Differences(verify, events), 0u);
  auto store = OpenS3(endpoint, bucket, "archive/");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->manifest().EventRows(), events);
  EXPECT_EQ(ScanCount(**store), events);
}

}  // namespace
}  // namespace vdpark
