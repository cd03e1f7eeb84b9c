// The operator dashboard in a real headless Chromium (tests/browser/dashboard.mjs, driven by
// playwright-core): `vdpark serve` over an embedded store with ingest from a private Mosquitto;
// the page loads with no console error, lists the store's zones, shows a zone's bay grid, and
// updates when a sensor message changes a bay.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "mosquitto.h"
#include "store/open_store.h"
#include "test_dirs.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using testing::PrivateBroker;
using testing::ReadFile;
using testing::TempDir;
using testing::WaitUntil;

TEST(DashboardBrowserTest, ShowsTheStoresZonesAndUpdatesWhenABayChanges) {
  const std::string playwright =
      std::string(VDPARK_SOURCE_DIR) + "/.deps/node_modules/playwright-core/package.json";
  if (!std::filesystem::exists("/usr/bin/chromium") || !std::filesystem::exists(playwright)) {
    GTEST_SKIP() << "needs Debian's chromium and npm's playwright-core "
                    "(scripts/install-deps.sh installs both)";
  }
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  auto run = [&](const std::string& args) {
    std::string cmd = "cd " + tmp.path() + " && " + VDPARK_BINARY + " " + args + " >>" +
                      tmp / "cli.log" + " 2>&1";
    return std::system(cmd.c_str());
  };
  ASSERT_EQ(run("generate --out csv:export --zones 4 --days 1"), 0) << ReadFile(tmp / "cli.log");
  ASSERT_EQ(run("migrate --source csv:export --target embedded:store --retention-days 0"), 0)
      << ReadFile(tmp / "cli.log");

  // A vacant bay with a sensor: the change the page must show is its arrival.
  std::string zone, bay, sensor;
  {
    auto store = OpenStore("embedded:" + tmp / "store");
    ASSERT_TRUE(store.ok());
    auto md = (*store)->ReadMetadata({});
    ASSERT_TRUE(md.ok());
    for (const Bay& b : md->bays) {
      if (b.status == BayStatus::kVacant && b.sensor_id) {
        zone = b.zone_id, bay = b.bay_number, sensor = *b.sensor_id;
        break;
      }
    }
  }
  ASSERT_FALSE(sensor.empty());

  pid_t serve = fork();
  if (serve == 0) {
    if (chdir(tmp.path().c_str()) != 0) _exit(127);
    freopen((tmp / "serve.log").c_str(), "w", stdout);
    dup2(fileno(stdout), 2);
    execl(VDPARK_BINARY, VDPARK_BINARY, "serve", "--store", "embedded:store", "--listen",
          "127.0.0.1:0", "--mqtt", broker.url().c_str(), "--client-id", "dashboard-test",
          "--retention-days", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string url;
  WaitUntil(
      [&] {
        const std::string log = ReadFile(tmp / "serve.log");
        const size_t at = log.find("dashboard: ");
        const size_t end = at == std::string::npos ? at : log.find('\n', at);
        if (end != std::string::npos) url = log.substr(at + 11, log.find(' ', at + 11) - at - 11);
        return !url.empty();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(50));
  ASSERT_FALSE(url.empty()) << ReadFile(tmp / "serve.log");

  const std::string payload = "{\"deviceId\":\"" + sensor +
                              "\",\"status\":\"occupied\",\"battery\":88,\"signal\":-70,"
                              "\"mode\":\"dual\"}";
  // The sensor's message, published once the page is live (a script: the payload's quotes).
  tmp.Write("trigger.sh", "mosquitto_pub -q 1 -p " + std::to_string(broker.port()) +
                              " -t visiondrive/parking/" + zone + "/" + bay + "/status -m '" +
                              payload + "'\n");
  const std::string cmd = "cd " + std::string(VDPARK_SOURCE_DIR) +
                          " && node tests/browser/dashboard.mjs " + url + " --zone " + zone +
                          " --bay " + bay + " --status occupied --timeout 20 --trigger 'sh " +
                          tmp / "trigger.sh" + "' >" + tmp / "browser.log" + " 2>&1";
  const int status = std::system(cmd.c_str());
  kill(serve, SIGTERM);
  waitpid(serve, nullptr, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << url << "\n"
      << ReadFile(tmp / "browser.log") << "\n--- serve:\n"
      << ReadFile(tmp / "serve.log");
  EXPECT_NE(ReadFile(tmp / "browser.log").find("dashboard.mjs: PASS"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
