// Recording a command's result where `vdpark status` finds it (migrate/migration_records.h):
// what verify, verify-api, probe and migrate share.
#pragma once

#include <optional>
#include <string>

#include "migrate/migration_records.h"

namespace CLI {
class App;
}

namespace vdpark::cli {

// Where a command that is not given the migration's stores otherwise (verify-api, probe) records
// its result: record_dir, else the state folder of the migration from migration_source to
// migration_target; neither: not recorded.
struct RecordPlace {
  std::string record_dir, migration_source, migration_target;
  std::optional<std::string> Dir() const;
};
// --migration-source, --migration-target and --record-dir into `place`.
void AddRecordPlaceOptions(CLI::App* cmd, RecordPlace* place);

// Where to record: `record_dir` when given (--record-dir), else the state folder of the
// migration from `source_url` to `target_url` when both are given, else nowhere (nullopt).
std::optional<std::string> RecordDirFor(const std::string& record_dir,
                                        const std::string& source_url,
                                        const std::string& target_url);

// Saves `record` in `dir` (nothing when nullopt). A failure is logged as an error and does not
// change the command's own result, which stands whether or not it could be recorded.
void RecordResult(const std::optional<std::string>& dir, const MigrationRecord& record);

}  // namespace vdpark::cli
