// MigrateCheckpoint: a load's progress on disk, so that `vdpark migrate` started again with the
// same command carries on where a killed run stopped (SPEC §7; how progress is kept: migrate.h).
//
// One JSON file per migration, by default `<cwd>/.vdpark-migrate/<key>.json`, where the key is a
// hash of the source URL, the target URL and --since as typed: another migration never picks it
// up, and a checkpoint given by path that belongs to another migration is refused. Saving is
// atomic (a temporary file beside it, fsynced, renamed over it, the folder fsynced): a crash
// leaves the old checkpoint or the new one, never half of one. The file holds display names only,
// never a URL's secrets. A checkpoint of the previous format (time slices kept as their bounds,
// "sliceBounds") still loads, its slices as time slice ids, so a load begun by the previous
// release carries on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "migrate/migrate.h"

namespace vdpark {

struct MigrateCheckpoint {
  std::string key;                 // MigrateCheckpointKey() of the migration it belongs to
  std::string source, target;      // display names, for messages
  std::optional<Timestamp> since;  // --since as resolved when the load began ("90d" meant then)
  MigrateProgress progress;
  // csv target: the length of events.csv when `progress` was recorded. Rows past it were written
  // after the checkpoint, and a resumed load cuts them off. nullopt for other targets.
  std::optional<uint64_t> target_events_bytes;
};

// Hex text naming one migration: the same for the same source URL, target URL and --since text.
std::string MigrateCheckpointKey(std::string_view source_url, std::string_view target_url,
                                 std::string_view since_text);

// `<cwd>/.vdpark-migrate/<key>.json`.
std::string DefaultCheckpointPath(std::string_view key);

// The checkpoint saved at `path`; nullopt when there is no such file. kCorruption naming the file
// when it is not a checkpoint this program wrote; kInvalidArgument naming the file and the
// migration it belongs to when its key is not `key`.
Result<std::optional<MigrateCheckpoint>> LoadCheckpoint(const std::string& path,
                                                        std::string_view key);

// Writes `checkpoint` to `path` atomically, creating the folder when missing.
Status SaveCheckpoint(const std::string& path, const MigrateCheckpoint& checkpoint);

// Removes the file, and its folder when that is left empty. OK when there is none.
Status RemoveCheckpoint(const std::string& path);

// A csv target appends its events: the file they go to for a `csv:DIR` target URL (the folder's
// events.csv, CsvStore's layout); nullopt for any other target, which writes by key.
std::optional<std::string> AppendedEventsFile(std::string_view target_url);

// The length of `path` in bytes; 0 when it does not exist.
Result<uint64_t> FileLength(const std::string& path);

// Cuts `path` back to `bytes` and syncs it. kCorruption naming the file when it is shorter: rows
// the checkpoint counted as durable are gone, and resuming would lose them.
Status CutBackTo(const std::string& path, uint64_t bytes);

}  // namespace vdpark
