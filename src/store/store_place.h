// Where a store URL keeps its data: whether two URLs name the same store, and whether a csv
// folder already holds an export. migrate refuses to load a store into itself (it would read what
// it writes, and --overwrite would empty its own source) and to add to a csv export that is
// already there (a csv target appends, so a second load doubles every event).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace vdpark {

// The folder of a "csv:DIR" / "csv://DIR" URL as written; nullopt for any other scheme.
std::optional<std::string> CsvFolderOf(std::string_view url);

// OK when `source_url` and `target_url` name different stores; InvalidArgument naming both when
// they are the same place:
//   - csv: and embedded: URLs of the same scheme whose folders are the same: the same folder on
//     disk where both exist, else the same path once made absolute, with symbolic links followed
//     and ".", ".." and a trailing "/" taken out (csv:/tmp/a, csv:/tmp/a/, csv:/tmp/x/../a);
//   - postgres://, postgresql:// and timescale:// URLs with the same host (localhost, 127.0.0.1,
//     ::1 and none are one), port (5432 when not given), database and libpq options, each
//     defaulted from PGHOST, PGPORT, PGDATABASE as libpq does;
//   - dynamodb: URLs with the same table on the same endpoint (as the store resolves it:
//     endpoint=, the AWS variables and config, the region's endpoint) with the same access key;
//   - s3:// URLs with the same bucket and prefix on the same endpoint with the same access key.
// URLs of different kinds are different stores; so are two a check cannot tell apart (a URL that
// does not parse is left to the store to refuse).
Status CheckDifferentStores(std::string_view source_url, std::string_view target_url);

}  // namespace vdpark
