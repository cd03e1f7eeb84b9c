// vdpark probe --mqtt URL --zone Z --bay B: the real-time test of plan §6.3. Publishes one status
// message for the bay, as its sensor would (ts = now), then watches each API (--api, its GET
// /zones/{Z}/bays/{B}) and each store (--store, GetBay) every few milliseconds until it shows the
// change, and reports for each how long that took, or that it did not within --timeout.
//
// "Shows the change": the bay has the status sent and, when it had that status already (a
// heartbeat), a lastChange or lastHeartbeat other than before. The status sent is --status, or
// the opposite of what the first API (else store) shows now. An embedded store is locked by the
// process that serves it: watch it through that process's API; stores on a server (dynamodb://,
// postgres://) are read directly.
//
// Exit 0 when every API and store showed the change, 1 when one did not in time, 2 when the
// broker, an API or a store could not be used, 3 on bad usage.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/http_types.h"
#include "api/json_views.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "ingest/mqtt_client.h"

namespace vdpark::cli {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

struct ProbeArgs {
  std::string mqtt, zone, bay, sensor;
  std::string status;  // "" = the opposite of what is shown now
  std::vector<std::string> apis, stores;
  std::string api_key;
  std::string timeout = "30s", interval = "5ms";
  bool json = false;
};

// A bay as one API or store shows it: what tells whether the change arrived.
struct BayView {
  std::string status;
  std::optional<std::string> last_change, last_heartbeat;  // ISO-8601 as shown
  std::optional<std::string> sensor_id;
  std::optional<int64_t> battery, signal;
};

// One API or store being watched.
class Target {
 public:
  virtual ~Target() = default;
  virtual std::string kind() const = 0;  // "api", "store"
  virtual std::string name() const = 0;
  virtual Result<BayView> Read() = 0;
};

std::optional<std::string> StringMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> IntMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return static_cast<int64_t>(std::llround(v->to_number<double>()));
}

class ApiTarget : public Target {
 public:
  // `base`: http://HOST:PORT (the routes under /v1 then) or a URL with the path the routes are
  // under.
  ApiTarget(std::string base, const std::string& zone, const std::string& bay, std::string api_key,
            std::chrono::milliseconds request_timeout)
      : api_key_(std::move(api_key)), request_timeout_(request_timeout) {
    while (base.ends_with('/')) base.pop_back();
    const size_t scheme = base.find("://");
    if (scheme != std::string::npos && base.find('/', scheme + 3) == std::string::npos) {
      base += "/v1";
    }
    name_ = base;
    url_ = base + "/zones/" + PercentEncode(zone) + "/bays/" + PercentEncode(bay);
  }
  std::string kind() const override { return "api"; }
  std::string name() const override { return name_; }

  Result<BayView> Read() override {
    auto reply = ApiGet(url_, api_key_, request_timeout_);
    if (!reply.ok()) return reply.status();
    boost::system::error_code ec;
    json::value doc = json::parse(reply->body, ec);
    const json::object* bay = ec || !doc.is_object() ? nullptr : &doc.get_object();
    if (reply->status != 200) {
      std::string why = reply->body.substr(0, 200);
      if (bay != nullptr) why = StringMember(*bay, "message").value_or(why);
      std::string text = "GET " + url_ + ": " + std::to_string(reply->status) + " " + why;
      return reply->status == 404 ? Status::NotFound(text) : Status::IOError(text);
    }
    if (bay == nullptr) return Status::IOError("GET " + url_ + ": not a JSON object");
    BayView v;
    v.status = StringMember(*bay, "status").value_or("");
    v.last_change = StringMember(*bay, "lastChange");
    v.last_heartbeat = StringMember(*bay, "lastHeartbeat");
    v.sensor_id = StringMember(*bay, "sensorId");
    v.battery = IntMember(*bay, "batteryLevel");
    v.signal = IntMember(*bay, "signalStrength");
    return v;
  }

 private:
  std::string name_, url_, api_key_;
  std::chrono::milliseconds request_timeout_;
};

class StoreTarget : public Target {
 public:
  StoreTarget(std::unique_ptr<Store> store, std::string zone, std::string bay)
      : store_(std::move(store)), zone_(std::move(zone)), bay_(std::move(bay)) {}
  std::string kind() const override { return "store"; }
  std::string name() const override { return store_->DisplayName(); }

  Result<BayView> Read() override {
    auto bay = GetBay();
    if (!bay.ok()) return bay.status();
    if (!*bay) {
      return Status::NotFound(store_->DisplayName() + ": no bay '" + bay_ + "' in zone '" + zone_ +
                              "'");
    }
    auto iso = [](const std::optional<Timestamp>& t) {
      return t ? std::optional<std::string>(t->ToIso()) : std::nullopt;
    };
    BayView v;
    v.status = std::string(ToString((*bay)->status));
    v.last_change = iso((*bay)->last_change);
    v.last_heartbeat = iso((*bay)->last_heartbeat);
    v.sensor_id = (*bay)->sensor_id;
    if (v.sensor_id && !sensor_read_) {
      sensor_read_ = true;  // battery and signal only matter for the message: read once
      if (auto sensor = GetSensor(*v.sensor_id); sensor.ok() && *sensor) {
        battery_ = (*sensor)->last_battery;
        signal_ = (*sensor)->last_signal;
      }
    }
    v.battery = battery_;
    v.signal = signal_;
    return v;
  }

 private:
  // The bay by its key; from the zone's bays where the store has no live lookup (postgres, the
  // dual-write mirror).
  Result<std::optional<Bay>> GetBay() {
    auto bay = store_->GetBay(zone_, bay_);
    if (bay.ok() || !bay.status().IsNotSupported()) return bay;
    auto bays = store_->ListBays(zone_);
    if (!bays.ok()) return bays.status();
    for (Bay& b : *bays) {
      if (b.bay_number == bay_) return std::optional<Bay>(std::move(b));
    }
    return std::optional<Bay>();
  }

  Result<std::optional<Sensor>> GetSensor(const std::string& sensor_id) {
    auto sensor = store_->GetSensor(sensor_id);
    if (sensor.ok() || !sensor.status().IsNotSupported()) return sensor;
    auto sensors = store_->ListSensors(std::string_view(zone_));
    if (!sensors.ok()) return sensors.status();
    for (Sensor& s : *sensors) {
      if (s.sensor_id == sensor_id) return std::optional<Sensor>(std::move(s));
    }
    return std::optional<Sensor>();
  }

  std::unique_ptr<Store> store_;
  std::string zone_, bay_;
  bool sensor_read_ = false;
  std::optional<int64_t> battery_, signal_;
};

bool ContainsNoCase(std::string_view text, std::string_view word) {
  auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

Result<std::unique_ptr<Target>> OpenStoreTarget(const std::string& url, const ProbeArgs& a) {
  StoreOptions so;
  so.create_if_missing = false;
  auto store = OpenStore(url, so);
  if (!store.ok()) {
    if (url.starts_with("embedded:") && ContainsNoCase(store.status().message(), "lock")) {
      return Status::InvalidArgument(
          "--store " + url +
          ": the embedded store is locked by the process that has it open (a running `vdpark "
          "serve` keeps its embedded store to itself); probe that serve's API instead: --api "
          "http://HOST:PORT");
    }
    return store.status().WithContext("--store " + url);
  }
  return std::unique_ptr<Target>(std::make_unique<StoreTarget>(std::move(*store), a.zone, a.bay));
}

// Whether `now` shows the change sent (`status`) to a bay that was `before`.
bool ShowsChange(const BayView& before, const BayView& now, const std::string& status) {
  if (now.status != status) return false;
  return before.status != status || now.last_change != before.last_change ||
         now.last_heartbeat != before.last_heartbeat;
}

// What happened at one target.
struct Watch {
  std::unique_ptr<Target> target;
  BayView before;
  std::optional<double> latency_ms;  // set when shown
  std::string last_status;           // as last read
  std::string last_error;            // of the last read that failed; "" when it succeeded
  uint64_t reads = 0;
};

double Millis(Clock::duration d) {
  return std::round(std::chrono::duration<double, std::milli>(d).count() * 10) / 10;
}

// Reads `w` every `interval` from `start` until it shows the change, `deadline` passes or `stop`.
void WatchUntilShown(Watch& w, const std::string& status, Clock::time_point start,
                     Clock::time_point deadline, std::chrono::microseconds interval,
                     const std::atomic<bool>& stop) {
  for (;;) {
    auto view = w.target->Read();
    const auto at = Clock::now();
    ++w.reads;
    if (view.ok()) {
      w.last_error.clear();
      w.last_status = view->status;
      if (ShowsChange(w.before, *view, status)) {
        w.latency_ms = std::max(Millis(at - start), 0.1);
        return;
      }
    } else {
      w.last_error = view.status().ToString();
    }
    if (at >= deadline || stop.load()) return;
    std::this_thread::sleep_until(std::min(at + interval, deadline));
  }
}

std::string MessagePayload(const std::string& sensor, const std::string& status, int64_t battery,
                           int64_t signal, Timestamp now) {
  return json::serialize(json::object{{"deviceId", sensor},
                                      {"status", status},
                                      {"battery", battery},
                                      {"signal", signal},
                                      {"mode", "dual"},
                                      {"ts", now.micros() / 1000}});
}

int RunProbe(const ProbeArgs& a) {
  if (!a.status.empty() && a.status != "occupied" && a.status != "vacant") {
    return Fail(
        Status::InvalidArgument("--status '" + a.status + "': expected occupied or vacant"));
  }
  if (a.apis.empty() && a.stores.empty()) {
    return Fail(Status::InvalidArgument(
        "nothing to watch: give --api URL or --store URL (each repeatable), or both"));
  }
  for (const auto& [flag, value] : {std::pair{"--zone", &a.zone}, std::pair{"--bay", &a.bay}}) {
    if (value->empty() || value->find_first_of("/+#") != std::string::npos) {
      return Fail(Status::InvalidArgument(std::string(flag) + " '" + *value +
                                          "': not a topic level (empty, or with / + #)"));
    }
  }
  auto timeout = ParseDurationMicros("--timeout", a.timeout);
  if (!timeout.ok()) return Fail(timeout.status());
  auto interval = ParseDurationMicros("--interval", a.interval);
  if (!interval.ok()) return Fail(interval.status());
  auto broker = ParseMqttUrl(a.mqtt);
  if (!broker.ok()) return Fail(broker.status().WithContext("--mqtt"));

  // Every target, and how it shows the bay before the message.
  const auto request_timeout =
      std::chrono::milliseconds(std::clamp<int64_t>(*timeout / 1000, 100, 10'000));
  std::vector<Watch> watches;
  for (const std::string& url : a.apis) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Fail(Status::InvalidArgument("--api '" + url + "': expected http://HOST:PORT"));
    }
    watches.push_back(
        {std::make_unique<ApiTarget>(url, a.zone, a.bay, a.api_key, request_timeout)});
  }
  for (const std::string& url : a.stores) {
    auto target = OpenStoreTarget(url, a);
    if (!target.ok()) return Fail(target.status());
    watches.push_back({std::move(*target)});
  }
  for (Watch& w : watches) {
    auto view = w.target->Read();
    if (!view.ok()) {
      return Fail(view.status().WithContext(w.target->kind() + " " + w.target->name()));
    }
    w.before = std::move(*view);
  }
  const BayView& first = watches.front().before;
  const std::string status =
      !a.status.empty() ? a.status : (first.status == "occupied" ? "vacant" : "occupied");
  const std::string sensor = !a.sensor.empty() ? a.sensor : first.sensor_id.value_or("");
  if (sensor.empty()) {
    return Fail(Status::InvalidArgument("--sensor: the bay " + a.zone + "/" + a.bay +
                                        " has no sensor at " + watches.front().target->name() +
                                        "; name the one to send as"));
  }
  for (const Watch& w : watches) {
    if (w.before.sensor_id && *w.before.sensor_id != sensor) {
      spdlog::warn(
          "{} {} says the bay's sensor is {}, not {}: ingest refuses a message from a "
          "sensor registered to another bay",
          w.target->kind(), w.target->name(), *w.before.sensor_id, sensor);
    }
    if (w.before.status == status) {
      spdlog::info("{} {} shows the bay {} already: waiting for the heartbeat to show",
                   w.target->kind(), w.target->name(), status);
    }
  }

  MqttPublisherOptions po;
  po.client_id = "vdpark-probe-" + std::to_string(getpid());
  auto publisher = MqttPublisher::Connect(*broker, po);
  if (!publisher.ok()) return Fail(publisher.status().WithContext("--mqtt " + broker->display));
  const std::string topic = "visiondrive/parking/" + a.zone + "/" + a.bay + "/status";
  const Timestamp sent_at = Timestamp::Now();
  const std::string payload = MessagePayload(sensor, status, first.battery.value_or(100),
                                             first.signal.value_or(-70), sent_at);

  // The watchers start with the publish: a fast processor may show the change before the
  // broker's acknowledgement is back.
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::microseconds(*timeout);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (Watch& w : watches) {
    threads.emplace_back(
        [&, interval = std::chrono::microseconds(std::max<int64_t>(*interval, 1))] {
          WatchUntilShown(w, status, start, deadline, interval, stop);
        });
  }
  Status published = (*publisher)->Publish(topic, payload, 1);
  const double ack_ms = Millis(Clock::now() - start);
  if (!published.ok()) stop = true;
  for (std::thread& t : threads) t.join();
  if (!published.ok()) return Fail(published.WithContext("publishing to " + topic));

  size_t shown = 0;
  double slowest = 0;
  for (const Watch& w : watches) {
    if (w.latency_ms) {
      ++shown;
      slowest = std::max(slowest, *w.latency_ms);
    }
  }
  const bool ok = shown == watches.size();
  const int code = ok ? kExitOk : kExitDifferences;
  if (a.json) {
    json::array targets;
    for (const Watch& w : watches) {
      targets.push_back(
          {{"kind", w.target->kind()},
           {"name", w.target->name()},
           {"shown", w.latency_ms.has_value()},
           {"latencyMs", w.latency_ms ? json::value(*w.latency_ms) : json::value(nullptr)},
           {"before", w.before.status},
           {"lastStatus",
            w.last_status.empty() ? json::value(nullptr) : json::value(w.last_status)},
           {"error", w.last_error.empty() ? json::value(nullptr) : json::value(w.last_error)},
           {"reads", w.reads}});
    }
    const std::string text = ToJsonText(json::object{{"zoneId", a.zone},
                                                     {"bayNumber", a.bay},
                                                     {"sensorId", sensor},
                                                     {"status", status},
                                                     {"topic", topic},
                                                     {"publishedAt", sent_at.ToIso()},
                                                     {"ackMs", ack_ms},
                                                     {"timeoutMs", *timeout / 1000},
                                                     {"ok", ok},
                                                     {"targets", std::move(targets)}});
    std::printf("%s\n", text.c_str());
    return code;
  }
  std::printf("probe: %s/%s %s -> %s as %s via %s (acknowledged in %.1f ms)\n", a.zone.c_str(),
              a.bay.c_str(), first.status.c_str(), status.c_str(), sensor.c_str(),
              broker->display.c_str(), ack_ms);
  size_t width = 0;
  for (const Watch& w : watches) width = std::max(width, w.target->name().size());
  for (const Watch& w : watches) {
    std::string outcome;
    if (w.latency_ms) {
      char text[64];
      std::snprintf(text, sizeof(text), "shown after %.1f ms", *w.latency_ms);
      outcome = text;
    } else {
      outcome = "NOT shown within " + a.timeout;
      if (!w.last_error.empty()) {
        outcome += " (last read failed: " + w.last_error + ")";
      } else if (!w.last_status.empty()) {
        outcome += " (still " + w.last_status + ")";
      }
    }
    std::printf("  %-5s %-*s  %s\n", w.target->kind().c_str(), static_cast<int>(width),
                w.target->name().c_str(), outcome.c_str());
  }
  if (ok) {
    std::printf("OK: shown by all %zu, the slowest after %.1f ms\n", watches.size(), slowest);
  } else {
    std::printf("TIMEOUT: %zu of %zu did not show the change within %s\n", watches.size() - shown,
                watches.size(), a.timeout.c_str());
  }
  return code;
}

}  // namespace

void AddProbeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ProbeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "probe",
      "Publish one bay change and report how long until each API and store shows it "
      "(plan §6.3); exit 1 when one does not within --timeout");
  cmd->add_option("--mqtt", args->mqtt, "The broker the sensors publish to: mqtt://HOST:PORT")
      ->required();
  cmd->add_option("--zone", args->zone, "The bay's zone")->required();
  cmd->add_option("--bay", args->bay, "The bay number")->required();
  cmd->add_option("--sensor", args->sensor,
                  "The bay's sensor, the message's deviceId (default: as the first API or store "
                  "shows it)");
  cmd->add_option("--status", args->status,
                  "occupied or vacant (default: the opposite of what the first API or store "
                  "shows now)")
      ->check(CLI::IsMember({"occupied", "vacant"}));
  cmd->add_option("--api", args->apis,
                  "An API to watch (repeatable): http://HOST:PORT (routes under /v1), or with "
                  "the path its routes are under");
  cmd->add_option("--store", args->stores,
                  "A store to watch (repeatable): " + kStoreUrlForms +
                      "; a csv folder holds no live state, and an embedded store is locked by "
                      "the serve that has it: watch its --api instead");
  cmd->add_option("--api-key", args->api_key, "X-Api-Key sent to every API");
  cmd->add_option("--timeout", args->timeout, "How long to wait for each")->capture_default_str();
  cmd->add_option("--interval", args->interval, "Between two reads of one API or store")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunProbe(*args); });
}

}  // namespace vdpark::cli
