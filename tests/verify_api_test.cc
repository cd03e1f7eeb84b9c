// `vdpark verify-api` end to end: one generated fleet migrated into two embedded stores, each
// served by `vdpark serve` (the "old" API's routes read at the root, the new one's under /v1).
// The two agree, whether a URL names the path its routes are under or not; then one bay is
// changed in one store, and verify-api reports exactly that bay's field; a zone on one side only
// is reported from the zone list.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "served_api.h"
#include "store/live_store.h"
#include "store/open_store.h"
#include "store/single_table_store.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::Server;
using testing::Str;
using testing::TempDir;

// The embedded store a stopped server wrote, in every role.
std::unique_ptr<SingleTableStore> OpenClosedStore(const std::string& dir) {
  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = 0;
  auto store = OpenStore("embedded:" + dir, so);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  return std::unique_ptr<SingleTableStore>(dynamic_cast<SingleTableStore*>(store->release()));
}

TEST(VerifyApiTest, FindsNoDifferenceThenExactlyTheChangedBay) {
  TempDir tmp;
  ASSERT_EQ(RunCli(tmp, "generate --out csv:export --zones 3 --days 2"), 0)
      << ReadFile(tmp / "cli.log");
  for (const char* store : {"old", "new"}) {
    ASSERT_EQ(RunCli(tmp, "migrate --source csv:export --target embedded:" + std::string(store) +
                              " --retention-days 0"),
              0)
        << ReadFile(tmp / "cli.log");
  }

  Server old_api(tmp, {"--store", "embedded:old"}, "old.log");
  const std::string old_url = old_api.WaitUrl();
  ASSERT_FALSE(old_url.empty()) << old_api.log();
  const std::string compare = "verify-api --old " + old_url + " --new ";
  {
    Server new_api(tmp, {"--store", "embedded:new"}, "new1.log");
    const std::string new_url = new_api.WaitUrl();
    ASSERT_FALSE(new_url.empty()) << new_api.log();
    ASSERT_EQ(RunCli(tmp, compare + new_url), 0) << ReadFile(tmp / "cli.log");
    EXPECT_NE(ReadFile(tmp / "out.txt").find("OK: 0 differences in 0 of 16 routes"),
              std::string::npos)
        << ReadFile(tmp / "out.txt");

    // A URL's path is where its routes are, as in the plan's PARKING_API_URL (§7.1,
    // https://parking-api.visiondrive.ae/v1): with or without a trailing '/', on either side.
    for (const std::string& urls : {"--old " + old_url + "/ --new " + new_url + "/v1",
                                    "--old " + old_url + "/v1/ --new " + new_url + "/v1/"}) {
      ASSERT_EQ(RunCli(tmp, "verify-api " + urls), 0) << urls << "\n" << ReadFile(tmp / "cli.log");
      EXPECT_NE(ReadFile(tmp / "out.txt").find("OK: 0 differences in 0 of 16 routes"),
                std::string::npos)
          << urls << "\n"
          << ReadFile(tmp / "out.txt");
    }
    EXPECT_NE(ReadFile(tmp / "out.txt").find(" against " + new_url + "/v1 (new)\n"),
              std::string::npos)
        << ReadFile(tmp / "out.txt");
    setenv("PARKING_API_URL", (new_url + "/v1").c_str(), 1);
    EXPECT_EQ(RunCli(tmp, "verify-api --old " + old_url), 0) << ReadFile(tmp / "cli.log");
    unsetenv("PARKING_API_URL");
    // Any path: the requests go to PATH/zones and so on.
    EXPECT_EQ(RunCli(tmp, compare + new_url + "/api"), 2) << ReadFile(tmp / "cli.log");
    EXPECT_NE(ReadFile(tmp / "cli.log").find("no route GET /api/zones"), std::string::npos)
        << ReadFile(tmp / "cli.log");
    // A path in the URL and --new-prefix too: which one is meant is not clear.
    EXPECT_EQ(RunCli(tmp, compare + new_url + "/v1 --new-prefix /v1"), 3)
        << ReadFile(tmp / "cli.log");
  }

  // One bay of the new store gets another bay type, with the server stopped.
  Bay changed;
  {
    auto store = OpenClosedStore(tmp / "new");
    ASSERT_TRUE(store);
    auto md = store->ReadMetadata({});
    ASSERT_TRUE(md.ok() && md->bays.size() > 10);
    changed = md->bays[md->bays.size() / 2];
    LiveChange c;
    c.bay_before = changed;
    changed.bay_type = changed.bay_type == "ev" ? "standard" : "ev";
    c.bay_after = changed;
    ASSERT_TRUE(store->ApplyLiveChange(c).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  const std::string before_type = changed.bay_type == "ev" ? "standard" : "ev";
  {
    Server new_api(tmp, {"--store", "embedded:new"}, "new2.log");
    const std::string new_url = new_api.WaitUrl();
    ASSERT_FALSE(new_url.empty()) << new_api.log();
    ASSERT_EQ(RunCli(tmp, compare + new_url), 1) << ReadFile(tmp / "cli.log");
    const std::string out = ReadFile(tmp / "out.txt");
    const std::string expected =
        "  GET /zones/" + changed.zone_id + "/bays: bays[bayNumber=" + changed.bay_number +
        "].bayType: old \"" + before_type + "\", new \"" + *changed.bay_type + "\"\n";
    EXPECT_NE(out.find(expected), std::string::npos) << out;
    EXPECT_NE(out.find("DIFFERENT: 1 differences in 1 of 16 routes"), std::string::npos) << out;

    // As JSON: the one difference, by route and path.
    ASSERT_EQ(RunCli(tmp, compare + new_url + " --json"), 1) << ReadFile(tmp / "cli.log");
    boost::json::value report = boost::json::parse(ReadFile(tmp / "out.txt"));
    const auto& r = report.as_object();
    EXPECT_EQ(r.at("ok").as_bool(), false);
    EXPECT_EQ(r.at("totalDifferences").to_number<int64_t>(), 1);
    ASSERT_EQ(r.at("differences").as_array().size(), 1u);
    const auto& d = r.at("differences").as_array()[0].as_object();
    EXPECT_EQ(Str(d.at("route")), "GET /zones/" + changed.zone_id + "/bays");
    EXPECT_EQ(Str(d.at("path")), "bays[bayNumber=" + changed.bay_number + "].bayType");
    EXPECT_EQ(Str(d.at("old")), "\"" + before_type + "\"");
    EXPECT_EQ(Str(d.at("new")), "\"" + *changed.bay_type + "\"");

    // A field known to differ, ignored.
    EXPECT_EQ(RunCli(tmp, compare + new_url + " --ignore bayType"), 0) << ReadFile(tmp / "cli.log");
    // Both read at the same mount: the same answer.
    EXPECT_EQ(RunCli(tmp, compare + new_url + " --old-prefix /v1 --new-prefix ''"), 1)
        << ReadFile(tmp / "cli.log");
    // A server that is not there: the work failed.
    EXPECT_EQ(RunCli(tmp, "verify-api --old http://127.0.0.1:1 --new " + new_url), 2)
        << ReadFile(tmp / "cli.log");
    EXPECT_EQ(RunCli(tmp, "verify-api --old 127.0.0.1:1 --new " + new_url), 3)
        << ReadFile(tmp / "cli.log");
  }

  // A zone only the new store has: listed from the zone lists, its routes not fetched.
  {
    auto store = OpenClosedStore(tmp / "new");
    ASSERT_TRUE(store);
    Metadata m;
    Zone z;
    z.zone_id = "zone-new";
    z.name = "Only New";
    z.total_bays = 0;
    m.zones.push_back(z);
    ASSERT_TRUE(store->WriteMetadata(m).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  {
    Server new_api(tmp, {"--store", "embedded:new"}, "new3.log");
    const std::string new_url = new_api.WaitUrl();
    ASSERT_FALSE(new_url.empty()) << new_api.log();
    ASSERT_EQ(RunCli(tmp, compare + new_url + " --ignore bayType"), 1) << ReadFile(tmp / "cli.log");
    const std::string out = ReadFile(tmp / "out.txt");
    EXPECT_NE(out.find("  GET /zones: zones[zoneId=zone-new]: old absent, new {\"zoneId\":"
                       "\"zone-new\",\"name\":\"Only New\""),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("  GET /zones: count: old 3, new 4\n"), std::string::npos) << out;
    EXPECT_NE(out.find("zones: old 3, new 4, compared 3"), std::string::npos) << out;
    EXPECT_NE(out.find("DIFFERENT: 2 differences in 1 of 16 routes"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace vdpark
