// Events out of `COPY (SELECT kEventBinarySelect FROM parking_events ...) TO STDOUT WITH (FORMAT
// binary)`: PostgreSQL's binary copy format (a signature and header, then per tuple an int16
// field count and per field an int32 length, -1 for NULL, and the value in its type's send
// format, then an int16 -1), decoded straight into events. Nothing is formatted as text on the
// server nor scanned here: timestamps arrive as microseconds, numbers as integers.
//
// Every column is cast in the select list to the type decoded here, so a customer's schema with
// other types (varchar or uuid keys, timestamp without time zone, bigint durations) reads the
// same way, as long as PostgreSQL can cast it.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "common/result.h"
#include "domain/model.h"
#include "store/record_store.h"

namespace vdpark {

// zone_id, bay_number, sensor_id, event_type as text; "timestamp" as timestamptz;
// duration_minutes as int8; revenue as numeric; detection_mode as text.
extern const std::string_view kEventBinarySelect;

class PgBinaryEventDecoder {
 public:
  using OnEvent = std::function<void(ParkingEvent&&)>;
  // A row that does not map: where (as EventWhere writes it), the reason naming the column, and
  // the row as CSV text in psql's form, for the rejects file.
  using OnReject = std::function<void(Rejected&&)>;

  // Decodes every whole tuple at the front of `data` (the stream continues where the previous
  // call's consumed bytes ended) and returns how many bytes it consumed; a tuple cut off at the
  // end is left for the next call, with more data behind it. kCorruption when the bytes are not
  // a binary copy of the eight columns (the connection is then of no further use).
  Result<size_t> Decode(std::string_view data, const OnEvent& on_event, const OnReject& on_reject);

  // The trailer has been read: the copy is complete.
  bool finished() const { return finished_; }

 private:
  bool header_read_ = false;
  bool finished_ = false;
};

}  // namespace vdpark
