#include "table/operator_items.h"

#include <charconv>

#include "domain/record_rules.h"

namespace vdpark {

namespace {

constexpr std::string_view kAlertPrefix = "ALERT#";
constexpr std::string_view kOpenPrefix = "OPEN#";
constexpr std::string_view kResolvedPrefix = "RESOLVED#";

std::string Gsi1Sort(const Alert& a) {
  std::string out = a.raised_at.ToIso();
  out += '#';
  out += a.sensor_id;
  out += '#';
  out += ToString(a.kind);
  return out;
}

AttributeValue OptS(const std::optional<std::string>& v) {
  return v ? AttributeValue::S(*v) : AttributeValue::Null();
}
AttributeValue OptTime(const std::optional<Timestamp>& v) {
  return v ? AttributeValue::S(v->ToIso()) : AttributeValue::Null();
}

// Reads the attributes of one item, keeping the first problem (named with the item's key).
class Fields {
 public:
  explicit Fields(const Item& item) : item_(item) {}

  std::optional<std::string> S(std::string_view name, bool required = false) {
    const AttributeValue* v = FindAttribute(item_, name);
    if (v == nullptr || v->is_null()) {
      if (required) Fail(name, "missing");
      return std::nullopt;
    }
    if (!v->is_s()) return Fail(name, "expected a string"), std::nullopt;
    return v->text();
  }
  std::optional<double> N(std::string_view name) {
    const AttributeValue* v = FindAttribute(item_, name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    double d = 0;
    const std::string& t = v->text();
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
    if (!v->is_n() || ec != std::errc() || end != t.data() + t.size()) {
      return Fail(name, "expected a number"), std::nullopt;
    }
    return d;
  }
  std::optional<Timestamp> Time(std::string_view name, bool required = false) {
    std::optional<std::string> text = S(name, required);
    if (!text) return std::nullopt;
    Result<Timestamp> t = Timestamp::Parse(*text);
    if (!t.ok()) return Fail(name, t.status().message()), std::nullopt;
    return *t;
  }
  bool Bool(std::string_view name) {
    const AttributeValue* v = FindAttribute(item_, name);
    return v != nullptr && v->boolean();
  }
  void Fail(std::string_view name, std::string_view why) {
    if (!error_.ok()) return;
    const AttributeValue* pk = FindAttribute(item_, kPkAttr);
    const AttributeValue* sk = FindAttribute(item_, kSkAttr);
    error_ = Status::InvalidArgument("item PK=" + (pk ? pk->text() : std::string("?")) + " SK=" +
                                     (sk ? sk->text() : std::string("?")) + ", attribute '" +
                                     std::string(name) + "': " + std::string(why));
  }
  const Status& error() const { return error_; }

 private:
  const Item& item_;
  Status error_;
};

}  // namespace

ItemKey OpenAlertKey(std::string_view sensor_id, AlertKind kind) {
  std::string pk(kAlertPrefix);
  pk += sensor_id;
  std::string sk(kOpenPrefix);
  sk += ToString(kind);
  return {std::move(pk), std::move(sk)};
}

ItemKey ResolvedAlertKey(const AlertId& id) {
  std::string pk(kAlertPrefix);
  pk += id.sensor_id;
  std::string sk(kResolvedPrefix);
  sk += id.raised_at.ToIso();
  sk += '#';
  sk += ToString(id.kind);
  return {std::move(pk), std::move(sk)};
}

ItemKey AlertKey(const Alert& alert) {
  return alert.open() ? OpenAlertKey(alert.sensor_id, alert.kind) : ResolvedAlertKey(alert.id());
}

Item AlertToItem(const Alert& a) {
  ItemKey key = AlertKey(a);
  Item item;
  item[std::string(kPkAttr)] = AttributeValue::S(std::move(key.pk));
  item[std::string(kSkAttr)] = AttributeValue::S(std::move(key.sk));
  item[std::string(kGsi1PkAttr)] =
      AttributeValue::S(std::string(a.open() ? kOpenAlertsPartition : kResolvedAlertsPartition));
  item[std::string(kGsi1SkAttr)] = AttributeValue::S(Gsi1Sort(a));
  item["sensorId"] = AttributeValue::S(a.sensor_id);
  item["kind"] = AttributeValue::S(std::string(ToString(a.kind)));
  item["raisedAt"] = AttributeValue::S(a.raised_at.ToIso());
  item["severity"] = AttributeValue::S(std::string(ToString(a.severity)));
  item["state"] = AttributeValue::S(std::string(ToString(a.state)));
  item["zoneId"] = OptS(a.zone_id);
  item["bayNumber"] = OptS(a.bay_number);
  item["tenantId"] = OptS(a.tenant_id);
  item["message"] = AttributeValue::S(a.message);
  item["value"] = a.value ? AttributeValue::N(*a.value) : AttributeValue::Null();
  item["acknowledgedAt"] = OptTime(a.acknowledged_at);
  item["acknowledgedBy"] = OptS(a.acknowledged_by);
  item["resolvedAt"] = OptTime(a.resolved_at);
  item["resolvedBy"] = OptS(a.resolved_by);
  item["autoResolved"] = AttributeValue::Bool(a.auto_resolved);
  item["note"] = OptS(a.note);
  return item;
}

Result<Alert> AlertFromItem(const Item& item) {
  Fields f(item);
  Alert a;
  a.sensor_id = f.S("sensorId", true).value_or("");
  if (std::optional<std::string> kind = f.S("kind", true)) {
    if (std::optional<AlertKind> k = ParseAlertKind(*kind))
      a.kind = *k;
    else
      f.Fail("kind", "unknown kind '" + kind->substr(0, 64) + "'");
  }
  a.raised_at = f.Time("raisedAt", true).value_or(Timestamp());
  if (std::optional<std::string> severity = f.S("severity", true)) {
    if (std::optional<AlertSeverity> s = ParseAlertSeverity(*severity))
      a.severity = *s;
    else
      f.Fail("severity", "unknown severity '" + severity->substr(0, 64) + "'");
  }
  if (std::optional<std::string> state = f.S("state", true)) {
    if (std::optional<AlertState> s = ParseAlertState(*state))
      a.state = *s;
    else
      f.Fail("state", "unknown state '" + state->substr(0, 64) + "'");
  }
  a.zone_id = f.S("zoneId");
  a.bay_number = f.S("bayNumber");
  a.tenant_id = f.S("tenantId");
  a.message = f.S("message").value_or("");
  a.value = f.N("value");
  a.acknowledged_at = f.Time("acknowledgedAt");
  a.acknowledged_by = f.S("acknowledgedBy");
  a.resolved_at = f.Time("resolvedAt");
  a.resolved_by = f.S("resolvedBy");
  a.auto_resolved = f.Bool("autoResolved");
  a.note = f.S("note");
  if (f.error().ok()) {
    if (Status s = CheckIdText(a.sensor_id); !s.ok()) f.Fail("sensorId", s.message());
  }
  if (!f.error().ok()) return f.error();
  return a;
}

ItemKey SettingsKey(const std::optional<std::string>& tenant_id) {
  std::string sk = "ALL";
  if (tenant_id) sk = "TENANT#" + *tenant_id;
  return {"SETTINGS", std::move(sk)};
}

Item SettingsToItem(const std::optional<std::string>& tenant_id, const OperatorSettings& s) {
  ItemKey key = SettingsKey(tenant_id);
  return {{std::string(kPkAttr), AttributeValue::S(std::move(key.pk))},
          {std::string(kSkAttr), AttributeValue::S(std::move(key.sk))},
          {"lowBatteryPercent", AttributeValue::N(int64_t{s.low_battery_percent})},
          {"offlineAfterMinutes", AttributeValue::N(int64_t{s.offline_after_minutes})},
          {"refreshSeconds", AttributeValue::N(int64_t{s.refresh_seconds})},
          {"timeZone", AttributeValue::S(s.time_zone)}};
}

Result<OperatorSettings> SettingsFromItem(const Item& item) {
  Fields f(item);
  OperatorSettings s;
  auto whole = [&](std::string_view name, int* out) {
    std::optional<double> v = f.N(name);
    if (!v) return;
    if (!(*v >= -1e9 && *v <= 1e9) || *v != static_cast<double>(static_cast<int>(*v))) {
      f.Fail(name, "expected a whole number");
      return;
    }
    *out = static_cast<int>(*v);
  };
  whole("lowBatteryPercent", &s.low_battery_percent);
  whole("offlineAfterMinutes", &s.offline_after_minutes);
  whole("refreshSeconds", &s.refresh_seconds);
  if (std::optional<std::string> tz = f.S("timeZone")) s.time_zone = *tz;
  if (!f.error().ok()) return f.error();
  if (Status bad = CheckSettings(s); !bad.ok()) {
    f.Fail("settings", bad.message());
    return f.error();
  }
  return s;
}

}  // namespace vdpark
