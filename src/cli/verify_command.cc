// vdpark verify --source URL --target URL: proof that two stores agree (plan §5.4, §6.1).
#include <spdlog/spdlog.h>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/record_result.h"
#include "common/progress.h"
#include "verify/verify.h"

namespace vdpark::cli {

namespace {

boost::json::object ToJson(const EntityCounts& c) {
  return {{"source", c.source}, {"target", c.target},       {"missing", c.missing},
          {"extra", c.extra},   {"different", c.different}, {"compared", c.compared}};
}

boost::json::object ToJson(const VerifyReport& r) {
  boost::json::array diffs;
  for (const auto& d : r.differences) {
    diffs.push_back({{"entity", d.entity},
                     {"kind", d.kind},
                     {"key", d.key},
                     {"detail", d.detail},
                     {"count", d.count}});
  }
  return {{"source", r.source_name},
          {"target", r.target_name},
          {"ok", r.ok()},
          {"zones", ToJson(r.zones)},
          {"bays", ToJson(r.bays)},
          {"sensors", ToJson(r.sensors)},
          {"events", ToJson(r.events)},
          {"zoneDays", r.zone_days},
          {"zoneDayMismatches", r.zone_day_mismatches.size()},
          {"sqlZoneDays", r.sql_zone_days},
          {"sourceDuplicates", r.source_duplicates},
          {"targetDuplicates", r.target_duplicates},
          {"excessDuplicates", r.excess_duplicates},
          {"rejected", r.rejected},
          {"sampled", r.sampled},
          {"totalDifferences", r.total_differences},
          {"differences", std::move(diffs)},
          {"seconds", r.seconds}};
}

// The report as `vdpark status` finds it (migrate/migration_records.h).
MigrationRecord ToRecord(const VerifyArgs& a, const VerifyReport& r) {
  MigrationRecord m;
  m.kind = "verify";
  m.at = Timestamp::Now();
  m.source = r.source_name;
  m.target = r.target_name;
  m.pair = MigrationPairKey(a.source, a.target);
  m.ok = r.ok();
  m.differences = r.total_differences;
  for (const auto& d : r.differences) {
    if (m.first_differences.size() == kRecordedDifferences) break;
    std::string text = d.kind + " " + d.entity + " " + d.key;
    if (!d.detail.empty()) text += ": " + d.detail;
    m.first_differences.push_back(std::move(text));
  }
  const std::pair<const char*, const EntityCounts*> entities[] = {
      {"zones", &r.zones}, {"bays", &r.bays}, {"sensors", &r.sensors}, {"events", &r.events}};
  for (const auto& [name, c] : entities) {
    const std::string n = name;
    for (const auto& [field, value] :
         {std::pair{".source", c->source}, std::pair{".target", c->target},
          std::pair{".missing", c->missing}, std::pair{".extra", c->extra},
          std::pair{".different", c->different}}) {
      m.counts.emplace_back(n + field, static_cast<double>(value));
    }
  }
  m.counts.emplace_back("zoneDayMismatches", static_cast<double>(r.zone_day_mismatches.size()));
  m.counts.emplace_back("rejected", static_cast<double>(r.rejected));
  m.counts.emplace_back("sampled", r.sampled ? 1.0 : 0.0);
  m.seconds = r.seconds;
  return m;
}

void PrintCounts(const char* name, const EntityCounts& c) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "  %-8s source %-10llu target %-10llu compared %-10llu missing %llu, extra %llu, "
      "different %llu\n",
      name, u(c.source), u(c.target), u(c.compared), u(c.missing), u(c.extra), u(c.different));
}

void PrintReport(const VerifyArgs& a, const VerifyReport& r, const RejectsFile& rejects) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf(
      "verify %s against %s (%s)\n", r.source_name.c_str(), r.target_name.c_str(),
      r.sampled ? ("events sampled: " + std::to_string(a.sample)).c_str() : "every item compared");
  PrintCounts("zones", r.zones);
  PrintCounts("bays", r.bays);
  PrintCounts("sensors", r.sensors);
  PrintCounts("events", r.events);
  std::printf("  events per zone per day: %llu zone-days, %llu differ\n", u(r.zone_days),
              u(r.zone_day_mismatches.size()));
  if (r.sql_zone_days) {
    std::printf("  zone-day counts checked against the store's own SQL: %llu\n",
                u(r.sql_zone_days));
  }
  if (r.source_duplicates) {
    std::printf(
        "  the source has %llu rows whose key repeats an earlier row's; they count once, "
        "as a load keeps one item per key\n",
        u(r.source_duplicates));
  }
  if (r.target_duplicates) {
    std::printf("  the target has %llu rows whose key repeats an earlier row's%s\n",
                u(r.target_duplicates),
                r.excess_duplicates ? ", more than the source: it holds events more than once (a "
                                      "difference each)"
                : r.target_duplicates <= r.source_duplicates
                    ? ", no more than the source (a row-for-row copy)"
                    : "; they count once, as the source's do");
  }
  if (r.rejected) {
    std::printf("  %llu records could not be read or mapped and were not compared%s\n",
                u(r.rejected), rejects.count() ? (" (see " + rejects.path() + ")").c_str() : "");
  }
  uint64_t listed = 0;
  for (const auto& d : r.differences) {
    std::printf("  %-9s %-6s %s%s%s\n", d.kind.c_str(), d.entity.c_str(), d.key.c_str(),
                d.detail.empty() ? "" : ": ", d.detail.c_str());
    listed += d.count;
  }
  if (r.total_differences > listed) {
    std::printf("  ... and %llu more differences\n", u(r.total_differences - listed));
  }
  std::printf("%s: %llu differences in %s\n", r.ok() ? "OK" : "DIFFERENT", u(r.total_differences),
              Progress::FormatDuration(r.seconds).c_str());
}

}  // namespace

int RunVerify(const VerifyArgs& a) {
  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = a.retention_days;
  auto source = OpenStore(a.source, so);
  if (!source.ok()) return Fail(source.status());
  auto target = OpenStore(a.target, so);
  if (!target.ok()) return Fail(target.status());
  VerifyOptions vo;
  vo.sample = a.sample;
  vo.max_listed = a.max_listed;
  vo.retention_days = a.retention_days;
  if (!a.since.empty()) {
    auto since = ParseSince(a.since, vo.now);
    if (!since.ok()) return Fail(since.status());
    vo.since = *since;
  }
  RejectsFile rejects(a.rejects);
  vo.on_reject = rejects.Sink();
  auto report = Verify(**source, **target, vo);
  if (!report.ok()) {
    // Once both stores are open, a failure is the work's, whatever its kind: never bad usage.
    (void)Fail(report.status());
    return kExitFailed;
  }
  const VerifyReport& r = *report;
  RecordResult(RecordDirFor(a.record_dir, a.source, a.target), ToRecord(a, r));
  int code = r.ok() ? kExitOk : kExitDifferences;
  if (a.json) {
    PrintJson(ToJson(r));
    return code;
  }
  PrintReport(a, r, rejects);
  return code;
}

void AddVerifyCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Compare two stores: counts, then every item; exit 1 on any difference");
  cmd->add_option("--source", args->source, "The store migrated from: " + kStoreUrlForms)
      ->required();
  cmd->add_option("--target", args->target, "The store migrated to: " + kStoreUrlForms)->required();
  cmd->add_option("--sample", args->sample,
                  "Compare N random source events instead of all (counts stay complete)");
  cmd->add_option("--since", args->since, "Only events since: 90d, 36h, or a timestamp");
  cmd->add_option("--retention-days", args->retention_days,
                  "Leave out events past this retention on both sides; 0 = none")
      ->capture_default_str();
  cmd->add_option("--max-listed", args->max_listed, "Differences to list (all are counted)")
      ->capture_default_str();
  cmd->add_option("--rejects", args->rejects, "CSV file for unreadable records")
      ->capture_default_str();
  cmd->add_option("--record-dir", args->record_dir,
                  "Where the result is recorded for vdpark status (default "
                  ".vdpark-status/<hash of source and target>)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunVerify(*args); });
}

}  // namespace vdpark::cli
