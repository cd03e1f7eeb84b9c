// `vdpark status` and GET /v1/migration/status end to end, on real stores and servers: a
// migration from a csv export to an embedded store that is not ready (nothing loaded, nothing
// verified), becomes ready once migrated and verified, and is not ready again, saying why, once
// a verify finds an event changed in the target; the JSON's shape; the DynamoDB table's checks on
// dynalite and DynamoDB Local (what each lacks reported as such); the route for an operator, a
// tenant, and a serve without --migration-source.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cli_run.h"
#include "dynamodb_local.h"
#include "migrate/migration_records.h"
#include "postgres.h"
#include "served_api.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "verify/api_client.h"

namespace vdpark {
namespace {

namespace json = boost::json;
using testing::CliRun;
using testing::Json;
using testing::ReadFile;
using testing::TempDir;
using testing::Vdpark;

const std::string kPair = "--source csv:export --target embedded:store";

std::vector<std::string> Reasons(const json::object& status) {
  std::vector<std::string> out;
  for (const json::value& r : status.at("verdict").at("reasons").as_array()) {
    out.emplace_back(r.as_string());
  }
  return out;
}

const json::object& Phase(const json::object& status, const std::string& id) {
  for (const json::value& p : status.at("phases").as_array()) {
    if (p.at("id").as_string() == id) return p.as_object();
  }
  ADD_FAILURE() << "no phase " << id << " in " << json::serialize(status);
  static const json::object none{{"state", ""}, {"checks", json::array()}};
  return none;
}

// The check named `name` of a phase; null when absent (and a failure).
json::value CheckOk(const json::object& phase, const std::string& name) {
  for (const json::value& c : phase.at("checks").as_array()) {
    if (c.at("name").as_string() == name) return c.at("ok");
  }
  ADD_FAILURE() << "no check " << name << " in " << json::serialize(phase);
  return "absent";
}

std::string State(const json::object& status, const std::string& id) {
  return std::string(Phase(status, id).at("state").as_string());
}

// Every field of issue 15's contract, of the right kind.
void ExpectContractShape(const json::object& s) {
  EXPECT_TRUE(s.at("source").is_string());
  EXPECT_TRUE(s.at("target").is_string());
  EXPECT_TRUE(Timestamp::Parse(s.at("checkedAt").as_string()).ok());
  EXPECT_TRUE(s.at("verdict").at("ready").is_bool());
  EXPECT_TRUE(s.at("verdict").at("reasons").is_array());
  std::vector<std::string> ids;
  const std::set<std::string> states = {"done", "in_progress", "not_started", "failed", "unknown"};
  for (const json::value& p : s.at("phases").as_array()) {
    ids.emplace_back(p.at("id").as_string());
    EXPECT_FALSE(p.at("title").as_string().empty());
    EXPECT_TRUE(states.contains(std::string(p.at("state").as_string()))) << p;
    EXPECT_TRUE(p.at("detail").is_string());
    for (const json::value& c : p.at("checks").as_array()) {
      EXPECT_TRUE(c.at("name").is_string()) << c;
      EXPECT_TRUE(c.at("ok").is_bool() || c.at("ok").is_null()) << c;
      EXPECT_TRUE(c.at("detail").is_string()) << c;
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"table", "dual_write", "backfill", "verify",
                                           "api_compare", "cutover"}));
  for (const char* last : {"lastVerify", "lastApiCompare", "lastProbe"}) {
    const json::value& r = s.at(last);
    ASSERT_TRUE(r.is_null() || r.is_object()) << last;
    if (r.is_object()) {
      EXPECT_TRUE(Timestamp::Parse(r.at("at").as_string()).ok()) << last;
      EXPECT_TRUE(r.at("ok").is_bool()) << last;
      EXPECT_TRUE(r.at("differences").is_number()) << last;
      EXPECT_TRUE(r.at("source").is_string()) << last;
      EXPECT_TRUE(r.at("target").is_string()) << last;
    }
  }
}

// Changes one event's revenue in the embedded store (no process has it open).
void PlantDifference(const std::string& dir) {
  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = 0;
  auto store = OpenStore("embedded:" + dir, so);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::optional<ParkingEvent> changed;
  Status scanned = (*store)->ScanEvents(
      {},
      [&](ParkingEvent&& e, const Origin&) {
        if (!changed && e.event_type == EventType::kLeave) changed = std::move(e);
        return Status::OK();
      },
      [](Rejected) {});
  ASSERT_TRUE(scanned.ok()) << scanned.ToString();
  ASSERT_TRUE(changed.has_value());
  changed->revenue = *Decimal::Parse("12345.67");
  ASSERT_TRUE((*store)->WriteEvents({&*changed, 1}).ok());
  ASSERT_TRUE((*store)->Flush().ok());
}

TEST(MigrationStatusCliTest, NotReadyThenReadyAfterMigrateAndVerifyThenNotOnAPlantedDifference) {
  TempDir tmp;
  ASSERT_EQ(Vdpark(tmp,
                   "generate --out csv:export --zones 3 --bays-min 4 --bays-max 6 --days 2 "
                   "--end 2026-11-01T00:00:00Z")
                .code,
            0);

  // Nothing loaded, nothing verified.
  CliRun before = Vdpark(tmp, "status " + kPair + " --json");
  ASSERT_EQ(before.code, 1) << before.out << before.err;
  json::object s = Json(before.out);
  ExpectContractShape(s);
  EXPECT_EQ(s.at("verdict").at("ready"), false);
  EXPECT_EQ(Reasons(s), (std::vector<std::string>{"the target store does not exist",
                                                  "backfill not started", "no verify recorded"}));
  EXPECT_EQ(State(s, "table"), "not_started");
  EXPECT_EQ(State(s, "backfill"), "not_started");
  EXPECT_EQ(State(s, "verify"), "not_started");
  EXPECT_TRUE(s.at("lastVerify").is_null());

  // Loaded: only the verify is missing.
  ASSERT_EQ(Vdpark(tmp, "migrate " + kPair + " --retention-days 0").code, 0);
  CliRun loaded = Vdpark(tmp, "status " + kPair + " --json");
  ASSERT_EQ(loaded.code, 1) << loaded.out << loaded.err;
  s = Json(loaded.out);
  EXPECT_EQ(Reasons(s), std::vector<std::string>{"no verify recorded"});
  EXPECT_EQ(State(s, "table"), "done");
  EXPECT_EQ(State(s, "backfill"), "done");
  EXPECT_NE(Phase(s, "backfill").at("detail").as_string().find("events written"),
            std::string::npos);

  // Verified: ready, in both forms.
  ASSERT_EQ(Vdpark(tmp, "verify " + kPair + " --retention-days 0").code, 0);
  CliRun ready = Vdpark(tmp, "status " + kPair + " --json");
  ASSERT_EQ(ready.code, 0) << ready.out << ready.err;
  s = Json(ready.out);
  ExpectContractShape(s);
  EXPECT_EQ(s.at("verdict").at("ready"), true);
  EXPECT_TRUE(Reasons(s).empty());
  EXPECT_EQ(State(s, "verify"), "done");
  ASSERT_TRUE(s.at("lastVerify").is_object());
  EXPECT_EQ(s.at("lastVerify").at("ok"), true);
  EXPECT_EQ(s.at("lastVerify").at("differences"), 0);
  EXPECT_EQ(s.at("lastVerify").at("source"), "csv:export");
  CliRun text = Vdpark(tmp, "status " + kPair);
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("READY to cut over"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[done]         Verify (§6.1)"), std::string::npos) << text.out;

  // One event changed in the target: the next verify finds it, and status says so.
  PlantDifference(tmp / "store");
  CliRun differ = Vdpark(tmp, "verify " + kPair + " --retention-days 0");
  ASSERT_EQ(differ.code, 1) << differ.out << differ.err;
  CliRun after = Vdpark(tmp, "status " + kPair + " --json");
  ASSERT_EQ(after.code, 1) << after.out << after.err;
  s = Json(after.out);
  EXPECT_EQ(Reasons(s), std::vector<std::string>{"verify found 1 difference"});
  EXPECT_EQ(State(s, "verify"), "failed");
  EXPECT_EQ(s.at("lastVerify").at("differences"), 1);
  ASSERT_FALSE(s.at("lastVerify").at("firstDifferences").as_array().empty());
  EXPECT_NE(std::string(s.at("lastVerify").at("firstDifferences").at(0).as_string())
                .find("different event"),
            std::string::npos)
      << s.at("lastVerify");
  CliRun after_text = Vdpark(tmp, "status " + kPair);
  EXPECT_NE(after_text.out.find("NOT READY to cut over:\n  - verify found 1 difference\n"),
            std::string::npos)
      << after_text.out;

  // A verify recorded 3 hours ago (its record's time moved back) is too old by default, and not
  // with a longer --verify-max-age.
  ASSERT_EQ(Vdpark(tmp, "verify " + kPair + " --retention-days 0 --record-dir old").code, 1);
  auto record = LoadMigrationRecord(tmp / "old", "verify");
  ASSERT_TRUE(record.ok() && record->has_value());
  (*record)->ok = true;
  (*record)->differences = 0;
  (*record)->at = Timestamp::FromMicros(Timestamp::Now().micros() - 3LL * 3600 * 1'000'000 - 5);
  ASSERT_TRUE(SaveMigrationRecord(tmp / "old", **record).ok());
  CliRun stale = Vdpark(tmp, "status " + kPair + " --record-dir old --json");
  EXPECT_EQ(stale.code, 1);
  std::vector<std::string> stale_reasons = Reasons(Json(stale.out));
  EXPECT_NE(std::find(stale_reasons.begin(), stale_reasons.end(), "verify is 3 h old"),
            stale_reasons.end())
      << stale.out;
  EXPECT_EQ(State(Json(stale.out), "verify"), "unknown");
  CliRun lenient = Vdpark(tmp, "status " + kPair + " --record-dir old --verify-max-age 4h --json");
  std::vector<std::string> lenient_reasons = Reasons(Json(lenient.out));
  EXPECT_EQ(std::find(lenient_reasons.begin(), lenient_reasons.end(), "verify is 3 h old"),
            lenient_reasons.end())
      << lenient.out;
}

TEST(MigrationStatusCliTest, AStoreThatCannotBeReachedIsExitTwo) {
  TempDir tmp;
  CliRun r = Vdpark(tmp, "status --source csv:nowhere --target embedded:store");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("the source"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
}

class MigrationStatusTableTest : public ::testing::TestWithParam<testing::DynamoDbServer> {};

TEST_P(MigrationStatusTableTest, TheTablesChecksSayWhatItLacks) {
  const std::string endpoint = testing::ServerEndpoint(GetParam());
  ASSERT_FALSE(endpoint.empty());
  TempDir tmp;
  ASSERT_EQ(Vdpark(tmp, "generate --out csv:export --zones 2 --days 1").code, 0);
  const std::string table = testing::UniqueTableName("status");
  const std::string target = "'dynamodb://" + table + "?endpoint=" + endpoint + "'";
  const std::string status = "status --source csv:export --target " + target + " --json";

  CliRun missing = Vdpark(tmp, status);
  ASSERT_EQ(missing.code, 1) << missing.out << missing.err;
  json::object s = Json(missing.out);
  EXPECT_EQ(State(s, "table"), "not_started");
  EXPECT_EQ(Reasons(s).at(0), "the target table does not exist");

  ASSERT_EQ(Vdpark(tmp, "table create --target " + target).code, 0);
  CliRun created = Vdpark(tmp, status);
  ASSERT_EQ(created.code, 1) << created.out << created.err;
  s = Json(created.out);
  ExpectContractShape(s);
  const json::object& t = Phase(s, "table");
  EXPECT_EQ(CheckOk(t, "exists and is ACTIVE"), true) << t;
  EXPECT_EQ(CheckOk(t, "keys PK (HASH), SK (RANGE)"), true) << t;
  EXPECT_EQ(CheckOk(t, "GSI1: GSI1PK (HASH), GSI1SK (RANGE), projecting ALL"), true) << t;
  EXPECT_EQ(CheckOk(t, "GSI2: GSI2PK (HASH), GSI2SK (RANGE), projecting KEYS_ONLY"), true) << t;
  const std::vector<std::string> reasons = Reasons(s);
  auto has = [&](const std::string& r) {
    return std::find(reasons.begin(), reasons.end(), r) != reasons.end();
  };
  if (GetParam() == testing::DynamoDbServer::kDynalite) {
    // dynalite keeps no stream, has no UpdateTimeToLive (its DescribeTimeToLive says DISABLED)
    // and does not answer DescribeContinuousBackups.
    EXPECT_EQ(CheckOk(t, "stream with NEW_AND_OLD_IMAGES"), false) << t;
    EXPECT_TRUE(has("table has no streams")) << created.out;
    EXPECT_EQ(CheckOk(t, "TTL on ttl"), false) << t;
    EXPECT_TRUE(has("table has no TTL on ttl (DISABLED)")) << created.out;
    EXPECT_EQ(CheckOk(t, "point-in-time recovery"), nullptr) << t;
    EXPECT_TRUE(has("table's point-in-time recovery could not be checked")) << created.out;
    EXPECT_EQ(State(s, "table"), "failed");
  } else {
    EXPECT_EQ(CheckOk(t, "stream with NEW_AND_OLD_IMAGES"), true) << t;
    EXPECT_EQ(CheckOk(t, "TTL on ttl"), true) << t;
    EXPECT_FALSE(has("table has no streams")) << created.out;
  }
  // Nothing loaded or verified yet, whatever the table.
  EXPECT_TRUE(has("backfill not started")) << created.out;
  EXPECT_TRUE(has("no verify recorded")) << created.out;
  EXPECT_EQ(Vdpark(tmp, "table delete --yes --target " + target).code, 0);
}

INSTANTIATE_TEST_SUITE_P(Servers, MigrationStatusTableTest,
                         ::testing::Values(testing::DynamoDbServer::kDynalite,
                                           testing::DynamoDbServer::kDynamoDbLocal),
                         testing::ServerTestName);

// GET url with `key`; the reply, or a failure.
ApiReply Get(const std::string& url, const std::string& key) {
  auto reply = ApiGet(url, key, std::chrono::seconds(30));
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? *reply : ApiReply{};
}

TEST(MigrationStatusRouteTest, OperatorsOnlyAndOnlyWithMigrationSource) {
  TempDir tmp;
  ASSERT_EQ(Vdpark(tmp, "generate --out csv:export --zones 2 --days 1").code, 0);
  ASSERT_EQ(Vdpark(tmp, "migrate " + kPair + " --retention-days 0").code, 0);
  ASSERT_EQ(Vdpark(tmp, "verify " + kPair + " --retention-days 0").code, 0);
  tmp.Write("keys.txt", "op-key *\ntenant-key tenant-rta\n");
  {
    testing::Server serve(
        tmp,
        {"--store", "embedded:store", "--api-keys", "keys.txt", "--migration-source", "csv:export"},
        "serve.log");
    const std::string url = serve.WaitUrl();
    ASSERT_FALSE(url.empty()) << serve.log();
    // An API comparison recorded for this migration (the API against itself: no difference).
    CliRun compared = Vdpark(tmp, "verify-api --old " + url + " --new " + url +
                                      " --api-key op-key --migration-source csv:export "
                                      "--migration-target embedded:store");
    ASSERT_EQ(compared.code, 0) << compared.out << compared.err;
    ApiReply op = Get(url + "/v1/migration/status", "op-key");
    ASSERT_EQ(op.status, 200) << op.body;
    json::object s = Json(op.body);
    ExpectContractShape(s);
    EXPECT_EQ(State(s, "api_compare"), "done") << op.body;
    ASSERT_TRUE(s.at("lastApiCompare").is_object()) << op.body;
    EXPECT_EQ(s.at("lastApiCompare").at("ok"), true);
    EXPECT_EQ(testing::Str(s.at("lastApiCompare").at("target")), url + "/v1");
    EXPECT_EQ(s.at("verdict").at("ready"), true) << op.body;
    EXPECT_EQ(s.at("target"), "embedded:store");
    EXPECT_EQ(State(s, "table"), "done");              // served here: open, not opened again
    EXPECT_EQ(State(s, "dual_write"), "not_started");  // this serve mirrors nothing

    ApiReply refused = Get(url + "/v1/migration/status", "tenant-key");
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(Json(refused.body).at("error"), "Forbidden");
    EXPECT_EQ(Get(url + "/v1/migration/status", "").status, 401);

    // Its /metrics given to `vdpark status`: dual-write asked for, and off.
    CliRun off =
        Vdpark(tmp, "status --source csv:export --target embedded:other --mirror-metrics " + url +
                        "/metrics --json");
    EXPECT_EQ(off.code, 1) << off.out << off.err;
    json::object o = Json(off.out);
    EXPECT_EQ(State(o, "dual_write"), "not_started");
    const std::vector<std::string> reasons = Reasons(o);
    EXPECT_NE(std::find(reasons.begin(), reasons.end(), "dual-write is off"), reasons.end())
        << off.out;
    // The served store is locked by the serve: the CLI cannot reach it, and says so (exit 2).
    CliRun locked = Vdpark(tmp, "status " + kPair);
    EXPECT_EQ(locked.code, 2) << locked.out << locked.err;
    EXPECT_NE(locked.err.find("the target"), std::string::npos) << locked.err;
  }
  {
    testing::Server plain(tmp, {"--store", "embedded:store", "--api-keys", "keys.txt"},
                          "plain.log");
    const std::string url = plain.WaitUrl();
    ASSERT_FALSE(url.empty()) << plain.log();
    ApiReply none = Get(url + "/v1/migration/status", "op-key");
    EXPECT_EQ(none.status, 404) << none.body;
    EXPECT_NE(none.body.find("--migration-source"), std::string::npos) << none.body;
  }
}

// Dual-write as serve does it (--mirror to PostgreSQL): `vdpark status --mirror-metrics` reads the
// mirror's figures from its /metrics, and the route from the process's own mirror.
TEST(MigrationStatusRouteTest, DualWriteOnFromServesMirror) {
  VDPARK_REQUIRE_POSTGRES(schema);
  TempDir tmp;
  std::string pg = "'";
  pg += schema.url();
  pg += "'";
  ASSERT_EQ(Vdpark(tmp, "schema create --target " + pg).code, 0);
  ASSERT_EQ(Vdpark(tmp, "generate --out csv:export --zones 2 --days 1").code, 0);
  ASSERT_EQ(Vdpark(tmp, "migrate " + kPair + " --retention-days 0").code, 0);
  ASSERT_EQ(Vdpark(tmp, "verify " + kPair + " --retention-days 0").code, 0);
  tmp.Write("keys.txt", "op-key *\n");
  setenv("DUAL_WRITE_ENABLED", "true", 1);
  testing::Server serve(
      tmp,
      {"--store", "embedded:store", "--api-keys", "keys.txt", "--mirror", schema.url(),
       "--mirror-queue", "mirror-queue", "--migration-source", "csv:export"},
      "serve.log");
  unsetenv("DUAL_WRITE_ENABLED");
  const std::string url = serve.WaitUrl();
  ASSERT_FALSE(url.empty()) << serve.log();

  ApiReply op = Get(url + "/v1/migration/status", "op-key");
  ASSERT_EQ(op.status, 200) << op.body;
  json::object s = Json(op.body);
  EXPECT_EQ(State(s, "dual_write"), "done") << op.body;
  EXPECT_EQ(CheckOk(Phase(s, "dual_write"), "dual-write on"), true);
  EXPECT_EQ(s.at("verdict").at("ready"), true) << op.body;

  CliRun cli = Vdpark(tmp, "status --source csv:export --target embedded:other --mirror-metrics " +
                               url + "/metrics --require-dual-write --json");
  ASSERT_EQ(cli.code, 1) << cli.out << cli.err;  // embedded:other holds nothing
  json::object c = Json(cli.out);
  EXPECT_EQ(State(c, "dual_write"), "done") << cli.out;
  EXPECT_EQ(CheckOk(Phase(c, "dual_write"), "dual-write on"), true);
  EXPECT_EQ(CheckOk(Phase(c, "dual_write"), "mirror lag at most 5 s"), true);
  for (const std::string& r : Reasons(c)) EXPECT_EQ(r.find("mirror"), std::string::npos) << r;
}

}  // namespace
}  // namespace vdpark
