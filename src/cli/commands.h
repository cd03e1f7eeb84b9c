// The subcommands of `vdpark`. Each Add* registers one on the app; when it runs, it stores its
// exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"
#include "generate/generator.h"

namespace vdpark::cli {

void AddGenerateCommand(CLI::App& app, int* exit_code);
void AddAuditCommand(CLI::App& app, int* exit_code);
void AddArchiveCommand(CLI::App& app, int* exit_code);
void AddMigrateCommand(CLI::App& app, int* exit_code);
void AddVerifyCommand(CLI::App& app, int* exit_code);
void AddDemoCommand(CLI::App& app, int* exit_code);
void AddTableCommand(CLI::App& app, int* exit_code);
void AddSchemaCommand(CLI::App& app, int* exit_code);
void AddSimulateCommand(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
void AddVerifyApiCommand(CLI::App& app, int* exit_code);
void AddProbeCommand(CLI::App& app, int* exit_code);
void AddStatusCommand(CLI::App& app, int* exit_code);

// The commands' work, shared with demo. Each prints its summary and returns its exit code.
Result<Timestamp> ParseEnd(const std::string& text);  // --end: "today" or a timestamp
int RunGenerate(const std::string& out_url, GenerateOptions options, bool json);

struct MigrateArgs {
  std::string source, target, since, rejects = "vdpark-rejects.csv";
  int64_t retention_days = 90;
  size_t batch_size = 4096;
  int concurrency = 16;                  // write requests in flight (dynamodb)
  double max_wcu = 0;                    // write units per second at most; 0 = no ceiling
  double price_per_million_wru = 0.625;  // USD, on-demand write request units (public price)
  bool overwrite = false, json = false;  // overwrite: replace what the target holds (--truncate)
  std::string checkpoint;                // "" = <cwd>/.vdpark-migrate/<hash>.json
  uint64_t checkpoint_every = 200'000;   // events between checkpoints (repeatable sources)
  int time_slices = 16;                  // slices of a source read in no repeatable order
  bool restart = false;                  // drop any checkpoint and start from the beginning
  bool dry_run = false;                  // read the source, write nothing, report the estimate
  // Where a finished load is recorded for `vdpark status`: "" = the migration's state folder.
  std::string record_dir;
};
int RunMigrate(const MigrateArgs& args);

struct VerifyArgs {
  std::string source, target, since, rejects = "vdpark-rejects.csv";
  size_t sample = 0, max_listed = 100;
  int64_t retention_days = 90;
  bool json = false;
  // Where the result is recorded for `vdpark status`: "" = the migration's state folder
  // (migrate/migration_records.h: MigrationStateDir of source and target).
  std::string record_dir;
};
int RunVerify(const VerifyArgs& args);

struct ServeArgs {
  std::string store = "embedded:var/demo/store";
  std::string listen = "127.0.0.1:8080";  // the API and the dashboard; "" = none
  std::string api_keys;                   // file of "KEY TENANT" lines; "" = loopback, no keys
  std::string mqtt;                       // "" = no ingest from a broker
  std::string client_id, share;
  std::string max_skew = "5m", offline_after = "90m", sweep_every = "60s";
  int64_t low_battery = 20;
  std::string timezone = "Asia/Dubai";
  std::string map_tiles;  // the portal's map tiles, an http(s) URL template with {z}, {x}, {y}
  size_t max_payload = 4096;
  int64_t retention_days = 90;
  std::string archive;  // s3:// archive of the events older than retention_days; "" = none
  std::string mirror;   // "" = $TIMESCALE_URL
  std::string mirror_queue = "var/mirror-queue";
  // Ingest's intake logs: "auto" = var/intake for an embedded store (as durable as the store
  // itself), none for the others; "" = none.
  std::string intake = "auto";
  std::string stop_after;              // "" = until SIGINT/SIGTERM; else a duration ("90s")
  std::string api_cache = "1s";        // the API's answers kept at most this long; "0s" = not kept
  size_t api_cache_bytes = 64u << 20;  // the API's kept answers take at most this much
  std::vector<std::string> cors_origins;  // with keys: Origins whose pages may read the API
  int api_workers = 4;                    // threads making the API's store calls
  size_t api_queue = 64;                  // store calls waiting beyond those running; more: 503
  // A simulated fleet fed to ingest inside the process, no broker (demo): sensors, speed.
  int simulate_sensors = 0;
  double simulate_speed = 60;
  // GET /v1/migration/status for the migration from this store (its store the target): "" = none.
  std::string migration_source, migration_record_dir;
};
// Serves `args.store` until a signal (or stop_after); returns the exit code.
int RunServe(const ServeArgs& args);

}  // namespace vdpark::cli
