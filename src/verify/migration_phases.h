// The phases of CheckMigration (migration_status.h), one file each. Internal to src/verify.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "migrate/migration_records.h"
#include "verify/migration_status.h"

namespace vdpark {

// table (§3): the target as the plan wants it. An error when the target cannot be reached.
Result<MigrationPhase> CheckTargetTable(const MigrationStatusOptions& options);

// dual_write (§4): the mirror's figures. Never an error: a failed fetch is a failed check.
MigrationPhase CheckDualWrite(const MigrationStatusOptions& options);

// backfill (§5): the checkpoint, else the recorded finish (`last_migrate`), against the source's
// count (`source_events`: nullopt when the source cannot count cheaply). An error when the
// checkpoint cannot be read.
Result<MigrationPhase> CheckBackfill(const MigrationStatusOptions& options,
                                     const std::optional<MigrationRecord>& last_migrate,
                                     std::optional<uint64_t> source_events);

// verify (§6.1) from the last recorded verify, and whether it came after the backfill's end.
MigrationPhase CheckVerify(const MigrationStatusOptions& options,
                           const std::optional<MigrationRecord>& last_verify,
                           const std::optional<MigrationRecord>& last_migrate);

// api_compare (§6.2, §6.3) from the last recorded verify-api and probe.
MigrationPhase CheckApiCompare(const MigrationStatusOptions& options,
                               const std::optional<MigrationRecord>& last_api_compare,
                               const std::optional<MigrationRecord>& last_probe);

// The check of a recorded result's age: ok when at most options.verify_max_age old; its reason
// "`what` is 3 h old".
StatusCheck AgeCheck(const MigrationStatusOptions& options, const MigrationRecord& record,
                     const std::string& what);

// nullopt when `record` (a migrate's or a verify's) compared this migration's source and target,
// or does not say (MigrationRecord::pair empty: written before it was kept); else the failed
// check naming the stores it compared, its reason "`what` A -> B, not ..." (`what`: "the last
// verify compared"). A result is
// found in the migration's folder by default, but --record-dir can put another pair's there.
std::optional<StatusCheck> OtherStoresCheck(const MigrationStatusOptions& options,
                                            const MigrationRecord& record, const std::string& what);

}  // namespace vdpark
