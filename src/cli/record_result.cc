#include "cli/record_result.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

namespace vdpark::cli {

std::optional<std::string> RecordDirFor(const std::string& record_dir,
                                        const std::string& source_url,
                                        const std::string& target_url) {
  if (!record_dir.empty()) return record_dir;
  if (source_url.empty() || target_url.empty()) return std::nullopt;
  return MigrationStateDir(source_url, target_url);
}

std::optional<std::string> RecordPlace::Dir() const {
  return RecordDirFor(record_dir, migration_source, migration_target);
}

void AddRecordPlaceOptions(CLI::App* cmd, RecordPlace* place) {
  cmd->add_option("--migration-source", place->migration_source,
                  "The store migrated from (with --migration-target): the result is recorded "
                  "where vdpark status --source URL --target URL finds it");
  cmd->add_option("--migration-target", place->migration_target,
                  "The store migrated to (with --migration-source)");
  cmd->add_option("--record-dir", place->record_dir,
                  "Where the result is recorded for vdpark status (instead of the migration's "
                  "state folder)");
}

void RecordResult(const std::optional<std::string>& dir, const MigrationRecord& record) {
  if (!dir) return;
  if (Status s = SaveMigrationRecord(*dir, record); !s.ok()) {
    spdlog::error("the {} result was not recorded for vdpark status: {}", record.kind,
                  s.ToString());
    return;
  }
  spdlog::debug("{} result recorded in {}", record.kind, MigrationRecordPath(*dir, record.kind));
}

}  // namespace vdpark::cli
