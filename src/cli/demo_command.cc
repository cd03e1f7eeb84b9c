// vdpark demo: the main job on one machine with no server. Generates a realistic export, migrates
// it into an embedded store, verifies the copy item by item, then serves the API and the
// dashboard over it with a simulated sensor fleet fed to ingest inside the process.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "cli/command_support.h"
#include "cli/commands.h"

namespace vdpark::cli {

namespace {

struct DemoArgs {
  std::string dir = "var/demo";
  uint64_t events = 1'000'000;
  int zones = 40;
  int days = 30;
  uint64_t seed = 42;
  std::string listen = "127.0.0.1:8080";
  int sensors = 200;      // simulated in-process while serving
  double speed = 60;      // simulated seconds per second
  std::string serve_for;  // "" = until Ctrl-C
  bool serve = true;
};

int RunDemo(const DemoArgs& a) {
  namespace fs = std::filesystem;
  const std::string export_dir = a.dir + "/export";
  const std::string store_dir = a.dir + "/store";
  std::error_code ec;
  fs::remove_all(store_dir, ec);  // a demo starts from nothing; the export is rewritten too
  fs::create_directories(a.dir, ec);

  std::printf("== 1/4 generate: a synthetic TimescaleDB export (plan §5.1) in csv:%s\n",
              export_dir.c_str());
  GenerateOptions go;
  go.seed = a.seed;
  go.zones = a.zones;
  go.days = a.days;
  go.target_events = a.events;
  auto end = ParseEnd("today");
  if (!end.ok()) return Fail(end.status());
  go.end = *end;
  if (int rc = RunGenerate("csv:" + export_dir, go, false); rc != kExitOk) return rc;

  std::printf("\n== 2/4 migrate: csv:%s -> embedded:%s (the single table of SPEC §3)\n",
              export_dir.c_str(), store_dir.c_str());
  MigrateArgs ma;
  ma.source = "csv:" + export_dir;
  ma.target = "embedded:" + store_dir;
  ma.rejects = a.dir + "/rejects.csv";
  ma.restart = true;  // the export was just made anew: a checkpoint of an earlier demo is stale
  if (int rc = RunMigrate(ma); rc != kExitOk) return rc;

  std::printf("\n== 3/4 verify: every zone, bay, sensor and event compared\n");
  VerifyArgs va;
  va.source = ma.source;
  va.target = ma.target;
  va.rejects = ma.rejects;
  va.max_listed = 20;
  int rc = RunVerify(va);

  std::printf("\nThe data:\n  export  csv:%s\n  store   embedded:%s\n", export_dir.c_str(),
              store_dir.c_str());
  std::printf(
      "Try:\n  build/vdpark audit --source embedded:%s\n"
      "  build/vdpark verify --source csv:%s --target embedded:%s --sample 100\n",
      store_dir.c_str(), export_dir.c_str(), store_dir.c_str());
  if (rc != kExitOk || !a.serve) return rc;

  std::printf(
      "\n== 4/4 serve: the API and the dashboard, %d sensors simulated at %gx (Ctrl-C stops)\n",
      a.sensors, a.speed);
  ServeArgs sa;
  sa.store = ma.target;
  sa.listen = a.listen;
  sa.simulate_sensors = a.sensors;
  sa.simulate_speed = a.speed;
  sa.stop_after = a.serve_for;
  return RunServe(sa);
}

}  // namespace

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Generate an export, migrate it into an embedded store, verify it, then serve the API and "
      "dashboard with simulated sensors: no server needed");
  cmd->add_option("--dir", a->dir, "Folder for the export and the store")->capture_default_str();
  cmd->add_option("--events", a->events, "About this many events")->capture_default_str();
  cmd->add_option("--zones", a->zones, "Parking zones")->capture_default_str();
  cmd->add_option("--days", a->days, "Days of history")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Same seed, same data")->capture_default_str();
  cmd->add_option("--listen", a->listen, "HOST:PORT of the API and dashboard")
      ->capture_default_str();
  cmd->add_option("--sensors", a->sensors, "Sensors simulated while serving")
      ->capture_default_str();
  cmd->add_option("--speed", a->speed, "Simulated seconds per second")->capture_default_str();
  cmd->add_option("--serve-for", a->serve_for, "Stop serving after this long (90s, 10m)");
  cmd->add_flag("!--no-serve", a->serve, "Stop after verify: no API, no dashboard");
  cmd->callback([a, exit_code] { *exit_code = RunDemo(*a); });
}

}  // namespace vdpark::cli
