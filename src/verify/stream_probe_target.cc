#include "verify/stream_probe_target.h"

#include <boost/json.hpp>

#include "common/redact_url.h"

namespace vdpark {

namespace json = boost::json;

StreamProbeTarget::StreamProbeTarget(std::string url, std::string zone, std::string bay,
                                     std::string api_key, std::chrono::milliseconds connect_timeout)
    : name_(RedactUrl(url)),
      url_(std::move(url)),
      zone_(std::move(zone)),
      bay_(std::move(bay)),
      api_key_(std::move(api_key)),
      connect_timeout_(connect_timeout) {}

StreamProbeTarget::~StreamProbeTarget() = default;

// A bay change of the stream: kept when it is about our bay.
void StreamProbeTarget::OnData(std::string_view data) {
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (o == nullptr) return;
  auto text = [&](std::string_view name) -> std::optional<std::string> {
    const json::value* f = o->if_contains(name);
    if (f == nullptr || !f->is_string()) return std::nullopt;
    return std::string(f->get_string());
  };
  if (text("zoneId") != zone_ || text("bayNumber") != bay_) return;
  std::lock_guard lock(mu_);
  view_.status = text("status").value_or("");
  view_.last_change = text("lastChange");
}

Result<BayView> StreamProbeTarget::Read() {
  if (!reader_) {
    reader_ = std::make_unique<LiveStreamReader>(url_, api_key_,
                                                 [this](std::string_view data) { OnData(data); });
  }
  VDPARK_RETURN_IF_ERROR(reader_->WaitOpen(connect_timeout_));
  std::lock_guard lock(mu_);
  return view_;
}

}  // namespace vdpark
