// The table phase of CheckMigration: the target as plan §3 wants it.
#include <filesystem>

#include "common/redact_url.h"
#include "store/dynamodb/aws_config.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/dynamodb/dynamodb_url.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "store/store_place.h"
#include "verify/migration_phases.h"

namespace vdpark {

namespace {

namespace fs = std::filesystem;

constexpr const char* kTitle = "Target table (§3)";

std::string Keys(const std::vector<KeyElement>& schema) {
  std::string out;
  for (const KeyElement& k : schema) {
    if (!out.empty()) out += ", ";
    out += k.attribute + " (" + k.key_type + ")";
  }
  return out.empty() ? "none" : out;
}

StatusCheck IndexCheck(const TableDescription& t, const std::string& name,
                       const std::string& projection) {
  const std::vector<KeyElement> keys = {{name + "PK", "HASH"}, {name + "SK", "RANGE"}};
  StatusCheck c{name + ": " + Keys(keys) + ", projecting " + projection, false, "", ""};
  const IndexDescription* i = t.FindIndex(name);
  if (i == nullptr) {
    c.detail = "no index " + name;
    c.reason = "table has no " + name;
    return c;
  }
  c.detail = Keys(i->key_schema) + ", projecting " + i->projection;
  if (!i->status.empty()) c.detail += ", " + i->status;
  c.ok = i->key_schema == keys && i->projection == projection &&
         (i->status.empty() || i->status == "ACTIVE");
  if (!*c.ok) c.reason = "table's " + name + " is not as §3 wants it (" + c.detail + ")";
  return c;
}

// The checks of §3's table on a description.
std::vector<StatusCheck> TableChecks(const TableDescription& t) {
  std::vector<StatusCheck> checks;
  checks.push_back({"exists and is ACTIVE", t.status == "ACTIVE", "status " + t.status,
                    "table is " + t.status + ", not ACTIVE"});
  const std::vector<KeyElement> keys = {{"PK", "HASH"}, {"SK", "RANGE"}};
  checks.push_back({"keys PK (HASH), SK (RANGE)", t.key_schema == keys, Keys(t.key_schema),
                    "table's keys are " + Keys(t.key_schema) + ", not PK and SK"});
  checks.push_back(IndexCheck(t, "GSI1", "ALL"));
  checks.push_back(IndexCheck(t, "GSI2", "KEYS_ONLY"));

  StatusCheck ttl{"TTL on ttl", std::nullopt, "", ""};
  if (t.ttl_status.empty()) {
    ttl.detail = "the server did not say (DescribeTimeToLive not answered)";
    ttl.reason = "table's TTL could not be checked";
  } else {
    ttl.ok = t.ttl_status == "ENABLED" && t.ttl_attribute == "ttl";
    ttl.detail = t.ttl_status + (t.ttl_attribute.empty() ? "" : " on " + t.ttl_attribute);
    ttl.reason = "table has no TTL on ttl (" + ttl.detail + ")";
  }
  checks.push_back(std::move(ttl));

  StatusCheck stream{"stream with NEW_AND_OLD_IMAGES",
                     t.stream_enabled && t.stream_view_type == "NEW_AND_OLD_IMAGES", "", ""};
  stream.detail = t.stream_enabled ? t.stream_view_type : "no stream";
  stream.reason = t.stream_enabled
                      ? "table's stream is " + t.stream_view_type + ", not NEW_AND_OLD_IMAGES"
                      : "table has no streams";
  checks.push_back(std::move(stream));

  StatusCheck pitr{"point-in-time recovery", std::nullopt, "", ""};
  if (t.point_in_time_recovery.empty()) {
    pitr.detail = "the server did not say (DescribeContinuousBackups not answered)";
    pitr.reason = "table's point-in-time recovery could not be checked";
  } else {
    pitr.ok = t.point_in_time_recovery == "ENABLED";
    pitr.detail = t.point_in_time_recovery;
    pitr.reason = "table has no point-in-time recovery";
  }
  checks.push_back(std::move(pitr));
  return checks;
}

Result<MigrationPhase> DynamoDbTable(const MigrationStatusOptions& o) {
  MigrationPhase p{"table", kTitle, PhaseState::kUnknown, "", {}};
  VDPARK_ASSIGN_OR_RETURN(DynamoDbUrl url, ParseDynamoDbUrl(o.target_url));
  VDPARK_ASSIGN_OR_RETURN_WITH(AwsSettings settings, ResolveAwsSettings(url.overrides),
                               url.ToString());
  DynamoDbClientOptions co;
  co.settings = std::move(settings);
  co.max_connections = 2;  // three control-plane calls
  VDPARK_ASSIGN_OR_RETURN(auto client, DynamoDbClient::Create(std::move(co)));
  Result<TableDescription> t = DescribeTable(*client, url.table);
  if (!t.ok() && t.status().IsNotFound()) {
    p.state = PhaseState::kNotStarted;
    p.detail = "no table " + url.table + " (vdpark table create --target URL makes it)";
    p.checks.push_back(
        {"exists and is ACTIVE", false, p.detail, "the target table does not exist"});
    return p;
  }
  if (!t.ok()) return t.status().WithContext("the target " + url.ToString());
  p.checks = TableChecks(*t);
  size_t failed = 0, unknown = 0;
  for (const StatusCheck& c : p.checks) {
    if (!c.ok.has_value()) ++unknown;
    if (c.ok == false) ++failed;
  }
  p.state = failed ? PhaseState::kFailed : unknown ? PhaseState::kUnknown : PhaseState::kDone;
  p.detail = "table " + url.table + ": " +
             (failed + unknown == 0 ? std::string("as §3 wants it")
                                    : std::to_string(failed) + " checks failed, " +
                                          std::to_string(unknown) + " could not be made");
  return p;
}

// A folder store (csv, embedded) whose folder is not there: nothing migrated yet.
std::optional<std::string> MissingFolder(const std::string& url) {
  std::string dir;
  if (url.starts_with("embedded:")) {
    dir = url.substr(url.starts_with("embedded://") ? 11 : 9);
  } else {
    dir = CsvFolderOf(url).value_or("");
  }
  std::error_code ec;
  if (dir.empty() || fs::exists(dir, ec)) return std::nullopt;
  return dir;
}

// Any other target: it exists and opens.
Result<MigrationPhase> OtherStore(const MigrationStatusOptions& o) {
  MigrationPhase p{"table", kTitle, PhaseState::kDone, "", {}};
  if (o.open_target != nullptr) {
    p.detail = o.open_target->DisplayName() + " is open (served by this process)";
    p.checks.push_back({"exists and opens", true, p.detail, ""});
    return p;
  }
  if (auto dir = MissingFolder(o.target_url)) {
    p.state = PhaseState::kNotStarted;
    p.detail = "no folder " + *dir + " yet";
    p.checks.push_back({"exists and opens", false, p.detail, "the target store does not exist"});
    return p;
  }
  StoreOptions so;
  so.create_if_missing = false;
  so.retention_days = 0;
  VDPARK_ASSIGN_OR_RETURN_WITH(auto store, OpenStore(o.target_url, so), "the target");
  p.detail = store->DisplayName() + " opens (§3's keys, indexes, TTL and streams are DynamoDB's)";
  p.checks.push_back({"exists and opens", true, store->DisplayName(), ""});
  return p;
}

}  // namespace

Result<MigrationPhase> CheckTargetTable(const MigrationStatusOptions& options) {
  if (options.target_url.starts_with("dynamodb:")) return DynamoDbTable(options);
  return OtherStore(options);
}

}  // namespace vdpark
