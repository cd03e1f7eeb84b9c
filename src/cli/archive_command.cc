// vdpark archive --store URL --target s3://… [--older-than 80d]: the events a live store will
// let expire (its TTL, SPEC §3) copied into the archive first (migrate/archive.h).
#include <spdlog/spdlog.h>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "migrate/archive.h"

namespace vdpark::cli {

namespace {

struct ArchiveArgs {
  std::string store, target, older_than = "80d", since, rejects = "vdpark-rejects.csv";
  bool json = false;
};

int RunArchive(const ArchiveArgs& a) {
  const Timestamp now = Timestamp::Now();
  auto older = ParseDurationMicros("--older-than", a.older_than);
  if (!older.ok()) return Fail(older.status());
  ArchiveOptions o;
  o.cutoff = now + -*older;
  if (!a.since.empty()) {
    auto since = ParseSince(a.since, now);
    if (!since.ok()) return Fail(since.status());
    o.since = *since;
  }
  StoreOptions read;
  read.create_if_missing = false;
  read.retention_days = 0;  // what the store holds, expired or not: the archive keeps it all
  auto store = OpenStore(a.store, read);
  if (!store.ok()) return Fail(store.status().WithContext("--store"));
  StoreOptions write;
  write.retention_days = 0;
  write.written_from = (*store)->DisplayName();
  auto archive = OpenStore(a.target, write);
  if (!archive.ok()) return Fail(archive.status().WithContext("--target"));
  RejectsFile rejects(a.rejects);
  o.on_reject = rejects.Sink();
  auto report = Archive(**store, **archive, o);
  if (!report.ok()) return Fail(report.status());
  const ArchiveReport& r = *report;
  if (a.json) {
    boost::json::object days;
    for (const auto& [day, n] : r.per_day) days[day] = n;
    PrintJson({{"store", (*store)->DisplayName()},
               {"archive", (*archive)->DisplayName()},
               {"before", o.cutoff.ToIso()},
               {"events", r.events},
               {"days", std::move(days)},
               {"zones", r.zones},
               {"bays", r.bays},
               {"sensors", r.sensors},
               {"rejected", r.rejected},
               {"seconds", r.seconds}});
    return kExitOk;
  }
  std::printf(
      "archived %llu events before %s from %s to %s (%zu days; %llu zones, %llu bays, "
      "%llu sensors) in %.1f s, every one found in the archive\n",
      static_cast<unsigned long long>(r.events), o.cutoff.ToIso().c_str(),
      (*store)->DisplayName().c_str(), (*archive)->DisplayName().c_str(), r.per_day.size(),
      static_cast<unsigned long long>(r.zones), static_cast<unsigned long long>(r.bays),
      static_cast<unsigned long long>(r.sensors), r.seconds);
  for (const auto& [day, n] : r.per_day) {
    std::printf("  %s  %llu\n", day.c_str(), static_cast<unsigned long long>(n));
  }
  if (!rejects.Summary().empty()) std::printf("  %s\n", rejects.Summary().c_str());
  return kExitOk;
}

}  // namespace

void AddArchiveCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ArchiveArgs>();
  CLI::App* cmd = app.add_subcommand(
      "archive",
      "Copy the events a store will soon let expire (its TTL) into an archive (s3://...), "
      "idempotently: run it daily");
  cmd->add_option("--store", args->store, "The live store: " + kStoreUrlForms)->required();
  cmd->add_option("--target", args->target, "The archive: s3://BUCKET/PREFIX (any store URL)")
      ->required();
  cmd->add_option("--older-than", args->older_than,
                  "Archive the events older than this (with DynamoDB's 90-day TTL: 80d leaves ten "
                  "days of daily runs before one expires)")
      ->capture_default_str();
  cmd->add_option("--since", args->since,
                  "Only events at or after this (a duration before now, or a time): what earlier "
                  "runs have not seen");
  cmd->add_option("--rejects", args->rejects, "CSV file for unreadable records")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunArchive(*args); });
}

}  // namespace vdpark::cli
