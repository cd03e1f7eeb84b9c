// vdpark: the parking backend and the migration tool, one program (SPEC §6).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command_support.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace vdpark::cli;
  // Summaries (stdout) and logs (stderr) interleave in the order they happen, even in a pipe.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{
      "vdpark: smart-parking backend and loss-free migration between csv, TimescaleDB, embedded "
      "RocksDB and DynamoDB stores"};
  app.require_subcommand(1);
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log more");
  app.add_flag("-q,--quiet", quiet, "Log warnings and errors only");
  app.parse_complete_callback([&] { SetUpLogging(verbose, quiet); });
  int exit_code = kExitOk;
  AddDemoCommand(app, &exit_code);
  AddGenerateCommand(app, &exit_code);
  AddAuditCommand(app, &exit_code);
  AddArchiveCommand(app, &exit_code);
  AddMigrateCommand(app, &exit_code);
  AddVerifyCommand(app, &exit_code);
  AddTableCommand(app, &exit_code);
  AddSchemaCommand(app, &exit_code);
  AddSimulateCommand(app, &exit_code);
  AddServeCommand(app, &exit_code);
  AddVerifyApiCommand(app, &exit_code);
  AddProbeCommand(app, &exit_code);
  AddStatusCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return exit_code;
}
