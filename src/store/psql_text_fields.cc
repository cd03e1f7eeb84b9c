#include "store/psql_text_fields.h"

#include <charconv>

namespace vdpark {

namespace {

// A value quoted in a message, cut short: a broken row may hold a whole file in one field.
std::string_view Shown(std::string_view text) {
  return text.substr(0, 64);
}

}  // namespace

PsqlFieldReader::PsqlFieldReader(PsqlFields fields, std::span<const std::string_view> columns)
    : fields_(fields), columns_(columns) {
  if (fields.size() != columns.size()) {
    std::string reason = "expected ";
    reason += std::to_string(columns.size());
    reason += " columns, found ";
    reason += std::to_string(fields.size());
    Fail(reason);
  }
}

void PsqlFieldReader::Fail(size_t column, std::string_view why) {
  if (failed()) return;
  std::string reason = "column '";
  reason += columns_[column];
  reason += "': ";
  reason += why;
  status_ = Status::Corruption(reason);
}

void PsqlFieldReader::Fail(std::string_view reason) {
  if (!failed()) status_ = Status::Corruption(reason);
}

std::optional<std::string_view> PsqlFieldReader::Raw(size_t column) const {
  return failed() ? std::nullopt : fields_[column];
}

std::string_view PsqlFieldReader::Key(size_t column) {
  if (failed()) return {};
  if (!fields_[column]) {
    Fail(column, "NULL in a key column");
    return {};
  }
  if (Status s = CheckIdText(*fields_[column]); !s.ok()) {
    Fail(column, s.message());
    return {};
  }
  return *fields_[column];
}

std::optional<std::string> PsqlFieldReader::Text(size_t column) {
  if (failed() || !fields_[column]) return std::nullopt;
  if (Status s = CheckFreeText(*fields_[column]); !s.ok()) {
    Fail(column, s.message());
    return std::nullopt;
  }
  return std::string(*fields_[column]);
}

std::optional<std::string> PsqlFieldReader::DetectionMode(size_t column) {
  if (failed() || !fields_[column]) return std::nullopt;
  if (Status s = CheckDetectionMode(*fields_[column]); !s.ok()) {
    Fail(column, s.message());
    return std::nullopt;
  }
  return std::string(*fields_[column]);
}

void PsqlFieldReader::CheckRules(const std::optional<RuleBreak>& broken) {
  if (failed() || !broken) return;
  const std::string column = ColumnName(broken->field);
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i] == column) return Fail(i, broken->why);
  }
  Fail("field '" + std::string(broken->field) + "': " + broken->why);
}

std::optional<int64_t> PsqlFieldReader::Int(size_t column) {
  if (failed() || !fields_[column]) return std::nullopt;
  std::string_view t = *fields_[column];
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) {
    std::string why = "bad integer '";
    why += Shown(t);
    why += "'";
    Fail(column, why);
    return std::nullopt;
  }
  return v;
}

template <typename T>
std::optional<T> PsqlFieldReader::Check(size_t column, Result<T> parsed) {
  if (!parsed.ok()) {
    Fail(column, parsed.status().message());
    return std::nullopt;
  }
  return std::move(parsed).value();
}

std::optional<Decimal> PsqlFieldReader::Dec(size_t column) {
  if (failed() || !fields_[column]) return std::nullopt;
  return Check(column, Decimal::Parse(*fields_[column]));
}

std::optional<Timestamp> PsqlFieldReader::Time(size_t column) {
  if (failed() || !fields_[column]) return std::nullopt;
  return Check(column, Timestamp::Parse(*fields_[column]));
}

std::optional<Timestamp> PsqlFieldReader::KeyTime(size_t column) {
  if (!failed() && !fields_[column]) Fail(column, "NULL in a key column");
  return Time(column);
}

std::optional<OperatingHours> PsqlFieldReader::Hours(size_t column) {
  if (failed() || !fields_[column]) return std::nullopt;
  return Check(column, OperatingHours::ParseJson(*fields_[column]));
}

double PsqlFieldReader::Double(size_t column) {
  std::string_view t = *fields_[column];
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size()) {
    std::string why = "bad number '";
    why += Shown(t);
    why += "'";
    Fail(column, why);
  }
  return v;
}

std::optional<GeoPoint> PsqlFieldReader::Location(size_t lng_column, size_t lat_column) {
  if (failed()) return std::nullopt;
  const bool lng_null = !fields_[lng_column], lat_null = !fields_[lat_column];
  if (lng_null && lat_null) return std::nullopt;
  if (lng_null || lat_null) {
    std::string why = "NULL while '";
    why += columns_[lng_null ? lat_column : lng_column];
    why += "' is set";
    Fail(lng_null ? lng_column : lat_column, why);
    return std::nullopt;
  }
  GeoPoint p;
  p.lng = Double(lng_column);
  p.lat = Double(lat_column);
  if (failed()) return std::nullopt;
  return p;
}

BayStatus PsqlFieldReader::BayStatusAt(size_t column) {
  if (failed() || !fields_[column]) return BayStatus::kUnknown;
  if (auto status = ParseBayStatus(*fields_[column])) return *status;
  std::string why = "unknown bay status '";
  why += Shown(*fields_[column]);
  why += "' (expected occupied, vacant or unknown)";
  Fail(column, why);
  return BayStatus::kUnknown;
}

std::optional<EventType> PsqlFieldReader::EventTypeAt(size_t column) {
  if (failed()) return std::nullopt;
  if (!fields_[column]) {
    Fail(column, "NULL (expected ARRIVE or LEAVE)");
    return std::nullopt;
  }
  if (auto type = ParseEventType(*fields_[column])) return type;
  std::string why = "unknown event type '";
  why += Shown(*fields_[column]);
  why += "' (expected ARRIVE or LEAVE)";
  Fail(column, why);
  return std::nullopt;
}

}  // namespace vdpark
