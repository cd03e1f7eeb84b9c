// vdpark audit --source URL: what a source holds before a migration (plan §2.2, §2.3).
#include <spdlog/spdlog.h>

#include "audit/audit.h"
#include "cli/command_support.h"
#include "cli/commands.h"

namespace vdpark::cli {

namespace {

struct AuditArgs {
  std::string source, rejects = "vdpark-rejects.csv";
  bool json = false;
};

boost::json::object ToJson(const AuditReport& r) {
  boost::json::object per_zone;
  for (const auto& [zone, n] : r.events_per_zone) per_zone[zone] = n;
  boost::json::array examples;
  for (const auto& e : r.duplicate_examples) examples.push_back(boost::json::string(e));
  return {{"source", r.source_name},
          {"zones", r.zones},
          {"bays", r.bays},
          {"sensors", r.sensors},
          {"events", r.events},
          {"arrivals", r.arrivals},
          {"departures", r.departures},
          {"firstEvent", r.first_event ? r.first_event->ToIso() : ""},
          {"lastEvent", r.last_event ? r.last_event->ToIso() : ""},
          {"distinctEventSensors", r.distinct_event_sensors},
          {"eventsPerZone", std::move(per_zone)},
          {"duplicateKeys", r.duplicate_keys},
          {"duplicatesExact", r.duplicates_exact},
          {"duplicateExamples", std::move(examples)},
          {"eventsOfUnknownBays", r.events_of_unknown_bays},
          {"rejected", r.rejected},
          {"seconds", r.seconds}};
}

void PrintReport(const AuditReport& r, const RejectsFile& rejects) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::printf("audit of %s\n", r.source_name.c_str());
  std::printf("  zones %llu, bays %llu, sensors %llu\n", u(r.zones), u(r.bays), u(r.sensors));
  std::printf("  events %llu (%llu ARRIVE, %llu LEAVE)\n", u(r.events), u(r.arrivals),
              u(r.departures));
  if (r.first_event) {
    std::printf("  date range %s .. %s\n", r.first_event->ToIso().c_str(),
                r.last_event->ToIso().c_str());
  }
  if (r.distinct_event_sensors) {
    std::printf("  distinct sensors in events %llu\n", u(r.distinct_event_sensors));
  } else {
    std::printf("  distinct sensors in events: the events carry no sensor id; %llu registered\n",
                u(r.sensors));
  }
  std::printf("  events per zone:\n");
  for (const auto& [zone, n] : r.events_per_zone)
    std::printf("    %-40s %llu\n", zone.c_str(), u(n));
  std::printf("  duplicate event keys: %llu%s\n", u(r.duplicate_keys),
              r.duplicates_exact ? "" : " (at least: the events are in no order)");
  for (const auto& e : r.duplicate_examples) std::printf("    %s\n", e.c_str());
  std::printf("  events of bays the source does not have: %llu\n", u(r.events_of_unknown_bays));
  std::printf("  unreadable rows: %llu%s\n", u(r.rejected),
              rejects.count() ? (" (see " + rejects.path() + ")").c_str() : "");
}

int Run(const AuditArgs& a) {
  StoreOptions so;
  so.create_if_missing = false;
  auto source = OpenStore(a.source, so);
  if (!source.ok()) return Fail(source.status());
  RejectsFile rejects(a.rejects);
  AuditOptions ao;
  ao.on_reject = rejects.Sink();
  auto report = Audit(**source, ao);
  if (!report.ok()) return Fail(report.status());
  const AuditReport& r = *report;
  if (a.json) {
    PrintJson(ToJson(r));
    return kExitOk;
  }
  PrintReport(r, rejects);
  return kExitOk;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AuditArgs>();
  CLI::App* cmd = app.add_subcommand(
      "audit", "Count what a store holds and find what a migration would trip on");
  cmd->add_option("--source", args->source, "Store to audit: " + kStoreUrlForms)->required();
  cmd->add_option("--rejects", args->rejects, "CSV file for unreadable rows")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace vdpark::cli
