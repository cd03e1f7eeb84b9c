// DryRun: what `vdpark migrate --dry-run` reports: the items a migrate would write to the single
// table (SPEC §3), their size, and the DynamoDB write units they would consume, without writing.
//
// The source is read exactly as Migrate reads it (metadata whole, events streamed; rejects, since
// and retention applied the same way), and the records are mapped to items by SingleTableMapper
// as a single-table target would map them, then counted and dropped. Write units follow DynamoDB's
// accounting: a put costs 1 unit per started KB of the item (WriteUnits); each index the item is
// in costs one more write of what that index holds: GSI1 projects ALL, so the item again; GSI2 is
// KEYS_ONLY, so an item of PK, SK, GSI2PK and GSI2SK alone.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "migrate/migrate.h"
#include "store/record_store.h"

namespace vdpark {

struct DryRunEstimate {
  struct Items {
    uint64_t items = 0;              // puts of the table
    uint64_t bytes = 0;              // their size as DynamoDB counts it
    uint64_t write_units = 0;        // of the table's puts
    uint64_t index_write_units = 0;  // of the GSI1 and GSI2 writes they cause
  };
  Items zones, bays, sensors, events;

  Items Total() const;
  uint64_t WriteUnits() const { return Total().write_units + Total().index_write_units; }
  // USD on demand at `price_per_million` write request units.
  double CostUsd(double price_per_million) const { return WriteUnits() * price_per_million / 1e6; }
  // Seconds the writes would take at `max_wcu` write units per second; 0 when max_wcu <= 0.
  double Seconds(double max_wcu) const { return max_wcu > 0 ? WriteUnits() / max_wcu : 0; }
};

struct DryRunResult {
  MigrateStats stats;  // what Migrate would count: events read, rejected, expired, duplicates
  DryRunEstimate estimate;
};

// Reads `source` as Migrate(source, target, options) would and returns what it would write.
// options.on_durable and options.resume are ignored. An error only when the source cannot be read.
Result<DryRunResult> DryRun(RecordStore& source, MigrateOptions options);

}  // namespace vdpark
