// vdpark generate --out csv:DIR: a realistic synthetic export, deterministic for a seed.
#include <spdlog/spdlog.h>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/progress.h"
#include "generate/generator.h"

namespace vdpark::cli {

namespace {

struct GenerateArgs {
  std::string out, end = "today";
  GenerateOptions options;
  uint64_t events = 0;
  bool json = false;
};

}  // namespace

Result<Timestamp> ParseEnd(const std::string& text) {
  if (text == "today") {
    Timestamp now = Timestamp::Now();
    return Timestamp::FromMicros(Timestamp::FloorDiv(now.micros(), kMicrosPerDay) * kMicrosPerDay);
  }
  VDPARK_ASSIGN_OR_RETURN_WITH(auto t, Timestamp::Parse(text), "--end");
  return t;
}

int RunGenerate(const std::string& out_url, GenerateOptions options, bool json) {
  StoreOptions so;
  so.truncate = true;
  so.retention_days = 0;  // generated history is written whole, whatever its age
  auto out = OpenStore(out_url, so);
  if (!out.ok()) return Fail(out.status());
  Progress progress("events", options.target_events);
  auto stats = Generate(options, **out, [&](uint64_t n) { progress.Update(n); });
  if (!stats.ok()) return Fail(stats.status());
  progress.Finish(stats->events);
  if (json) {
    PrintJson({{"out", (*out)->DisplayName()},
               {"zones", stats->zones},
               {"bays", stats->bays},
               {"sensors", stats->sensors},
               {"events", stats->events},
               {"duplicatesWritten", stats->duplicates_written}});
  } else {
    std::printf("generated into %s: %llu zones, %llu bays, %llu sensors, %llu events",
                (*out)->DisplayName().c_str(), (unsigned long long)stats->zones,
                (unsigned long long)stats->bays, (unsigned long long)stats->sensors,
                (unsigned long long)stats->events);
    if (stats->duplicates_written) {
      std::printf(" (+%llu duplicate rows)", (unsigned long long)stats->duplicates_written);
    }
    std::printf(
        " from %s to %s\n",
        Timestamp::FromMicros(options.end.micros() - options.days * kMicrosPerDay).ToIso().c_str(),
        options.end.ToIso().c_str());
  }
  return kExitOk;
}

void AddGenerateCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<GenerateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "generate", "Write a realistic synthetic export: zones, bays, sensors and their history");
  cmd->add_option("--out", a->out, "Store to write: " + kStoreUrlForms)->required();
  cmd->add_option("--seed", a->options.seed, "Same seed, same data")->capture_default_str();
  cmd->add_option("--tenants", a->options.tenants, "Operators")->capture_default_str();
  cmd->add_option("--zones", a->options.zones, "Parking zones")->capture_default_str();
  cmd->add_option("--bays-min", a->options.bays_per_zone_min, "Fewest bays in a zone")
      ->capture_default_str();
  cmd->add_option("--bays-max", a->options.bays_per_zone_max, "Most bays in a zone")
      ->capture_default_str();
  cmd->add_option("--days", a->options.days, "Days of history")->capture_default_str();
  cmd->add_option("--end", a->end, "End of the history: 'today' (00:00 UTC) or a timestamp")
      ->capture_default_str();
  cmd->add_option("--events", a->events, "About this many events (scales the traffic)");
  cmd->add_option("--duplicate-rate", a->options.duplicate_rate,
                  "Fraction of events written twice with the same key")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "Print the summary as JSON");
  cmd->callback([a, exit_code] {
    auto end = ParseEnd(a->end);
    if (!end.ok()) {
      *exit_code = Fail(end.status());
      return;
    }
    GenerateOptions options = a->options;
    options.end = *end;
    if (a->events > 0) options.target_events = a->events;
    *exit_code = RunGenerate(a->out, options, a->json);
  });
}

}  // namespace vdpark::cli
