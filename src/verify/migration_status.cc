#include "verify/migration_status.h"

#include <spdlog/spdlog.h>

#include "common/redact_url.h"
#include "store/open_store.h"
#include "verify/migration_phases.h"

namespace vdpark {

namespace {

// The source's event count, when it has a cheap one (migrate's completeness guard counts
// exactly; here an estimate is enough). An error when the source cannot be opened.
Result<std::optional<uint64_t>> SourceEvents(const MigrationStatusOptions& o) {
  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = 0;  // what the source holds, as the load reads it
  VDPARK_ASSIGN_OR_RETURN_WITH(auto source, OpenStore(o.source_url, so), "the source");
  return source->EstimateEventCount();
}

// The cutover phase: the verdict over every other phase's checks.
MigrationPhase Cutover(MigrationStatus& s) {
  for (const MigrationPhase& p : s.phases) {
    for (const StatusCheck& c : p.checks) {
      if (c.ok != true && !c.reason.empty()) s.reasons.push_back(c.reason);
    }
  }
  s.ready = s.reasons.empty();
  MigrationPhase cut{"cutover", "Cutover (§7)", PhaseState::kNotStarted, "", {}};
  cut.detail = s.ready ? "ready: no check stands in the way"
                       : "not ready: " + std::to_string(s.reasons.size()) +
                             (s.reasons.size() == 1 ? " reason" : " reasons");
  StatusCheck verdict{"safe to cut over", s.ready, "", ""};
  for (const std::string& r : s.reasons) {
    verdict.detail += verdict.detail.empty() ? "" : "; ";
    verdict.detail += r;
  }
  if (s.ready) verdict.detail = "every phase's checks pass";
  cut.checks.push_back(std::move(verdict));
  return cut;
}

}  // namespace

std::string_view PhaseStateName(PhaseState s) {
  switch (s) {
    case PhaseState::kDone:
      return "done";
    case PhaseState::kInProgress:
      return "in_progress";
    case PhaseState::kNotStarted:
      return "not_started";
    case PhaseState::kFailed:
      return "failed";
    case PhaseState::kUnknown:
      break;
  }
  return "unknown";
}

std::string AgeText(std::chrono::seconds age) {
  const int64_t s = std::max<int64_t>(age.count(), 0);
  if (s < 120) return std::to_string(s) + " s";
  if (s < 2 * 3600 && s != 3600) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " d";
}

Result<MigrationStatus> CheckMigration(const MigrationStatusOptions& options) {
  MigrationStatusOptions o = options;
  if (o.record_dir.empty()) o.record_dir = MigrationStateDir(o.source_url, o.target_url);
  MigrationStatus s;
  s.source = RedactUrl(o.source_url);
  s.target = RedactUrl(o.target_url);
  s.checked_at = o.now;
  VDPARK_ASSIGN_OR_RETURN(s.last_migrate, LoadMigrationRecord(o.record_dir, "migrate"));
  VDPARK_ASSIGN_OR_RETURN(s.last_verify, LoadMigrationRecord(o.record_dir, "verify"));
  VDPARK_ASSIGN_OR_RETURN(s.last_api_compare, LoadMigrationRecord(o.record_dir, "verify-api"));
  VDPARK_ASSIGN_OR_RETURN(s.last_probe, LoadMigrationRecord(o.record_dir, "probe"));
  VDPARK_ASSIGN_OR_RETURN(auto source_events, SourceEvents(o));

  VDPARK_ASSIGN_OR_RETURN(auto table, CheckTargetTable(o));
  s.phases.push_back(std::move(table));
  s.phases.push_back(CheckDualWrite(o));
  VDPARK_ASSIGN_OR_RETURN(auto backfill, CheckBackfill(o, s.last_migrate, source_events));
  s.phases.push_back(std::move(backfill));
  s.phases.push_back(CheckVerify(o, s.last_verify, s.last_migrate));
  s.phases.push_back(CheckApiCompare(o, s.last_api_compare, s.last_probe));
  s.phases.push_back(Cutover(s));
  return s;
}

}  // namespace vdpark
