// The subcommands of `vdpark`. Each Add* registers one on the app; when it runs, it stores its
// exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/result.h"
#include "generate/generator.h"

namespace vdpark::cli {

void AddGenerateCommand(CLI::App& app, int* exit_code);
void AddAuditCommand(CLI::App& app, int* exit_code);
void AddMigrateCommand(CLI::App& app, int* exit_code);
void AddVerifyCommand(CLI::App& app, int* exit_code);
void AddDemoCommand(CLI::App& app, int* exit_code);
void AddTableCommand(CLI::App& app, int* exit_code);
void AddSchemaCommand(CLI::App& app, int* exit_code);

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
  bool truncate = false, json = false;
  std::string checkpoint;               // "" = <cwd>/.vdpark-migrate/<hash>.json
  uint64_t checkpoint_every = 200'000;  // events between checkpoints (repeatable sources)
  int time_slices = 16;                 // slices of a source read in no repeatable order
  bool restart = false;                 // drop any checkpoint and start from the beginning
  bool dry_run = false;                 // read the source, write nothing, report the estimate
};
int RunMigrate(const MigrateArgs& args);

struct VerifyArgs {
  std::string source, target, since, rejects = "vdpark-rejects.csv";
  size_t sample = 0, max_listed = 100;
  int64_t retention_days = 90;
  bool json = false;
};
int RunVerify(const VerifyArgs& args);

}  // namespace vdpark::cli
