// Counting the records of a CSV file without parsing them: what a load from a csv source checks
// its completeness against (RecordStore::CountEvents, migrate.h).
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace vdpark {

// The records of the file at `path`, header included: its line ends outside double quotes, and
// one more for a last record that has no line end (a quote opened and never closed runs to the
// end of the file: that is one record, as a reader that rejects it sees it). Bytes only, at the
// speed of a read: nothing is unquoted or converted. 0 for an empty file; kNotFound when there
// is no file; kIOError naming it when it cannot be read.
Result<uint64_t> CountCsvRecords(const std::string& path);

}  // namespace vdpark
