// vdpark table create|describe|delete --target dynamodb://TABLE?...: the DynamoDB table of SPEC §3
// (plan §3.1: what the CDK stack deploys).
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/command_support.h"
#include "cli/commands.h"
#include "common/redact_url.h"
#include "store/dynamodb/aws_config.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/dynamodb/dynamodb_url.h"
#include "store/dynamodb/table_admin.h"

namespace vdpark::cli {

namespace {

struct TableArgs {
  std::string target;
  int timeout_seconds = 600;
  bool exists_ok = false, yes = false, json = false;
};

struct Target {
  std::string table;
  std::string display;  // the URL without secrets, for messages
  std::unique_ptr<DynamoDbClient> client;
};

Result<Target> Connect(const std::string& url) {
  VDPARK_ASSIGN_OR_RETURN(DynamoDbUrl parsed, ParseDynamoDbUrl(url));
  VDPARK_ASSIGN_OR_RETURN_WITH(AwsSettings settings, ResolveAwsSettings(parsed.overrides),
                               parsed.ToString());
  spdlog::debug("DynamoDB {} in {} ({}), credentials {} from {}", settings.endpoint,
                settings.region, settings.region_source, Redacted(settings.credentials),
                settings.credentials_source);
  DynamoDbClientOptions options;
  options.settings = std::move(settings);
  options.max_connections = 4;  // a few control-plane calls
  VDPARK_ASSIGN_OR_RETURN(std::unique_ptr<DynamoDbClient> client,
                          DynamoDbClient::Create(std::move(options)));
  return Target{parsed.table, parsed.ToString(), std::move(client)};
}

TableAdminOptions AdminOptions(const TableArgs& a) {
  TableAdminOptions o;
  o.timeout = std::chrono::seconds(a.timeout_seconds);
  o.exists_ok = a.exists_ok;
  return o;
}

std::string Keys(const std::vector<KeyElement>& schema) {
  std::string out;
  for (const KeyElement& k : schema) {
    if (!out.empty()) out += ", ";
    out += k.attribute + " (" + k.key_type + ")";
  }
  return out;
}

std::string OrUnknown(const std::string& s) {
  return s.empty() ? "unknown" : s;
}

void PrintTable(const TableDescription& t, const std::string& endpoint) {
  std::printf("table %s (%s) at %s\n", t.name.c_str(), t.status.c_str(),
              RedactUrl(endpoint).c_str());
  std::printf("  key: %s\n", Keys(t.key_schema).c_str());
  std::printf("  billing: %s\n", t.billing_mode.c_str());
  for (const IndexDescription& i : t.global_indexes) {
    std::printf("  index %s: %s, projection %s, %s\n", i.name.c_str(), Keys(i.key_schema).c_str(),
                i.projection.c_str(), OrUnknown(i.status).c_str());
  }
  std::printf("  stream: %s\n", t.stream_enabled ? t.stream_view_type.c_str() : "off");
  std::string ttl = OrUnknown(t.ttl_status);
  if (!t.ttl_attribute.empty()) ttl += " on " + t.ttl_attribute;
  std::printf("  TTL: %s\n", ttl.c_str());
  std::printf("  point-in-time recovery: %s\n", OrUnknown(t.point_in_time_recovery).c_str());
  std::printf("  items: %llu, %llu bytes (DynamoDB refreshes these about every six hours)\n",
              static_cast<unsigned long long>(t.item_count),
              static_cast<unsigned long long>(t.size_bytes));
}

int RunCreate(const TableArgs& a) {
  Result<Target> target = Connect(a.target);
  if (!target.ok()) return Fail(target.status());
  Result<CreateTableResult> r = CreateTable(*target->client, target->table, AdminOptions(a));
  if (!r.ok()) return Fail(r.status().WithContext(target->display));
  if (a.json) {
    // stdout holds only the JSON: the warnings also go to the log, where a person sees them.
    for (const std::string& w : r->warnings) spdlog::warn("table {}: {}", target->table, w);
    boost::json::object j = r->table.ToJson();
    j["created"] = r->created;
    boost::json::array warnings;
    for (const std::string& w : r->warnings) warnings.emplace_back(w);
    j["warnings"] = std::move(warnings);
    PrintJson(j);
    return kExitOk;
  }
  std::printf("%s table %s\n", r->created ? "created" : "completed the existing",
              target->table.c_str());
  PrintTable(r->table, target->client->settings().endpoint);
  for (const std::string& w : r->warnings) std::printf("  warning: %s\n", w.c_str());
  return kExitOk;
}

int RunDescribe(const TableArgs& a) {
  Result<Target> target = Connect(a.target);
  if (!target.ok()) return Fail(target.status());
  Result<TableDescription> t = DescribeTable(*target->client, target->table);
  if (!t.ok()) return Fail(t.status().WithContext(target->display));
  if (a.json) {
    PrintJson(t->ToJson());
    return kExitOk;
  }
  PrintTable(*t, target->client->settings().endpoint);
  return kExitOk;
}

int RunDelete(const TableArgs& a) {
  if (!a.yes) {
    return Fail(Status::InvalidArgument(
        "table delete removes the table and every item in it: add --yes to confirm"));
  }
  Result<Target> target = Connect(a.target);
  if (!target.ok()) return Fail(target.status());
  Status s = DeleteTable(*target->client, target->table, AdminOptions(a));
  if (!s.ok()) return Fail(s.WithContext(target->display));
  if (a.json) {
    PrintJson(boost::json::object{{"table", target->table}, {"deleted", true}});
  } else {
    std::printf("deleted table %s\n", target->table.c_str());
  }
  return kExitOk;
}

// The options every table subcommand takes.
CLI::App* AddSub(CLI::App* parent, const std::string& name, const std::string& help,
                 const std::shared_ptr<TableArgs>& args) {
  CLI::App* cmd = parent->add_subcommand(name, help);
  cmd->add_option("--target", args->target,
                  "The table: dynamodb://TABLE?region=R&endpoint=URL&profile=NAME")
      ->required();
  cmd->add_flag("--json", args->json, "Print the result as JSON");
  return cmd;
}

}  // namespace

void AddTableCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<TableArgs>();
  CLI::App* table = app.add_subcommand(
      "table", "Create, describe or delete the DynamoDB table of the single-table layout");
  table->require_subcommand(1);

  CLI::App* create = AddSub(table, "create",
                            "Create the table (keys, GSI1, GSI2, on-demand, stream), wait until "
                            "ACTIVE, turn on TTL and point-in-time recovery",
                            args);
  create->add_flag("--exists-ok", args->exists_ok,
                   "An existing table is not an error: finish its set-up (TTL, recovery)");
  create->add_option("--timeout", args->timeout_seconds, "Seconds to wait for the table")
      ->capture_default_str();
  create->callback([args, exit_code] { *exit_code = RunCreate(*args); });

  CLI::App* describe =
      AddSub(table, "describe", "Show the table's keys, indexes and settings", args);
  describe->callback([args, exit_code] { *exit_code = RunDescribe(*args); });

  CLI::App* remove = AddSub(table, "delete", "Delete the table and wait until it is gone", args);
  remove->add_flag("--yes", args->yes, "Confirm: the table and all its items are deleted");
  remove->add_option("--timeout", args->timeout_seconds, "Seconds to wait for the deletion")
      ->capture_default_str();
  remove->callback([args, exit_code] { *exit_code = RunDelete(*args); });
}

}  // namespace vdpark::cli
