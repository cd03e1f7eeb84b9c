// vdpark archive against s3rver: the events older than the cutoff copied from a live store into
// an s3:// archive, each once however often it runs, and kept there after the live store has let
// them expire.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli_run.h"
#include "s3rver.h"
#include "store/open_store.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::TempDir;
using testing::U;
using testing::Vdpark;

const Timestamp kEnd = *Timestamp::Parse("2026-11-01T00:00:00Z");

using EventKeys = std::multiset<std::string>;

EventKeys KeysOf(const std::string& url, std::optional<Timestamp> before = std::nullopt) {
  EventKeys keys;
  auto store = OpenStore(url);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return keys;
  Status s = (*store)->ScanEvents(
      {},
      [&](ParkingEvent&& e, const Origin&) {
        if (!before || e.timestamp < *before) {
          keys.insert(e.zone_id + "/" + e.bay_number + "/" + e.timestamp.ToIso());
        }
        return Status::OK();
      },
      {});
  EXPECT_TRUE(s.ok()) << s.ToString();
  return keys;
}

// --older-than in hours that puts the cutoff about `days_before_end` days before kEnd.
std::string OlderThan(int days_before_end) {
  const int64_t micros = Timestamp::Now() - (kEnd + -days_before_end * kMicrosPerDay);
  return std::to_string(micros / kMicrosPerHour) + "h";
}

// Copies the csv export at `from` to `to` without the events of `day` ("2026-10-20"): a live
// store whose TTL has taken that day.
void CopyWithoutDay(const std::string& from, const std::string& to, const std::string& day) {
  std::filesystem::create_directories(to);
  for (const char* f : {"zones.csv", "bays.csv", "sensors.csv"}) {
    std::filesystem::copy_file(from + "/" + f, to + "/" + f);
  }
  std::ifstream in(from + "/events.csv");
  std::ofstream out(to + "/events.csv");
  std::string line;
  std::getline(in, line);
  out << line << '\n';
  while (std::getline(in, line)) {
    // The time column is psql's local text (+04): parsed, for its UTC day.
    std::istringstream row(line);
    std::string zone, bay, type, ts;
    std::getline(row, zone, ',');
    std::getline(row, bay, ',');
    std::getline(row, type, ',');
    std::getline(row, ts, ',');
    auto t = Timestamp::Parse(ts);
    ASSERT_TRUE(t.ok()) << line;
    if (t->DayIso() != day) out << line << '\n';
  }
}

TEST(ArchiveTest, OlderEventsAreArchivedOnceAndOutliveTheLiveStore) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  TempDir tmp;
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:live --end 2026-11-01T00:00:00Z --days 12 --zones 2 "
                      "--json");
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string bucket = testing::UniqueBucketName("archive");
  const std::string target = "s3://" + bucket + "/history/?endpoint=" + endpoint;
  auto archive = [&](const std::string& store, int days_before_end) {
    CliRun run = Vdpark(tmp, "archive --store csv:" + store + " --target '" + target +
                                 "' --older-than " + OlderThan(days_before_end) + " --json");
    EXPECT_EQ(run.code, 0) << run.out << run.err;
    return run;
  };

  CliRun first = archive("live", 6);
  auto report = Json(first.out);
  const Timestamp before = *Timestamp::Parse(std::string(report.at("before").as_string()));
  const EventKeys expected = KeysOf("csv:" + tmp / "live", before);
  ASSERT_GT(expected.size(), 100u);
  EXPECT_EQ(U(report.at("events")), expected.size());
  EXPECT_EQ(KeysOf(target), expected) << "every older event, and only those";

  CliRun again = archive("live", 6);
  EXPECT_EQ(KeysOf(target), expected) << "a second run leaves one copy of each";

  // The live store lets its oldest day expire; the archive keeps it, and takes the next days.
  const std::string oldest = report.at("days").as_object().begin()->key();
  CopyWithoutDay(tmp / "live", tmp / "expired", oldest);
  CliRun later = archive("expired", 3);
  const Timestamp before_later =
      *Timestamp::Parse(std::string(Json(later.out).at("before").as_string()));
  const EventKeys now_expected = KeysOf("csv:" + tmp / "live", before_later);
  ASSERT_GT(now_expected.size(), expected.size());
  EXPECT_EQ(KeysOf(target), now_expected) << "the expired day is still there, once";
}

}  // namespace
}  // namespace vdpark
