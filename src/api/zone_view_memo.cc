#include "api/zone_view_memo.h"

#include "api/json_views.h"

namespace vdpark {

void ZoneViewMemo::AppendView(const Zone& zone, std::string* out) {
  std::shared_ptr<const View> view;
  {
    std::lock_guard lock(mu_);
    if (auto it = views_.find(zone.zone_id); it != views_.end()) view = it->second;
  }
  if (view && view->zone == zone) {
    *out += view->text;
    return;
  }
  auto written = std::make_shared<View>(View{zone, {}});
  AppendZoneJson(zone, false, &written->text);
  *out += written->text;
  const size_t cost = sizeof(View) + written->text.size();
  std::lock_guard lock(mu_);
  if (auto it = views_.find(zone.zone_id); it != views_.end()) {
    bytes_ -= sizeof(View) + it->second->text.size();
    views_.erase(it);
  }
  if (bytes_ + cost > max_bytes_) {  // crude, and rare: a city's zones take far less
    views_.clear();
    bytes_ = 0;
  }
  if (cost > max_bytes_) return;
  bytes_ += cost;
  views_.emplace(zone.zone_id, std::move(written));
}

}  // namespace vdpark
