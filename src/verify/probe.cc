#include "verify/probe.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <thread>
#include <utility>

namespace vdpark {

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// Whether `now` shows the change sent (`status`) to a bay that was `before`.
bool ShowsChange(const BayView& before, const BayView& now, const std::string& status) {
  if (now.status != status) return false;
  return before.status != status || now.last_change != before.last_change ||
         now.last_heartbeat != before.last_heartbeat;
}

double Millis(Clock::duration d) {
  return std::round(std::chrono::duration<double, std::milli>(d).count() * 10) / 10;
}

// Reads `w` every `interval` from `start` until it shows the change, `deadline` passes or `stop`.
void WatchUntilShown(ProbeWatch& w, const std::string& status, Clock::time_point start,
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

// How each target shows the bay before the message.
Status ReadBefore(std::vector<ProbeWatch>& watches) {
  for (ProbeWatch& w : watches) {
    VDPARK_ASSIGN_OR_RETURN_WITH(w.before, w.target->Read(),
                                 w.target->kind() + " " + w.target->name());
  }
  return Status::OK();
}

// The sensor to send as: the one given, or the bay's as the first target shows it.
Result<std::string> SensorToSendAs(const ProbeOptions& options,
                                   const std::vector<ProbeWatch>& watches) {
  const BayView& first = watches.front().before;
  const std::string sensor =
      !options.sensor.empty() ? options.sensor : first.sensor_id.value_or("");
  if (sensor.empty()) {
    return Status::InvalidArgument("--sensor: the bay " + options.zone + "/" + options.bay +
                                   " has no sensor at " + watches.front().target->name() +
                                   "; name the one to send as");
  }
  return sensor;
}

// What the targets' first reads say about the message to come.
void WarnAboutTargets(const std::vector<ProbeWatch>& watches, const std::string& sensor,
                      const std::string& status) {
  for (const ProbeWatch& w : watches) {
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
}

// Publishes `payload` and watches every target beside it, each on a thread of its own, until
// each shows the change or the timeout passes.
Status PublishAndWatch(MqttPublisher& publisher, const std::string& payload,
                       const ProbeOptions& options, ProbeReport& report) {
  // The watchers start with the publish: a fast processor may show the change before the
  // broker's acknowledgement is back.
  const auto start = Clock::now();
  const auto deadline = start + options.timeout;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (ProbeWatch& w : report.watches) {
    threads.emplace_back([&, interval = std::max(options.interval, std::chrono::microseconds(1))] {
      WatchUntilShown(w, report.status, start, deadline, interval, stop);
    });
  }
  Status published = publisher.Publish(report.topic, payload, 1);
  report.ack_ms = Millis(Clock::now() - start);
  if (!published.ok()) stop = true;
  for (std::thread& t : threads) t.join();
  if (!published.ok()) return published.WithContext("publishing to " + report.topic);
  return Status::OK();
}

}  // namespace

size_t ProbeReport::shown() const {
  return std::count_if(watches.begin(), watches.end(),
                       [](const ProbeWatch& w) { return w.latency_ms.has_value(); });
}

double ProbeReport::slowest_ms() const {
  double slowest = 0;
  for (const ProbeWatch& w : watches) {
    if (w.latency_ms) slowest = std::max(slowest, *w.latency_ms);
  }
  return slowest;
}

Result<ProbeReport> Probe(const MqttOptions& broker,
                          std::vector<std::unique_ptr<ProbeTarget>> targets,
                          const ProbeOptions& options) {
  if (targets.empty()) return Status::InvalidArgument("nothing to watch");
  ProbeReport report;
  for (auto& target : targets) report.watches.push_back({std::move(target)});
  VDPARK_RETURN_IF_ERROR(ReadBefore(report.watches));
  const BayView& first = report.watches.front().before;
  report.status = !options.status.empty() ? options.status
                                          : (first.status == "occupied" ? "vacant" : "occupied");
  VDPARK_ASSIGN_OR_RETURN(report.sensor, SensorToSendAs(options, report.watches));
  WarnAboutTargets(report.watches, report.sensor, report.status);

  MqttPublisherOptions po;
  po.client_id = "vdpark-probe-" + std::to_string(getpid());
  VDPARK_ASSIGN_OR_RETURN_WITH(auto publisher, MqttPublisher::Connect(broker, po),
                               "--mqtt " + broker.display);
  report.topic = "visiondrive/parking/" + options.zone + "/" + options.bay + "/status";
  report.published_at = Timestamp::Now();
  const std::string payload =
      MessagePayload(report.sensor, report.status, first.battery.value_or(100),
                     first.signal.value_or(-70), report.published_at);
  VDPARK_RETURN_IF_ERROR(PublishAndWatch(*publisher, payload, options, report));
  return report;
}

}  // namespace vdpark
