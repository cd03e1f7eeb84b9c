// The fields of a row in the text form psql and PostgreSQL print them: the csv store's files
// (`\copy ... WITH CSV`, SPEC §5.1) and the postgres store's COPY output and query results. NULL
// is a missing value, never the empty string. One reader, and one wording of what is wrong with a
// field, for both stores: a row is refused in the same words whichever store it came from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/model.h"
#include "domain/record_rules.h"

namespace vdpark {

// One row's values in the order of its columns; nullopt is SQL NULL.
using PsqlFields = std::span<const std::optional<std::string_view>>;

// Typed access to one row's fields. The first problem found is kept; once there is one, every
// reader returns an empty value (nullopt, "", BayStatus::kUnknown) and the row is to be refused
// with status(). Reads nothing it is not asked for, so a caller may skip a row early (on its key
// or time) without parsing the rest.
class PsqlFieldReader {
 public:
  // `columns` names the row's columns, for the messages. A row with another number of fields
  // fails at once: "expected N columns, found M". Both must outlive the reader.
  PsqlFieldReader(PsqlFields fields, std::span<const std::string_view> columns);

  bool failed() const { return !status_.ok(); }
  // OK, or kCorruption whose message is why the row cannot be used, naming the column:
  // "column 'total_bays': bad integer 'ten'".
  const Status& status() const { return status_; }

  // Records why the row cannot be used, unless a reason was found before: "column 'NAME': why",
  // or `reason` as it is for what is wrong with the row as a whole (a duplicate key).
  void Fail(size_t column, std::string_view why);
  void Fail(std::string_view reason);

  // The field as it is; nullopt for NULL or once failed.
  std::optional<std::string_view> Raw(size_t column) const;
  // A key column's text: an id of the record rules (domain/record_rules.h: 1 to 128 bytes of
  // UTF-8, no control character, no '#'); NULL fails with "NULL in a key column", a field that
  // breaks the rule with why ("201 bytes, over the limit of 128", "a NUL byte at byte 3").
  std::string_view Key(size_t column);
  // Text of at most 1,024 bytes of UTF-8 without a NUL byte (the rules' free text, the widest
  // text field of any record); anything else fails saying why. Columns held to a narrower rule
  // (ids that may be NULL, a detection mode) are checked by CheckRules, or DetectionMode.
  std::optional<std::string> Text(size_t column);
  // A detection mode: 1 to 32 bytes of text (the record rules' detectionMode).
  std::optional<std::string> DetectionMode(size_t column);
  // A whole number in int64 ("bad integer 'x'").
  std::optional<int64_t> Int(size_t column);
  // numeric, timestamptz, operating_hours JSON: the parser's reason (Decimal::Parse,
  // Timestamp::Parse, OperatingHours::ParseJson) after the column's name.
  std::optional<Decimal> Dec(size_t column);
  std::optional<Timestamp> Time(size_t column);
  // A key column's time: NULL fails with "NULL in a key column".
  std::optional<Timestamp> KeyTime(size_t column);
  std::optional<OperatingHours> Hours(size_t column);
  // A point from its two columns: both NULL is no point, one NULL fails naming it ("NULL while
  // 'lng' is set"), a coordinate that is not a number fails with "bad number 'x'".
  std::optional<GeoPoint> Location(size_t lng_column, size_t lat_column);
  // occupied, vacant or unknown in any case; NULL is kUnknown. Anything else fails: "unknown bay
  // status 'x' (expected occupied, vacant or unknown)".
  BayStatus BayStatusAt(size_t column);
  // ARRIVE or LEAVE in any case; NULL and anything else fail ("unknown event type 'x' (expected
  // ARRIVE or LEAVE)", "NULL (expected ARRIVE or LEAVE)").
  std::optional<EventType> EventTypeAt(size_t column);

  // Fails with the record rule a record built from the row breaks (FindRuleBreak), naming its
  // column: "column 'install_date': ...". Nothing when `broken` is nullopt.
  void CheckRules(const std::optional<RuleBreak>& broken);

 private:
  template <typename T>
  std::optional<T> Check(size_t column, Result<T> parsed);
  double Double(size_t column);

  PsqlFields fields_;
  std::span<const std::string_view> columns_;
  Status status_;
};

}  // namespace vdpark
