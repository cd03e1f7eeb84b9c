// The operator portal, page for page, in a real headless Chromium (tests/browser/portal.mjs,
// driven by playwright-core): `vdpark serve` over an embedded store with ingest from a private
// Mosquitto. Every page loads with no console error and shows what the API answers; filters,
// search, downloads, the keyboard and a phone's viewport work; an arrival published to the broker
// shows on the map, in the feed and on the zone's page; an alert raised by a health message is
// acknowledged and resolved. The same run writes the screenshots of the main pages (1280x800)
// beside the binary, or to VDPARK_SCREENSHOT_DIR: docs/screenshots for the README's.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

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

bool BrowserAvailable() {
  const std::string playwright =
      std::string(VDPARK_SOURCE_DIR) + "/.deps/node_modules/playwright-core/package.json";
  return std::filesystem::exists("/usr/bin/chromium") && std::filesystem::exists(playwright);
}

constexpr char kBrowserMissing[] =
    "needs Debian's chromium and npm's playwright-core (scripts/install-deps.sh installs both)";

// A bay of the store and its sensor.
struct SensorBay {
  std::string zone, bay, sensor;
};

// The sensor of bay kOfflineBay in every zone is exported as offline: the pages must show it so.
constexpr char kOfflineBay[] = "A-002";

// `text` (sensors.csv) with the status of every sensor of bay kOfflineBay set to "offline".
std::string MarkOffline(const std::string& text) {
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    // sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,...
    std::vector<size_t> commas;
    for (size_t i = line.find(','); i != std::string::npos; i = line.find(',', i + 1)) {
      commas.push_back(i);
    }
    if (commas.size() >= 7 &&
        line.substr(commas[4] + 1, commas[5] - commas[4] - 1) == kOfflineBay) {
      line = line.substr(0, commas[5] + 1) + "offline" + line.substr(commas[6]);
    }
    out += line;
    if (end < text.size()) out += '\n';
    at = end + 1;
  }
  return out;
}

// A store of generated data in `dir`/store: `zones` zones, `days` days of history, the sensors
// of bay kOfflineBay offline.
void GenerateStore(const TempDir& dir, int zones, int days) {
  const std::string log = dir / "cli.log";
  auto run = [&](const std::string& args) {
    const std::string cmd =
        "cd " + dir.path() + " && " + VDPARK_BINARY + " " + args + " >>" + log + " 2>&1";
    return std::system(cmd.c_str());
  };
  ASSERT_EQ(run("generate --out csv:export --zones " + std::to_string(zones) + " --days " +
                std::to_string(days)),
            0)
      << ReadFile(log);
  const std::string sensors = ReadFile(dir / "export/sensors.csv");
  const std::string marked = MarkOffline(sensors);
  ASSERT_NE(marked, sensors) << "no sensor of bay " << kOfflineBay;
  dir.Write("export/sensors.csv", marked);
  ASSERT_EQ(run("migrate --source csv:export --target embedded:store --retention-days 0"), 0)
      << ReadFile(log);
}

// Two vacant bays with sensors, in different zones when there are several: the first for the
// live arrival, the second for the planted low battery.
std::vector<SensorBay> VacantSensorBays(const std::string& store_dir) {
  std::vector<SensorBay> found;
  auto store = OpenStore("embedded:" + store_dir);
  if (!store.ok()) return found;
  auto md = (*store)->ReadMetadata({});
  if (!md.ok()) return found;
  for (const Bay& b : md->bays) {
    if (b.status != BayStatus::kVacant || !b.sensor_id || b.bay_number == kOfflineBay) continue;
    if (!found.empty() && found.front().zone == b.zone_id) continue;
    found.push_back({b.zone_id, b.bay_number, *b.sensor_id});
    if (found.size() == 2) break;
  }
  return found;
}

// `vdpark serve` in `dir` with `args`, its output in serve.log; stopped by the destructor.
class ServeProcess {
 public:
  ServeProcess(const TempDir& dir, const std::vector<std::string>& args) : log_(dir / "serve.log") {
    std::vector<std::string> argv = {VDPARK_BINARY, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(127);
      if (freopen(log_.c_str(), "w", stdout) == nullptr) _exit(127);
      dup2(fileno(stdout), 2);
      std::vector<char*> raw;
      for (std::string& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execv(VDPARK_BINARY, raw.data());
      _exit(127);
    }
    WaitUntil(
        [&] {
          const std::string text = ReadFile(log_);
          const size_t at = text.find("dashboard: ");
          const size_t end = at == std::string::npos ? at : text.find('\n', at);
          if (end != std::string::npos) {
            url_ = text.substr(at + 11, text.find(' ', at + 11) - at - 11);
          }
          return !url_.empty();
        },
        std::chrono::seconds(60), std::chrono::milliseconds(50));
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  const std::string& url() const { return url_; }  // empty when serve did not start
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  std::string url_;
  pid_t pid_ = -1;
};

// Runs tests/browser/portal.mjs with `args` (and $VDPARK_PORTAL_ARGS, e.g. "--only map,zones"
// while working on a page); its exit status, its output in `out`.
int RunPortalChecks(const std::string& args, const std::string& out) {
  const char* extra = std::getenv("VDPARK_PORTAL_ARGS");
  const std::string cmd = "cd " + std::string(VDPARK_SOURCE_DIR) +
                          " && node tests/browser/portal.mjs " + args + " " +
                          (extra != nullptr ? extra : "") + " >" + out + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A loopback port free when asked (for the tile server portal.mjs starts).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

// Where the screenshots go: VDPARK_SCREENSHOT_DIR (docs/screenshots to refresh the README's), else
// beside the binary, so that a test run leaves the source tree as it was.
std::string ScreenshotDir() {
  const char* dir = std::getenv("VDPARK_SCREENSHOT_DIR");
  if (dir != nullptr && *dir != '\0') return dir;
  const std::string out =
      (std::filesystem::path(VDPARK_BINARY).parent_path() / "screenshots").string();
  std::filesystem::create_directories(out);
  return out;
}

TEST(PortalBrowserTest, EveryPageShowsTheStoreAndStaysLive) {
  if (!BrowserAvailable()) GTEST_SKIP() << kBrowserMissing;
  PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  ASSERT_TRUE(broker.Start().ok()) << broker.log();
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(GenerateStore(tmp, 5, 3));
  const std::vector<SensorBay> bays = VacantSensorBays(tmp / "store");
  ASSERT_EQ(bays.size(), 2u);
  const SensorBay& arrival = bays[0];
  const SensorBay& health = bays[1];

  ServeProcess serve(tmp, {"--store", "embedded:store", "--listen", "127.0.0.1:0", "--mqtt",
                           broker.url(), "--client-id", "portal-test", "--retention-days", "0"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();

  const std::string out = tmp / "browser.log";
  const int status = RunPortalChecks(
      serve.url() + " --mqtt-port " + std::to_string(broker.port()) + " --zone " + arrival.zone +
          " --bay " + arrival.bay + " --sensor " + arrival.sensor + " --health-zone " +
          health.zone + " --health-bay " + health.bay + " --health-sensor " + health.sensor +
          " --offline-bay " + kOfflineBay + " --screenshots " + ScreenshotDir() +
          " --shots map,zones,zone-detail,sensors,events,analytics,alerts --artifacts " +
          tmp.path(),
      out);
  EXPECT_EQ(status, 0) << serve.url() << "\n" << ReadFile(out) << "\n--- serve:\n" << serve.log();
  EXPECT_NE(ReadFile(out).find("portal.mjs: PASS"), std::string::npos) << ReadFile(out);
  std::printf("%s", ReadFile(out).c_str());  // what each page showed, the first render's figures
}

// The Migration page with serve --migration-source: the verdict and the phases as GET
// /v1/migration/status gives them; a verify that finds a planted difference (an event missing
// from a copy of the export) changes the verdict, and the page shows the new one with the
// differences. Its screenshot is migration.png.
TEST(PortalBrowserTest, MigrationPageShowsTheVerdictChangeWhenVerifyFindsADifference) {
  if (!BrowserAvailable()) GTEST_SKIP() << kBrowserMissing;
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(GenerateStore(tmp, 3, 1));
  std::filesystem::copy(tmp / "export", tmp / "copy", std::filesystem::copy_options::recursive);
  const std::string verify = std::string(VDPARK_BINARY) +
                             " verify --source csv:export --target csv:copy --record-dir records";
  const std::string setup =
      "cd " + tmp.path() + " && " + verify + " >>" + tmp / "cli.log" + " 2>&1";
  ASSERT_EQ(std::system(setup.c_str()), 0) << ReadFile(tmp / "cli.log");

  ServeProcess serve(
      tmp, {"--store", "embedded:store", "--listen", "127.0.0.1:0", "--retention-days", "0",
            "--migration-source", "csv:export", "--migration-record-dir", "records"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  // The planted difference: the export's fifth line (an event) gone from the copy; verify must
  // then fail.
  tmp.Write("plant.sh", "set -e\ncd " + tmp.path() + "\nsed -i 5d copy/events.csv\n! " + verify +
                            " >>" + tmp / "cli.log" + " 2>&1\n");
  const std::string out = tmp / "browser.log";
  const int status = RunPortalChecks(serve.url() +
                                         " --only migration,screenshots --migration status "
                                         "--migration-change 'sh " +
                                         tmp / "plant.sh" + "' --screenshots " + ScreenshotDir() +
                                         " --shots migration --artifacts " + tmp.path(),
                                     out);
  EXPECT_EQ(status, 0) << serve.url() << "\n"
                       << ReadFile(out) << "\n--- cli:\n"
                       << ReadFile(tmp / "cli.log") << "\n--- serve:\n"
                       << serve.log();
  std::printf("%s", ReadFile(out).c_str());
}

// serve --map-tiles URL: the map draws the tiles of its zoom level under the zones, fetched from
// the template (a tile server of portal.mjs's own), each zone's tile among them. The dashboard's
// Content-Security-Policy (src/api/http_server.cc) admits the origin of --map-tiles in img-src:
// without it Chromium blocks every tile.
TEST(PortalBrowserTest, MapDrawsTheTilesOfMapTilesUnderTheZones) {
  if (!BrowserAvailable()) GTEST_SKIP() << kBrowserMissing;
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(GenerateStore(tmp, 3, 1));
  const int tile_port = FreePort();
  ASSERT_NE(tile_port, 0);
  ServeProcess serve(
      tmp, {"--store", "embedded:store", "--listen", "127.0.0.1:0", "--retention-days", "0",
            "--map-tiles", "http://127.0.0.1:" + std::to_string(tile_port) + "/{z}/{x}/{y}.png"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  const std::string out = tmp / "browser.log";
  const int status = RunPortalChecks(serve.url() + " --only tiles --tile-port " +
                                         std::to_string(tile_port) + " --artifacts " + tmp.path(),
                                     out);
  EXPECT_EQ(status, 0) << serve.url() << "\n" << ReadFile(out) << "\n--- serve:\n" << serve.log();
  EXPECT_NE(ReadFile(out).find("tiles: "), std::string::npos) << ReadFile(out);
  std::printf("%s", ReadFile(out).c_str());
}

// serve --api-keys: the portal without a key says the API wants one; the key typed into its box
// scopes the pages to that key's tenant (another tenant's key sees none of the zones, the zones'
// own tenant's all of them) and is kept for the next visit; the Migration page (serve
// --migration-source) explains to a tenant's key that it is for operators.
TEST(PortalBrowserTest, TheKeyBoxScopesThePortalToTheKeysTenant) {
  if (!BrowserAvailable()) GTEST_SKIP() << kBrowserMissing;
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(GenerateStore(tmp, 3, 1));
  // The generated zones belong to tenant-rta.
  tmp.Write("keys.txt", "portal-owner-key tenant-rta\nportal-other-key tenant-dmcc\n");
  ASSERT_EQ(chmod((tmp / "keys.txt").c_str(), 0600), 0);
  ServeProcess serve(
      tmp, {"--store", "embedded:store", "--listen", "127.0.0.1:0", "--retention-days", "0",
            "--api-keys", "keys.txt", "--migration-source", "csv:export"});
  ASSERT_FALSE(serve.url().empty()) << serve.log();
  const std::string out = tmp / "browser.log";
  const int status = RunPortalChecks(
      serve.url() + " --only keys --keys portal-owner-key,portal-other-key --artifacts " +
          tmp.path(),
      out);
  EXPECT_EQ(status, 0) << serve.url() << "\n" << ReadFile(out) << "\n--- serve:\n" << serve.log();
  EXPECT_NE(ReadFile(out).find("keys: "), std::string::npos) << ReadFile(out);
  std::printf("%s", ReadFile(out).c_str());
}

}  // namespace
}  // namespace vdpark
