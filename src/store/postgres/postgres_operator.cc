// PostgresStore's alerts and settings (operator_store.h): two tables of vdpark's own, so that the
// portal works over the old database too (a rollback, plan §9). Timestamps are kept as the
// fixed-width ISO text of the single table, which sorts as time and reads back exactly.
#include <charconv>

#include "store/postgres/postgres_store.h"

namespace vdpark {

namespace {

constexpr const char* kOperatorTables = R"sql(
CREATE TABLE IF NOT EXISTS vdpark_alerts (
  sensor_id text NOT NULL, kind text NOT NULL, raised_at text NOT NULL,
  open boolean NOT NULL, state text NOT NULL, severity text NOT NULL,
  zone_id text, bay_number text, tenant_id text, message text NOT NULL, value float8,
  acknowledged_at text, acknowledged_by text, resolved_at text, resolved_by text,
  auto_resolved boolean NOT NULL, note text,
  PRIMARY KEY (sensor_id, kind, raised_at));
CREATE UNIQUE INDEX IF NOT EXISTS vdpark_alerts_one_open ON vdpark_alerts (sensor_id, kind)
  WHERE open;
CREATE INDEX IF NOT EXISTS vdpark_alerts_newest ON vdpark_alerts (open, raised_at DESC);
CREATE TABLE IF NOT EXISTS vdpark_settings (
  scope text PRIMARY KEY, low_battery_percent integer NOT NULL,
  offline_after_minutes integer NOT NULL, refresh_seconds integer NOT NULL,
  time_zone text NOT NULL);
)sql";

constexpr const char* kAlertColumns =
    "sensor_id, kind, raised_at, state, severity, zone_id, bay_number, tenant_id, message, "
    "value, acknowledged_at, acknowledged_by, resolved_at, resolved_by, auto_resolved, note";

// The alert's columns in kAlertColumns' order, after open; "" stands for NULL (NULLIF in SQL:
// no id, time or name of an alert is empty).
std::vector<std::string> AlertParams(const Alert& a) {
  auto text = [](const std::optional<std::string>& v) { return v.value_or(""); };
  auto time = [](const std::optional<Timestamp>& t) { return t ? t->ToIso() : std::string(); };
  std::string value;
  if (a.value) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *a.value);
    value.assign(buf, ec == std::errc() ? end : buf);
  }
  return {a.open() ? "t" : "f",
          a.sensor_id,
          std::string(ToString(a.kind)),
          a.raised_at.ToIso(),
          std::string(ToString(a.state)),
          std::string(ToString(a.severity)),
          text(a.zone_id),
          text(a.bay_number),
          text(a.tenant_id),
          a.message,
          value,
          time(a.acknowledged_at),
          text(a.acknowledged_by),
          time(a.resolved_at),
          text(a.resolved_by),
          a.auto_resolved ? "t" : "f",
          text(a.note)};
}

// The parameters' placeholders as values: $1 open, then the columns, NULLIF for the optional.
constexpr const char* kAlertValues =
    "$2, $3, $4, $5, $6, NULLIF($7, ''), NULLIF($8, ''), NULLIF($9, ''), $10, "
    "NULLIF($11, '')::float8, NULLIF($12, ''), NULLIF($13, ''), NULLIF($14, ''), "
    "NULLIF($15, ''), $16::boolean, NULLIF($17, '')";

Result<Alert> AlertOfRow(const PgResult& r, int row) {
  auto opt = [&](int c) -> std::optional<std::string> {
    if (r.is_null(row, c)) return std::nullopt;
    return std::string(r.value(row, c));
  };
  auto time = [&](int c) -> Result<std::optional<Timestamp>> {
    if (r.is_null(row, c)) return std::optional<Timestamp>();
    VDPARK_ASSIGN_OR_RETURN(Timestamp t, Timestamp::Parse(r.value(row, c)));
    return std::optional<Timestamp>(t);
  };
  const std::string where = "vdpark_alerts row of sensor '" + std::string(r.value(row, 0)) + "'";
  auto bad = [&](std::string_view why) {
    return Status::Corruption(where + ": " + std::string(why));
  };
  Alert a;
  a.sensor_id = std::string(r.value(row, 0));
  std::optional<AlertKind> kind = ParseAlertKind(r.value(row, 1));
  std::optional<AlertState> state = ParseAlertState(r.value(row, 3));
  std::optional<AlertSeverity> severity = ParseAlertSeverity(r.value(row, 4));
  if (!kind || !state || !severity) return bad("kind, state or severity unknown");
  a.kind = *kind;
  a.state = *state;
  a.severity = *severity;
  auto raised = Timestamp::Parse(r.value(row, 2));
  if (!raised.ok()) return bad("raised_at: " + raised.status().message());
  a.raised_at = *raised;
  a.zone_id = opt(5);
  a.bay_number = opt(6);
  a.tenant_id = opt(7);
  a.message = std::string(r.value(row, 8));
  if (!r.is_null(row, 9)) {
    double v = 0;
    std::string_view t = r.value(row, 9);
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size()) return bad("value is not a number");
    a.value = v;
  }
  auto acked = time(10);
  auto resolved = time(12);
  if (!acked.ok() || !resolved.ok()) return bad("a time does not parse");
  a.acknowledged_at = *acked;
  a.acknowledged_by = opt(11);
  a.resolved_at = *resolved;
  a.resolved_by = opt(13);
  a.auto_resolved = r.value(row, 14) == "t";
  a.note = opt(15);
  return a;
}

std::string Scope(const std::optional<std::string>& tenant_id) {
  return tenant_id ? "TENANT#" + *tenant_id : std::string("ALL");
}

}  // namespace

Status PostgresStore::EnsureOperatorTables() {
  if (operator_tables_ready_) return Status::OK();
  // CREATE ... IF NOT EXISTS races with itself (two sessions can both find the table missing):
  // the sessions of one database take turns under an advisory lock.
  const std::string sql =
      std::string("BEGIN; SELECT pg_advisory_xact_lock(hashtext('vdpark_operator_tables')); ") +
      kOperatorTables + " COMMIT;";
  if (Status s = conn_->Exec(sql); !s.ok()) {
    (void)conn_->Exec("ROLLBACK");  // the session is usable again
    return s.WithContext("making vdpark_alerts");
  }
  operator_tables_ready_ = true;
  return Status::OK();
}

Result<std::vector<Alert>> PostgresStore::SelectAlerts(const std::string& where,
                                                       const std::vector<std::string>& params) {
  VDPARK_RETURN_IF_ERROR(EnsureOperatorTables());
  VDPARK_ASSIGN_OR_RETURN_WITH(
      PgResult r,
      conn_->Query(std::string("SELECT ") + kAlertColumns + " FROM vdpark_alerts WHERE " + where,
                   params),
      "reading alerts");
  std::vector<Alert> alerts;
  for (int i = 0; i < r.rows(); ++i) {
    VDPARK_ASSIGN_OR_RETURN(Alert a, AlertOfRow(r, i));
    alerts.push_back(std::move(a));
  }
  return alerts;
}

Result<CreateOutcome> PostgresStore::RaiseAlert(const Alert& alert) {
  if (!alert.open()) return Status::InvalidArgument("RaiseAlert: the alert is resolved");
  VDPARK_RETURN_IF_ERROR(EnsureOperatorTables());
  VDPARK_ASSIGN_OR_RETURN_WITH(
      PgResult r,
      conn_->Query(std::string("INSERT INTO vdpark_alerts (open, ") + kAlertColumns +
                       ") VALUES ($1::boolean, " + kAlertValues +
                       ") ON CONFLICT DO NOTHING RETURNING 1",
                   AlertParams(alert)),
      "RaiseAlert " + alert.id().ToString());
  return r.rows() == 1 ? CreateOutcome::kCreated : CreateOutcome::kExists;
}

Result<std::optional<Alert>> PostgresStore::GetOpenAlert(std::string_view sensor_id,
                                                         AlertKind kind) {
  VDPARK_ASSIGN_OR_RETURN(std::vector<Alert> found,
                          SelectAlerts("sensor_id = $1 AND kind = $2 AND open",
                                       {std::string(sensor_id), std::string(ToString(kind))}));
  if (found.empty()) return std::optional<Alert>();
  return std::optional<Alert>(std::move(found.front()));
}

Result<std::optional<Alert>> PostgresStore::GetAlert(const AlertId& id) {
  VDPARK_ASSIGN_OR_RETURN(
      std::vector<Alert> found,
      SelectAlerts("sensor_id = $1 AND kind = $2 AND raised_at = $3",
                   {id.sensor_id, std::string(ToString(id.kind)), id.raised_at.ToIso()}));
  if (found.empty()) return std::optional<Alert>();
  return std::optional<Alert>(std::move(found.front()));
}

Result<std::vector<Alert>> PostgresStore::ListAlerts(const AlertQuery& query) {
  constexpr size_t kPage = 500;
  std::vector<Alert> kept;
  for (size_t offset = 0; kept.size() < query.limit; offset += kPage) {
    VDPARK_ASSIGN_OR_RETURN(
        std::vector<Alert> page,
        SelectAlerts("open = $1::boolean ORDER BY raised_at DESC, sensor_id COLLATE \"C\" DESC, "
                     "kind DESC LIMIT " +
                         std::to_string(kPage) + " OFFSET " + std::to_string(offset),
                     {query.open ? "t" : "f"}));
    for (Alert& a : page) {
      if (query.keep && !query.keep(a)) continue;
      kept.push_back(std::move(a));
      if (kept.size() == query.limit) break;
    }
    if (page.size() < kPage) break;
  }
  return kept;
}

Status PostgresStore::UpdateAlert(const Alert& as_read, const Alert& changed) {
  if (changed.id() != as_read.id()) {
    return Status::InvalidArgument("alert " + changed.id().ToString() + " is another alert than " +
                                   as_read.id().ToString());
  }
  VDPARK_RETURN_IF_ERROR(EnsureOperatorTables());
  std::vector<std::string> params = AlertParams(changed);
  params.push_back(std::string(ToString(as_read.state)));
  VDPARK_ASSIGN_OR_RETURN_WITH(
      PgResult r,
      conn_->Query("UPDATE vdpark_alerts SET (open, " + std::string(kAlertColumns) +
                       ") = ($1::boolean, " + kAlertValues +
                       ") WHERE sensor_id = $2 AND kind = $3 AND raised_at = $4 AND open AND "
                       "state = $18 RETURNING 1",
                   params),
      "alert " + as_read.id().ToString());
  if (r.rows() == 0) {
    return Status::ConditionFailed("alert " + as_read.id().ToString() + " is no longer as read");
  }
  return Status::OK();
}

Status PostgresStore::ReplaceOpenAlert(const Alert& as_read, const Alert& changed) {
  if (!changed.open()) return Status::InvalidArgument("ReplaceOpenAlert: the alert is resolved");
  return UpdateAlert(as_read, changed);
}

Status PostgresStore::ResolveAlert(const Alert& as_read, const Alert& resolved) {
  if (resolved.open()) return Status::InvalidArgument("ResolveAlert: the alert is still open");
  return UpdateAlert(as_read, resolved);
}

Result<std::optional<OperatorSettings>> PostgresStore::GetSettings(
    const std::optional<std::string>& tenant_id) {
  VDPARK_RETURN_IF_ERROR(EnsureOperatorTables());
  VDPARK_ASSIGN_OR_RETURN_WITH(
      PgResult r,
      conn_->Query("SELECT low_battery_percent, offline_after_minutes, refresh_seconds, time_zone "
                   "FROM vdpark_settings WHERE scope = $1",
                   {Scope(tenant_id)}),
      "reading settings");
  if (r.rows() == 0) return std::optional<OperatorSettings>();
  OperatorSettings s;
  s.low_battery_percent = std::stoi(std::string(r.value(0, 0)));
  s.offline_after_minutes = std::stoi(std::string(r.value(0, 1)));
  s.refresh_seconds = std::stoi(std::string(r.value(0, 2)));
  s.time_zone = std::string(r.value(0, 3));
  if (Status bad = CheckSettings(s); !bad.ok()) {
    return Status::Corruption("vdpark_settings row " + Scope(tenant_id) + ": " + bad.message());
  }
  return std::optional<OperatorSettings>(std::move(s));
}

Status PostgresStore::PutSettings(const std::optional<std::string>& tenant_id,
                                  const OperatorSettings& s) {
  VDPARK_RETURN_IF_ERROR(CheckSettings(s));
  VDPARK_RETURN_IF_ERROR(EnsureOperatorTables());
  return conn_
      ->Query(
          "INSERT INTO vdpark_settings VALUES ($1, $2::integer, $3::integer, $4::integer, $5) "
          "ON CONFLICT (scope) DO UPDATE SET low_battery_percent = EXCLUDED.low_battery_percent, "
          "offline_after_minutes = EXCLUDED.offline_after_minutes, "
          "refresh_seconds = EXCLUDED.refresh_seconds, time_zone = EXCLUDED.time_zone",
          {Scope(tenant_id), std::to_string(s.low_battery_percent),
           std::to_string(s.offline_after_minutes), std::to_string(s.refresh_seconds), s.time_zone})
      .status()
      .WithContext("settings");
}

}  // namespace vdpark
