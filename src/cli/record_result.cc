#include "cli/record_result.h"

#include <spdlog/spdlog.h>

namespace vdpark::cli {

std::optional<std::string> RecordDirFor(const std::string& record_dir,
                                        const std::string& source_url,
                                        const std::string& target_url) {
  if (!record_dir.empty()) return record_dir;
  if (source_url.empty() || target_url.empty()) return std::nullopt;
  return MigrationStateDir(source_url, target_url);
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
