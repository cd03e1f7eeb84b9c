// Creating, describing and deleting vdpark's DynamoDB table (SPEC §3): what the CDK stack deploys,
// as `vdpark table create|describe|delete --target dynamodb://...` does it.
//
// The table: PK (HASH) and SK (RANGE) strings, on-demand billing, GSI1 (GSI1PK, GSI1SK,
// projecting ALL), GSI2 (GSI2PK, GSI2SK, projecting KEYS_ONLY), a stream with new and old images,
// TTL on `ttl`, point-in-time recovery.
//
// Servers that speak only part of DynamoDB's API (dynalite has no UpdateTimeToLive,
// UpdateContinuousBackups or streams) still get the table; what they could not do is reported in
// `warnings`, not as a failure.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/dynamodb/dynamodb_client.h"

namespace vdpark {

inline constexpr std::string_view kDefaultTableName = "VisionDrive-Parking";

struct KeyElement {
  std::string attribute;  // "PK"
  std::string key_type;   // "HASH" or "RANGE"
  bool operator==(const KeyElement&) const = default;
};

struct IndexDescription {
  std::string name;  // "GSI1"
  std::vector<KeyElement> key_schema;
  std::string projection;  // "ALL", "KEYS_ONLY" or "INCLUDE"
  std::string status;      // "ACTIVE", "CREATING", ...
};

// What DescribeTable (and, where the server has them, DescribeTimeToLive and
// DescribeContinuousBackups) say about a table. A string field is empty when the server did not
// say.
struct TableDescription {
  std::string name;
  std::string status;       // "ACTIVE", "CREATING", "UPDATING", "DELETING"
  uint64_t item_count = 0;  // DynamoDB refreshes this about every six hours
  uint64_t size_bytes = 0;
  std::vector<KeyElement> key_schema;
  std::vector<IndexDescription> global_indexes;
  std::string billing_mode;  // "PAY_PER_REQUEST" or "PROVISIONED"
  bool stream_enabled = false;
  std::string stream_view_type;        // "NEW_AND_OLD_IMAGES", ...
  std::string latest_stream_arn;       // the stream's ARN; "" without one (dynalite has none)
  std::string ttl_status;              // "ENABLED", "ENABLING", "DISABLED", ...
  std::string ttl_attribute;           // "ttl"
  std::string point_in_time_recovery;  // "ENABLED" or "DISABLED"

  // The index named `name`, or nullptr.
  const IndexDescription* FindIndex(std::string_view name) const;
  // For `vdpark table describe --json`.
  boost::json::object ToJson() const;
};

struct TableAdminOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // for the table to settle
  std::chrono::milliseconds poll_interval{2000};  // longest pause between two polls while waiting
  bool exists_ok = false;  // CreateTable on an existing table: finish its set-up, no error
};

struct CreateTableResult {
  TableDescription table;             // as it is once ACTIVE
  bool created = false;               // false when it existed and exists_ok was set
  std::vector<std::string> warnings;  // what the server could not do ("no TTL: ...")
};

// The CreateTable request for SPEC §3's table named `table`.
boost::json::object CreateTableRequest(std::string_view table);

// Creates the table, waits until it is ACTIVE, turns on TTL and point-in-time recovery.
// kInvalidArgument when it exists (unless exists_ok) or the name is bad; kUnavailable when it is
// not ACTIVE within the timeout; other errors as the client maps them.
Result<CreateTableResult> CreateTable(DynamoDbClient& client, std::string_view table,
                                      const TableAdminOptions& options = {});

// The table's description; kNotFound when there is no such table.
Result<TableDescription> DescribeTable(DynamoDbClient& client, std::string_view table);

// Deletes the table and waits until it is gone. kNotFound when there is no such table;
// kUnavailable when it is still there after the timeout.
Status DeleteTable(DynamoDbClient& client, std::string_view table,
                   const TableAdminOptions& options = {});

}  // namespace vdpark
