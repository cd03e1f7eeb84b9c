// GET /alerts, GET /alerts/{alertId}, POST /alerts/{alertId}/acknowledge|resolve: the sensors'
// alerts (domain/alert.h) as ingest raised them, for the portal's Alerts page. A tenant sees the
// alerts of its zones' sensors; an alert of another tenant is answered as a missing one.
#include "api/route_table.h"
#include "domain/record_rules.h"

namespace vdpark {

namespace {

constexpr int64_t kDefaultLimit = 200;
constexpr int64_t kMaxLimit = 1000;

ApiResult<OperatorStore*> Operators(const RouteCall& call) {
  if (call.context.operators == nullptr) {
    return ApiError::NotImplemented("this store keeps no alerts");
  }
  return call.context.operators;
}

ApiError AlertNotFound(std::string_view id) {
  return ApiError::NotFound("Alert not found", "no alert '" + std::string(id.substr(0, 200)) + "'");
}

// Who acts, as the alert records it.
std::string Actor(const Caller& caller) {
  return caller.tenant ? "tenant:" + *caller.tenant : std::string("operator");
}

// "open" (active and acknowledged; the default), "all", or one state.
struct StateFilter {
  bool read_open = true, read_resolved = false;
  std::optional<AlertState> only;
};

ApiResult<StateFilter> StateParam(const ApiRequest& request) {
  StateFilter f;
  auto text = request.Query("state");
  if (!text || *text == "open") return f;
  if (*text == "all") {
    f.read_resolved = true;
    return f;
  }
  f.only = ParseAlertState(*text);
  if (!f.only) {
    return ApiError::BadRequest(
        "state: expected open, active, acknowledged, resolved or all, got '" +
        std::string(text->substr(0, 64)) + "'");
  }
  f.read_open = *f.only != AlertState::kResolved;
  f.read_resolved = *f.only == AlertState::kResolved;
  return f;
}

ApiResponse ListAlerts(const RouteCall& call) {
  auto store = Operators(call);
  if (!store.ok()) return ErrorResponse(store.error());
  auto states = StateParam(call.request);
  if (!states.ok()) return ErrorResponse(states.error());
  std::optional<AlertKind> kind;
  if (auto text = call.request.Query("kind")) {
    kind = ParseAlertKind(*text);
    if (!kind) {
      return ErrorResponse(
          ApiError::BadRequest("kind: expected low_battery, offline or detection, got '" +
                               std::string(text->substr(0, 64)) + "'"));
    }
  }
  std::optional<AlertSeverity> severity;
  if (auto text = call.request.Query("severity")) {
    severity = ParseAlertSeverity(*text);
    if (!severity) {
      return ErrorResponse(ApiError::BadRequest("severity: expected critical or warning, got '" +
                                                std::string(text->substr(0, 64)) + "'"));
    }
  }
  std::optional<std::string> zone_id;
  if (auto text = call.request.Query("zoneId"); text && !text->empty()) {
    auto zone = VisibleZone(call, *text);
    if (!zone.ok()) return ErrorResponse(zone.error());
    zone_id = zone->zone_id;
  }
  auto limit = IntParam(call.request, "limit", 1, kMaxLimit);
  if (!limit.ok()) return ErrorResponse(limit.error());

  AlertQuery q;
  q.limit = static_cast<size_t>(limit->value_or(kDefaultLimit));
  q.keep = [&](const Alert& a) {
    return call.caller.Sees(a.tenant_id) && (!states->only || a.state == *states->only) &&
           (!kind || a.kind == *kind) && (!severity || a.severity == *severity) &&
           (!zone_id || a.zone_id == zone_id);
  };
  std::vector<Alert> alerts;
  for (bool open : {true, false}) {
    if (open ? !states->read_open : !states->read_resolved) continue;
    q.open = open;
    auto some = (*store)->ListAlerts(q);
    if (!some.ok()) return ErrorResponse(ApiError::FromStore(some.status(), "ListAlerts"));
    alerts.insert(alerts.end(), some->begin(), some->end());
  }
  // Open and resolved merged newest first, within the limit.
  std::stable_sort(alerts.begin(), alerts.end(),
                   [](const Alert& a, const Alert& b) { return a.raised_at > b.raised_at; });
  if (alerts.size() > q.limit) alerts.resize(q.limit);
  json::array items;
  for (const Alert& a : alerts) items.push_back(AlertJson(a));
  const size_t count = items.size();
  return JsonResponse(200, json::object{{"alerts", std::move(items)}, {"count", count}});
}

// The alert the path names, when the caller sees it.
ApiResult<Alert> VisibleAlert(const RouteCall& call, OperatorStore& store) {
  const std::string& text = call.Param("alertId");
  auto id = AlertId::Parse(text);
  if (!id.ok()) return AlertNotFound(text);
  auto alert = store.GetAlert(*id);
  if (!alert.ok()) return ApiError::FromStore(alert.status(), "GetAlert");
  if (!*alert || !call.caller.Sees((*alert)->tenant_id)) return AlertNotFound(text);
  return std::move(**alert);
}

ApiResponse GetAlert(const RouteCall& call) {
  auto store = Operators(call);
  if (!store.ok()) return ErrorResponse(store.error());
  auto alert = VisibleAlert(call, **store);
  if (!alert.ok()) return ErrorResponse(alert.error());
  return JsonResponse(200, AlertJson(*alert));
}

// The optional {"note": "..."} of an acknowledge or resolve.
ApiResult<std::optional<std::string>> NoteOf(const ApiRequest& request) {
  if (request.body.empty()) return std::optional<std::string>();
  VDPARK_ASSIGN_OR_RETURN(json::object body, BodyObject(request));
  const json::value* note = body.if_contains("note");
  if (note == nullptr || note->is_null()) return std::optional<std::string>();
  if (!note->is_string()) return ApiError::BadRequest("note: expected a string");
  std::string text(note->get_string());
  if (Status s = CheckFreeText(text); !s.ok() || text.size() > kMaxAlertNoteBytes) {
    return ApiError::BadRequest("note: at most " + std::to_string(kMaxAlertNoteBytes) +
                                " bytes of UTF-8 text");
  }
  return std::optional<std::string>(std::move(text));
}

// Acknowledges (resolve false) or resolves the alert the path names, on the alert as read; 409
// when it is no longer in a state to be so (resolved already, or acknowledged twice).
ApiResponse Act(const RouteCall& call, bool resolve) {
  auto store = Operators(call);
  if (!store.ok()) return ErrorResponse(store.error());
  auto note = NoteOf(call.request);
  if (!note.ok()) return ErrorResponse(note.error());
  auto alert = VisibleAlert(call, **store);
  if (!alert.ok()) return ErrorResponse(alert.error());
  const std::string id = alert->id().ToString();
  if (!alert->open())
    return ErrorResponse(ApiError::Conflict("alert " + id + " is resolved already"));
  if (!resolve && alert->state != AlertState::kActive) {
    return ErrorResponse(ApiError::Conflict("alert " + id + " is acknowledged already"));
  }
  Alert changed = *alert;
  if (*note) changed.note = *note;
  Status s;
  if (resolve) {
    changed.state = AlertState::kResolved;
    changed.resolved_at = call.now;
    changed.resolved_by = Actor(call.caller);
    s = (*store)->ResolveAlert(*alert, changed);
  } else {
    changed.state = AlertState::kAcknowledged;
    changed.acknowledged_at = call.now;
    changed.acknowledged_by = Actor(call.caller);
    s = (*store)->ReplaceOpenAlert(*alert, changed);
  }
  if (s.IsConditionFailed()) {
    return ErrorResponse(ApiError::Conflict("alert " + id + " changed meanwhile; read it again"));
  }
  if (!s.ok())
    return ErrorResponse(ApiError::FromStore(s, resolve ? "ResolveAlert" : "ReplaceOpenAlert"));
  if (call.context.on_alert_changed) call.context.on_alert_changed(changed);
  return JsonResponse(200, AlertJson(changed));
}

ApiResponse Acknowledge(const RouteCall& call) {
  return Act(call, false);
}
ApiResponse Resolve(const RouteCall& call) {
  return Act(call, true);
}

}  // namespace

std::vector<Route> AlertRoutes() {
  return {{"GET", "/alerts", &ListAlerts, {"state", "kind", "severity", "zoneId", "limit"}},
          {"GET", "/alerts/{alertId}", &GetAlert},
          {"POST", "/alerts/{alertId}/acknowledge", &Acknowledge},
          {"POST", "/alerts/{alertId}/resolve", &Resolve}};
}

}  // namespace vdpark
