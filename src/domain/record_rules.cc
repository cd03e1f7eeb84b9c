#include "domain/record_rules.h"

#include <cctype>

namespace vdpark {

namespace {

// Where the first byte that is not part of well-formed UTF-8 is (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF); npos when all of it is.
size_t FirstBadUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // cut short
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

Status Invalid(std::string why) {
  return Status::InvalidArgument(std::move(why));
}

Status CheckLength(std::string_view s, size_t max) {
  if (s.size() > max) {
    return Invalid(std::to_string(s.size()) + " bytes, over the limit of " + std::to_string(max));
  }
  return Status::OK();
}

Status CheckUtf8(std::string_view s) {
  if (size_t bad = FirstBadUtf8(s); bad != std::string_view::npos) {
    return Invalid("not UTF-8 at byte " + std::to_string(bad));
  }
  return Status::OK();
}

// No control character at all (ids and labels are one line of printable text).
Status CheckNoControl(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (IsControl(c)) {
      return Invalid(
          (c == 0 ? std::string("a NUL byte") : "control character " + std::to_string(c)) +
          " at byte " + std::to_string(i));
    }
  }
  return Status::OK();
}

// Collects the first rule a record breaks, field by field, so a record's rules read as a list.
class Rules {
 public:
  Rules& Id(std::string_view field, std::string_view v) { return Apply(field, CheckIdText(v)); }
  Rules& OptId(std::string_view field, const std::optional<std::string>& v) {
    return v ? Id(field, std::string_view(*v)) : *this;
  }
  Rules& Text(std::string_view field, const std::optional<std::string>& v) {
    return v ? Apply(field, CheckFreeText(*v)) : *this;
  }
  Rules& Mode(std::string_view field, const std::optional<std::string>& v) {
    return v ? Apply(field, CheckDetectionMode(*v)) : *this;
  }
  Rules& Time(std::string_view field, Timestamp t) { return Apply(field, CheckTime(t)); }
  Rules& Time(std::string_view field, const std::optional<Timestamp>& t) {
    return t ? Time(field, *t) : *this;
  }
  Rules& Hours(std::string_view field, const std::optional<OperatingHours>& h) {
    if (h && (h->open_minute < 0 || h->open_minute > 24 * 60 || h->close_minute < 0 ||
              h->close_minute > 24 * 60)) {
      return Apply(field, Invalid("open and close must be from 00:00 to 24:00"));
    }
    return *this;
  }
  std::optional<RuleBreak> Done() { return std::move(first_); }

 private:
  Rules& Apply(std::string_view field, Status s) {
    if (!first_ && !s.ok()) first_ = RuleBreak{field, s.message()};
    return *this;
  }
  std::optional<RuleBreak> first_;
};

// The record's id as a message shows it: at most 64 bytes, control characters as \xNN.
std::string Shown(std::string_view id) {
  std::string out;
  for (unsigned char c : id.substr(0, 64)) {
    if (IsControl(c)) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (id.size() > 64) out += "...";
  return out;
}

Status Named(std::string_view kind, const std::string& id, std::optional<RuleBreak> broken) {
  if (!broken) return Status::OK();
  std::string msg(kind);
  msg += " '";
  msg += Shown(id);
  msg += "', field '";
  msg += broken->field;
  msg += "': ";
  msg += broken->why;
  return Invalid(std::move(msg));
}

}  // namespace

Status CheckIdText(std::string_view id) {
  if (id.empty()) return Invalid("empty");
  VDPARK_RETURN_IF_ERROR(CheckLength(id, kMaxIdBytes));
  VDPARK_RETURN_IF_ERROR(CheckNoControl(id));
  if (size_t hash = id.find('#'); hash != std::string_view::npos) {
    return Invalid("'#' at byte " + std::to_string(hash) + " (it separates the parts of a key)");
  }
  return CheckUtf8(id);
}

Status CheckFreeText(std::string_view text) {
  VDPARK_RETURN_IF_ERROR(CheckLength(text, kMaxTextBytes));
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return Invalid("a NUL byte at byte " + std::to_string(nul));
  }
  return CheckUtf8(text);
}

Status CheckDetectionMode(std::string_view mode) {
  if (mode.empty()) return Invalid("empty");
  VDPARK_RETURN_IF_ERROR(CheckLength(mode, kMaxDetectionModeBytes));
  return CheckFreeText(mode);
}

Status CheckTime(Timestamp t) {
  return t.CheckRange();
}

std::optional<RuleBreak> FindRuleBreak(const Zone& z) {
  return Rules()
      .Id("zoneId", z.zone_id)
      .Text("name", z.name)
      .Text("address", z.address)
      .Text("city", z.city)
      .Hours("operatingHours", z.operating_hours)
      .OptId("tenantId", z.tenant_id)
      .Time("createdAt", z.created_at)
      .Done();
}

std::optional<RuleBreak> FindRuleBreak(const Bay& b) {
  return Rules()
      .Id("zoneId", b.zone_id)
      .Id("bayNumber", b.bay_number)
      .OptId("sensorId", b.sensor_id)
      .Time("lastChange", b.last_change)
      .Time("occupiedSince", b.occupied_since)
      .Time("lastHeartbeat", b.last_heartbeat)
      .Text("bayType", b.bay_type)
      .Done();
}

std::optional<RuleBreak> FindRuleBreak(const Sensor& s) {
  return Rules()
      .Id("sensorId", s.sensor_id)
      .Text("model", s.model)
      .Text("firmwareVersion", s.firmware_version)
      .Time("installDate", s.install_date)
      .OptId("zoneId", s.zone_id)
      .OptId("bayNumber", s.bay_number)
      .Text("status", s.status)
      .Time("lastSeen", s.last_seen)
      .Done();
}

std::optional<RuleBreak> FindRuleBreak(const ParkingEvent& e) {
  return Rules()
      .Id("zoneId", e.zone_id)
      .Id("bayNumber", e.bay_number)
      .OptId("sensorId", e.sensor_id)
      .Time("timestamp", e.timestamp)
      .Mode("detectionMode", e.detection_mode)
      .Done();
}

Status CheckRecord(const Zone& z) {
  return Named("zone", z.zone_id, FindRuleBreak(z));
}
Status CheckRecord(const Bay& b) {
  return Named("bay", b.zone_id + "/" + b.bay_number, FindRuleBreak(b));
}
Status CheckRecord(const Sensor& s) {
  return Named("sensor", s.sensor_id, FindRuleBreak(s));
}
Status CheckRecord(const ParkingEvent& e) {
  if (auto broken = FindRuleBreak(e)) {
    return Named("event", e.zone_id + "/" + e.bay_number + "@" + e.timestamp.ToIso(),
                 std::move(broken));
  }
  return Status::OK();
}

Status CheckRecords(const Metadata& m) {
  for (const Zone& z : m.zones) VDPARK_RETURN_IF_ERROR(CheckRecord(z));
  for (const Bay& b : m.bays) VDPARK_RETURN_IF_ERROR(CheckRecord(b));
  for (const Sensor& s : m.sensors) VDPARK_RETURN_IF_ERROR(CheckRecord(s));
  return Status::OK();
}

std::string ColumnName(std::string_view field) {
  std::string out;
  for (char c : field) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace vdpark
