#include "store/dynamodb/dynamodb_url.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

Environment NoVars() {
  return Environment::FromMap({}, "/nonexistent");
}

DynamoDbUrl Parse(std::string_view url, const Environment& env = NoVars()) {
  auto parsed = ParseDynamoDbUrl(url, env);
  EXPECT_TRUE(parsed.ok()) << url << ": " << parsed.status().ToString();
  return parsed.ok() ? *parsed : DynamoDbUrl{};
}

std::string ErrorOf(std::string_view url, const Environment& env = NoVars()) {
  auto parsed = ParseDynamoDbUrl(url, env);
  EXPECT_FALSE(parsed.ok()) << url;
  if (parsed.ok()) return "";
  EXPECT_TRUE(parsed.status().IsInvalidArgument()) << parsed.status().ToString();
  return parsed.status().message();
}

TEST(DynamoDbUrlTest, TableAndEveryParameter) {
  DynamoDbUrl url = Parse(
      "dynamodb://VisionDrive-Parking?region=me-central-1&endpoint=http://localhost:8000"
      "&profile=prod");
  EXPECT_EQ(url.table, "VisionDrive-Parking");
  EXPECT_EQ(url.overrides.region, "me-central-1");
  EXPECT_EQ(url.overrides.endpoint, "http://localhost:8000");
  EXPECT_EQ(url.overrides.profile, "prod");
}

TEST(DynamoDbUrlTest, TableAloneAndTheShortForm) {
  DynamoDbUrl url = Parse("dynamodb://my_table.v2");
  EXPECT_EQ(url.table, "my_table.v2");
  EXPECT_TRUE(url.overrides.region.empty());
  EXPECT_TRUE(url.overrides.endpoint.empty());
  EXPECT_TRUE(url.overrides.profile.empty());
  EXPECT_EQ(Parse("dynamodb:abc?region=us-east-1").table, "abc");
  EXPECT_EQ(Parse("dynamodb://abc/?region=us-east-1").table, "abc");
}

TEST(DynamoDbUrlTest, AnOmittedTableComesFromTableNameOrTheDefault) {
  EXPECT_EQ(Parse("dynamodb:").table, "VisionDrive-Parking");
  EXPECT_EQ(Parse("dynamodb://").table, "VisionDrive-Parking");
  DynamoDbUrl url = Parse("dynamodb://?region=eu-west-1");
  EXPECT_EQ(url.table, "VisionDrive-Parking");
  EXPECT_EQ(url.overrides.region, "eu-west-1");
  Environment env = Environment::FromMap({{"TABLE_NAME", "Parking-Staging"}}, "/nonexistent");
  EXPECT_EQ(Parse("dynamodb://?region=eu-west-1", env).table, "Parking-Staging");
  EXPECT_EQ(Parse("dynamodb://Explicit", env).table, "Explicit") << "the URL wins";
  Environment bad = Environment::FromMap({{"TABLE_NAME", "no spaces"}}, "/nonexistent");
  EXPECT_NE(ErrorOf("dynamodb:", bad).find("TABLE_NAME"), std::string::npos);
}

TEST(DynamoDbUrlTest, QueryValuesArePercentDecoded) {
  DynamoDbUrl url =
      Parse("dynamodb://t01?endpoint=http%3A%2F%2F127.0.0.1%3A8765&profile=team%20a+b");
  EXPECT_EQ(url.overrides.endpoint, "http://127.0.0.1:8765");
  EXPECT_EQ(url.overrides.profile, "team a+b");
}

TEST(DynamoDbUrlTest, ErrorsNameTheUrlAndThePart) {
  EXPECT_EQ(ErrorOf("dynamodb://t01?foo=1"),
            "dynamodb URL 'dynamodb://t01?foo=1': unknown parameter 'foo' (expected region, "
            "endpoint, profile)");
  EXPECT_NE(ErrorOf("dynamodb://ab").find("3 to 255 characters"), std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://" + std::string(256, 'a')).find("has 256"), std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://bad#name").find("'#'"), std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://a/b/c").find("'/'"), std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?endpoint=ftp://host").find("http:// or https://"),
            std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?endpoint=localhost:8000").find("endpoint 'localhost:8000'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?endpoint=http://").find("host is missing"), std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?region=a&region=b").find("'region' given twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?region=").find("'region' is empty"), std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?profile=%zz").find("a broken %-escape in '%zz'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("dynamodb://t01?profile=ab%2").find("a broken %-escape in 'ab%2'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("dynamo://t01").find("expected dynamodb://TABLE"), std::string::npos);
}

TEST(DynamoDbUrlTest, ToStringIsCanonicalAndHidesUserInfo) {
  EXPECT_EQ(Parse("dynamodb:t01").ToString(), "dynamodb://t01");
  EXPECT_EQ(Parse("dynamodb://t01?profile=p&region=r").ToString(),
            "dynamodb://t01?region=r&profile=p");
  EXPECT_EQ(Parse("dynamodb://t01?endpoint=http://user:secret@host:8000/x").ToString(),
            "dynamodb://t01?endpoint=http://host:8000/x");
  DynamoDbUrl round = Parse("dynamodb://t01?profile=a%26b%20c");
  EXPECT_EQ(round.ToString(), "dynamodb://t01?profile=a%26b%20c");
  EXPECT_EQ(Parse(round.ToString()).overrides.profile, "a&b c");
}

TEST(DynamoDbUrlTest, TableNameRules) {
  std::string why;
  EXPECT_TRUE(IsValidTableName("abc", &why));
  EXPECT_TRUE(IsValidTableName("A-b_c.9", &why));
  EXPECT_TRUE(IsValidTableName(std::string(255, 'x'), &why));
  EXPECT_FALSE(IsValidTableName("ab", &why));
  EXPECT_FALSE(IsValidTableName("a b c", &why));
  EXPECT_FALSE(IsValidTableName("\xc3\xa9t\xc3\xa9", &why));
}

}  // namespace
}  // namespace vdpark
