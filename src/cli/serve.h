// Serve: the services of `vdpark serve` wired together over one store, run until a stop signal.
// No lower layer owns this: the live stream and the API (api/), ingest from a broker and the
// dual-write mirror (ingest/), the in-process fleet (simulate/ feeding ingest) meet only here.
//
// Every change ingest (or the in-process fleet) commits goes to the mirror when dual-writing,
// empties the API's response cache, and goes to the live stream, in that order. What starts is
// printed on stdout, with a line of ingest's figures in the log every 30 s while it runs.
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/api_keys.h"
#include "common/result.h"
#include "common/status.h"
#include "domain/alert.h"
#include "ingest/ingestor.h"
#include "store/open_store.h"

namespace vdpark::cli {

struct ServeOptions {
  std::string listen;  // HOST:PORT of the API and the dashboard; "" = none
  ApiKeys api_keys;    // empty: loopback, no keys
  std::string mqtt;    // the broker to ingest from; "" = none
  std::string client_id, share;
  IngestConfig ingest;
  std::chrono::milliseconds sweep_every{std::chrono::seconds(60)};  // ingest's offline sweep
  // Ingest's intake log (ingest_service.h): the store's folder of logs, one per client id; "" =
  // messages handled inside the MQTT callback. crash_after_applied: the tests' crash point.
  std::string intake_dir;
  uint64_t crash_after_applied = 0;
  std::string mirror_url;  // dual-write to this postgres:// store; "" = none
  std::string mirror_queue = "var/mirror-queue";
  std::chrono::microseconds api_cache{0};  // the API's answers kept at most this long; 0 = not
  size_t api_cache_bytes = 64u << 20;      // ... and in at most this many bytes
  std::vector<std::string> cors_origins;   // with keys: Origins sent CORS headers (checked)
  int api_workers = 4;                     // threads making the API's store calls
  size_t api_queue = 64;                   // store calls that may wait for one; beyond: 503
  std::optional<std::chrono::microseconds> stop_after;  // nullopt: until a stop signal
  // A simulated fleet fed to ingest inside the process, no broker (demo): sensors, speed.
  int simulate_sensors = 0;
  double simulate_speed = 60;
  std::string map_tiles;  // GET /settings' mapTiles; "" = none
  // The API reads events older than now - archive_retention from this s3:// archive
  // (archived_query_store.h); "" = none (--archive, --retention-days).
  std::string archive_url;
  std::chrono::microseconds archive_retention{0};
  // The alerts' thresholds and the portal's preferences until an operator stores settings
  // (--low-battery, --offline-after, --timezone).
  OperatorSettings default_settings;
  // GET /v1/migration/status: the status as JSON text, given the mirror's figures ("" without a
  // mirror); empty: none (--migration-source).
  std::function<Result<std::string>(const std::string& mirror_metrics)> migration_status;
};

// Starts the mirror, ingest, the in-process fleet and the HTTP server as `options` ask, waits
// for one of `stop_signals` (blocked in every thread before any started: sigwait takes them) or
// stop_after, stops them in order and flushes `store`. kInvalidArgument when there is nothing
// to serve (no listen, mqtt or simulate_sensors); a service that cannot start: its error,
// naming the option; kInvalidArgument, before anything starts, when the store cannot play a role
// the options ask of it (the API's queries for listen, live state for mqtt and simulate_sensors).
// What the mirror has not taken yet stays in its queue for the next start.
Status Serve(const OpenedStore& store, ServeOptions options, const sigset_t& stop_signals);

}  // namespace vdpark::cli
