#include "domain/model.h"

#include <boost/json.hpp>
#include <cctype>

namespace vdpark {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// "08:00" -> 480; -1 when malformed. "24:00" is accepted as the end of the day.
int ParseMinute(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (int i : {0, 1, 3, 4}) {
    if (s[i] < '0' || s[i] > '9') return -1;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

}  // namespace

std::string_view ToString(BayStatus s) {
  switch (s) {
    case BayStatus::kOccupied:
      return "occupied";
    case BayStatus::kVacant:
      return "vacant";
    case BayStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<BayStatus> ParseBayStatus(std::string_view s) {
  if (EqualsIgnoreCase(s, "occupied")) return BayStatus::kOccupied;
  if (EqualsIgnoreCase(s, "vacant")) return BayStatus::kVacant;
  if (EqualsIgnoreCase(s, "unknown")) return BayStatus::kUnknown;
  return std::nullopt;
}

std::string_view ToString(EventType t) {
  return t == EventType::kArrive ? "ARRIVE" : "LEAVE";
}

std::optional<EventType> ParseEventType(std::string_view s) {
  // Exports write them in capitals: the common case costs one comparison.
  if (s == "ARRIVE") return EventType::kArrive;
  if (s == "LEAVE") return EventType::kLeave;
  if (EqualsIgnoreCase(s, "ARRIVE")) return EventType::kArrive;
  if (EqualsIgnoreCase(s, "LEAVE")) return EventType::kLeave;
  return std::nullopt;
}

Result<OperatingHours> OperatingHours::ParseJson(std::string_view json) {
  auto bad = [&](std::string_view why) {
    std::string msg = "bad operating_hours '";
    msg.append(json.substr(0, 80));
    msg += "': ";
    msg += why;
    return Status::InvalidArgument(msg);
  };
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec) return bad("not JSON (" + ec.message() + ")");
  const boost::json::object* obj = v.if_object();
  if (!obj) return bad("not a JSON object");
  const boost::json::value* open = obj->if_contains("open");
  const boost::json::value* close = obj->if_contains("close");
  if (!open || !open->is_string() || !close || !close->is_string()) {
    return bad("needs string fields \"open\" and \"close\"");
  }
  OperatingHours h;
  h.open_minute = ParseMinute(open->get_string());
  h.close_minute = ParseMinute(close->get_string());
  if (h.open_minute < 0 || h.close_minute < 0) return bad("times must be HH:MM");
  return h;
}

std::string OperatingHours::FormatMinute(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string OperatingHours::ToJson() const {
  return "{\"open\": \"" + FormatMinute(open_minute) + "\", \"close\": \"" +
         FormatMinute(close_minute) + "\"}";
}

}  // namespace vdpark
