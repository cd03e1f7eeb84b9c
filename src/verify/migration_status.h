// CheckMigration: where a migration stands, phase by phase, from real checks, and whether it is
// safe to cut over (plan §3-§7; `vdpark status`, GET /v1/migration/status).
//
// The phases, in the plan's order, each with its checks:
//   - table (§3): the target as the plan wants it. dynamodb: the table exists and is ACTIVE, keys
//     PK (HASH) and SK (RANGE), GSI1 (GSI1PK, GSI1SK, projecting ALL), GSI2 (GSI2PK, GSI2SK,
//     KEYS_ONLY), TTL on `ttl`, a stream with NEW_AND_OLD_IMAGES, point-in-time recovery
//     (DescribeTable, DescribeTimeToLive, DescribeContinuousBackups); what the server does not say
//     (dynalite has no DescribeTimeToLive) is a check that could not be made, ok null. Other
//     targets: the store exists and opens.
//   - dual_write (§4): the mirror's figures from serve's GET /metrics (vdpark_mirror_up,
//     vdpark_mirror_queue_depth, vdpark_mirror_lag_seconds: ingest/postgres_mirror.h): on or off,
//     up, its queue and its lag.
//   - backfill (§5): migrate's checkpoint (migrate/checkpoint.h: a load under way or stopped, its
//     events loaded against the source's count) or its recorded finish (migrate.json).
//   - verify (§6.1): the last recorded `vdpark verify`: its result, age and differences.
//   - api_compare (§6.2, §6.3): the last recorded `vdpark verify-api`, and the last `probe`.
//   - cutover (§7): the verdict.
// Results are read from the migration's state folder (migrate/migration_records.h).
//
// The verdict: ready when no check stands in the way. A check that fails or could not be made
// stands in the way when it carries a `reason` ("verify is 3 h old", "mirror lag 12 s", "backfill
// not finished", "verify found 4 differences", "table has no streams"); checks of what was not
// asked for (no --mirror-metrics, no API comparison recorded) are shown and do not.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "domain/timestamp.h"
#include "migrate/migration_records.h"
#include "store/record_store.h"

namespace vdpark {

struct MigrationStatusOptions {
  std::string source_url, target_url;  // as typed: they name the state folder and the checkpoint
  std::string since;                   // migrate's --since as typed, naming its checkpoint
  std::string record_dir;  // where the results are; "" = MigrationStateDir(source, target)
  std::string checkpoint;  // migrate's --checkpoint; "" = its default for source, target, since
  // The target already open (serve's own store, which it keeps locked): not opened again.
  RecordStore* open_target = nullptr;

  // Dual-write: the mirror's figures, from `mirror_metrics_text` when set (serve's own: "" when it
  // has no mirror), else fetched from `mirror_metrics_url` (serve's /metrics), else not checked.
  std::optional<std::string> mirror_metrics_text;
  std::string mirror_metrics_url;
  bool require_dual_write = false;   // not checked, or off: a reason (always when a URL is given)
  bool require_api_compare = false;  // no verify-api recorded: a reason

  // Thresholds.
  std::chrono::seconds verify_max_age{std::chrono::hours(1)};  // verify, verify-api and probe
  double max_mirror_lag_seconds = 5;
  uint64_t max_mirror_queue = 10'000;
  std::chrono::milliseconds http_timeout{5000};  // the metrics' GET
  Timestamp now = Timestamp::Now();
};

enum class PhaseState { kDone, kInProgress, kNotStarted, kFailed, kUnknown };
std::string_view PhaseStateName(PhaseState s);  // "done", "in_progress", ... (the JSON's)

struct StatusCheck {
  std::string name;
  std::optional<bool> ok;  // nullopt: could not be checked
  std::string detail;
  std::string reason;  // when not ok: the verdict's reason; "" = does not stand in the way
};

struct MigrationPhase {
  std::string id;  // "table", "dual_write", "backfill", "verify", "api_compare", "cutover"
  std::string title;
  PhaseState state = PhaseState::kUnknown;
  std::string detail;
  std::vector<StatusCheck> checks;
};

struct MigrationStatus {
  std::string source, target;  // display names, without secrets
  Timestamp checked_at;
  bool ready = false;
  std::vector<std::string> reasons;  // why not, in phase order
  std::vector<MigrationPhase> phases;
  std::optional<MigrationRecord> last_migrate, last_verify, last_api_compare, last_probe;
};

// Every phase's checks and the verdict. An error (kIOError, kUnavailable, ... naming the store)
// when the source or the target cannot be reached, or a recorded result cannot be read: the
// status is then not known.
Result<MigrationStatus> CheckMigration(const MigrationStatusOptions& options);

// The JSON of `vdpark status --json` and GET /v1/migration/status (the contract of issue 15):
// {source, target, checkedAt, verdict:{ready, reasons}, phases:[{id, title, state, detail,
// checks:[{name, ok, detail}]}], lastVerify, lastApiCompare, lastProbe, lastMigrate}, each last*
// {at, ageSeconds, ok, differences, source, target, firstDifferences, counts, seconds} or null.
boost::json::object MigrationStatusJson(const MigrationStatus& status);

// "45 s", "12 min", "3 h", "2 d": an age as the reasons say it.
std::string AgeText(std::chrono::seconds age);

}  // namespace vdpark
