// `vdpark serve`: the target state's backend. The REST API and the operator dashboard (SPEC §5)
// over a store; with --mqtt, the event processor of SPEC §4 feeding it from a broker (exact under
// redelivery, restarts and a second process), optionally mirrored to TimescaleDB (dual-write,
// plan §4.3); for the demo, a simulated fleet fed to the processor inside the process. Runs until
// SIGINT or SIGTERM (or --stop-after).
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

#include "api/dashboard_assets.h"
#include "api/http_server.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "domain/billing.h"
#include "ingest/ingest_service.h"
#include "ingest/postgres_mirror.h"
#include "simulate/fleet_simulator.h"
#include "store/postgres/postgres_connection.h"

namespace vdpark::cli {

namespace {

// The default client id: stable across restarts of the same command, so that the broker's
// session (with what was not yet acknowledged) is found again.
std::string DefaultClientId(const ServeArgs& a) {
  const size_t h = std::hash<std::string>{}(a.store + "|" + a.share);
  char buf[32];
  std::snprintf(buf, sizeof buf, "vdpark-serve-%08zx", h & 0xffffffffu);
  return buf;
}

// Dual-write (plan §4.3) is on when DUAL_WRITE_ENABLED is true and a mirror URL is known; turning
// it off is the cutover (§7.2). The URL: --mirror, else TIMESCALE_URL.
std::string MirrorUrl(const ServeArgs& a) {
  const char* enabled = std::getenv("DUAL_WRITE_ENABLED");
  const bool on = enabled != nullptr &&
                  (std::string_view(enabled) == "true" || std::string_view(enabled) == "1");
  const char* env_url = std::getenv("TIMESCALE_URL");
  std::string url = !a.mirror.empty() ? a.mirror : (env_url ? env_url : "");
  if (!on && !url.empty()) {
    spdlog::warn("a mirror is given but DUAL_WRITE_ENABLED is not true: not mirroring (cut over)");
  }
  return on ? url : "";
}

Result<IngestConfig> IngestConfigFrom(const ServeArgs& a) {
  IngestConfig c;
  c.low_battery_percent = a.low_battery;
  c.max_payload_bytes = a.max_payload;
  auto offset = UtcOffset::Parse(a.timezone);
  if (!offset) {
    return Status::InvalidArgument("--timezone '" + a.timezone +
                                   "': expected Asia/Dubai, UTC or an offset such as +04:00");
  }
  c.zone_offset = *offset;
  auto skew = ParseDurationMicros("--max-skew", a.max_skew);
  if (!skew.ok()) return skew.status();
  c.max_clock_skew = std::chrono::microseconds(*skew);
  auto offline = ParseDurationMicros("--offline-after", a.offline_after);
  if (!offline.ok()) return offline.status();
  c.offline_after = std::chrono::microseconds(*offline);
  return c;
}

// The demo's sensors without a broker: a FleetSimulator paced in wall time, each message handed
// to an Ingestor of its own, until stopped.
class InProcessFleet {
 public:
  InProcessFleet(Store& store, const IngestConfig& config, ChangeSink on_change, int sensors,
                 double speed)
      : ingestor_(store, config, std::move(on_change)) {
    thread_ = std::thread([this, &store, sensors, speed] { Run(store, sensors, speed); });
  }
  ~InProcessFleet() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  const Ingestor& ingestor() const { return ingestor_; }

 private:
  void Run(Store& store, int sensors, double speed) {
    auto fleet = store.ReadMetadata({});
    if (!fleet.ok()) {
      spdlog::error("simulated fleet: {}", fleet.status().ToString());
      return;
    }
    SimulateOptions o;
    o.sensors = sensors;
    o.start = Timestamp::Now();
    o.duration_micros = 365 * kMicrosPerDay;  // as long as anyone watches
    o.duplicate_rate = 0.01;
    o.bad_rate = 0.002;
    FleetSimulator sim(*fleet, o);
    Pacer pacer(speed, o.start);
    while (!stop_) {
      auto m = sim.Next();
      if (!m || !pacer.WaitUntil(m->at, &stop_)) break;
      // The message's ts is simulated time, ahead of the clock when speed > 1: the processor
      // then takes the receive time, as it would from a sensor with a fast clock.
      Status s = ingestor_.Handle(m->topic, m->payload, Timestamp::Now());
      if (!s.ok()) spdlog::warn("simulated fleet: {}", s.ToString());
    }
  }

  Ingestor ingestor_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

int RunServe(const ServeArgs& a) {
  auto config = IngestConfigFrom(a);
  if (!config.ok()) return Fail(config.status());
  std::optional<int64_t> stop_after;
  if (!a.stop_after.empty()) {
    auto d = ParseDurationMicros("--stop-after", a.stop_after);
    if (!d.ok()) return Fail(d.status());
    stop_after = *d;
  }
  auto sweep = ParseDurationMicros("--sweep-every", a.sweep_every);
  if (!sweep.ok()) return Fail(sweep.status());
  auto keys = a.api_keys.empty() ? Result<ApiKeys>(ApiKeys()) : ApiKeys::Load(a.api_keys);
  if (!keys.ok()) return Fail(keys.status());

  // Signals are taken by sigwait below, so they are blocked before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = a.retention_days;
  auto store = OpenStore(a.store, so);
  if (!store.ok()) return Fail(store.status());

  // Every committed change goes to the live stream, and to the mirror when dual-writing.
  EventStream stream(EventStream::TenantsFrom(**store));
  std::unique_ptr<PostgresMirror> mirror;
  if (const std::string url = MirrorUrl(a); !url.empty()) {
    auto opened = PostgresMirror::Open(a.mirror_queue, url);
    if (!opened.ok()) return Fail(opened.status().WithContext("--mirror"));
    mirror = std::move(*opened);
    auto shown = PostgresUrl::Parse(url);  // without the password
    std::printf("dual-write: every change also to %s (queue %s)\n",
                shown.ok() ? shown->display.c_str() : "?", a.mirror_queue.c_str());
  }
  // The API keeps its answers up to --api-cache, and only 100 ms once a change is committed.
  auto cache_age = ParseDurationMicros("--api-cache", a.api_cache);
  if (!cache_age.ok()) return Fail(cache_age.status());
  std::unique_ptr<ResponseCache> cache;
  if (*cache_age > 0) {
    const auto max_age = std::chrono::milliseconds(*cache_age / 1000);
    cache =
        std::make_unique<ResponseCache>(std::min(max_age, std::chrono::milliseconds(100)), max_age);
  }
  ChangeSink to_stream = stream.Sink();
  ChangeSink to_mirror = mirror ? mirror->Sink() : ChangeSink();
  ChangeSink on_change = [&](const AppliedChange& c) {
    if (to_mirror) to_mirror(c);
    if (cache) cache->Invalidate();
    to_stream(c);
  };

  std::unique_ptr<IngestService> ingest;
  if (!a.mqtt.empty()) {
    IngestServiceOptions o;
    o.mqtt_url = a.mqtt;
    o.client_id = a.client_id.empty() ? DefaultClientId(a) : a.client_id;
    o.shared_group = a.share;
    o.ingest = *config;
    o.sweep_every = std::chrono::milliseconds(std::max<int64_t>(*sweep / 1000, 1));
    auto started = IngestService::Start(**store, o, on_change);
    if (!started.ok()) return Fail(started.status());
    ingest = std::move(*started);
    std::printf("serving: %s <- %s (client %s%s)\n", (*store)->DisplayName().c_str(),
                a.mqtt.c_str(), o.client_id.c_str(),
                a.share.empty() ? "" : (", group " + a.share).c_str());
  }
  std::unique_ptr<InProcessFleet> fleet;
  if (a.simulate_sensors > 0) {
    fleet = std::make_unique<InProcessFleet>(**store, *config, on_change, a.simulate_sensors,
                                             a.simulate_speed);
    std::printf("simulating %d sensors in-process at %gx\n", a.simulate_sensors, a.simulate_speed);
  }

  ApiContext api(**store, std::move(*keys));
  api.zone_offset = config->zone_offset;
  api.cache = cache.get();
  api.extra_metrics = [&] {
    std::string text = stream.PrometheusText();
    if (ingest) text += ingest->MetricsText();
    if (fleet) text += FormatPrometheus(fleet->ingestor().metrics());
    if (mirror) text += mirror->MetricsText();
    return text;
  };
  std::unique_ptr<HttpServer> http;
  if (!a.listen.empty()) {
    HttpServerOptions ho;
    ho.listen = a.listen;
    // A store on one connection answers one request at a time.
    if (!(*store)->SafeForConcurrentCalls()) ho.threads = 1;
    ho.static_files = [](std::string_view path) -> std::optional<StaticFile> {
      auto f = dashboard::FindDashboardFile(path);
      if (!f) return std::nullopt;
      return StaticFile{std::string(f->content_type), std::string(f->body)};
    };
    auto started = HttpServer::Start(api, &stream, ho);
    if (!started.ok()) return Fail(started.status().WithContext("--listen"));
    http = std::move(*started);
    std::printf("dashboard: http://%s/   API: http://%s/v1/zones\n", http->address().c_str(),
                http->address().c_str());
  }
  if (!ingest && !fleet && !http) {
    return Fail(Status::InvalidArgument("nothing to serve: give --listen, --mqtt or both"));
  }

  // Until a signal (or --stop-after): a line of figures every 30 s for whoever watches the log.
  const auto started = std::chrono::steady_clock::now();
  for (;;) {
    std::chrono::microseconds wait = std::chrono::seconds(30);
    if (stop_after) {
      const auto left = std::chrono::microseconds(*stop_after) -
                        std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started);
      if (left.count() <= 0) break;
      wait = std::min(wait, left);
    }
    const timespec every{static_cast<time_t>(wait.count() / 1'000'000),
                         static_cast<long>(wait.count() % 1'000'000 * 1000)};
    int sig = sigtimedwait(&signals, nullptr, &every);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (ingest) {
      const IngestMetrics& m = ingest->metrics();
      spdlog::info("{} messages: {} arrivals, {} departures, {} late, {} duplicates, {} errors",
                   m.messages.load(), m.arrivals.load(), m.departures.load(), m.late.load(),
                   m.duplicates.load(), m.errors.load());
    }
  }
  if (http) http->Stop();
  fleet.reset();
  Status stopped = ingest ? ingest->Stop() : Status::OK();
  if (!stopped.ok()) return Fail(stopped);
  if (mirror) {
    // What PostgreSQL has not taken yet stays in the queue for the next start.
    Status drained = mirror->Stop(std::chrono::seconds(10));
    if (!drained.ok()) spdlog::warn("{}", drained.ToString());
  }
  Status flushed = (*store)->Flush();
  if (!flushed.ok()) return Fail(flushed);
  if (ingest) {
    const IngestMetrics& m = ingest->metrics();
    std::printf("stopped: %llu messages, %llu arrivals, %llu departures, %llu errors\n",
                static_cast<unsigned long long>(m.messages.load()),
                static_cast<unsigned long long>(m.arrivals.load()),
                static_cast<unsigned long long>(m.departures.load()),
                static_cast<unsigned long long>(m.errors.load()));
  } else {
    std::printf("stopped\n");
  }
  return kExitOk;
}

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the REST API and dashboard (SPEC §5) over a store, and ingest sensor messages from "
      "MQTT into it (SPEC §4), until stopped");
  cmd->add_option("--store", args->store, "Store URL: " + kStoreUrlForms)->capture_default_str();
  cmd->add_option("--listen", args->listen, "HOST:PORT of the API and dashboard; \"\" = none")
      ->capture_default_str();
  cmd->add_option("--api-keys", args->api_keys,
                  "File of \"KEY TENANT\" lines (TENANT * = every tenant); without it the "
                  "server listens on loopback only");
  cmd->add_option(
      "--mqtt", args->mqtt,
      "Ingest from this broker: mqtt://host:1883 or mqtts://host:8883?ca=F&cert=F&key=F");
  cmd->add_option("--client-id", args->client_id,
                  "MQTT client id: the broker keeps the session under it (default: from the "
                  "store and group; give each process its own)");
  cmd->add_option("--share", args->share,
                  "MQTT 5 shared-subscription group: processes in a group split the sensors");
  cmd->add_option("--max-skew", args->max_skew,
                  "A message's ts counts when within this of its arrival")
      ->capture_default_str();
  cmd->add_option("--offline-after", args->offline_after,
                  "A sensor silent this long is reported offline")
      ->capture_default_str();
  cmd->add_option("--sweep-every", args->sweep_every, "How often silent sensors are looked for")
      ->capture_default_str();
  cmd->add_option("--low-battery", args->low_battery, "Battery percent under which to alert")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  cmd->add_option("--timezone", args->timezone, "The zones' local time for operating hours")
      ->capture_default_str();
  cmd->add_option("--max-payload", args->max_payload, "Larger payloads are refused (bytes)")
      ->capture_default_str();
  cmd->add_option("--retention-days", args->retention_days,
                  "Events' ttl = their time + this; 0 = none")
      ->capture_default_str();
  cmd->add_option("--mirror", args->mirror,
                  "Dual-write: also write every change to this postgres:// store when "
                  "DUAL_WRITE_ENABLED=true (default $TIMESCALE_URL)");
  cmd->add_option("--mirror-queue", args->mirror_queue,
                  "Folder of the durable queue of changes on their way to the mirror")
      ->capture_default_str();
  cmd->add_option("--simulate", args->simulate_sensors,
                  "Feed this many simulated sensors to ingest inside the process (no broker)");
  cmd->add_option("--simulate-speed", args->simulate_speed,
                  "Simulated seconds per second for --simulate")
      ->capture_default_str();
  cmd->add_option("--stop-after", args->stop_after, "Stop after this long (90s, 10m)");
  cmd->add_option("--api-cache", args->api_cache,
                  "Keep the API's answers at most this long (100 ms once a change is committed "
                  "here); 0s = read the store on every request")
      ->capture_default_str();
  cmd->callback([args, exit_code] { *exit_code = RunServe(*args); });
}

}  // namespace vdpark::cli
