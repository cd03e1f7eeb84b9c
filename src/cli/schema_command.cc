// vdpark schema create --target postgres://...: the source schema of SPEC §2 (TimescaleDB), for
// tests, demos, and as an empty rollback target (plan §9). Idempotent.
#include <memory>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "store/postgres/postgres_connection.h"
#include "store/postgres/postgres_schema.h"

namespace vdpark::cli {

namespace {

struct SchemaArgs {
  std::string target;
  bool json = false;
};

int RunSchemaCreate(const SchemaArgs& a) {
  auto url = PostgresUrl::Parse(a.target);
  if (!url.ok()) return Fail(url.status());
  auto conn = PgConnection::Connect(*url);
  if (!conn.ok()) return Fail(conn.status());
  auto r = CreatePostgresSchema(**conn);
  if (!r.ok()) return Fail(r.status());
  if (a.json) {
    PrintJson(boost::json::object{
        {"target", url->display}, {"hypertable", r->hypertable}, {"location", r->location}});
  } else {
    std::printf(
        "schema ready at %s: parking_zones, parking_bays, parking_events (%s), "
        "parking_sensors; locations as %s\n",
        url->display.c_str(),
        r->hypertable ? "TimescaleDB hypertable" : "plain table: no timescaledb in the database",
        r->location.c_str());
  }
  return kExitOk;
}

}  // namespace

void AddSchemaCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SchemaArgs>();
  CLI::App* schema =
      app.add_subcommand("schema", "Create the PostgreSQL/TimescaleDB schema of the source system");
  schema->require_subcommand(1);
  CLI::App* create = schema->add_subcommand(
      "create",
      "Create the four tables (parking_events a hypertable where the database has the "
      "timescaledb extension; locations as PostGIS geography, or point without PostGIS); what "
      "exists is left as it is");
  create->add_option("--target", args->target, "The database: postgres://user:pw@host:port/db")
      ->required();
  create->add_flag("--json", args->json, "Print the result as JSON");
  create->callback([args, exit_code] { *exit_code = RunSchemaCreate(*args); });
}

}  // namespace vdpark::cli
