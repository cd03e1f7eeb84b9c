// The backfill phase of CheckMigration: migrate's checkpoint, else its recorded finish.
#include <cstdio>

#include "migrate/checkpoint.h"
#include "verify/migration_phases.h"

namespace vdpark {

namespace {

constexpr const char* kTitle = "Backfill (§5)";

std::string Count(uint64_t n) {
  return std::to_string(n);
}

std::string Percent(uint64_t part, uint64_t whole) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %%", whole ? 100.0 * part / whole : 100.0);
  return text;
}

}  // namespace

Result<MigrationPhase> CheckBackfill(const MigrationStatusOptions& o,
                                     const std::optional<MigrationRecord>& last_migrate,
                                     std::optional<uint64_t> source_events) {
  MigrationPhase p{"backfill", kTitle, PhaseState::kNotStarted, "", {}};
  const std::string key = MigrateCheckpointKey(o.source_url, o.target_url, o.since);
  const std::string path = o.checkpoint.empty() ? DefaultCheckpointPath(key) : o.checkpoint;
  VDPARK_ASSIGN_OR_RETURN(auto checkpoint, LoadCheckpoint(path, key));
  const std::string held =
      source_events ? "the source holds about " + Count(*source_events) + " events" : "";

  if (checkpoint) {
    // A load under way, or stopped: the same migrate command carries on from the checkpoint.
    const MigrateProgress& g = checkpoint->progress;
    p.state = PhaseState::kInProgress;
    std::string done = Count(g.events_loaded) + " events loaded";
    if (g.source_events) {
      done += " of " + Count(*g.source_events) + " (" + Percent(g.rows_read, *g.source_events) +
              " of the source read)";
    }
    if (g.sliced()) {
      done += ", slice " + Count(g.slices_done) + " of " + Count(g.slices.size());
    }
    p.detail = done + "; checkpoint " + path +
               " (a stopped migrate carries on from it when started again)";
    p.checks.push_back({"load finished", false, done, "backfill not finished (" + done + ")"});
    return p;
  }
  if (!last_migrate) {
    p.detail = "no load recorded and no checkpoint" + (held.empty() ? "" : "; " + held);
    p.checks.push_back({"load finished", false, p.detail, "backfill not started"});
    return p;
  }
  const MigrationRecord& m = *last_migrate;
  const uint64_t written = static_cast<uint64_t>(m.Count("eventsWritten").value_or(0));
  std::string done = "finished " + m.at.ToIso() + ": " + Count(written) + " events written";
  if (auto counted = m.Count("sourceEvents")) {
    done += ", the source held " + Count(static_cast<uint64_t>(*counted));
  }
  p.state = PhaseState::kDone;
  p.detail = done + (held.empty() ? "" : "; now " + held);
  p.checks.push_back({"load finished", true, done, ""});
  if (auto other = OtherStoresCheck(o, m, "the last load copied")) {
    p.state = PhaseState::kUnknown;
    p.checks.push_back(*other);
  }
  return p;
}

}  // namespace vdpark
