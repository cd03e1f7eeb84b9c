// `vdpark serve`: the target state's backend. The REST API and the operator dashboard (SPEC §5)
// over a store; with --mqtt, the event processor of SPEC §4 feeding it from a broker (exact under
// redelivery, restarts and a second process), optionally mirrored to TimescaleDB (dual-write,
// plan §4.3); for the demo, a simulated fleet fed to the processor inside the process. Runs until
// SIGINT or SIGTERM (or --stop-after). This file reads the options; Serve (serve.h) runs it.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

#include "api/access_rules.h"
#include "cli/command_support.h"
#include "cli/commands.h"
#include "cli/serve.h"
#include "domain/billing.h"
#include "ingest/mqtt_client.h"
#include "ingest/mqtt_client_id.h"
#include "verify/migration_status_cache.h"

namespace vdpark::cli {

namespace {

// What every default client id of serve on this store and group begins with:
// "vdpark-serve-<8 hex digits>". The whole id (LeaseClientId) adds the machine and a slot held
// for the process's life: "vdpark-serve-1a2b3c4d-9f8e7d-0", 30 bytes (MQTT 3.1.1 promises 23,
// but Mosquitto, AWS IoT Core (128) and the other brokers vdpark meets take more).
std::string ClientIdPrefix(const ServeArgs& a) {
  return "vdpark-serve-" + StableHash(a.store + "|" + a.share, 8);
}

// The client id given: --client-id, else the URL's ?client_id=; "" when neither.
std::string GivenClientId(const ServeArgs& a) {
  if (!a.client_id.empty()) return a.client_id;
  auto url = ParseMqttUrl(a.mqtt);  // a bad URL is reported when ingest starts
  return url.ok() ? url->client_id : "";
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
  VDPARK_ASSIGN_OR_RETURN(auto skew, ParseDurationMicros("--max-skew", a.max_skew));
  c.max_clock_skew = std::chrono::microseconds(skew);
  VDPARK_ASSIGN_OR_RETURN(auto offline, ParseDurationMicros("--offline-after", a.offline_after));
  c.offline_after = std::chrono::microseconds(offline);
  return c;
}

// The options in the form Serve takes them: durations read, the API keys loaded, the client id
// and the mirror chosen.
Result<ServeOptions> ServeOptionsFrom(const ServeArgs& a) {
  ServeOptions o;
  VDPARK_ASSIGN_OR_RETURN(o.ingest, IngestConfigFrom(a));
  if (!a.stop_after.empty()) {
    VDPARK_ASSIGN_OR_RETURN(auto d, ParseDurationMicros("--stop-after", a.stop_after));
    o.stop_after = std::chrono::microseconds(d);
  }
  VDPARK_ASSIGN_OR_RETURN(auto sweep, ParseDurationMicros("--sweep-every", a.sweep_every));
  o.sweep_every = std::chrono::milliseconds(std::max<int64_t>(sweep / 1000, 1));
  VDPARK_ASSIGN_OR_RETURN(
      o.api_keys, a.api_keys.empty() ? Result<ApiKeys>(ApiKeys()) : ApiKeys::Load(a.api_keys));
  VDPARK_ASSIGN_OR_RETURN(auto cache_age, ParseDurationMicros("--api-cache", a.api_cache));
  o.api_cache = std::chrono::microseconds(cache_age);
  o.api_cache_bytes = a.api_cache_bytes;
  o.api_workers = a.api_workers;
  o.api_queue = a.api_queue;
  for (const std::string& origin : a.cors_origins) {
    if (Status s = CheckCorsOrigin(origin); !s.ok()) {
      return Status::InvalidArgument("--cors-origin '" + origin + "': " + s.message());
    }
  }
  if (!a.cors_origins.empty() && o.api_keys.empty()) {
    // Keyless, any page could then use the server through its user's browser.
    return Status::InvalidArgument(
        "--cors-origin: only with --api-keys (without keys the API sends no CORS headers)");
  }
  o.cors_origins = a.cors_origins;
  o.listen = a.listen;
  o.mqtt = a.mqtt;
  o.client_id = GivenClientId(a);  // "" = a default one, leased by RunServe
  o.share = a.share;
  o.mirror_url = MirrorUrl(a);
  o.mirror_queue = a.mirror_queue;
  // The log is written as the embedded store writes (to the same disk, no fsync): no weaker than
  // the store it feeds. A DynamoDB or PostgreSQL store survives the machine, a local log does
  // not: for those, only when asked for.
  std::string intake = a.intake;
  if (intake == "auto") intake = a.store.starts_with("embedded:") ? "var/intake" : "";
  // A folder per store: a log is only ever applied to the store its messages were taken for.
  if (!intake.empty()) o.intake_dir = intake + "/" + StableHash(a.store, 8);
  // The tests' crash point (ingest_service.h): not an option, never set in production.
  if (const char* crash = std::getenv("VDPARK_TEST_CRASH_AFTER_APPLIED")) {
    o.crash_after_applied = std::strtoull(crash, nullptr, 10);
  }
  o.simulate_sensors = a.simulate_sensors;
  if (!a.archive.empty()) {
    if (a.listen.empty()) return Status::InvalidArgument("--archive: only with --listen (the API)");
    if (a.retention_days <= 0) {
      return Status::InvalidArgument(
          "--archive: needs --retention-days > 0 (with 0 the live store keeps every event)");
    }
    o.archive_url = a.archive;
    o.archive_retention = std::chrono::hours(24 * a.retention_days);
  }
  o.simulate_speed = a.simulate_speed;
  if (!a.map_tiles.empty()) {
    const bool web = a.map_tiles.starts_with("http://") || a.map_tiles.starts_with("https://");
    for (std::string_view part : {"{z}", "{x}", "{y}"}) {
      if (!web || a.map_tiles.find(part) == std::string::npos) {
        return Status::InvalidArgument("--map-tiles '" + a.map_tiles +
                                       "': expected an http(s) URL template with {z}, {x} and {y}");
      }
    }
  }
  o.map_tiles = a.map_tiles;
  // What alerts are judged by until an operator stores settings of their own.
  o.default_settings.low_battery_percent = static_cast<int>(a.low_battery);
  o.default_settings.offline_after_minutes = static_cast<int>(std::max<int64_t>(
      std::chrono::duration_cast<std::chrono::minutes>(o.ingest.offline_after).count(), 1));
  o.default_settings.time_zone = a.timezone;
  return o;
}

// GET /v1/migration/status for --migration-source: the migration from it to `store` (served
// here, so not opened again), computed at most every 5 s.
std::function<Result<std::string>(const std::string&)> MigrationStatusFor(const ServeArgs& a,
                                                                          RecordStore& store) {
  MigrationStatusOptions o;
  o.source_url = a.migration_source;
  o.target_url = a.store;
  o.record_dir = a.migration_record_dir;
  o.open_target = &store;
  auto cache = std::make_shared<MigrationStatusCache>(std::move(o), std::chrono::seconds(5));
  return [cache](const std::string& mirror_metrics) -> Result<std::string> {
    VDPARK_ASSIGN_OR_RETURN(auto status, cache->Get(mirror_metrics));
    return boost::json::serialize(status);
  };
}

// Signals are taken by sigwait (Serve), so they are blocked before any thread starts: the
// store's too.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int RunServe(const ServeArgs& a) {
  auto options = ServeOptionsFrom(a);
  if (!options.ok()) return Fail(options.status());
  const sigset_t signals = BlockStopSignals();
  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = a.retention_days;
  auto store = OpenStoreRoles(a.store, so);
  if (!store.ok()) return Fail(store.status());
  // Without a client id given, ingest takes a default one of its own, held until serve ends:
  // distinct from every other process's, the same after a restart.
  std::optional<ClientIdLease> lease;
  if (!options->mqtt.empty() && options->client_id.empty()) {
    auto leased = LeaseClientId(ClientIdPrefix(a), MachineTag(), DefaultStateDir());
    if (!leased.ok()) return Fail(leased.status().WithContext("the default MQTT client id"));
    options->client_id = leased->client_id();
    lease.emplace(std::move(*leased));
  }
  if (!a.migration_source.empty()) {
    options->migration_status = MigrationStatusFor(a, *store->records);
  }
  if (Status s = Serve(*store, std::move(*options), signals); !s.ok()) return Fail(s);
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
                  "MQTT client id: the broker keeps the session under it, and processes must not "
                  "share one (each would take the session from the other). Default: "
                  "vdpark-serve-<store and group>-<machine>-<slot>, distinct per process and the "
                  "same after a restart (the slot is held by a lock file in $VDPARK_STATE_DIR, "
                  "else $XDG_STATE_HOME/vdpark, else ~/.local/state/vdpark)");
  cmd->add_option("--share", args->share,
                  "MQTT 5 shared-subscription group: processes in a group split the sensors; "
                  "start any number with the same command line (each gets its own default "
                  "client id)");
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
  cmd->add_option("--map-tiles", args->map_tiles,
                  "Map tiles under the portal's map: an http(s) URL template with {z}, {x}, {y} "
                  "(default: none, the map draws the zones alone)");
  cmd->add_option("--timezone", args->timezone, "The zones' local time for operating hours")
      ->capture_default_str();
  cmd->add_option("--max-payload", args->max_payload, "Larger payloads are refused (bytes)")
      ->capture_default_str();
  cmd->add_option("--retention-days", args->retention_days,
                  "Events' ttl = their time + this; 0 = none")
      ->capture_default_str();
  cmd->add_option("--archive", args->archive,
                  "Answer the API's events older than --retention-days from this s3:// archive "
                  "(written by `vdpark archive`): the events page and analytics reach back past "
                  "the live store's TTL");
  cmd->add_option("--mirror", args->mirror,
                  "Dual-write: also write every change to this postgres:// store when "
                  "DUAL_WRITE_ENABLED=true (default $TIMESCALE_URL)");
  cmd->add_option("--mirror-queue", args->mirror_queue,
                  "Folder of the durable queue of changes on their way to the mirror")
      ->capture_default_str();
  cmd->add_option("--intake", args->intake,
                  "Folder of ingest's intake logs (DIR/<store hash>/<client id>): each message is "
                  "written there before its PUBACK and handled from there; \"\" = handle each "
                  "message before its PUBACK instead; auto = var/intake for an embedded store, "
                  "\"\" for the others (a local log would not outlive the machine as they do)")
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
  cmd->add_option("--api-cache-bytes", args->api_cache_bytes,
                  "The API's kept answers take at most this much memory (bytes; 64MiB, 500KB)")
      ->capture_default_str()
      ->transform(CLI::AsSizeValue(false));
  cmd->add_option("--cors-origin", args->cors_origins,
                  "With --api-keys: an Origin (https://ops.example, or *) whose pages may read the "
                  "API (CORS); repeat for more. None by default: no CORS headers")
      ->allow_extra_args(false);
  cmd->add_option("--api-workers", args->api_workers,
                  "Threads making the API's store calls (the I/O threads answer the rest)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--api-queue", args->api_queue,
                  "Store calls that may wait for a worker; beyond them requests get 503 with "
                  "Retry-After")
      ->capture_default_str();
  cmd->add_option("--migration-source", args->migration_source,
                  "GET /v1/migration/status (operator keys) reports the migration from this "
                  "store to the one served, as vdpark status does: " +
                      kStoreUrlForms);
  cmd->add_option("--migration-record-dir", args->migration_record_dir,
                  "With --migration-source: where verify and the others recorded their results "
                  "(default .vdpark-status/<hash of source and target>)");
  cmd->callback([args, exit_code] { *exit_code = RunServe(*args); });
}

}  // namespace vdpark::cli
