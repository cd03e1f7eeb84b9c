#include "verify/migration_status_cache.h"

namespace vdpark {

Result<boost::json::object> MigrationStatusCache::Get(
    std::optional<std::string> mirror_metrics_text) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (last_ && now - computed_at_ < max_age_) return *last_;
  MigrationStatusOptions o = options_;
  o.now = Timestamp::Now();
  if (mirror_metrics_text) o.mirror_metrics_text = std::move(mirror_metrics_text);
  Result<MigrationStatus> status = CheckMigration(o);
  if (status.ok()) {
    last_ = MigrationStatusJson(*status);
  } else {
    last_ = status.status();
  }
  computed_at_ = now;
  return *last_;
}

}  // namespace vdpark
