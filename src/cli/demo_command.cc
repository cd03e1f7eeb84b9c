// vdpark demo: the main job on one machine with no server. Generates a realistic export, migrates
// it into an embedded store, verifies the copy item by item, and says where everything is.
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
};

int RunDemo(const DemoArgs& a) {
  namespace fs = std::filesystem;
  const std::string export_dir = a.dir + "/export";
  const std::string store_dir = a.dir + "/store";
  std::error_code ec;
  fs::remove_all(store_dir, ec);  // a demo starts from nothing; the export is rewritten too
  fs::create_directories(a.dir, ec);

  std::printf("== 1/3 generate: a synthetic TimescaleDB export (plan §5.1) in csv:%s\n",
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

  std::printf("\n== 2/3 migrate: csv:%s -> embedded:%s (the single table of SPEC §3)\n",
              export_dir.c_str(), store_dir.c_str());
  MigrateArgs ma;
  ma.source = "csv:" + export_dir;
  ma.target = "embedded:" + store_dir;
  ma.rejects = a.dir + "/rejects.csv";
  ma.restart = true;  // the export was just made anew: a checkpoint of an earlier demo is stale
  if (int rc = RunMigrate(ma); rc != kExitOk) return rc;

  std::printf("\n== 3/3 verify: every zone, bay, sensor and event compared\n");
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
  return rc;
}

}  // namespace

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Generate an export, migrate it into an embedded store and verify it: no server");
  cmd->add_option("--dir", a->dir, "Folder for the export and the store")->capture_default_str();
  cmd->add_option("--events", a->events, "About this many events")->capture_default_str();
  cmd->add_option("--zones", a->zones, "Parking zones")->capture_default_str();
  cmd->add_option("--days", a->days, "Days of history")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Same seed, same data")->capture_default_str();
  cmd->callback([a, exit_code] { *exit_code = RunDemo(*a); });
}

}  // namespace vdpark::cli
