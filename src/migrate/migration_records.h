// The migration's recorded results: what `vdpark migrate`, `verify`, `verify-api` and `probe`
// found, kept where `vdpark status` (verify/migration_status.h) finds them.
//
// One JSON file per kind ("migrate.json", "verify.json", "verify-api.json", "probe.json") in the
// migration's state folder, by default `<cwd>/.vdpark-status/<key>/`, beside migrate's checkpoints
// (`<cwd>/.vdpark-migrate/`, migrate/checkpoint.h, which hold only loads under way and go when
// they finish), where the key is MigrateCheckpointKey of the source URL and the target URL as
// typed (no --since): the folder of one source/target pair, whatever window each command checked.
// Each file holds the last result of its kind, replaced whole (written through a temporary file
// and renamed: common/atomic_file.h), display names only, never a URL's secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "domain/timestamp.h"

namespace vdpark {

// The differences a record lists (all are counted in `differences`).
inline constexpr size_t kRecordedDifferences = 10;

struct MigrationRecord {
  std::string kind;            // "migrate", "verify", "verify-api" or "probe"
  Timestamp at;                // when the command finished
  std::string source, target;  // display names: the stores, the old and new APIs, the broker
  // migrate and verify: MigrationPairKey of the URLs compared, so that `vdpark status` tells a
  // result of this migration's stores from one of others recorded into its folder (--record-dir);
  // "" for the other kinds and for records written before it was kept.
  std::string pair;
  bool ok = false;           // no difference found (probe: every target showed the change)
  uint64_t differences = 0;  // all of them (probe: the targets that did not show the change)
  std::vector<std::string> first_differences;  // at most kRecordedDifferences, as text
  // The command's figures by name, in the order it gives them ("events.source", "eventsWritten").
  std::vector<std::pair<std::string, double>> counts;
  double seconds = 0;  // how long the command took

  // The figure named `name`; nullopt when the record has none.
  std::optional<double> Count(std::string_view name) const;
};

// MigrateCheckpointKey(source_url, target_url, ""): the key of one source/target pair as typed.
std::string MigrationPairKey(std::string_view source_url, std::string_view target_url);

// `<cwd>/.vdpark-status/<MigrationPairKey(source_url, target_url)>`.
std::string MigrationStateDir(std::string_view source_url, std::string_view target_url);

// `dir/<kind>.json`.
std::string MigrationRecordPath(std::string_view dir, std::string_view kind);

// Replaces the record of `record.kind` in `dir` atomically, creating the folder when missing.
// kIOError naming the file when it cannot be written.
Status SaveMigrationRecord(const std::string& dir, const MigrationRecord& record);

// The last record of `kind` in `dir`; nullopt when there is none. kCorruption naming the file and
// the field when it is not a record this program wrote.
Result<std::optional<MigrationRecord>> LoadMigrationRecord(const std::string& dir,
                                                           std::string_view kind);

}  // namespace vdpark
