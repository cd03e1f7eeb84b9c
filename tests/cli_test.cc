// The `vdpark` program as a user runs it: exit codes, summaries, errors, the rejects file.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>

#include "cli_run.h"
#include "parking_fixture.h"

namespace vdpark {
namespace {

using testing::CliRun;
using testing::Json;
using testing::ReadFile;
using testing::TempDir;
using testing::Vdpark;

TEST(CliTest, HelpAndUsageErrors) {
  TempDir tmp;
  CliRun help = Vdpark(tmp, "--help");
  EXPECT_EQ(help.code, 0);
  for (const char* cmd : {"demo", "generate", "audit", "migrate", "verify"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  }
  EXPECT_EQ(Vdpark(tmp, "migrate --help").code, 0);
  CliRun missing = Vdpark(tmp, "migrate --source csv:x");
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("--target"), std::string::npos) << missing.err;
  CliRun bad_url = Vdpark(tmp, "audit --source ftp://somewhere");
  EXPECT_EQ(bad_url.code, 3);
  EXPECT_NE(bad_url.err.find("unknown scheme 'ftp'"), std::string::npos) << bad_url.err;
  CliRun no_dir = Vdpark(tmp, "audit --source embedded:" + tmp / "nothing-here");
  EXPECT_NE(no_dir.code, 0);
  EXPECT_NE(no_dir.err.find("nothing-here"), std::string::npos) << no_dir.err;
}

// serve refuses, when it starts, a store that cannot play the role asked of it: a csv folder
// answers no query and keeps no live state. Were it not refused, serve would run until
// --stop-after and exit 0.
TEST(CliTest, ServeRefusesAStoreWithoutTheRoleItNeeds) {
  TempDir tmp;
  ASSERT_EQ(Vdpark(tmp, "generate --out csv:export --events 100 --seed 3").code, 0);
  CliRun api = Vdpark(tmp, "serve --store csv:export --listen 127.0.0.1:0 --stop-after 20s");
  EXPECT_EQ(api.code, 3) << api.err;
  EXPECT_NE(api.err.find("serve --listen needs a store that answers the API's queries: csv:"),
            std::string::npos)
      << api.err;
  EXPECT_NE(api.err.find("embedded:, dynamodb:// and postgres://"), std::string::npos) << api.err;
  // The role is checked before any connection is tried: the broker here does not exist.
  CliRun live = Vdpark(tmp,
                       "serve --store csv:export --listen '' --mqtt mqtt://127.0.0.1:1 "
                       "--stop-after 20s");
  EXPECT_EQ(live.code, 3) << live.err;
  EXPECT_NE(live.err.find("serve --mqtt needs a store that keeps live state"), std::string::npos)
      << live.err;
  // Nothing asked of it at all: still refused by the store's kind, not by a crash.
  CliRun none = Vdpark(tmp, "serve --store csv:export --listen ''");
  EXPECT_EQ(none.code, 3) << none.err;
  EXPECT_NE(none.err.find("serve needs a store that answers the API's queries"), std::string::npos)
      << none.err;
}

// Every flag that takes a store URL lists the same schemes in --help (store/store_urls.h).
TEST(CliTest, EveryStoreFlagListsEveryScheme) {
  TempDir tmp;
  for (const char* cmd : {"audit", "generate", "migrate", "verify", "serve", "probe", "simulate"}) {
    CliRun help = Vdpark(tmp, std::string(cmd) + " --help");
    EXPECT_EQ(help.code, 0) << cmd;
    for (const char* scheme :
         {"csv:DIR", "embedded:DIR", "postgres://", "timescale://", "dynamodb://TABLE"}) {
      EXPECT_NE(help.out.find(scheme), std::string::npos)
          << cmd << " --help lacks " << scheme << "\n"
          << help.out;
    }
  }
}

// Every flag that takes a duration reads it with the one parser (common/duration.h): a form one
// command takes, every command takes. Each case gives good compound durations first and a bad
// one last: the usage error names the last flag, so the ones before it were read.
TEST(CliTest, EveryDurationFlagTakesTheSameForms) {
  TempDir tmp;
  struct Case {
    std::string args, refused;
  };
  const Case cases[] = {
      {"serve --store csv:x --max-skew 1h30m --offline-after 2h15m --stop-after 1m30s "
       "--sweep-every 90x",
       "--sweep-every '90x'"},
      {"probe --mqtt mqtt://127.0.0.1:1 --zone z --bay b --api http://127.0.0.1:1 --timeout 1m30s "
       "--interval 1h-5m",
       "--interval '1h-5m'"},
      {"verify-api --old http://127.0.0.1:1 --new http://127.0.0.1:1 --timeout 1.5s",
       "--timeout '1.5s'"},
      {"simulate --mqtt mqtt://127.0.0.1:1 --duration 1d12h --heartbeat 30", "--heartbeat '30'"},
  };
  for (const Case& c : cases) {
    CliRun r = Vdpark(tmp, c.args);
    EXPECT_EQ(r.code, 3) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.refused + ": expected a duration such as 90d"), std::string::npos)
        << c.args << "\n"
        << r.err;
  }
}

TEST(CliTest, GenerateAuditMigrateVerifyThenCatchADifference) {
  TempDir tmp;
  CliRun gen = Vdpark(tmp,
                      "generate --out csv:export --zones 3 --bays-min 4 --bays-max 6 --days 2 "
                      "--end 2026-11-01T00:00:00Z --json");
  ASSERT_EQ(gen.code, 0) << gen.err;
  uint64_t events = Json(gen.out).at("events").to_number<uint64_t>();
  ASSERT_GT(events, 20u);

  CliRun audit = Vdpark(tmp, "audit --source csv:export --json");
  ASSERT_EQ(audit.code, 0) << audit.err;
  EXPECT_EQ(Json(audit.out).at("events").to_number<uint64_t>(), events);
  EXPECT_EQ(Json(audit.out).at("zones").to_number<uint64_t>(), 3u);

  CliRun migrate =
      Vdpark(tmp, "migrate --source csv:export --target embedded:store --retention-days 0 --json");
  ASSERT_EQ(migrate.code, 0) << migrate.err;
  EXPECT_EQ(Json(migrate.out).at("eventsWritten").to_number<uint64_t>(), events);
  EXPECT_EQ(Json(migrate.out).at("rejected").to_number<uint64_t>(), 0u);

  CliRun verify =
      Vdpark(tmp, "verify --source csv:export --target embedded:store --retention-days 0");
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("OK: 0 differences"), std::string::npos) << verify.out;

  // Drop the last event row from a copy of the export: the store now has one event too many.
  std::string rows = ReadFile(tmp / "export/events.csv");
  rows.erase(rows.rfind('\n', rows.size() - 2) + 1);
  testing::WriteFixture(tmp, "copy");
  tmp.Write("copy/zones.csv", ReadFile(tmp / "export/zones.csv"));
  tmp.Write("copy/bays.csv", ReadFile(tmp / "export/bays.csv"));
  tmp.Write("copy/sensors.csv", ReadFile(tmp / "export/sensors.csv"));
  tmp.Write("copy/events.csv", rows);
  CliRun differ =
      Vdpark(tmp, "verify --source csv:copy --target embedded:store --retention-days 0");
  EXPECT_EQ(differ.code, 1) << differ.out << differ.err;
  EXPECT_NE(differ.out.find("extra     event"), std::string::npos) << differ.out;
  CliRun differ_json =
      Vdpark(tmp, "verify --source csv:copy --target embedded:store --retention-days 0 --json");
  EXPECT_EQ(differ_json.code, 1);
  EXPECT_EQ(Json(differ_json.out).at("events").as_object().at("extra").to_number<uint64_t>(), 1u);
}

TEST(CliTest, BadRowsGoToTheRejectsFileWithTheirPlace) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export",
                        "zone-001,A-001,ARRIVE,2026-11-31 10:00:00+04,,,dual\n"
                        "zone-001,A-001,LEAVE,2026-11-22 10:00:00+04,ten,,dual\n");
  CliRun r = Vdpark(tmp,
                    "migrate --source csv:export --target embedded:store --retention-days 0 "
                    "--rejects bad.csv");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("10 loaded"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected: 2"), std::string::npos) << r.out;
  std::string rejects = ReadFile(tmp / "bad.csv");
  EXPECT_NE(rejects.find("events.csv:12,"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("events.csv:13,"), std::string::npos) << rejects;
  EXPECT_NE(rejects.find("duration_minutes"), std::string::npos) << rejects;
  EXPECT_NE(r.err.find("events.csv:12"), std::string::npos) << r.err;
}

TEST(CliTest, AMissingColumnIsAnErrorNamingFileAndColumn) {
  TempDir tmp;
  testing::WriteFixture(tmp, "export");
  std::string zones = testing::kZonesCsv;
  zones.replace(zones.find(",tenant_id"), 10, ",owner");
  tmp.Write("export/zones.csv", zones);
  CliRun r = Vdpark(tmp, "migrate --source csv:export --target embedded:store");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("zones.csv: missing column 'tenant_id'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vdpark
