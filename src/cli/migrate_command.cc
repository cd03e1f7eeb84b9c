// vdpark migrate --source URL --target URL: transform and load (plan §5.1-5.3, §9), resumable
// after a crash (migrate/resumable_load.h), or --dry-run to estimate.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/record_result.h"
#include "common/progress.h"
#include "common/redact_url.h"
#include "migrate/csv_target.h"
#include "migrate/dry_run.h"
#include "migrate/migrate.h"
#include "migrate/resumable_load.h"
#include "store/store_place.h"

namespace vdpark::cli {

namespace {

using ull = unsigned long long;

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

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
          {"sourceEvents", s.source_events ? boost::json::value(*s.source_events) : nullptr},
          {"rowsRead", s.rows_read},
          {"eventsWritten", s.events_written},
          {"duplicates", s.duplicates},
          {"duplicatesExact", s.duplicates_exact},
          {"expired", s.expired},
          {"rejected", s.rejected},
          {"resumed", s.resumed},
          {"eventsAlreadyLoaded", s.events_already_loaded},
          {"seconds", s.seconds},
          {"eventsPerSecond", s.seconds > 0 ? s.events_written / s.seconds : 0}};
}

boost::json::object ToJson(const DryRunEstimate::Items& i) {
  return {{"items", i.items},
          {"bytes", i.bytes},
          {"writeUnits", i.write_units},
          {"indexWriteUnits", i.index_write_units}};
}

// A finished load as `vdpark status` finds it (the backfill phase: migrate/migration_records.h).
MigrationRecord ToRecord(const MigrateArgs& a, const RecordStore& source, const RecordStore& target,
                         const MigrateStats& s) {
  MigrationRecord m;
  m.kind = "migrate";
  m.at = Timestamp::Now();
  m.source = source.DisplayName();
  m.target = target.DisplayName();
  m.pair = MigrationPairKey(a.source, a.target);
  m.ok = true;
  for (const auto& [name, value] :
       {std::pair{"zones", s.zones}, std::pair{"bays", s.bays}, std::pair{"sensors", s.sensors},
        std::pair{"eventsRead", s.events_read}, std::pair{"eventsWritten", s.events_written},
        std::pair{"rowsRead", s.rows_read}, std::pair{"rejected", s.rejected}}) {
    m.counts.emplace_back(name, static_cast<double>(value));
  }
  if (s.source_events) m.counts.emplace_back("sourceEvents", static_cast<double>(*s.source_events));
  m.seconds = s.seconds;
  return m;
}

// The options both a load and a dry run take from the command line; since is set by the caller.
MigrateOptions CommonOptions(const MigrateArgs& a, RejectsFile& rejects) {
  MigrateOptions mo;
  mo.retention_days = a.retention_days;
  mo.batch_size = a.batch_size;
  mo.on_reject = rejects.Sink();
  mo.checkpoint_every = a.checkpoint_every;
  mo.slices = a.time_slices;
  return mo;
}

// What the load will do with a csv target that holds data (`held`: its files with rows): it
// refuses it (unless it resumes, or with --overwrite); the dry run only says so. "" when none.
std::string HeldNote(const MigrateArgs& a, const std::vector<std::string>& held) {
  if (held.empty()) return "";
  return a.target + " already holds data (" + HaveRows(*CsvFolderOf(a.target), held) +
         (a.overwrite || a.restart
              ? "): the load will replace it"
              : "): the load will refuse it unless given --overwrite (which replaces it) "
                "or resuming the load that wrote it");
}

void PrintDryRunJson(const MigrateArgs& a, const DryRunResult& run,
                     const std::vector<std::string>& held, const RejectsFile& rejects) {
  const MigrateStats& s = run.stats;
  const DryRunEstimate& e = run.estimate;
  boost::json::object j{{"dryRun", true},
                        {"zones", ToJson(e.zones)},
                        {"bays", ToJson(e.bays)},
                        {"sensors", ToJson(e.sensors)},
                        {"events", ToJson(e.events)},
                        {"total", ToJson(e.Total())},
                        {"writeUnits", e.WriteUnits()},
                        {"pricePerMillionWru", a.price_per_million_wru},
                        {"costUsd", e.CostUsd(a.price_per_million_wru)},
                        {"maxWcu", a.max_wcu},
                        {"seconds", e.Seconds(a.max_wcu)},
                        {"eventsRead", s.events_read},
                        {"duplicates", s.duplicates},
                        {"expired", s.expired},
                        {"rejected", s.rejected},
                        {"rejectsFile", rejects.count() ? rejects.path() : ""}};
  if (a.max_wcu <= 0) j["seconds"] = nullptr;
  boost::json::array files;
  for (const std::string& f : held) files.emplace_back(f);
  j["targetFilesWithRows"] = std::move(files);
  PrintJson(j);
}

void PrintDryRun(const MigrateArgs& a, const RecordStore& source, const DryRunResult& run,
                 const std::string& held_note, const RejectsFile& rejects) {
  const MigrateStats& s = run.stats;
  const DryRunEstimate& e = run.estimate;
  const DryRunEstimate::Items total = e.Total();
  std::printf("dry run: %s -> %s (nothing written)\n", source.DisplayName().c_str(),
              RedactUrl(a.target).c_str());
  std::printf("  items that would be written: %llu (%s)\n", (ull)total.items,
              FormatBytes(total.bytes).c_str());
  const std::pair<const char*, const DryRunEstimate::Items*> kinds[] = {
      {"zones", &e.zones}, {"bays", &e.bays}, {"sensors", &e.sensors}, {"events", &e.events}};
  for (const auto& [name, i] : kinds) {
    std::printf("    %-8s %llu items, %s, %llu write units + %llu for indexes\n", name,
                (ull)i->items, FormatBytes(i->bytes).c_str(), (ull)i->write_units,
                (ull)i->index_write_units);
  }
  std::printf(
      "  write units: %llu (%llu for items, %llu for GSI1/GSI2): $%.4f on demand at "
      "$%.3f per million\n",
      (ull)e.WriteUnits(), (ull)total.write_units, (ull)total.index_write_units,
      e.CostUsd(a.price_per_million_wru), a.price_per_million_wru);
  if (a.max_wcu > 0) {
    std::printf("  time at --max-wcu %.0f: %s\n", a.max_wcu,
                Progress::FormatDuration(e.Seconds(a.max_wcu)).c_str());
  }
  std::printf("  events: %llu read, %llu skipped past the retention, %llu duplicate keys\n",
              (ull)s.events_read, (ull)s.expired, (ull)s.duplicates);
  std::printf("  rejected: %llu%s\n", (ull)s.rejected,
              rejects.count() ? (" (see " + rejects.path() + ")").c_str() : "");
  if (!held_note.empty()) std::printf("  note: %s\n", held_note.c_str());
}

int RunDryRun(const MigrateArgs& a) {
  StoreOptions so;
  so.retention_days = a.retention_days;
  so.create_if_missing = false;  // a dry run leaves no trace, not even an empty folder
  auto source = OpenStore(a.source, so);
  if (!source.ok()) return Fail(source.status());
  RejectsFile rejects(a.rejects);
  MigrateOptions mo = CommonOptions(a, rejects);
  if (!a.since.empty()) {
    auto since = ParseSince(a.since, mo.now);
    if (!since.ok()) return Fail(since.status());
    mo.since = *since;
  }
  // The target is not opened: opening creates an embedded folder or checks a table, and a dry
  // run writes nothing anywhere.
  auto run = DryRun(**source, mo);
  if (!run.ok()) return Fail(run.status());
  auto held = TargetFilesWithRows(a.target);
  if (!held.ok()) return Fail(held.status());
  if (a.json) {
    PrintDryRunJson(a, *run, *held, rejects);
  } else {
    PrintDryRun(a, **source, *run, HeldNote(a, *held), rejects);
  }
  return kExitOk;
}

void PrintSummary(const MigrateArgs& a, const RecordStore& source, const RecordStore& target,
                  const MigrateStats& s, const RejectsFile& rejects) {
  std::printf("migrated %s -> %s in %s\n", source.DisplayName().c_str(),
              target.DisplayName().c_str(), Progress::FormatDuration(s.seconds).c_str());
  if (s.resumed) {
    std::printf("  resumed from checkpoint: %llu events already loaded\n",
                (ull)s.events_already_loaded);
  }
  std::printf("  zones %llu, bays %llu, sensors %llu\n", (ull)s.zones, (ull)s.bays, (ull)s.sensors);
  // The completeness guard's figures (migrate.h): a shortfall never gets this far.
  if (s.source_events) {
    std::printf("  source holds %llu, read %llu%s\n", (ull)*s.source_events, (ull)s.rows_read,
                s.rows_read > *s.source_events ? " (rows written while the load ran)" : "");
  } else {
    std::printf("  source holds: not counted (%s), read %llu\n",
                s.resumed ? "a load begun before loads counted their source"
                          : "the source cannot count a window without reading it",
                (ull)s.rows_read);
  }
  std::printf("  events: %llu read, %llu loaded (%s)\n", (ull)s.events_read, (ull)s.events_written,
              Progress::FormatRate(s.seconds > 0 ? s.events_written / s.seconds : 0).c_str());
  if (s.duplicates) {
    std::printf("  duplicate keys: %llu%s (the last row of each key is kept)\n", (ull)s.duplicates,
                s.duplicates_exact ? "" : " at least");
  }
  if (s.expired) {
    std::printf(
        "  skipped %llu events older than the %lld-day retention (--retention-days 0 keeps "
        "them)\n",
        (ull)s.expired, (long long)a.retention_days);
  }
  if (s.target_writes.requests > 0) {
    std::printf(
        "  write requests %llu (%llu throttled, %llu items resent), %.0f write units: "
        "$%.4f on demand at $%.3f per million\n",
        (ull)s.target_writes.requests, (ull)s.target_writes.throttled,
        (ull)s.target_writes.retried_items, s.target_writes.consumed_write_units,
        CostUsd(s, a.price_per_million_wru), a.price_per_million_wru);
  }
  std::printf("  rejected: %llu%s\n", (ull)s.rejected,
              rejects.count() ? (" (see " + rejects.path() + ")").c_str() : "");
}

// The load's options from the command line; --since resolved, for a new load.
Result<ResumableLoadOptions> LoadOptions(const MigrateArgs& a, RejectsFile& rejects) {
  ResumableLoadOptions o;
  o.source_url = a.source;
  o.target_url = a.target;
  o.since_text = a.since;
  o.checkpoint_path = a.checkpoint;
  o.restart = a.restart;
  o.overwrite = a.overwrite;
  o.migrate = CommonOptions(a, rejects);
  if (!a.since.empty()) {
    VDPARK_ASSIGN_OR_RETURN(o.migrate.since, ParseSince(a.since, o.migrate.now));
  }
  return o;
}

struct LoadStores {
  std::unique_ptr<RecordStore> source, target;
};

// The source, and the target opened for a bulk load, emptied first when `load` says so.
Result<LoadStores> OpenLoadStores(const MigrateArgs& a, const ResumableLoad& load) {
  StoreOptions so;
  so.retention_days = a.retention_days;
  so.create_if_missing = false;  // a source that is not there is an error, never made empty
  VDPARK_ASSIGN_OR_RETURN(auto source, OpenStore(a.source, so));
  StoreOptions to = so;
  to.create_if_missing = true;
  to.truncate = load.empties_target();
  to.bulk_load = true;
  to.concurrency = a.concurrency;
  to.max_write_units_per_second = a.max_wcu;
  to.written_from = source->DisplayName();
  VDPARK_ASSIGN_OR_RETURN(auto target, OpenStore(a.target, to));
  return LoadStores{std::move(source), std::move(target)};
}

}  // namespace

int RunMigrate(const MigrateArgs& a) {
  // Read what it writes, and with --overwrite empty its own source first: never.
  if (Status s = CheckDifferentStores(a.source, a.target); !s.ok()) return Fail(s);
  if (a.dry_run) return RunDryRun(a);
  RejectsFile rejects(a.rejects);
  auto options = LoadOptions(a, rejects);
  if (!options.ok()) return Fail(options.status());
  auto load = ResumableLoad::Prepare(std::move(*options));
  if (!load.ok()) return Fail(load.status());
  auto stores = OpenLoadStores(a, *load);
  if (!stores.ok()) return Fail(stores.status());
  auto stats = load->Run(*stores->source, *stores->target);
  if (!stats.ok()) {
    int rc = Fail(stats.status());
    // A failed precondition (the source was rewritten under the load) says to start again.
    if (load->checkpoint_recorded() && !stats.status().IsFailedPrecondition()) {
      spdlog::info("what was loaded is recorded in {}: the same command carries on from there",
                   load->checkpoint_path());
    }
    return rc;
  }
  RecordResult(RecordDirFor(a.record_dir, a.source, a.target),
               ToRecord(a, *stores->source, *stores->target, *stats));
  if (a.json) {
    auto j = ToJson(*stats, a.price_per_million_wru);
    j["rejectsFile"] = rejects.count() ? rejects.path() : "";
    PrintJson(j);
    return kExitOk;
  }
  PrintSummary(a, *stores->source, *stores->target, *stats, rejects);
  return kExitOk;
}

void AddMigrateCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<MigrateArgs>();
  CLI::App* cmd = app.add_subcommand("migrate",
                                     "Copy zones, bays, sensors and events from one "
                                     "store to another (backfill, export, rollback)");
  cmd->add_option("--source", args->source, "Store to read: " + kStoreUrlForms)->required();
  cmd->add_option("--target", args->target, "Store to write: " + kStoreUrlForms)->required();
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
  cmd->add_flag("--overwrite,--truncate", args->overwrite,
                "Replace what the target holds: a csv target's files are emptied first (without "
                "it, a csv target that holds data is refused), a postgres:// target's four tables");
  cmd->add_option("--checkpoint", args->checkpoint,
                  "Progress file: a killed migrate started again carries on from it "
                  "(default .vdpark-migrate/<hash of source, target, since>.json)");
  cmd->add_option("--checkpoint-every", args->checkpoint_every,
                  "Events loaded between checkpoints (sources read in a repeatable order)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--slices,--time-slices", args->time_slices,
                  "Pieces the events are cut into, each checkpointed, for sources read in no set "
                  "order (PostgreSQL: page ranges; others: time slices)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--restart", args->restart,
                "Ignore any checkpoint and start from the beginning (a csv target is emptied "
                "first)");
  cmd->add_flag("--dry-run", args->dry_run,
                "Read the source, write nothing: items, size, write units, cost and time");
  cmd->add_option("--record-dir", args->record_dir,
                  "Where a finished load is recorded for vdpark status (default "
                  ".vdpark-status/<hash of source and target>)");
  cmd->add_flag("--json", args->json, "Print the summary as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunMigrate(*args); });
}

}  // namespace vdpark::cli
