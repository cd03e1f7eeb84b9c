// The DynamoDB store's URL (SPEC §1): dynamodb://TABLE?region=R&endpoint=URL&profile=NAME.
//
// Forms accepted: "dynamodb://TABLE", "dynamodb:TABLE", each with an optional "?query"; the table
// may be left out ("dynamodb://?region=...", "dynamodb:"), and then comes from the TABLE_NAME
// variable, else kDefaultTableName. Query parameters: region, endpoint (an http:// or https://
// URL with a host), profile; each at most once, with a non-empty value, %-decoded ('+' stays a
// plus). Table names follow DynamoDB's rules: 3 to 255 characters of [a-zA-Z0-9_.-].
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "store/dynamodb/aws_config.h"
#include "store/dynamodb/table_admin.h"  // kDefaultTableName

namespace vdpark {

struct DynamoDbUrl {
  std::string table;
  AwsOverrides overrides;  // what the query says; empty fields were not given

  // The URL in canonical form, safe to print: "dynamodb://T?region=R&endpoint=E&profile=P" with
  // only the parameters given, and any user:password in the endpoint taken out.
  std::string ToString() const;
};

// kInvalidArgument names the URL and the part that is wrong: "dynamodb URL 'x': unknown parameter
// 'foo'", a bad table name (or a bad TABLE_NAME), a bad %-escape, an endpoint that is not http(s).
Result<DynamoDbUrl> ParseDynamoDbUrl(std::string_view url,
                                     const Environment& env = Environment::Process());

// The query of an AWS store URL (dynamodb://, s3://): region, endpoint (an http:// or https://
// URL with a host), profile; each at most once, with a non-empty value, %-decoded ('+' stays a
// plus), into `out`. kInvalidArgument "<kind> '<url, redacted>': <what is wrong>".
Status ParseAwsUrlQuery(std::string_view url, std::string_view kind, std::string_view query,
                        AwsOverrides* out);

// "?region=R&endpoint=E&profile=P" with only the parameters given, and any user:password in the
// endpoint taken out; "" when none is.
std::string AwsUrlQuery(const AwsOverrides& overrides);

// Whether `name` is a valid DynamoDB table name; when not, `why` says what is wrong.
bool IsValidTableName(std::string_view name, std::string* why);

}  // namespace vdpark
