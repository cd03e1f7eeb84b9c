// CsvStore: the `csv:DIR` store (SPEC §1), a folder holding the four files of the export of
// MIGRATION_PLAN §5.1, each with a header row, as psql `\copy (SELECT ...) TO ... WITH CSV HEADER`
// writes them in a session whose TimeZone is UTC:
//
//   zones.csv    zone_id,name,address,city,total_bays,lng,lat,price_per_hour,operating_hours,
//                tenant_id,created_at
//   bays.csv     zone_id,bay_number,sensor_id,status,last_change,occupied_since,bay_type,lng,lat
//   events.csv   zone_id,bay_number,event_type,timestamp,duration_minutes,revenue,detection_mode
//   sensors.csv  sensor_id,model,firmware_version,install_date,zone_id,bay_number,status,
//                last_battery,last_signal
//
// Reading maps columns by header name: the order may differ and extra columns are ignored; a
// missing column is an InvalidArgument naming the file and the column, a missing file a NotFound
// naming the file. An unquoted empty field is NULL (nullopt); a quoted empty field is "".
//
// A row that cannot be used is passed to the RejectFn (where "bays.csv:17", the record's first
// line; a reason naming the column and the problem; raw, the record's text) and the rest loads:
// a wrong number of fields, a value that does not parse, a NULL key column (zone_id, bay_number,
// sensor_id, an event's timestamp; an empty string is a key like any other), a NULL or unknown
// event type, an unknown bay status, only one of lng/lat, a key seen before in the same file, and
// a bay or a sensor naming a zone that zones.csv does not hold. Blank lines are skipped. A NULL
// bay status reads as unknown. Events are not checked against the zones, nor for duplicates: a
// higher layer does that, with the Origin.
//
// A stray quote never stops a read. A record the reader cannot take (a quote still open at the
// end of the file, a record over 1 MiB, or a quoted field that swallows a line reading as a row of
// its own: the rules are in csv_format.h) is rejected by its first line, with the reason, and
// reading carries on at the next line, so the lines a stray quote would have swallowed are read
// as the rows they are. Only a file that cannot be opened or read, a missing or unreadable header,
// or a missing column stop the read.
//
// Not held in csv (the export has no column for them): a zone's occupied_bays, a bay's
// last_heartbeat, a sensor's last_seen and an event's sensor_id. They are dropped on write and
// nullopt on read.
//
// One thread at a time.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "domain/model.h"
#include "store/record_store.h"
#include "store/store_options.h"

namespace vdpark {

class CsvWriter;

class CsvStore : public RecordStore {
 public:
  // Opens the folder `dir`. When it does not exist: created with options.create_if_missing,
  // otherwise NotFound. InvalidArgument when `dir` is not a folder. Files are opened when used.
  static Result<std::unique_ptr<CsvStore>> Open(const std::string& dir,
                                                const StoreOptions& options = {});

  // Flushes buffered events (without fsync; call Flush() to know they are durable).
  ~CsvStore() override;

  // "csv:" + dir.
  std::string DisplayName() const override;

  // Which of the four files in `dir` hold at least one data row (a record after the header that
  // is not blank), in the order zones.csv, bays.csv, sensors.csv, events.csv. A file that is not
  // empty but cannot be read as csv counts as holding rows; a missing file does not. IOError when
  // a file cannot be read.
  static Result<std::vector<std::string>> FilesWithRows(const std::string& dir);

  // Reads zones.csv, bays.csv and sensors.csv whole; each list sorted by key (zone_id;
  // zone_id + bay_number; sensor_id).
  Result<Metadata> ReadMetadata(const RejectFn& rejects) override;

  // Streams events.csv in file order with Origin{"events.csv", line}; memory stays flat. Events
  // before options.since are skipped without being checked beyond their timestamp. Events written
  // through this store and not yet flushed are included.
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override;
  bool EventsInKeyOrder() const override { return false; }
  bool EventOrderIsRepeatable() const override { return true; }  // the file, front to back
  bool SafeForConcurrentCalls() const override { return false; }

  // Exact for a small events.csv; otherwise the file's size over the mean size of the records in
  // its first MiB. nullopt when events.csv cannot be read.
  // The records of events.csv (its header aside), counted by their line ends outside quotes
  // (csv_record_count.h), not parsed; nullopt for a window (`since`), which only the rows' times
  // tell.
  Result<std::optional<uint64_t>> CountEvents(std::optional<Timestamp> since) override;
  std::optional<uint64_t> EstimateEventCount() override;

  // Replaces zones.csv, bays.csv and sensors.csv (each written to a temporary file, synced and
  // renamed over the old one, so a crash leaves the old file or the new, never half of one). The
  // first call after Open replaces what the files held; later calls insert or replace by key into
  // what earlier calls of this store wrote. Rows are written in key order. A record that breaks
  // the record rules (domain/record_rules.h) is kInvalidArgument naming it and its field, and
  // nothing of the call is written.
  Status WriteMetadata(const Metadata& metadata) override;

  // Appends to events.csv. The first call after Open starts a fresh file with its header when
  // options.truncate is set or the file is missing or empty; otherwise it appends to the existing
  // file, whose header must be the one this store writes (InvalidArgument when it is not), without
  // a second header. An event that breaks the record rules is kInvalidArgument naming it and its
  // field, and nothing of the call is written.
  Status WriteEvents(std::span<const ParkingEvent> events) override;

  // Writes out and fsyncs events.csv. Leaves the folder readable: a file of the four that is
  // missing, or (with options.truncate) was not written since Open, is written with its header.
  Status Flush() override;

 private:
  CsvStore(std::string dir, const StoreOptions& options);
  std::string PathOf(std::string_view file) const;
  Status OpenEventsWriter();
  Status ReplaceFile(std::string_view file, const Metadata& metadata);
  Status SyncDir();

  std::string dir_;
  StoreOptions options_;
  std::unique_ptr<CsvWriter> events_;
  bool metadata_written_ = false;
  Metadata written_;  // what WriteMetadata wrote since Open, sorted by key
};

}  // namespace vdpark
