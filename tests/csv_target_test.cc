// A csv export is never doubled and a bad row never stops a load (issue 11, points 4 and 5), as a
// user meets it through `vdpark migrate` and `vdpark verify`: a csv target that holds data is
// refused unless the load resumes or replaces it, a store is never migrated into itself, verify
// counts a doubled csv side's duplicate keys as differences, and a stray quote in a csv source
// costs one rejected row.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_run.h"
#include "parking_fixture.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::ReadFile;
using testing::TempDir;
using testing::U;
using testing::Vdpark;

// The data rows of a csv file (lines after the header; the fixture has no quoted line breaks in
// events.csv).
size_t DataRows(const std::string& path) {
  std::string text = ReadFile(path);
  size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  return lines == 0 ? 0 : lines - 1;
}

// The fixture's zones, bays and sensors with `n` events on its five bays, one a minute from
// 2026-11-20 00:00 UTC, each key distinct (rows 2 to n + 1 of events.csv).
void WriteExport(const TempDir& tmp, const std::string& dir, int n) {
  static const char* const kBays[][2] = {{"zone-001", "A-001"},
                                         {"zone-001", "A-002"},
                                         {"zone-001", "A-003"},
                                         {"zone-002", "B-001"},
                                         {"zone-002", "B-002"}};
  std::string events =
      "zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,"
      "detection_mode\n";
  for (int i = 0; i < n; ++i) {
    const int minute = i;
    char row[160];
    std::snprintf(row, sizeof row, "%s,%s,%s,2026-11-%02d %02d:%02d:00+00,,,dual\n",
                  kBays[i % 5][0], kBays[i % 5][1], i % 2 ? "LEAVE" : "ARRIVE", 20 + minute / 1440,
                  minute / 60 % 24, minute % 60);
    events += row;
  }
  testing::WriteFixture(tmp, dir);
  tmp.Write(dir + "/events.csv", events);
}

std::string Files(const TempDir& tmp, const std::string& dir) {
  std::string all;
  for (const char* f : {"zones.csv", "bays.csv", "sensors.csv", "events.csv"}) {
    all += ReadFile(tmp / (dir + "/" + f));
    all += '\0';
  }
  return all;
}

constexpr const char* kCopy = "migrate --source csv:export --target csv:out --retention-days 0 ";

TEST(CsvTargetTest, ASecondLoadIntoTheSameCsvTargetIsRefusedAndOverwriteReplacesIt) {
  TempDir tmp;
  WriteExport(tmp, "export", 2000);
  CliRun first = Vdpark(tmp, std::string(kCopy) + "--json");
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(U(Json(first.out).at("eventsWritten")), 2000u);
  EXPECT_EQ(DataRows(tmp / "out/events.csv"), 2000u);
  const std::string loaded = Files(tmp, "out");

  // The same command again: refused, naming the folder, the file and the way out; nothing moves.
  CliRun again = Vdpark(tmp, kCopy);
  EXPECT_EQ(again.code, 3) << again.out << again.err;
  EXPECT_NE(again.err.find("the target csv:out already holds data (out/zones.csv, out/bays.csv, "
                           "out/sensors.csv and out/events.csv have rows)"),
            std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("run the command that started it again to resume it"), std::string::npos)
      << again.err;
  EXPECT_EQ(Files(tmp, "out"), loaded);
  EXPECT_FALSE(std::filesystem::exists(tmp / ".vdpark-migrate"));

  // One file with rows is enough.
  tmp.Write("other/events.csv", ReadFile(tmp / "out/events.csv"));
  CliRun one = Vdpark(tmp, "migrate --source csv:export --target csv:other --retention-days 0");
  EXPECT_EQ(one.code, 3);
  EXPECT_NE(one.err.find("(other/events.csv has rows)"), std::string::npos) << one.err;
  // Headers alone are no data.
  const std::string events_header = testing::kEventsCsv;
  tmp.Write("empty/events.csv", events_header.substr(0, events_header.find('\n') + 1));
  tmp.Write("empty/zones.csv", "zone_id\n\n");
  CliRun headers = Vdpark(tmp, "migrate --source csv:export --target csv:empty --retention-days 0");
  EXPECT_EQ(headers.code, 0) << headers.err;

  // --overwrite replaces: every event exactly once, and verify agrees.
  CliRun overwrite = Vdpark(tmp, std::string(kCopy) + "--overwrite --json");
  ASSERT_EQ(overwrite.code, 0) << overwrite.err;
  EXPECT_EQ(U(Json(overwrite.out).at("eventsWritten")), 2000u);
  EXPECT_EQ(DataRows(tmp / "out/events.csv"), 2000u);
  EXPECT_EQ(Files(tmp, "out"), loaded);
  CliRun verify = Vdpark(tmp, "verify --source csv:export --target csv:out --retention-days 0");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;

  // --restart starts the load over, so it replaces too.
  CliRun restart = Vdpark(tmp, std::string(kCopy) + "--restart");
  ASSERT_EQ(restart.code, 0) << restart.err;
  EXPECT_EQ(DataRows(tmp / "out/events.csv"), 2000u);
  EXPECT_EQ(Files(tmp, "out"), loaded);

  // A dry run only reads: not refused, and it says what the load would do.
  CliRun dry = Vdpark(tmp, std::string(kCopy) + "--dry-run");
  EXPECT_EQ(dry.code, 0) << dry.err;
  EXPECT_NE(dry.out.find("note: csv:out already holds data"), std::string::npos) << dry.out;
  CliRun dry_json = Vdpark(tmp, std::string(kCopy) + "--dry-run --json");
  EXPECT_EQ(dry_json.code, 0) << dry_json.err;
  EXPECT_EQ(Json(dry_json.out).at("targetFilesWithRows").as_array().size(), 4u);
  EXPECT_EQ(Files(tmp, "out"), loaded);
}

TEST(CsvTargetTest, AStoreIsNeverMigratedIntoItself) {
  TempDir tmp;
  WriteExport(tmp, "export", 20);
  const std::string before = Files(tmp, "export");
  std::filesystem::create_directory_symlink(tmp / "export", tmp / "link");
  for (const std::string& target : std::vector<std::string>{
           "csv:export", "csv:export/", "csv:./export", "csv:" + tmp / "export", "csv:link"}) {
    for (const char* flags : {"", " --overwrite", " --restart", " --dry-run"}) {
      CliRun r = Vdpark(
          tmp, "migrate --source csv:export --target " + target + " --retention-days 0" + flags);
      EXPECT_EQ(r.code, 3) << target << flags << "\n" << r.out << r.err;
      EXPECT_NE(r.err.find("are the same store (the folder " + tmp / "export" + ")"),
                std::string::npos)
          << r.err;
      EXPECT_NE(r.err.find("a store cannot be migrated into itself"), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(Files(tmp, "export"), before);

  ASSERT_EQ(
      Vdpark(tmp, "migrate --source csv:export --target embedded:store --retention-days 0").code,
      0);
  CliRun embedded =
      Vdpark(tmp, "migrate --source embedded:store --target embedded:store/ --retention-days 0");
  EXPECT_EQ(embedded.code, 3) << embedded.err;
  EXPECT_NE(embedded.err.find("are the same store"), std::string::npos) << embedded.err;
}

TEST(CsvTargetTest, VerifyCountsADoubledCsvSidesDuplicateKeysAsDifferences) {
  TempDir tmp;
  WriteExport(tmp, "export", 2000);
  ASSERT_EQ(
      Vdpark(tmp, "migrate --source csv:export --target embedded:store --retention-days 0").code,
      0);
  // A csv export loaded twice, as migrate did before it refused a target holding data.
  testing::WriteFixture(tmp, "doubled");
  std::string events = ReadFile(tmp / "export/events.csv");
  tmp.Write("doubled/events.csv", events + events.substr(events.find('\n') + 1));

  CliRun r = Vdpark(tmp, "verify --source embedded:store --target csv:doubled --retention-days 0");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("duplicate event  zone-001/A-001/2026-11-20T00:00:00.000000Z: events.csv: "
                       "2,000 duplicate event keys in the target (rows repeating an earlier "
                       "row's zone, bay and timestamp; the first at events.csv:2002), 0 in the "
                       "source"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("DIFFERENT: 2000 differences"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("more differences"), std::string::npos) << r.out;

  CliRun j = Vdpark(tmp,
                    "verify --source csv:export --target csv:doubled --retention-days 0 "
                    "--json");
  EXPECT_EQ(j.code, 1) << j.out << j.err;
  auto report = Json(j.out);
  EXPECT_EQ(U(report.at("targetDuplicates")), 2000u);
  EXPECT_EQ(U(report.at("sourceDuplicates")), 0u);
  EXPECT_EQ(U(report.at("totalDifferences")), 2000u);
  EXPECT_EQ(U(report.at("events").as_object().at("target")), 2000u);
  const auto& first = report.at("differences").as_array().at(0).as_object();
  EXPECT_EQ(first.at("kind").as_string(), "duplicate");
  EXPECT_EQ(U(first.at("count")), 2000u);

  // With --sample the target's rows are counted in full: twice the source's.
  CliRun sampled = Vdpark(tmp,
                          "verify --source csv:export --target csv:doubled "
                          "--retention-days 0 --sample 10 --json");
  EXPECT_EQ(sampled.code, 1) << sampled.out << sampled.err;

  // The other way round, the doubled export is a source with duplicate keys, which a load
  // collapses: the store holds what loading it gives, so that is no difference.
  CliRun source = Vdpark(tmp,
                         "verify --source csv:doubled --target embedded:store "
                         "--retention-days 0");
  EXPECT_EQ(source.code, 0) << source.out << source.err;
  EXPECT_NE(source.out.find("the source has 2000 rows whose key repeats an earlier row's"),
            std::string::npos)
      << source.out;
  // And a csv copy of it, row for row, holds the same duplicates: no difference either.
  ASSERT_EQ(Vdpark(tmp, "migrate --source csv:doubled --target csv:copy --retention-days 0").code,
            0);
  CliRun copy = Vdpark(tmp, "verify --source csv:doubled --target csv:copy --retention-days 0");
  EXPECT_EQ(copy.code, 0) << copy.out << copy.err;
}

TEST(CsvTargetTest, AnUnterminatedQuoteAtTheEndOfEventsCsvCostsOneRow) {
  TempDir tmp;
  WriteExport(tmp, "export", 2000);
  std::string events = ReadFile(tmp / "export/events.csv");
  tmp.Write("export/events.csv",
            events + "zone-001,A-001,ARRIVE,\"2026-11-25 10:00:00+00,,,dual\n");
  for (const char* target : {"embedded:store", "csv:out"}) {
    CliRun r = Vdpark(tmp, std::string("migrate --source csv:export --target ") + target +
                               " --retention-days 0 --rejects bad.csv --json");
    ASSERT_EQ(r.code, 0) << target << "\n" << r.out << r.err;
    auto j = Json(r.out);
    EXPECT_EQ(U(j.at("eventsWritten")), 2000u) << target;
    EXPECT_EQ(U(j.at("rejected")), 1u) << target;
    std::string rejects = ReadFile(tmp / "bad.csv");
    EXPECT_NE(rejects.find("events.csv:2002,unterminated quoted field"), std::string::npos)
        << rejects;
    CliRun verify = Vdpark(tmp, std::string("verify --source csv:export --target ") + target +
                                    " --retention-days 0 --rejects bad-verify.csv");
    EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  }
  CliRun audit = Vdpark(tmp, "audit --source csv:export --json");
  EXPECT_EQ(audit.code, 0) << audit.err;
}

TEST(CsvTargetTest, StrayQuotesInTheMiddleOfEventsCsvCostOnlyTheirOwnRows) {
  TempDir tmp;
  WriteExport(tmp, "export", 2000);
  // Line 1002 gets a quote that opens and does not close on its line, line 1500 one that closes
  // it: read as written, lines 1002 to 1500 would be one event with a 499-line detection mode.
  std::string events = ReadFile(tmp / "export/events.csv");
  auto line_at = [&](int line) {
    size_t at = 0;
    for (int l = 1; l < line; ++l) at = events.find('\n', at) + 1;
    return at;
  };
  events.replace(events.find(",dual\n", line_at(1500)), 6, ",dual\"\n");
  events.replace(events.find(",dual\n", line_at(1002)), 6, ",\"dual\n");
  tmp.Write("export/events.csv", events);

  CliRun r = Vdpark(tmp,
                    "migrate --source csv:export --target embedded:store --retention-days 0 "
                    "--rejects bad.csv --json");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto j = Json(r.out);
  EXPECT_EQ(U(j.at("eventsWritten")), 1998u) << r.out;
  EXPECT_EQ(U(j.at("rejected")), 2u) << r.out;
  std::string rejects = ReadFile(tmp / "bad.csv");
  EXPECT_NE(rejects.find("events.csv:1002,\"a quote opened on this line runs on over line 1003, "
                         "which reads as a row of its own (a stray quote?)\""),
            std::string::npos)
      << rejects;
  EXPECT_NE(rejects.find("events.csv:1500,"), std::string::npos) << rejects;
}

}  // namespace
}  // namespace vdpark
