#include "api/event_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/json_views.h"
#include "common/metric_families.h"

namespace vdpark {

std::string BayChangeJson(const BayChange& change) {
  const Bay& bay = change.bay;
  json::object o{{"type", "bay"},
                 {"zoneId", bay.zone_id},
                 {"bayNumber", bay.bay_number},
                 {"status", ToString(bay.status)},
                 {"lastChange", TimeJson(bay.last_change)}};
  if (const auto& e = change.event) {
    o["eventType"] = ToString(e->event_type);
    if (e->duration_minutes) o["duration"] = *e->duration_minutes;
    if (e->revenue) o["revenue"] = MoneyJson(e->revenue);
  }
  return ToJsonText(o);
}

std::optional<std::string> BayChangeJson(const AppliedChange& applied) {
  if (applied.replayed || !applied.change.bay_after) return std::nullopt;
  if (applied.outcome != IngestOutcome::kArrive && applied.outcome != IngestOutcome::kLeave &&
      applied.outcome != IngestOutcome::kVacated) {
    return std::nullopt;
  }
  return BayChangeJson(BayChange{*applied.change.bay_after, applied.change.event});
}

std::vector<std::string> EventStream::Subscription::Take() {
  std::lock_guard lock(mu_);
  std::vector<std::string> out(std::make_move_iterator(queue_.begin()),
                               std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

bool EventStream::Subscription::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

EventStream::ZoneTenantFn EventStream::TenantsFrom(RecordLookup& store) {
  return [&store](std::string_view zone_id) -> std::optional<std::string> {
    auto zone = store.GetZone(zone_id);
    if (!zone.ok()) {
      spdlog::warn("stream: the tenant of zone '{}' is unknown: {}", zone_id,
                   zone.status().ToString());
      return std::nullopt;
    }
    if (!*zone) return std::nullopt;
    return (*zone)->tenant_id;
  };
}

EventStream::EventStream(ZoneTenantFn zone_tenant, Options options)
    : zone_tenant_(std::move(zone_tenant)), options_(options) {}

std::shared_ptr<EventStream::Subscription> EventStream::Subscribe(Caller caller,
                                                                  std::function<void()> notify) {
  std::shared_ptr<Subscription> s(new Subscription(std::move(caller), std::move(notify)));
  std::lock_guard lock(mu_);
  subscribers_.push_back(s);
  return s;
}

void EventStream::Unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard lock(mu_);
  std::erase(subscribers_, subscription);
}

size_t EventStream::subscribers() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

std::optional<std::string> EventStream::TenantOf(std::string_view zone_id) {
  {
    std::lock_guard lock(tenants_mu_);
    if (auto it = tenants_.find(std::string(zone_id)); it != tenants_.end()) return it->second;
  }
  if (!zone_tenant_) return std::nullopt;
  std::optional<std::string> tenant = zone_tenant_(zone_id);
  if (tenant) {
    std::lock_guard lock(tenants_mu_);
    tenants_.emplace(std::string(zone_id), *tenant);
  }
  return tenant;
}

void EventStream::Publish(std::string_view zone_id, std::string json_line) {
  published_.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::shared_ptr<Subscription>> targets;
  bool any_tenant = false;
  {
    std::lock_guard lock(mu_);
    targets = subscribers_;
    for (const auto& s : targets) any_tenant |= !s->caller().operator_access();
  }
  if (targets.empty()) return;
  // The zone's tenant is looked up only when a tenant's subscriber is listening.
  const std::optional<std::string> tenant = any_tenant ? TenantOf(zone_id) : std::nullopt;
  std::vector<std::shared_ptr<Subscription>> fell_behind;
  for (const auto& s : targets) {
    if (!s->caller().Sees(tenant)) continue;
    {
      std::lock_guard lock(s->mu_);
      if (s->closed_) continue;
      if (s->queue_.size() >= options_.queue_limit) {
        s->closed_ = true;
        s->queue_.clear();
        fell_behind.push_back(s);
      } else {
        s->queue_.push_back(json_line);
      }
    }
    if (s->notify_) s->notify_();
  }
  if (!fell_behind.empty()) {
    dropped_.fetch_add(fell_behind.size(), std::memory_order_relaxed);
    spdlog::warn("stream: dropped {} subscriber(s) more than {} events behind", fell_behind.size(),
                 options_.queue_limit);
    std::lock_guard lock(mu_);
    std::erase_if(subscribers_, [&](const auto& s) {
      return std::find(fell_behind.begin(), fell_behind.end(), s) != fell_behind.end();
    });
  }
}

void EventStream::PublishChange(const BayChange& change) {
  Publish(change.bay.zone_id, BayChangeJson(change));
}

void EventStream::PublishAlert(const Alert& alert) {
  json::object o = AlertJson(alert);
  o.emplace("type", "alert");
  Publish(alert.zone_id.value_or(""), json::serialize(o));
}

ChangeSink EventStream::Sink() {
  return [this](const AppliedChange& change) {
    if (auto line = BayChangeJson(change)) Publish(change.change.bay_after->zone_id, *line);
  };
}

void EventStream::CloseAll() {
  std::vector<std::shared_ptr<Subscription>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(subscribers_);
  }
  for (const auto& s : all) {
    {
      std::lock_guard lock(s->mu_);
      s->closed_ = true;
    }
    if (s->notify_) s->notify_();
  }
}

std::string EventStream::PrometheusText() const {
  return vdpark::PrometheusText({
      GaugeFamily("vdpark_stream_subscribers", "Open GET /stream connections.",
                  static_cast<double>(subscribers())),
      CounterFamily("vdpark_stream_events_total", "Bay changes published to the stream.",
                    static_cast<double>(published())),
      CounterFamily("vdpark_stream_dropped_total", "Subscribers dropped for falling behind.",
                    static_cast<double>(dropped())),
  });
}

}  // namespace vdpark
