// vdpark status --source URL --target URL: where the migration stands, phase by phase, and
// whether it is safe to cut over (verify/migration_status.h). Exit 0 when ready, 1 when not, 2
// when a store (or a recorded result) cannot be read, 3 on bad usage.
#include <memory>
#include <string>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "verify/migration_status.h"

namespace vdpark::cli {

namespace {

struct StatusArgs {
  std::string source, target, since, record_dir, checkpoint, mirror_metrics;
  std::string verify_max_age = "1h";
  double max_mirror_lag = 5;
  uint64_t max_mirror_queue = 10'000;
  bool require_dual_write = false, require_api_compare = false, json = false;
};

const char* Mark(const std::optional<bool>& ok) {
  if (!ok) return "?   ";
  return *ok ? "ok  " : "FAIL";
}

void PrintStatus(const MigrationStatus& s) {
  std::printf("migration %s -> %s, checked %s\n", s.source.c_str(), s.target.c_str(),
              s.checked_at.ToIso().c_str());
  for (const MigrationPhase& p : s.phases) {
    if (p.id == "cutover") continue;  // the verdict below says it
    const std::string state = "[" + std::string(PhaseStateName(p.state)) + "]";
    std::printf("  %-14s %s: %s\n", state.c_str(), p.title.c_str(), p.detail.c_str());
    for (const StatusCheck& c : p.checks) {
      if (p.checks.size() == 1 && c.detail == p.detail && c.ok != false) continue;  // said above
      std::printf("      %s %s: %s\n", Mark(c.ok), c.name.c_str(), c.detail.c_str());
    }
  }
  if (s.ready) {
    std::printf("READY to cut over: no check stands in the way\n");
    return;
  }
  std::printf("NOT READY to cut over:\n");
  for (const std::string& r : s.reasons) std::printf("  - %s\n", r.c_str());
}

int RunStatus(const StatusArgs& a) {
  MigrationStatusOptions o;
  o.source_url = a.source;
  o.target_url = a.target;
  o.since = a.since;
  o.record_dir = a.record_dir;
  o.checkpoint = a.checkpoint;
  o.mirror_metrics_url = a.mirror_metrics;
  o.require_dual_write = a.require_dual_write;
  o.require_api_compare = a.require_api_compare;
  o.max_mirror_lag_seconds = a.max_mirror_lag;
  o.max_mirror_queue = a.max_mirror_queue;
  auto age = ParseDurationMicros("--verify-max-age", a.verify_max_age);
  if (!age.ok()) return Fail(age.status());
  o.verify_max_age = std::chrono::seconds(*age / 1'000'000);
  auto status = CheckMigration(o);
  if (!status.ok()) {
    (void)Fail(status.status());
    return kExitFailed;  // the status is not known: never "bad usage" once the URLs parse
  }
  if (a.json) {
    PrintJson(MigrationStatusJson(*status));
  } else {
    PrintStatus(*status);
  }
  return status->ready ? kExitOk : kExitDifferences;
}

}  // namespace

void AddStatusCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Where the migration stands, phase by phase (table, dual-write, backfill, verify, API "
      "comparison), and whether it is safe to cut over: exit 0 ready, 1 not ready");
  cmd->add_option("--source", args->source, "The store migrated from: " + kStoreUrlForms)
      ->required();
  cmd->add_option("--target", args->target, "The store migrated to: " + kStoreUrlForms)->required();
  cmd->add_option("--mirror-metrics", args->mirror_metrics,
                  "The /metrics of the serve that dual-writes (http://HOST:PORT/metrics): the "
                  "mirror's queue and lag; without it dual-write is not checked");
  cmd->add_option("--since", args->since, "migrate's --since, as typed (names its checkpoint)");
  cmd->add_option("--checkpoint", args->checkpoint, "migrate's --checkpoint, when it was given");
  cmd->add_option("--record-dir", args->record_dir,
                  "Where verify, verify-api, probe and migrate recorded their results (default "
                  ".vdpark-status/<hash of source and target>)");
  cmd->add_option("--verify-max-age", args->verify_max_age,
                  "A recorded verify, verify-api or probe older than this stands in the way")
      ->capture_default_str();
  cmd->add_option("--max-mirror-lag", args->max_mirror_lag,
                  "Seconds the mirror's oldest waiting change may have waited")
      ->capture_default_str();
  cmd->add_option("--max-mirror-queue", args->max_mirror_queue,
                  "Changes that may wait in the mirror's queue")
      ->capture_default_str();
  cmd->add_flag("--require-dual-write", args->require_dual_write,
                "Not ready unless dual-write is on and checked");
  cmd->add_flag("--require-api-compare", args->require_api_compare,
                "Not ready unless a verify-api is recorded");
  cmd->add_flag("--json", args->json, "Print the status as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunStatus(*args); });
}

}  // namespace vdpark::cli
