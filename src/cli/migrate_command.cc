// vdpark migrate --source URL --target URL: transform and load (plan §5.1-5.3, §9).
#include <spdlog/spdlog.h>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/progress.h"
#include "migrate/migrate.h"

namespace vdpark::cli {

namespace {

double CostUsd(const MigrateStats& s, double price_per_million) {
  return s.target_writes.consumed_write_units * price_per_million / 1e6;
}

boost::json::object ToJson(const MigrateStats& s, double price_per_million) {
  return {{"writeUnits", s.target_writes.consumed_write_units},
          {"writeRequests", s.target_writes.requests},
          {"throttled", s.target_writes.throttled},
          {"retriedItems", s.target_writes.retried_items},
          {"concurrencyCuts", s.target_writes.concurrency_cuts},
          {"costUsd", CostUsd(s, price_per_million)},
          {"zones", s.zones},
          {"bays", s.bays},
          {"sensors", s.sensors},
          {"eventsRead", s.events_read},
          {"eventsWritten", s.events_written},
          {"duplicates", s.duplicates},
          {"duplicatesExact", s.duplicates_exact},
          {"expired", s.expired},
          {"rejected", s.rejected},
          {"seconds", s.seconds},
          {"eventsPerSecond", s.seconds > 0 ? s.events_written / s.seconds : 0}};
}

}  // namespace

int RunMigrate(const MigrateArgs& a) {
  StoreOptions so;
  so.retention_days = a.retention_days;
  auto source = OpenStore(a.source, so);
  if (!source.ok()) return Fail(source.status());
  StoreOptions to = so;
  to.truncate = a.truncate;
  to.bulk_load = true;
  to.concurrency = a.concurrency;
  to.max_write_units_per_second = a.max_wcu;
  auto target = OpenStore(a.target, to);
  if (!target.ok()) return Fail(target.status());

  MigrateOptions mo;
  mo.retention_days = a.retention_days;
  mo.batch_size = a.batch_size;
  if (!a.since.empty()) {
    auto since = ParseSince(a.since, mo.now);
    if (!since.ok()) return Fail(since.status());
    mo.since = *since;
  }
  RejectsFile rejects(a.rejects);
  mo.on_reject = rejects.Sink();
  spdlog::info("migrating {} -> {}", (*source)->DisplayName(), (*target)->DisplayName());
  auto stats = Migrate(**source, **target, mo);
  if (!stats.ok()) return Fail(stats.status());
  if (a.json) {
    auto j = ToJson(*stats, a.price_per_million_wru);
    j["rejectsFile"] = rejects.count() ? rejects.path() : "";
    PrintJson(j);
    return kExitOk;
  }
  const MigrateStats& s = *stats;
  std::printf("migrated %s -> %s in %s\n", (*source)->DisplayName().c_str(),
              (*target)->DisplayName().c_str(), Progress::FormatDuration(s.seconds).c_str());
  std::printf("  zones %llu, bays %llu, sensors %llu\n", (unsigned long long)s.zones,
              (unsigned long long)s.bays, (unsigned long long)s.sensors);
  std::printf("  events: %llu read, %llu loaded (%s)\n", (unsigned long long)s.events_read,
              (unsigned long long)s.events_written,
              Progress::FormatRate(s.seconds > 0 ? s.events_written / s.seconds : 0).c_str());
  if (s.duplicates) {
    std::printf("  duplicate keys: %llu%s (the last row of each key is kept)\n",
                (unsigned long long)s.duplicates, s.duplicates_exact ? "" : " at least");
  }
  if (s.expired) {
    std::printf(
        "  skipped %llu events older than the %lld-day retention (--retention-days 0 keeps "
        "them)\n",
        (unsigned long long)s.expired, (long long)a.retention_days);
  }
  if (s.target_writes.requests > 0) {
    std::printf(
        "  write requests %llu (%llu throttled, %llu items resent), %.0f write units: "
        "$%.4f on demand at $%.3f per million\n",
        (unsigned long long)s.target_writes.requests, (unsigned long long)s.target_writes.throttled,
        (unsigned long long)s.target_writes.retried_items, s.target_writes.consumed_write_units,
        CostUsd(s, a.price_per_million_wru), a.price_per_million_wru);
  }
  std::printf("  rejected: %llu%s\n", (unsigned long long)s.rejected,
              rejects.count() ? (" (see " + rejects.path() + ")").c_str() : "");
  return kExitOk;
}

void AddMigrateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<MigrateArgs>();
  CLI::App* cmd = app.add_subcommand("migrate",
                                     "Copy zones, bays, sensors and events from one "
                                     "store to another (backfill, export, rollback)");
  cmd->add_option("--source", args->source, "Store to read: csv:DIR, embedded:DIR")->required();
  cmd->add_option("--target", args->target, "Store to write: csv:DIR, embedded:DIR")->required();
  cmd->add_option("--since", args->since, "Only events since: 90d, 36h, or a timestamp");
  cmd->add_option("--retention-days", args->retention_days,
                  "Events' ttl = their time + this many days; older events are skipped; 0 = keep "
                  "all")
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Events per write")->capture_default_str();
  cmd->add_option("--concurrency", args->concurrency, "Write requests in flight (dynamodb target)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-wcu", args->max_wcu,
                  "Ceiling on write units per second (dynamodb target); 0 = none")
      ->capture_default_str();
  cmd->add_option("--price-per-million-wru", args->price_per_million_wru,
                  "USD per million on-demand write request units, for the cost report")
      ->capture_default_str();
  cmd->add_option("--rejects", args->rejects, "CSV file for rejected rows")->capture_default_str();
  cmd->add_flag("--truncate", args->truncate, "Empty a csv target first instead of appending");
  cmd->add_flag("--json", args->json, "Print the summary as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunMigrate(*args); });
}

}  // namespace vdpark::cli
