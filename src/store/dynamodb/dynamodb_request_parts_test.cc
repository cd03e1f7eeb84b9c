#include "store/dynamodb/dynamodb_request_parts.h"

#include <gtest/gtest.h>

namespace vdpark::dynamodb_parts {
namespace {

TEST(DynamoDbRequestPartsTest, KeysAreCheckedAsDynamoDbWould) {
  EXPECT_TRUE(CheckKey({"ZONE#1", "METADATA"}).ok());
  EXPECT_TRUE(CheckKey({"", "METADATA"}).IsInvalidArgument());
  EXPECT_TRUE(CheckKey({"ZONE#1", ""}).IsInvalidArgument());
  EXPECT_TRUE(CheckKey({std::string(2048, 'p'), "s"}).ok());
  EXPECT_TRUE(CheckKey({std::string(2049, 'p'), "s"}).IsInvalidArgument());
  EXPECT_TRUE(CheckKey({"p", std::string(1025, 's')}).IsInvalidArgument());
  Status s =
      CheckedKeyOf(Item{{"PK", AttributeValue::S("P")}, {"SK", AttributeValue::N(int64_t{1})}})
          .status();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST(DynamoDbRequestPartsTest, KeyJsonAndText) {
  EXPECT_EQ(boost::json::serialize(KeyToJson({"ZONE#1", "BAY#A"})),
            R"({"PK":{"S":"ZONE#1"},"SK":{"S":"BAY#A"}})");
  EXPECT_EQ(KeyText({"ZONE#1", "BAY#A"}), "PK=ZONE#1 SK=BAY#A");
}

TEST(DynamoDbRequestPartsTest, ConsumedUnitsFromAnObjectOrAnArray) {
  auto parse = [](const char* json) { return boost::json::parse(json).as_object(); };
  EXPECT_EQ(ConsumedUnits(parse(R"({"ConsumedCapacity":{"TableName":"t","CapacityUnits":2}})")),
            2.0);
  EXPECT_EQ(ConsumedUnits(parse(R"({"ConsumedCapacity":[{"CapacityUnits":25.0},)"
                                R"({"CapacityUnits":1.5}]})")),
            26.5);
  EXPECT_FALSE(ConsumedUnits(parse(R"({"UnprocessedItems":{}})")));
  EXPECT_FALSE(ConsumedUnits(parse(R"({"ConsumedCapacity":[]})")));
}

TEST(DynamoDbRequestPartsTest, OneWriteUnitPerStartedKilobyte) {
  EXPECT_EQ(EstimatedWriteUnits(0), 1u);
  EXPECT_EQ(EstimatedWriteUnits(1), 1u);
  EXPECT_EQ(EstimatedWriteUnits(1024), 1u);
  EXPECT_EQ(EstimatedWriteUnits(1025), 2u);
  EXPECT_EQ(EstimatedWriteUnits(400 * 1024), 400u);
}

TEST(DynamoDbRequestPartsTest, FullJitterStaysUnderItsCeiling) {
  using std::chrono::milliseconds;
  for (int attempt = 0; attempt < 40; ++attempt) {
    milliseconds d = FullJitterBackoff(attempt, milliseconds(10), milliseconds(300));
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), std::min<int64_t>(300, int64_t{10} << std::min(attempt, 30)));
  }
}

TEST(DynamoDbRequestPartsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("EVENT#2026-01-01T00:00:00.000000Z"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9t\xc3\xa9"));  // été
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));       // €
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x9a\x97"));   // a car
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // cut after its first byte
  EXPECT_FALSE(IsValidUtf8("a\xe2\x82"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // a lone continuation byte
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace vdpark::dynamodb_parts
