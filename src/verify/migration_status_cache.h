// MigrationStatusCache: the migration's status computed at most every few seconds, for GET
// /v1/migration/status (a page that refreshes would otherwise open the source and describe the
// table on every request).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "verify/migration_status.h"

namespace vdpark {

class MigrationStatusCache {
 public:
  // `options`: those of every computation (`now` is set to the time of each).
  MigrationStatusCache(MigrationStatusOptions options, std::chrono::milliseconds max_age)
      : options_(std::move(options)), max_age_(max_age) {}

  // The status as JSON (MigrationStatusJson), computed again when the last one is older than
  // max_age, with `mirror_metrics_text` (serve's own mirror's figures) when given; an error is
  // kept as long as a status. Callers at the same time wait for one computation. Thread-safe.
  Result<boost::json::object> Get(std::optional<std::string> mirror_metrics_text = std::nullopt);

 private:
  const MigrationStatusOptions options_;
  const std::chrono::milliseconds max_age_;
  std::mutex mu_;
  std::optional<Result<boost::json::object>> last_;
  std::chrono::steady_clock::time_point computed_at_;
};

}  // namespace vdpark
