#include "table/single_table_mapper.h"

#include <array>
#include <charconv>

#include "domain/record_rules.h"

namespace vdpark {

namespace {

constexpr std::string_view kZonePrefix = "ZONE#";
constexpr std::string_view kBayPrefix = "BAY#";
constexpr std::string_view kSensorPrefix = "SENSOR#";
constexpr std::string_view kEventPrefix = "EVENT#";
constexpr std::string_view kTenantPrefix = "TENANT#";
constexpr std::string_view kBayInPk = "#BAY#";
constexpr std::string_view kMetadata = "METADATA";

std::string Cat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (auto p : parts) n += p.size();
  std::string s;
  s.reserve(n);
  for (auto p : parts) s.append(p);
  return s;
}

// Moves one attribute into `item` (an attribute already there stays). Item{{...}} and
// insert({...}) take an initializer_list, whose elements are const: each name and value would be
// copied once more, and a bay's and a sensor's items are built on every live write. Hinted at the
// end: set in name order (as ToItem of a bay and a sensor do), each insert is a single comparison.
void Set(Item& item, std::string_view name, AttributeValue value) {
  item.emplace_hint(item.end(), std::string(name), std::move(value));
}

AttributeValue OptS(const std::optional<std::string>& v) {
  return v ? AttributeValue::S(*v) : AttributeValue::Null();
}
AttributeValue OptN(const std::optional<int64_t>& v) {
  return v ? AttributeValue::N(*v) : AttributeValue::Null();
}
AttributeValue OptDecimal(const std::optional<Decimal>& v) {
  return v ? AttributeValue::N(v->ToCanonicalString()) : AttributeValue::Null();
}
AttributeValue OptTime(const std::optional<Timestamp>& v) {
  return v ? AttributeValue::S(v->ToIso()) : AttributeValue::Null();
}
AttributeValue OptPoint(const std::optional<GeoPoint>& p) {
  if (!p) return AttributeValue::Null();
  Item point;
  Set(point, "lat", AttributeValue::N(p->lat));
  Set(point, "lng", AttributeValue::N(p->lng));
  return AttributeValue::M(std::move(point));
}

// Reads typed attributes of one item and remembers the first problem, so a mapping function can
// read every field straight through and check once at the end.
class Reader {
 public:
  explicit Reader(const Item& item) : item_(item) {}

  std::string Key(std::string_view name) {
    auto v = S(name);
    if (!v && error_.ok()) error_ = Problem(name, "missing");
    return v.value_or("");
  }
  std::optional<std::string> S(std::string_view name) {
    const AttributeValue* v = Find(name);
    if (!v) return std::nullopt;
    if (!v->is_s()) return Fail<std::string>(name, "expected a string");
    return v->text();
  }
  std::optional<int64_t> Int(std::string_view name) {
    const AttributeValue* v = Find(name);
    if (!v) return std::nullopt;
    if (!v->is_n()) return Fail<int64_t>(name, "expected a number");
    auto d = Decimal::Parse(v->text());
    if (!d.ok() || d->micros() % Decimal::kUnit != 0) {
      return Fail<int64_t>(name, "expected a whole number, got '" + v->text() + "'");
    }
    return d->micros() / Decimal::kUnit;
  }
  std::optional<double> Double(const AttributeValue* v, std::string_view name) {
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_n()) return Fail<double>(name, "expected a number");
    try {
      return std::stod(v->text());
    } catch (...) {
      return Fail<double>(name, "bad number '" + v->text() + "'");
    }
  }
  std::optional<Decimal> Dec(std::string_view name) {
    const AttributeValue* v = Find(name);
    if (!v) return std::nullopt;
    if (!v->is_n()) return Fail<Decimal>(name, "expected a number");
    auto d = Decimal::Parse(v->text());
    if (!d.ok()) return Fail<Decimal>(name, d.status().message());
    return *d;
  }
  std::optional<Timestamp> Time(std::string_view name) {
    auto s = S(name);
    if (!s) return std::nullopt;
    auto t = Timestamp::Parse(*s);
    if (!t.ok()) return Fail<Timestamp>(name, t.status().message());
    return *t;
  }
  std::optional<GeoPoint> Point(std::string_view name) {
    const AttributeValue* v = Find(name);
    if (!v) return std::nullopt;
    if (v->type() != AttributeValue::Type::kM) return Fail<GeoPoint>(name, "expected a map");
    auto lat = Double(FindAttribute(v->map(), "lat"), "lat");
    auto lng = Double(FindAttribute(v->map(), "lng"), "lng");
    if (!lat || !lng) return Fail<GeoPoint>(name, "needs numbers lat and lng");
    return GeoPoint{*lat, *lng};
  }
  std::optional<OperatingHours> Hours(std::string_view name) {
    const AttributeValue* v = Find(name);
    if (!v) return std::nullopt;
    if (v->type() != AttributeValue::Type::kM) return Fail<OperatingHours>(name, "expected a map");
    auto open = GetString(v->map(), "open");
    auto close = GetString(v->map(), "close");
    if (!open || !close) return Fail<OperatingHours>(name, "needs strings open and close");
    auto h = OperatingHours::ParseJson("{\"open\":\"" + *open + "\",\"close\":\"" + *close + "\"}");
    if (!h.ok()) return Fail<OperatingHours>(name, h.status().message());
    return *h;
  }

  template <typename T>
  Result<T> Done(T value) {
    if (!error_.ok()) return error_;
    return value;
  }
  // Done, and the record rules (the field's name is the attribute's).
  template <typename Record>
  Result<Record> Checked(Record record) {
    if (!error_.ok()) return error_;
    if (auto broken = FindRuleBreak(record)) return Problem(broken->field, broken->why);
    return record;
  }

 private:
  const AttributeValue* Find(std::string_view name) {
    const AttributeValue* v = FindAttribute(item_, name);
    return v && !v->is_null() ? v : nullptr;
  }
  Status Problem(std::string_view name, std::string_view why) {
    std::string where = "item " + GetString(item_, kPkAttr).value_or("?") + " / " +
                        GetString(item_, kSkAttr).value_or("?");
    return Status::InvalidArgument(where + ", attribute '" + std::string(name) +
                                   "': " + std::string(why));
  }
  template <typename T>
  std::optional<T> Fail(std::string_view name, std::string_view why) {
    if (error_.ok()) error_ = Problem(name, why);
    return std::nullopt;
  }

  const Item& item_;
  Status error_;
};

}  // namespace

ItemKey SingleTableMapper::ZoneKey(std::string_view zone_id) {
  return {Cat({kZonePrefix, zone_id}), std::string(kMetadata)};
}
ItemKey SingleTableMapper::BayKey(std::string_view zone_id, std::string_view bay_number) {
  return {Cat({kZonePrefix, zone_id}), Cat({kBayPrefix, bay_number})};
}
ItemKey SingleTableMapper::SensorKey(std::string_view sensor_id) {
  return {Cat({kSensorPrefix, sensor_id}), std::string(kMetadata)};
}
std::string SingleTableMapper::EventPartition(std::string_view zone_id,
                                              std::string_view bay_number) {
  return Cat({kZonePrefix, zone_id, kBayInPk, bay_number});
}
ItemKey SingleTableMapper::EventKey(std::string_view zone_id, std::string_view bay_number,
                                    Timestamp ts) {
  std::string sk(kEventPrefix);
  ts.AppendIso(&sk);
  return {EventPartition(zone_id, bay_number), std::move(sk)};
}

int64_t SingleTableMapper::TtlOf(Timestamp event_time) const {
  if (options_.retention_days <= 0) return 0;
  return event_time.seconds() + options_.retention_days * 86400;
}

Item SingleTableMapper::ToItem(const Zone& z) const {
  ItemKey key = ZoneKey(z.zone_id);
  Item item{
      {"PK", AttributeValue::S(std::move(key.pk))},
      {"SK", AttributeValue::S(std::move(key.sk))},
      {"zoneId", AttributeValue::S(z.zone_id)},
      {"name", OptS(z.name)},
      {"address", OptS(z.address)},
      {"city", OptS(z.city)},
      {"totalBays", OptN(z.total_bays)},
      {"occupiedBays", AttributeValue::N(z.occupied_bays.value_or(0))},
      {"location", OptPoint(z.location)},
      {"pricePerHour", OptDecimal(z.price_per_hour)},
      {"operatingHours",
       z.operating_hours
           ? AttributeValue::M(Item{{"open", AttributeValue::S(OperatingHours::FormatMinute(
                                                 z.operating_hours->open_minute))},
                                    {"close", AttributeValue::S(OperatingHours::FormatMinute(
                                                  z.operating_hours->close_minute))}})
           : AttributeValue::Null()},
      {"tenantId", OptS(z.tenant_id)},
      {"createdAt", OptTime(z.created_at)},
  };
  if (z.tenant_id) {
    item["GSI1PK"] = AttributeValue::S(Cat({kTenantPrefix, *z.tenant_id}));
    item["GSI1SK"] = AttributeValue::S(Cat({kZonePrefix, z.zone_id}));
  }
  return item;
}

AttributeValue SingleTableMapper::BayStateValue(const Bay& b, std::string_view name) const {
  if (name == "status") return AttributeValue::S(std::string(ToString(b.status)));
  if (name == "lastChange") return OptTime(b.last_change);
  if (name == "lastHeartbeat") return OptTime(b.last_heartbeat);
  if (name == "occupiedSince") return OptTime(b.occupied_since);
  return AttributeValue::Null();
}

Item SingleTableMapper::BayStateAttributes(const Bay& b) const {
  Item item;
  for (std::string_view name : {"lastChange", "lastHeartbeat", "occupiedSince", "status"}) {
    Set(item, name, BayStateValue(b, name));
  }
  return item;
}

// The bay's and the sensor's items are built on every live write: their attributes are set in
// name order (upper case first), so that each Set appends.
Item SingleTableMapper::ToItem(const Bay& b) const {
  ItemKey key = BayKey(b.zone_id, b.bay_number);
  Item item;
  if (b.sensor_id) {
    Set(item, "GSI2PK", AttributeValue::S(Cat({kSensorPrefix, *b.sensor_id})));
    Set(item, "GSI2SK", AttributeValue::S("BAY"));
  }
  Set(item, "PK", AttributeValue::S(std::move(key.pk)));
  Set(item, "SK", AttributeValue::S(std::move(key.sk)));
  Set(item, "bayNumber", AttributeValue::S(b.bay_number));
  Set(item, "bayType", OptS(b.bay_type));
  Set(item, "lastChange", BayStateValue(b, "lastChange"));
  Set(item, "lastHeartbeat", BayStateValue(b, "lastHeartbeat"));
  Set(item, "location", OptPoint(b.location));
  Set(item, "occupiedSince", BayStateValue(b, "occupiedSince"));
  Set(item, "sensorId", OptS(b.sensor_id));
  Set(item, "status", BayStateValue(b, "status"));
  Set(item, "zoneId", AttributeValue::S(b.zone_id));
  return item;
}

Item SingleTableMapper::ToItem(const Sensor& s) const {
  ItemKey key = SensorKey(s.sensor_id);
  Item item;
  if (s.zone_id) {
    Set(item, "GSI1PK", AttributeValue::S(Cat({kZonePrefix, *s.zone_id})));
    Set(item, "GSI1SK", AttributeValue::S(Cat({kSensorPrefix, s.sensor_id})));
  }
  Set(item, "PK", AttributeValue::S(std::move(key.pk)));
  Set(item, "SK", AttributeValue::S(std::move(key.sk)));
  Set(item, "bayNumber", OptS(s.bay_number));
  Set(item, "firmwareVersion", OptS(s.firmware_version));
  Set(item, "installDate", OptTime(s.install_date));
  Set(item, "lastBattery", OptN(s.last_battery));
  Set(item, "lastSeen", OptTime(s.last_seen));
  Set(item, "lastSignal", OptN(s.last_signal));
  Set(item, "model", OptS(s.model));
  Set(item, "sensorId", AttributeValue::S(s.sensor_id));
  Set(item, "status", OptS(s.status));
  Set(item, "zoneId", OptS(s.zone_id));
  return item;
}

Item SingleTableMapper::ToItem(const ParkingEvent& e) const {
  Item item;
  FillItem(e, &item);
  return item;
}

void SingleTableMapper::FillItem(const ParkingEvent& e, Item* item) const {
  // Built in two reused buffers; each attribute is then assigned in place.
  thread_local std::string pk, ts_sk;
  pk.assign(kZonePrefix);
  pk.append(e.zone_id);
  const size_t zone_end = pk.size();
  pk.append(kBayInPk);
  pk.append(e.bay_number);
  ts_sk.assign(kEventPrefix);
  e.timestamp.AppendIso(&ts_sk);
  const std::string_view ts = std::string_view(ts_sk).substr(kEventPrefix.size());
  // The attribute's slot, found without building a key string when the item is being reused.
  auto slot = [item](std::string_view name) -> AttributeValue& {
    auto it = item->find(name);
    return it != item->end() ? it->second : (*item)[std::string(name)];
  };
  auto set_s = [&](std::string_view name, std::string_view v) { slot(name).AssignS(v); };
  auto set_opt_s = [&](std::string_view name, const std::optional<std::string>& v) {
    v ? slot(name).AssignS(*v) : slot(name).AssignNull();
  };
  char num[32];
  auto set_n = [&](std::string_view name, int64_t v) {
    auto r = std::to_chars(num, num + sizeof num, v);
    slot(name).AssignN(std::string_view(num, r.ptr - num));
  };
  set_s("PK", pk);
  set_s("SK", ts_sk);
  set_s("GSI1PK", std::string_view(pk).substr(0, zone_end));
  set_s("GSI1SK", ts_sk);
  set_s("zoneId", e.zone_id);
  set_s("bayNumber", e.bay_number);
  set_opt_s("sensorId", e.sensor_id);
  set_s("eventType", ToString(e.event_type));
  set_s("timestamp", ts);
  if (e.duration_minutes) {
    set_n("duration", *e.duration_minutes);
  } else {
    slot("duration").AssignNull();
  }
  if (e.revenue) {
    slot("revenue").AssignN(e.revenue->ToCanonicalString());
  } else {
    slot("revenue").AssignNull();
  }
  set_opt_s("detectionMode", e.detection_mode);
  if (int64_t ttl = TtlOf(e.timestamp); ttl > 0) {
    set_n("ttl", ttl);
  } else {
    if (auto it = item->find("ttl"); it != item->end()) item->erase(it);
  }
}

Result<Zone> SingleTableMapper::ToZone(const Item& item) const {
  Reader r(item);
  Zone z;
  z.zone_id = r.Key("zoneId");
  z.name = r.S("name");
  z.address = r.S("address");
  z.city = r.S("city");
  z.total_bays = r.Int("totalBays");
  z.occupied_bays = r.Int("occupiedBays");
  z.location = r.Point("location");
  z.price_per_hour = r.Dec("pricePerHour");
  z.operating_hours = r.Hours("operatingHours");
  z.tenant_id = r.S("tenantId");
  z.created_at = r.Time("createdAt");
  return r.Checked(std::move(z));
}

Result<Bay> SingleTableMapper::ToBay(const Item& item) const {
  Reader r(item);
  Bay b;
  b.zone_id = r.Key("zoneId");
  b.bay_number = r.Key("bayNumber");
  b.sensor_id = r.S("sensorId");
  auto status = r.S("status");
  if (status) {
    auto parsed = ParseBayStatus(*status);
    if (!parsed) {
      return Status::InvalidArgument("item " + BayKey(b.zone_id, b.bay_number).pk + " / " +
                                     BayKey(b.zone_id, b.bay_number).sk +
                                     ", attribute 'status': unknown status '" + *status + "'");
    }
    b.status = *parsed;
  }
  b.last_change = r.Time("lastChange");
  b.occupied_since = r.Time("occupiedSince");
  b.last_heartbeat = r.Time("lastHeartbeat");
  b.bay_type = r.S("bayType");
  b.location = r.Point("location");
  return r.Checked(std::move(b));
}

Result<Sensor> SingleTableMapper::ToSensor(const Item& item) const {
  Reader r(item);
  Sensor s;
  s.sensor_id = r.Key("sensorId");
  s.model = r.S("model");
  s.firmware_version = r.S("firmwareVersion");
  s.install_date = r.Time("installDate");
  s.zone_id = r.S("zoneId");
  s.bay_number = r.S("bayNumber");
  s.status = r.S("status");
  s.last_battery = r.Int("lastBattery");
  s.last_signal = r.Int("lastSignal");
  s.last_seen = r.Time("lastSeen");
  return r.Checked(std::move(s));
}

Result<ParkingEvent> SingleTableMapper::ToEvent(const Item& item) const {
  Reader r(item);
  ParkingEvent e;
  e.zone_id = r.Key("zoneId");
  e.bay_number = r.Key("bayNumber");
  e.sensor_id = r.S("sensorId");
  std::string type = r.Key("eventType");
  auto t = r.Time("timestamp");
  e.duration_minutes = r.Int("duration");
  e.revenue = r.Dec("revenue");
  e.detection_mode = r.S("detectionMode");
  VDPARK_RETURN_IF_ERROR(r.Done(0).status());
  auto parsed = ParseEventType(type);
  if (!parsed || !t) {
    return Status::InvalidArgument("item " + EventPartition(e.zone_id, e.bay_number) +
                                   (parsed
                                        ? ": attribute 'timestamp' missing"
                                        : ": attribute 'eventType': unknown type '" + type + "'"));
  }
  e.event_type = *parsed;
  e.timestamp = *t;
  return r.Checked(std::move(e));
}

EntityKind SingleTableMapper::KindOf(std::string_view pk, std::string_view sk) {
  if (sk.starts_with(kEventPrefix)) return EntityKind::kEvent;
  if (pk.starts_with(kZonePrefix)) {
    if (sk == kMetadata) return EntityKind::kZone;
    if (sk.starts_with(kBayPrefix)) return EntityKind::kBay;
  }
  if (pk.starts_with(kSensorPrefix) && sk == kMetadata) return EntityKind::kSensor;
  return EntityKind::kOther;
}

EntityKind SingleTableMapper::KindOf(const Item& item) {
  const AttributeValue* pk = FindAttribute(item, kPkAttr);
  const AttributeValue* sk = FindAttribute(item, kSkAttr);
  if (!pk || !sk || !pk->is_s() || !sk->is_s()) return EntityKind::kOther;
  return KindOf(pk->text(), sk->text());
}

int CompareEventKeys(const ParkingEvent& a, const ParkingEvent& b) {
  // Compare the two PKs ("ZONE#" zone "#BAY#" bay) as byte strings without building them.
  const std::array<std::string_view, 3> pa{a.zone_id, kBayInPk, a.bay_number};
  const std::array<std::string_view, 3> pb{b.zone_id, kBayInPk, b.bay_number};
  size_t ia = 0, ib = 0, oa = 0, ob = 0;
  while (true) {
    while (ia < pa.size() && oa == pa[ia].size()) ++ia, oa = 0;
    while (ib < pb.size() && ob == pb[ib].size()) ++ib, ob = 0;
    bool ea = ia == pa.size(), eb = ib == pb.size();
    if (ea || eb) {
      if (ea && eb) break;
      return ea ? -1 : 1;
    }
    auto ca = static_cast<unsigned char>(pa[ia][oa++]);
    auto cb = static_cast<unsigned char>(pb[ib][ob++]);
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  // SKs are "EVENT#" + fixed-width ISO time: their byte order is time order.
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  return 0;
}

bool EventKeyLess(const ParkingEvent& a, const ParkingEvent& b) {
  return CompareEventKeys(a, b) < 0;
}

}  // namespace vdpark
