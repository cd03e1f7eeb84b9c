// manifest.json of an s3:// store: what the store's objects are, and the proof of each one.
//
//   {"format": "vdpark-s3-store/1", "vdpark_version": "0.1.0", "source": "postgres://…",
//    "written_at": "2026-12-06T17:40:00Z",
//    "time_range": {"first": "2026-01-12 00:00:03+00", "last": "2026-01-13 23:59:58+00"},
//    "files": [{"key": "bays.csv.gz", "rows": 120, "bytes": 2345, "csv_bytes": 9876,
//               "sha256": "…"}, {"key": "events/2026-01-12.csv.gz", …, "first": …, "last": …},
//              …]}
//
// Keys are relative to the store's prefix; `bytes` and `sha256` are the object's own (compressed)
// bytes, `csv_bytes` the CSV inside, `rows` its data records (the header aside); an events object
// also has its first and last event time, as psql prints them. Files are listed in key order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace vdpark {

struct S3ManifestFile {
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t csv_bytes = 0;
  std::string sha256;  // lowercase hex
  std::string first;   // events objects only: the earliest event time ("2026-01-12 00:00:03+00")
  std::string last;    // and the latest
};

struct S3Manifest {
  static constexpr std::string_view kFormat = "vdpark-s3-store/1";

  std::string vdpark_version;
  std::string source;  // the store the data came from, as it names itself; "" when not known
  std::string written_at;
  std::map<std::string, S3ManifestFile> files;  // by key under the prefix

  // The earliest and latest event time over the events objects; nullopt without events.
  std::optional<std::pair<std::string, std::string>> TimeRange() const;
  // The rows of every events object.
  uint64_t EventRows() const;

  std::string ToJson() const;
  // kCorruption naming `name` (the object's URL) when `text` is not such a manifest.
  static Result<S3Manifest> FromJson(std::string_view text, std::string_view name);
};

}  // namespace vdpark
