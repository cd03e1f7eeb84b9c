#include "api/bay_view_memo.h"

#include "api/json_views.h"

namespace vdpark {

namespace {

std::optional<int64_t> Battery(const Sensor* s) {
  return s ? s->last_battery : std::nullopt;
}
std::optional<int64_t> Signal(const Sensor* s) {
  return s ? s->last_signal : std::nullopt;
}

}  // namespace

bool BayViewMemo::View::WrittenFrom(const Bay& b, const Sensor* sensor) const {
  return battery == Battery(sensor) && signal == Signal(sensor) && bay == b;
}

void BayViewMemo::AppendViews(std::string_view zone_id, std::span<const Bay> bays,
                              std::span<const Sensor* const> sensors, Timestamp now,
                              std::string* out) {
  std::shared_ptr<const ZoneViews> last;
  {
    std::lock_guard lock(mu_);
    if (auto it = zones_.find(zone_id); it != zones_.end()) last = it->second;
  }
  const size_t kept = last ? last->views.size() : 0;
  // This listing's views, made once one of the last listing's does not fit.
  std::shared_ptr<ZoneViews> made;
  for (size_t i = 0; i < bays.size(); ++i) {
    const bool fits = i < kept && last->views[i]->WrittenFrom(bays[i], sensors[i]);
    if (!fits && !made) {
      made = std::make_shared<ZoneViews>();
      made->views.reserve(bays.size());
      // Every view before i fits: there is a last listing when i > 0.
      if (i > 0) made->views.assign(last->views.begin(), last->views.begin() + i);
    }
    std::shared_ptr<const View> view;
    if (fits) {
      view = last->views[i];
    } else {
      auto written = std::make_shared<View>();
      written->bay = bays[i];
      written->battery = Battery(sensors[i]);
      written->signal = Signal(sensors[i]);
      AppendBayHead(bays[i], &written->head);
      AppendBayTail(bays[i], sensors[i], false, &written->tail);
      view = std::move(written);
    }
    if (made) made->views.push_back(view);
    if (i != 0) *out += ',';
    *out += view->head;
    AppendCurrentDuration(bays[i], now, out);
    *out += view->tail;
  }
  if (!made) {
    if (kept == bays.size()) return;  // every view as last time
    // Fewer bays than last time, the others alike.
    made = std::make_shared<ZoneViews>();
    made->views.assign(last->views.begin(), last->views.begin() + bays.size());
  }
  for (const auto& view : made->views) {
    made->bytes += sizeof(View) + view->head.size() + view->tail.size();
  }
  std::lock_guard lock(mu_);
  if (auto it = zones_.find(zone_id); it != zones_.end()) {
    bytes_ -= it->second->bytes;
    zones_.erase(it);
  }
  // Crude, and rare: a city's zones take far less than the bound.
  if (bytes_ + made->bytes > max_bytes_) {
    zones_.clear();
    bytes_ = 0;
  }
  if (made->bytes > max_bytes_) return;
  bytes_ += made->bytes;
  zones_.emplace(std::string(zone_id), std::move(made));
}

size_t BayViewMemo::zones() const {
  std::lock_guard lock(mu_);
  return zones_.size();
}

}  // namespace vdpark
