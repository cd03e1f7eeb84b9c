#include "simulate/expected_state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <tuple>

namespace vdpark {

namespace json = boost::json;

namespace {

// Appending piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on `"..." + std::string`.
Status Bad(std::string_view where, std::string_view what) {
  std::string message = "expected state: ";
  message.append(where).append(": ").append(what);
  return Status::InvalidArgument(message);
}

Status BadField(std::string_view where, std::string_view field, std::string_view what) {
  std::string message = "\"";
  message.append(field).append("\" ").append(what);
  return Bad(where, message);
}

Result<std::string> StringField(const json::object& o, std::string_view name,
                                std::string_view where) {
  const json::value* v = o.if_contains(name);
  if (!v || !v->is_string()) return BadField(where, name, "must be a string");
  return std::string(v->get_string());
}

Result<int64_t> CountField(const json::object& o, std::string_view name, std::string_view where) {
  const json::value* v = o.if_contains(name);
  if (!v || !v->is_int64() || v->get_int64() < 0) {
    return BadField(where, name, "must be a whole number, 0 or more");
  }
  return v->get_int64();
}

Result<const json::array*> ArrayField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v || !v->is_array()) return Bad(name, "must be an array");
  return &v->get_array();
}

}  // namespace

int64_t ExpectedState::arrivals() const {
  int64_t n = 0;
  for (const ExpectedBay& b : bays) n += b.arrivals;
  return n;
}

int64_t ExpectedState::departures() const {
  int64_t n = 0;
  for (const ExpectedBay& b : bays) n += b.departures;
  return n;
}

const ExpectedBay* ExpectedState::FindBay(std::string_view zone_id,
                                          std::string_view bay_number) const {
  auto it = std::lower_bound(bays.begin(), bays.end(), std::tie(zone_id, bay_number),
                             [](const ExpectedBay& b, const auto& key) {
                               return std::tuple<std::string_view, std::string_view>(
                                          b.zone_id, b.bay_number) < key;
                             });
  if (it == bays.end() || it->zone_id != zone_id || it->bay_number != bay_number) return nullptr;
  return &*it;
}

const ExpectedZone* ExpectedState::FindZone(std::string_view zone_id) const {
  auto it =
      std::lower_bound(zones.begin(), zones.end(), zone_id,
                       [](const ExpectedZone& z, std::string_view key) { return z.zone_id < key; });
  if (it == zones.end() || it->zone_id != zone_id) return nullptr;
  return &*it;
}

std::string ExpectedState::ToJson() const {
  json::array bay_array;
  bay_array.reserve(bays.size());
  for (const ExpectedBay& b : bays) {
    bay_array.push_back(json::object{{"zoneId", b.zone_id},
                                     {"bayNumber", b.bay_number},
                                     {"status", ToString(b.status)},
                                     {"arrivals", b.arrivals},
                                     {"departures", b.departures}});
  }
  json::array zone_array;
  zone_array.reserve(zones.size());
  for (const ExpectedZone& z : zones) {
    zone_array.push_back(json::object{{"zoneId", z.zone_id}, {"occupiedBays", z.occupied_bays}});
  }
  return json::serialize(
      json::object{{"bays", std::move(bay_array)}, {"zones", std::move(zone_array)}});
}

Result<ExpectedState> ExpectedState::FromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) return Bad("json", ec.message());
  if (!root.is_object()) return Bad("json", "must be an object");
  const json::object& o = root.get_object();

  ExpectedState e;
  VDPARK_ASSIGN_OR_RETURN(auto bays, ArrayField(o, "bays"));
  for (size_t i = 0; i < bays->size(); ++i) {
    const std::string where = "bays[" + std::to_string(i) + "]";
    const json::value& v = (*bays)[i];
    if (!v.is_object()) return Bad(where, "must be an object");
    const json::object& b = v.get_object();
    VDPARK_ASSIGN_OR_RETURN(auto zone, StringField(b, "zoneId", where));
    VDPARK_ASSIGN_OR_RETURN(auto bay, StringField(b, "bayNumber", where));
    VDPARK_ASSIGN_OR_RETURN(auto status_text, StringField(b, "status", where));
    const std::optional<BayStatus> status = ParseBayStatus(status_text);
    if (!status) return BadField(where, "status", "must be occupied, vacant or unknown");
    VDPARK_ASSIGN_OR_RETURN(auto arrivals, CountField(b, "arrivals", where));
    VDPARK_ASSIGN_OR_RETURN(auto departures, CountField(b, "departures", where));
    e.bays.push_back(ExpectedBay{std::move(zone), std::move(bay), *status, arrivals, departures});
  }
  VDPARK_ASSIGN_OR_RETURN(auto zones, ArrayField(o, "zones"));
  for (size_t i = 0; i < zones->size(); ++i) {
    const std::string where = "zones[" + std::to_string(i) + "]";
    const json::value& v = (*zones)[i];
    if (!v.is_object()) return Bad(where, "must be an object");
    VDPARK_ASSIGN_OR_RETURN(auto zone, StringField(v.get_object(), "zoneId", where));
    VDPARK_ASSIGN_OR_RETURN(auto occupied, CountField(v.get_object(), "occupiedBays", where));
    e.zones.push_back(ExpectedZone{std::move(zone), occupied});
  }
  // Lookups need key order, whatever order the text had.
  std::sort(e.bays.begin(), e.bays.end(), [](const ExpectedBay& a, const ExpectedBay& b) {
    return std::tie(a.zone_id, a.bay_number) < std::tie(b.zone_id, b.bay_number);
  });
  std::sort(e.zones.begin(), e.zones.end(),
            [](const ExpectedZone& a, const ExpectedZone& b) { return a.zone_id < b.zone_id; });
  return e;
}

}  // namespace vdpark
