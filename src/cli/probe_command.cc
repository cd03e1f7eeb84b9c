// vdpark probe --mqtt URL --zone Z --bay B: the real-time test of plan §6.3 (verify/probe.h).
// Publishes one status message for the bay, as its sensor would (ts = now), then watches each API
// (--api, its GET /zones/{Z}/bays/{B}) and each store (--store, GetBay) every few milliseconds
// until it shows the change, and reports for each how long that took, or that it did not within
// --timeout.
//
// The status sent is --status, or the opposite of what the first API (else store) shows now. An
// embedded store is locked by the process that serves it: watch it through that process's API;
// stores on a server (dynamodb://, postgres://) are read directly.
//
// Exit 0 when every API and store showed the change, 1 when one did not in time, 2 when the
// broker, an API or a store could not be used, 3 on bad usage.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "api/json_views.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/record_result.h"
#include "common/redact_url.h"
#include "ingest/mqtt_client.h"
#include "verify/probe.h"
#include "verify/stream_probe_target.h"

namespace vdpark::cli {

namespace {

namespace json = boost::json;

struct ProbeArgs {
  std::string mqtt, zone, bay, sensor;
  std::string status;  // "" = the opposite of what is shown now
  std::vector<std::string> apis, stores, streams;
  std::string api_key;
  std::string timeout = "30s", interval = "5ms";
  bool json = false;
  RecordPlace record;  // where the result is recorded for `vdpark status`
};

// What CLI11 does not check: the status, something to watch, the bay's names as topic levels.
Status CheckArgs(const ProbeArgs& a) {
  if (!a.status.empty() && a.status != "occupied" && a.status != "vacant") {
    return Status::InvalidArgument("--status '" + a.status + "': expected occupied or vacant");
  }
  if (a.apis.empty() && a.stores.empty()) {
    // A stream tells changes, not states: what is shown now comes from an API or a store.
    return Status::InvalidArgument(
        "nothing to watch: give --api URL or --store URL (each repeatable), or both" +
        std::string(a.streams.empty() ? "" : " (--stream needs one of them beside it)"));
  }
  for (const auto& [flag, value] : {std::pair{"--zone", &a.zone}, std::pair{"--bay", &a.bay}}) {
    if (value->empty() || value->find_first_of("/+#") != std::string::npos) {
      return Status::InvalidArgument(std::string(flag) + " '" + *value +
                                     "': not a topic level (empty, or with / + #)");
    }
  }
  return Status::OK();
}

bool ContainsNoCase(std::string_view text, std::string_view word) {
  auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

Result<std::unique_ptr<ProbeTarget>> OpenStoreTarget(const std::string& url, const ProbeArgs& a) {
  StoreOptions so;
  so.create_if_missing = false;
  auto store = OpenStoreRoles(url, so);
  if (store.ok()) VDPARK_RETURN_IF_ERROR(store->NeedQueries("probe --store"));
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
  return std::unique_ptr<ProbeTarget>(
      std::make_unique<StoreProbeTarget>(std::move(*store), a.zone, a.bay));
}

// Every --api, then every --store, then every --stream; each API request waits at most a part of
// `timeout`.
Result<std::vector<std::unique_ptr<ProbeTarget>>> OpenTargets(const ProbeArgs& a,
                                                              int64_t timeout_micros) {
  const auto request_timeout =
      std::chrono::milliseconds(std::clamp<int64_t>(timeout_micros / 1000, 100, 10'000));
  std::vector<std::unique_ptr<ProbeTarget>> targets;
  for (const std::string& url : a.apis) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Status::InvalidArgument("--api '" + url + "': expected http://HOST:PORT");
    }
    targets.push_back(
        std::make_unique<ApiProbeTarget>(url, a.zone, a.bay, a.api_key, request_timeout));
  }
  for (const std::string& url : a.stores) {
    VDPARK_ASSIGN_OR_RETURN(auto target, OpenStoreTarget(url, a));
    targets.push_back(std::move(target));
  }
  for (const std::string& url : a.streams) {
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return Status::InvalidArgument("--stream '" + url + "': expected http://HOST:PORT/stream");
    }
    targets.push_back(
        std::make_unique<StreamProbeTarget>(url, a.zone, a.bay, a.api_key, request_timeout));
  }
  return targets;
}

void PrintJsonReport(const ProbeArgs& a, const ProbeReport& r, int64_t timeout_micros) {
  json::array targets;
  for (const ProbeWatch& w : r.watches) {
    targets.push_back(
        {{"kind", w.target->kind()},
         {"name", w.target->name()},
         {"shown", w.latency_ms.has_value()},
         {"latencyMs", w.latency_ms ? json::value(*w.latency_ms) : json::value(nullptr)},
         {"before", w.before.status},
         {"lastStatus", w.last_status.empty() ? json::value(nullptr) : json::value(w.last_status)},
         {"error", w.last_error.empty() ? json::value(nullptr) : json::value(w.last_error)},
         {"reads", w.reads}});
  }
  const std::string text = ToJsonText(json::object{{"zoneId", a.zone},
                                                   {"bayNumber", a.bay},
                                                   {"sensorId", r.sensor},
                                                   {"status", r.status},
                                                   {"topic", r.topic},
                                                   {"publishedAt", r.published_at.ToIso()},
                                                   {"ackMs", r.ack_ms},
                                                   {"timeoutMs", timeout_micros / 1000},
                                                   {"ok", r.ok()},
                                                   {"targets", std::move(targets)}});
  std::printf("%s\n", text.c_str());
}

// How one target did, for the text report.
std::string Outcome(const ProbeArgs& a, const ProbeWatch& w) {
  if (w.latency_ms) {
    char text[64];
    std::snprintf(text, sizeof(text), "shown after %.1f ms", *w.latency_ms);
    return text;
  }
  std::string outcome = "NOT shown within " + a.timeout;
  if (!w.last_error.empty()) {
    outcome += " (last read failed: " + w.last_error + ")";
  } else if (!w.last_status.empty()) {
    outcome += " (still " + w.last_status + ")";
  }
  return outcome;
}

void PrintReport(const ProbeArgs& a, const MqttOptions& broker, const ProbeReport& r) {
  std::printf("probe: %s/%s %s -> %s as %s via %s (acknowledged in %.1f ms)\n", a.zone.c_str(),
              a.bay.c_str(), r.watches.front().before.status.c_str(), r.status.c_str(),
              r.sensor.c_str(), broker.display.c_str(), r.ack_ms);
  size_t width = 0;
  for (const ProbeWatch& w : r.watches) width = std::max(width, w.target->name().size());
  for (const ProbeWatch& w : r.watches) {
    std::printf("  %-5s %-*s  %s\n", w.target->kind().c_str(), static_cast<int>(width),
                w.target->name().c_str(), Outcome(a, w).c_str());
  }
  if (r.ok()) {
    std::printf("OK: shown by all %zu, the slowest after %.1f ms\n", r.watches.size(),
                r.slowest_ms());
  } else {
    std::printf("TIMEOUT: %zu of %zu did not show the change within %s\n",
                r.watches.size() - r.shown(), r.watches.size(), a.timeout.c_str());
  }
}

// The report as `vdpark status` finds it: the targets that did not show the change are its
// differences.
MigrationRecord ToRecord(const ProbeArgs& a, const MqttOptions& broker, const ProbeReport& r,
                         double seconds) {
  MigrationRecord m;
  m.kind = "probe";
  m.at = Timestamp::Now();
  m.source = RedactUrl(broker.display);
  for (const ProbeWatch& w : r.watches) {
    m.target += m.target.empty() ? "" : ", ";
    m.target += w.target->name();
    if (!w.latency_ms && m.first_differences.size() < kRecordedDifferences) {
      m.first_differences.push_back(w.target->kind() + " " + w.target->name() + ": " +
                                    Outcome(a, w));
    }
  }
  m.ok = r.ok();
  m.differences = r.watches.size() - r.shown();
  m.counts = {{"targets", static_cast<double>(r.watches.size())},
              {"shown", static_cast<double>(r.shown())},
              {"slowestMs", r.slowest_ms()},
              {"ackMs", r.ack_ms}};
  m.seconds = seconds;
  return m;
}

int RunProbe(const ProbeArgs& a) {
  if (Status s = CheckArgs(a); !s.ok()) return Fail(s);
  auto timeout = ParseDurationMicros("--timeout", a.timeout);
  if (!timeout.ok()) return Fail(timeout.status());
  auto interval = ParseDurationMicros("--interval", a.interval);
  if (!interval.ok()) return Fail(interval.status());
  auto broker = ParseMqttUrl(a.mqtt);
  if (!broker.ok()) return Fail(broker.status().WithContext("--mqtt"));
  auto targets = OpenTargets(a, *timeout);
  if (!targets.ok()) return Fail(targets.status());
  ProbeOptions o;
  o.zone = a.zone;
  o.bay = a.bay;
  o.sensor = a.sensor;
  o.status = a.status;
  o.timeout = std::chrono::microseconds(*timeout);
  o.interval = std::chrono::microseconds(*interval);
  const auto started = std::chrono::steady_clock::now();
  auto report = Probe(*broker, std::move(*targets), o);
  if (!report.ok()) return Fail(report.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordResult(a.record.Dir(), ToRecord(a, *broker, *report, seconds));
  if (a.json) {
    PrintJsonReport(a, *report, *timeout);
  } else {
    PrintReport(a, *broker, *report);
  }
  return report->ok() ? kExitOk : kExitDifferences;
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
  cmd->add_option("--stream", args->streams,
                  "An API's live stream to watch (repeatable): http://HOST:PORT/stream, the "
                  "dashboard's feed; beside an --api or --store, which says what is shown now");
  cmd->add_option("--api-key", args->api_key, "X-Api-Key sent to every API");
  cmd->add_option("--timeout", args->timeout, "How long to wait for each")->capture_default_str();
  cmd->add_option("--interval", args->interval, "Between two reads of one API or store")
      ->capture_default_str();
  AddRecordPlaceOptions(cmd, &args->record);
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->callback([args, exit_code] { *exit_code = RunProbe(*args); });
}

}  // namespace vdpark::cli
