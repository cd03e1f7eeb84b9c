#include "store/dynamodb/table_admin.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "store/item_store.h"

namespace vdpark {

namespace {

using Clock = std::chrono::steady_clock;

std::string StringAt(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const boost::json::object* ObjectAt(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

uint64_t NumberAt(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64()) return v->get_int64() < 0 ? 0 : static_cast<uint64_t>(v->get_int64());
  if (v->is_double()) return v->get_double() < 0 ? 0 : static_cast<uint64_t>(v->get_double());
  return 0;
}

std::vector<KeyElement> KeySchemaAt(const boost::json::object& o) {
  std::vector<KeyElement> out;
  const boost::json::value* v = o.if_contains("KeySchema");
  if (v == nullptr || !v->is_array()) return out;
  for (const boost::json::value& e : v->get_array()) {
    if (const boost::json::object* k = e.if_object()) {
      out.push_back({StringAt(*k, "AttributeName"), StringAt(*k, "KeyType")});
    }
  }
  return out;
}

boost::json::array KeySchema(std::string_view hash, std::string_view range) {
  return {{{"AttributeName", hash}, {"KeyType", "HASH"}},
          {{"AttributeName", range}, {"KeyType", "RANGE"}}};
}

boost::json::object Index(std::string_view name, std::string_view hash, std::string_view range,
                          std::string_view projection) {
  return {{"IndexName", name},
          {"KeySchema", KeySchema(hash, range)},
          {"Projection", {{"ProjectionType", projection}}}};
}

TableDescription ParseTable(const boost::json::object& table) {
  TableDescription d;
  d.name = StringAt(table, "TableName");
  d.status = StringAt(table, "TableStatus");
  d.item_count = NumberAt(table, "ItemCount");
  d.size_bytes = NumberAt(table, "TableSizeBytes");
  d.key_schema = KeySchemaAt(table);
  if (const boost::json::value* v = table.if_contains("GlobalSecondaryIndexes")) {
    if (v->is_array()) {
      for (const boost::json::value& e : v->get_array()) {
        const boost::json::object* i = e.if_object();
        if (i == nullptr) continue;
        IndexDescription index{StringAt(*i, "IndexName"), KeySchemaAt(*i), "",
                               StringAt(*i, "IndexStatus")};
        if (const boost::json::object* p = ObjectAt(*i, "Projection")) {
          index.projection = StringAt(*p, "ProjectionType");
        }
        d.global_indexes.push_back(std::move(index));
      }
    }
  }
  // AWS leaves BillingModeSummary out for tables that were created provisioned.
  d.billing_mode = "PROVISIONED";
  if (const boost::json::object* b = ObjectAt(table, "BillingModeSummary")) {
    std::string mode = StringAt(*b, "BillingMode");
    if (!mode.empty()) d.billing_mode = mode;
  }
  if (const boost::json::object* s = ObjectAt(table, "StreamSpecification")) {
    const boost::json::value* enabled = s->if_contains("StreamEnabled");
    d.stream_enabled = enabled != nullptr && enabled->is_bool() && enabled->get_bool();
    d.stream_view_type = StringAt(*s, "StreamViewType");
  }
  d.latest_stream_arn = StringAt(table, "LatestStreamArn");
  return d;
}

// DescribeTable alone: what the wait loops poll.
Result<TableDescription> DescribeOnly(DynamoDbClient& client, std::string_view table) {
  VDPARK_ASSIGN_OR_RETURN(boost::json::object r,
                          client.Call("DescribeTable", {{"TableName", table}}));
  const boost::json::object* t = ObjectAt(r, "Table");
  if (t == nullptr) return Status::Internal("DescribeTable: the answer has no Table");
  return ParseTable(*t);
}

bool Settled(const TableDescription& d) {
  if (d.status != "ACTIVE") return false;
  for (const IndexDescription& i : d.global_indexes) {
    if (!i.status.empty() && i.status != "ACTIVE") return false;
  }
  return true;
}

// Pauses between polls: short at first (local servers settle in milliseconds), then growing to
// the configured interval (AWS takes seconds to minutes).
class Poller {
 public:
  explicit Poller(std::chrono::milliseconds max) : max_(max) {}
  void Wait() {
    std::this_thread::sleep_for(std::min(next_, max_));
    next_ *= 2;
  }

 private:
  std::chrono::milliseconds next_{10};
  std::chrono::milliseconds max_;
};

Result<TableDescription> WaitUntilActive(DynamoDbClient& client, std::string_view table,
                                         const TableAdminOptions& options) {
  Clock::time_point deadline = Clock::now() + options.timeout;
  Poller poller(options.poll_interval);
  while (true) {
    VDPARK_ASSIGN_OR_RETURN(TableDescription d, DescribeOnly(client, table));
    if (Settled(d)) return d;
    if (Clock::now() >= deadline) {
      return Status::Unavailable("table " + std::string(table) + " is still " + d.status +
                                 " after " + std::to_string(options.timeout.count()) + " ms");
    }
    poller.Wait();
  }
}

// Runs `call` until it is not retryable or the deadline passes: AWS refuses some settings for a
// while after CreateTable (ContinuousBackupsUnavailableException), longer than the client's own
// retries wait.
Result<boost::json::object> CallUntil(DynamoDbClient& client, std::string_view operation,
                                      const boost::json::object& request,
                                      Clock::time_point deadline, std::chrono::milliseconds pause) {
  while (true) {
    Result<boost::json::object> r = client.Call(operation, request);
    if (r.ok() || !r.status().IsRetryable() || Clock::now() >= deadline) return r;
    std::this_thread::sleep_for(pause);
  }
}

// TTL on `ttl`, unless it is on already. An unsupported operation is a warning; an error
// otherwise.
Status EnableTtl(DynamoDbClient& client, std::string_view table, Clock::time_point deadline,
                 const TableAdminOptions& options, std::vector<std::string>* warnings) {
  Result<boost::json::object> d = client.Call("DescribeTimeToLive", {{"TableName", table}});
  if (d.ok()) {
    if (const boost::json::object* ttl = ObjectAt(*d, "TimeToLiveDescription")) {
      std::string status = StringAt(*ttl, "TimeToLiveStatus");
      std::string attribute = StringAt(*ttl, "AttributeName");
      if ((status == "ENABLED" || status == "ENABLING") && attribute == kTtlAttr) {
        return Status::OK();
      }
      if (status == "ENABLED" || status == "ENABLING") {
        warnings->push_back("TTL is on attribute '" + attribute + "', not '" +
                            std::string(kTtlAttr) + "': left as it is");
        return Status::OK();
      }
    }
  }
  boost::json::object request{
      {"TableName", table},
      {"TimeToLiveSpecification", {{"Enabled", true}, {"AttributeName", kTtlAttr}}}};
  Result<boost::json::object> r =
      CallUntil(client, "UpdateTimeToLive", request, deadline, options.poll_interval);
  if (r.ok()) return Status::OK();
  if (r.status().IsNotSupported()) {
    warnings->push_back("TTL not enabled: " + r.status().message());
    return Status::OK();
  }
  return r.status();
}

Status EnablePointInTimeRecovery(DynamoDbClient& client, std::string_view table,
                                 Clock::time_point deadline, const TableAdminOptions& options,
                                 std::vector<std::string>* warnings) {
  boost::json::object request{
      {"TableName", table},
      {"PointInTimeRecoverySpecification", {{"PointInTimeRecoveryEnabled", true}}}};
  Result<boost::json::object> r =
      CallUntil(client, "UpdateContinuousBackups", request, deadline, options.poll_interval);
  if (r.ok()) return Status::OK();
  if (r.status().IsNotSupported()) {
    warnings->push_back("point-in-time recovery not enabled: " + r.status().message());
    return Status::OK();
  }
  return r.status();
}

}  // namespace

const IndexDescription* TableDescription::FindIndex(std::string_view index) const {
  for (const IndexDescription& i : global_indexes) {
    if (i.name == index) return &i;
  }
  return nullptr;
}

boost::json::object TableDescription::ToJson() const {
  auto keys = [](const std::vector<KeyElement>& schema) {
    boost::json::array a;
    for (const KeyElement& k : schema) {
      a.push_back({{"attribute", k.attribute}, {"keyType", k.key_type}});
    }
    return a;
  };
  boost::json::array indexes;
  for (const IndexDescription& i : global_indexes) {
    indexes.push_back({{"name", i.name},
                       {"keySchema", keys(i.key_schema)},
                       {"projection", i.projection},
                       {"status", i.status}});
  }
  return {{"table", name},
          {"status", status},
          {"itemCount", item_count},
          {"sizeBytes", size_bytes},
          {"keySchema", keys(key_schema)},
          {"globalSecondaryIndexes", std::move(indexes)},
          {"billingMode", billing_mode},
          {"streamEnabled", stream_enabled},
          {"streamViewType", stream_view_type},
          {"ttlStatus", ttl_status},
          {"ttlAttribute", ttl_attribute},
          {"pointInTimeRecovery", point_in_time_recovery}};
}

boost::json::object CreateTableRequest(std::string_view table) {
  boost::json::array attributes;
  for (std::string_view name :
       {kPkAttr, kSkAttr, kGsi1PkAttr, kGsi1SkAttr, kGsi2PkAttr, kGsi2SkAttr}) {
    attributes.push_back({{"AttributeName", name}, {"AttributeType", "S"}});
  }
  return {
      {"TableName", table},
      {"AttributeDefinitions", std::move(attributes)},
      {"KeySchema", KeySchema(kPkAttr, kSkAttr)},
      {"BillingMode", "PAY_PER_REQUEST"},
      {"GlobalSecondaryIndexes",
       {Index("GSI1", kGsi1PkAttr, kGsi1SkAttr, "ALL"),
        Index("GSI2", kGsi2PkAttr, kGsi2SkAttr, "KEYS_ONLY")}},
      {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", "NEW_AND_OLD_IMAGES"}}}};
}

Result<CreateTableResult> CreateTable(DynamoDbClient& client, std::string_view table,
                                      const TableAdminOptions& options) {
  Clock::time_point deadline = Clock::now() + options.timeout;
  CreateTableResult out;
  Result<boost::json::object> created = client.Call("CreateTable", CreateTableRequest(table));
  out.created = created.ok();
  if (!created.ok()) {
    // Only an existing table may be adopted; any other failure (and a missing table) stands.
    if (!options.exists_ok || !created.status().IsInvalidArgument() ||
        !DescribeOnly(client, table).ok()) {
      return created.status();
    }
    spdlog::info("table {} exists already: completing its set-up", table);
  }
  VDPARK_RETURN_IF_ERROR(WaitUntilActive(client, table, options).status());
  VDPARK_RETURN_IF_ERROR(EnableTtl(client, table, deadline, options, &out.warnings));
  VDPARK_RETURN_IF_ERROR(
      EnablePointInTimeRecovery(client, table, deadline, options, &out.warnings));
  VDPARK_ASSIGN_OR_RETURN(out.table, DescribeTable(client, table));
  // Some servers accept StreamSpecification and drop it (dynalite has no streams).
  if (!out.table.stream_enabled) {
    out.warnings.push_back("the server reports no stream on the table (streams unsupported?)");
  }
  return out;
}

Result<TableDescription> DescribeTable(DynamoDbClient& client, std::string_view table) {
  VDPARK_ASSIGN_OR_RETURN(TableDescription d, DescribeOnly(client, table));
  // TTL and backups have their own Describe calls, which some servers lack or a policy may deny:
  // then those fields stay empty ("unknown") rather than failing the whole description.
  Result<boost::json::object> ttl = client.Call("DescribeTimeToLive", {{"TableName", table}});
  if (ttl.ok()) {
    if (const boost::json::object* t = ObjectAt(*ttl, "TimeToLiveDescription")) {
      d.ttl_status = StringAt(*t, "TimeToLiveStatus");
      d.ttl_attribute = StringAt(*t, "AttributeName");
    }
  } else {
    spdlog::debug("table {}: TTL unknown: {}", table, ttl.status().ToString());
  }
  Result<boost::json::object> backups =
      client.Call("DescribeContinuousBackups", {{"TableName", table}});
  if (backups.ok()) {
    if (const boost::json::object* c = ObjectAt(*backups, "ContinuousBackupsDescription")) {
      if (const boost::json::object* p = ObjectAt(*c, "PointInTimeRecoveryDescription")) {
        d.point_in_time_recovery = StringAt(*p, "PointInTimeRecoveryStatus");
      }
    }
  } else {
    spdlog::debug("table {}: point-in-time recovery unknown: {}", table,
                  backups.status().ToString());
  }
  return d;
}

Status DeleteTable(DynamoDbClient& client, std::string_view table,
                   const TableAdminOptions& options) {
  VDPARK_RETURN_IF_ERROR(client.Call("DeleteTable", {{"TableName", table}}).status());
  Clock::time_point deadline = Clock::now() + options.timeout;
  Poller poller(options.poll_interval);
  while (true) {
    Result<TableDescription> d = DescribeOnly(client, table);
    if (!d.ok()) return d.status().IsNotFound() ? Status::OK() : d.status();
    if (Clock::now() >= deadline) {
      return Status::Unavailable("table " + std::string(table) + " is still " + d->status +
                                 " after " + std::to_string(options.timeout.count()) + " ms");
    }
    poller.Wait();
  }
}

}  // namespace vdpark
