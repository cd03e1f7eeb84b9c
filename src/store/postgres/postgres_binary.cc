#include "store/postgres/postgres_binary.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "store/csv/csv_format.h"
#include "store/postgres/postgres_rows.h"
#include "store/psql_text_fields.h"

namespace vdpark {

const std::string_view kEventBinarySelect =
    "zone_id::text, bay_number::text, sensor_id::text, event_type::text, "
    "\"timestamp\"::timestamptz, duration_minutes::int8, revenue::numeric, detection_mode::text";

namespace {

constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
constexpr int kColumns = 8;
// kEventBinarySelect's columns, for messages.
constexpr std::string_view kColumnNames[kColumns] = {
    "zone_id",   "bay_number",       "sensor_id", "event_type",
    "timestamp", "duration_minutes", "revenue",   "detection_mode"};
// timestamptz counts microseconds from 2000-01-01 00:00:00 UTC.
constexpr int64_t kPostgresEpochMicros = 946'684'800'000'000;
constexpr uint16_t kNumericNegative = 0x4000;

uint16_t U16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}
uint32_t U32(const char* p) {
  return (uint32_t{U16(p)} << 16) | U16(p + 2);
}
uint64_t U64(const char* p) {
  return (uint64_t{U32(p)} << 32) | U32(p + 4);
}

// A numeric's send format (int16 ndigits, weight, sign, dscale; then base-10000 digits) as the
// text PostgreSQL prints for it, so that it goes through the same Decimal::Parse as a text copy.
bool NumericText(std::string_view v, std::string* out) {
  if (v.size() < 8) return false;
  const int ndigits = static_cast<int16_t>(U16(v.data()));
  const int weight = static_cast<int16_t>(U16(v.data() + 2));
  const uint16_t sign = U16(v.data() + 4);
  const int dscale = static_cast<int16_t>(U16(v.data() + 6));
  if (ndigits < 0 || v.size() != 8 + 2 * static_cast<size_t>(ndigits) || dscale < 0) return false;
  out->clear();
  if (sign != 0 && sign != kNumericNegative) {  // NaN, +-Infinity
    *out = sign == 0xC000 ? "NaN" : sign == 0xD000 ? "Infinity" : "-Infinity";
    return true;
  }
  auto digit = [&](int i) -> int { return i >= 0 && i < ndigits ? U16(v.data() + 8 + 2 * i) : 0; };
  auto four = [](int d, char* buf) {  // a base-10000 digit as four decimal digits
    for (int k = 3; k >= 0; --k, d /= 10) buf[k] = static_cast<char>('0' + d % 10);
  };
  if (sign == kNumericNegative && ndigits > 0) out->push_back('-');
  if (weight < 0) {
    out->push_back('0');
  } else {
    for (int i = 0; i <= weight; ++i) {
      char buf[4];
      four(digit(i), buf);
      size_t skip = 0;  // the first digit without its leading zeros
      while (i == 0 && skip < 3 && buf[skip] == '0') ++skip;
      out->append(buf + skip, 4 - skip);
    }
  }
  if (dscale > 0) {
    out->push_back('.');
    int written = 0;
    for (int i = weight + 1; written < dscale; ++i) {
      char buf[4];
      four(digit(i), buf);
      for (int k = 0; k < 4 && written < dscale; ++k, ++written) out->push_back(buf[k]);
    }
  }
  return true;
}

// One tuple's eight fields as byte ranges; nullopt for NULL.
using BinaryFields = std::array<std::optional<std::string_view>, kColumns>;

// The row in text form, for the rejects file and EventWhere.
Rejected RejectRow(const BinaryFields& f, std::string reason) {
  std::array<std::string, kColumns> text;
  for (int c : {0, 1, 2, 3, 7}) {
    if (f[c]) text[c] = std::string(*f[c]);
  }
  if (f[4] && f[4]->size() == 8) {
    const int64_t pg_micros = static_cast<int64_t>(U64(f[4]->data()));
    if (pg_micros == INT64_MAX || pg_micros == INT64_MIN) {
      text[4] = pg_micros > 0 ? "infinity" : "-infinity";
    } else {
      AppendPsqlTimestamp(&text[4], Timestamp::FromMicros(pg_micros + kPostgresEpochMicros));
    }
  }
  if (f[5] && f[5]->size() == 8) text[5] = std::to_string(static_cast<int64_t>(U64(f[5]->data())));
  if (f[6]) NumericText(*f[6], &text[6]);
  std::vector<std::optional<std::string_view>> fields;
  std::string raw;
  for (int c = 0; c < kColumns; ++c) {
    fields.push_back(f[c] ? std::optional<std::string_view>(text[c]) : std::nullopt);
    if (c > 0) raw.push_back(',');
    if (f[c]) AppendCsvField(&raw, text[c]);
  }
  return Rejected{EventWhere(fields), std::move(reason), std::move(raw)};
}

// Fills `e` from one tuple, or kCorruption naming the column. The text columns go through the
// reader of psql's text rows (store/psql_text_fields.h), so that a row is refused in the same
// words however it was read; the binary ones are decoded here.
Status ToEvent(const BinaryFields& f, ParkingEvent* e, std::string* scratch) {
  PsqlFieldReader r(f, kColumnNames);
  auto fail = [&](size_t column, std::string_view why) {
    r.Fail(column, why);
    return r.status();
  };
  e->zone_id.assign(r.Key(0));
  e->bay_number.assign(r.Key(1));
  const std::optional<std::string_view> sensor_id = r.Raw(2);
  const std::optional<EventType> type = r.EventTypeAt(3);
  if (r.failed()) return r.status();
  if (sensor_id) {
    e->sensor_id.emplace(*sensor_id);
  } else {
    e->sensor_id.reset();
  }
  e->event_type = *type;
  if (!f[4]) return fail(4, "NULL in a key column");
  if (f[4]->size() != 8) return fail(4, "not a timestamptz");
  const int64_t pg_micros = static_cast<int64_t>(U64(f[4]->data()));
  if (pg_micros == INT64_MAX || pg_micros == INT64_MIN) return fail(4, "infinity");
  e->timestamp = Timestamp::FromMicros(pg_micros + kPostgresEpochMicros);
  if (f[5]) {
    if (f[5]->size() != 8) return fail(5, "not an int8");
    e->duration_minutes = static_cast<int64_t>(U64(f[5]->data()));
  } else {
    e->duration_minutes.reset();
  }
  if (f[6]) {
    if (!NumericText(*f[6], scratch)) return fail(6, "not a numeric");
    auto d = Decimal::Parse(*scratch);
    if (!d.ok()) return fail(6, d.status().message());
    e->revenue = *d;
  } else {
    e->revenue.reset();
  }
  if (f[7]) {
    e->detection_mode.emplace(*f[7]);
  } else {
    e->detection_mode.reset();
  }
  return Status::OK();
}

}  // namespace

Result<size_t> PgBinaryEventDecoder::Decode(std::string_view data, const OnEvent& on_event,
                                            const OnReject& on_reject) {
  size_t pos = 0;
  if (!header_read_) {
    if (data.size() < kSignature.size() + 8) return size_t{0};
    if (data.substr(0, kSignature.size()) != kSignature) {
      return Status::Corruption("COPY BINARY: the stream does not start with PGCOPY's signature");
    }
    const uint32_t extension = U32(data.data() + kSignature.size() + 4);
    if (data.size() < kSignature.size() + 8 + extension) return size_t{0};
    pos = kSignature.size() + 8 + extension;
    header_read_ = true;
  }
  BinaryFields fields;
  ParkingEvent event;
  std::string scratch;
  while (!finished_ && pos + 2 <= data.size()) {
    const int16_t count = static_cast<int16_t>(U16(data.data() + pos));
    if (count == -1) {
      finished_ = true;
      pos += 2;
      break;
    }
    if (count != kColumns) {
      return Status::Corruption("COPY BINARY: a tuple of " + std::to_string(count) +
                                " fields, expected " + std::to_string(kColumns));
    }
    // Read the whole tuple, or leave it for the next call.
    size_t at = pos + 2;
    bool whole = true;
    for (int c = 0; c < kColumns; ++c) {
      if (at + 4 > data.size()) {
        whole = false;
        break;
      }
      const int32_t len = static_cast<int32_t>(U32(data.data() + at));
      at += 4;
      if (len < 0) {
        fields[c].reset();
        continue;
      }
      if (at + static_cast<size_t>(len) > data.size()) {
        whole = false;
        break;
      }
      fields[c] = data.substr(at, static_cast<size_t>(len));
      at += static_cast<size_t>(len);
    }
    if (!whole) break;
    pos = at;
    if (Status s = ToEvent(fields, &event, &scratch); s.ok()) {
      on_event(std::move(event));
    } else if (on_reject) {
      on_reject(RejectRow(fields, s.message()));
    }
  }
  return pos;
}

}  // namespace vdpark
