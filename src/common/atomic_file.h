// WriteFileAtomically: a small file replaced whole or not at all, for the state a crash must not
// leave half written (the migration's recorded results, migrate/migration_records.h).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vdpark {

// Writes `text` to `path` through a temporary file beside it (PATH.tmp), fsynced, renamed over
// `path`, the folder fsynced: a crash leaves the old file or the new one, never half of one.
// Creates the folder when missing. kIOError naming the file or folder on any failure.
Status WriteFileAtomically(const std::string& path, std::string_view text);

}  // namespace vdpark
