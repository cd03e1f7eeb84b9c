#include "store/dynamodb/attribute_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vdpark {
namespace {

using ::testing::HasSubstr;

Item Zone() {
  return Item{
      {"PK", AttributeValue::S("ZONE#zone-001")},
      {"SK", AttributeValue::S("METADATA")},
      {"totalBays", AttributeValue::N(int64_t{120})},
      {"pricePerHour", AttributeValue::N("12.50")},
      {"open", AttributeValue::Bool(true)},
      {"closed", AttributeValue::Bool(false)},
      {"tenantId", AttributeValue::Null()},
      {"location", AttributeValue::M({{"lat", AttributeValue::N("25.2048")},
                                      {"lng", AttributeValue::N("55.2708")}})},
      {"tags", AttributeValue::L({AttributeValue::S("mall"), AttributeValue::N(int64_t{3}),
                                  AttributeValue::L({}), AttributeValue::M({})})},
  };
}

boost::json::object Parse(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(AttributeJson, EveryTypeToJson) {
  EXPECT_EQ(boost::json::serialize(AttributeToJson(AttributeValue::S("x"))), R"({"S":"x"})");
  EXPECT_EQ(boost::json::serialize(AttributeToJson(AttributeValue::N("1.5"))), R"({"N":"1.5"})");
  EXPECT_EQ(boost::json::serialize(AttributeToJson(AttributeValue::Bool(true))),
            R"({"BOOL":true})");
  EXPECT_EQ(boost::json::serialize(AttributeToJson(AttributeValue::Null())), R"({"NULL":true})");
  EXPECT_EQ(boost::json::serialize(AttributeToJson(AttributeValue::M({}))), R"({"M":{}})");
  EXPECT_EQ(boost::json::serialize(AttributeToJson(AttributeValue::L({}))), R"({"L":[]})");
}

TEST(AttributeJson, ItemRoundTripsEveryTypeNested) {
  Item zone = Zone();
  boost::json::object json = ItemToJson(zone);
  // Through text too, as it goes over the wire.
  Result<Item> back = ItemFromJson(Parse(boost::json::serialize(json)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, zone);
  EXPECT_EQ(back->at("pricePerHour").text(), "12.50");  // the number's text is kept as it is
  EXPECT_EQ(back->at("location").map().at("lat").text(), "25.2048");
  EXPECT_EQ(back->at("tags").list()[0].text(), "mall");
}

TEST(AttributeJson, MatchesAttributeValueOwnSerialization) {
  Item zone = Zone();
  EXPECT_EQ(boost::json::parse(ItemToDynamoJson(zone)), boost::json::value(ItemToJson(zone)));
}

TEST(AttributeJson, BuildsIntoTheGivenStorage) {
  boost::json::monotonic_resource arena;
  boost::json::storage_ptr sp(&arena);
  boost::json::object json = ItemToJson(Zone(), sp);
  EXPECT_EQ(json.storage().get(), sp.get());
  EXPECT_EQ(json.at("location").as_object().at("M").as_object().storage().get(), sp.get());
  EXPECT_EQ(*ItemFromJson(json), Zone());
}

TEST(AttributeJson, SetsAndBinariesAreRefusedNamingTheAttribute) {
  for (std::string_view type : {"SS", "NS", "BS", "B"}) {
    std::string text = R"({"PK":{"S":"a"},"zone":{"M":{"tags":{"L":[{"S":"x"},{")" +
                       std::string(type) + R"(":["eA=="]}]}}}})";
    Result<Item> r = ItemFromJson(Parse(text));
    ASSERT_FALSE(r.ok()) << type;
    EXPECT_TRUE(r.status().IsNotSupported()) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr("zone.tags[1]"));
    EXPECT_THAT(r.status().message(), HasSubstr(type));
  }
}

TEST(AttributeJson, MalformedValuesNameTheirPath) {
  struct Case {
    std::string_view json;
    std::string_view path;
    std::string_view why;
  };
  const Case cases[] = {
      {R"({"a":"plain"})", "attribute a:", "not a DynamoDB value"},
      {R"({"a":{"S":"x","N":"1"}})", "attribute a:", "not a DynamoDB value"},
      {R"({"a":{"X":"1"}})", "attribute a:", "unknown type 'X'"},
      {R"({"a":{"S":1}})", "attribute a:", "S value is not a string"},
      {R"({"a":{"N":1}})", "attribute a:", "N value is not a string"},
      {R"({"a":{"BOOL":"true"}})", "attribute a:", "BOOL value"},
      {R"({"a":{"NULL":false}})", "attribute a:", "NULL value is not true"},
      {R"({"m":{"M":{"b":{"L":[{"S":"x"},{"N":[]}]}}}})", "attribute m.b[1]:", "N value"},
      {R"({"m":{"M":[]}})", "attribute m:", "M value is not an object"},
      {R"({"l":{"L":{}}})", "attribute l:", "L value is not an array"},
  };
  for (const Case& c : cases) {
    Result<Item> r = ItemFromJson(Parse(c.json));
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << c.json;
    EXPECT_THAT(r.status().message(), HasSubstr(c.path)) << c.json;
    EXPECT_THAT(r.status().message(), HasSubstr(c.why)) << c.json;
  }
}

TEST(AttributeJson, NumberSizesAsDynamoDbStoresThem) {
  // 1 byte, plus base-100 digit pairs aligned on the exponent, plus 1 for a negative sign.
  EXPECT_EQ(NumberSizeBytes("0"), 1u);
  EXPECT_EQ(NumberSizeBytes("-0.000"), 1u);
  EXPECT_EQ(NumberSizeBytes("1"), 2u);
  EXPECT_EQ(NumberSizeBytes("12"), 2u);    // one pair
  EXPECT_EQ(NumberSizeBytes("1.2"), 3u);   // 1 | 2_: two pairs
  EXPECT_EQ(NumberSizeBytes("1.50"), 3u);  // trailing zero trimmed, still two pairs
  EXPECT_EQ(NumberSizeBytes("123"), 3u);   // 1 | 23
  EXPECT_EQ(NumberSizeBytes("1234"), 3u);  // 12 | 34
  EXPECT_EQ(NumberSizeBytes("100"), 2u);   // trailing zeros are the exponent's
  EXPECT_EQ(NumberSizeBytes("0.05"), 2u);  // leading zeros too
  EXPECT_EQ(NumberSizeBytes("-12"), 3u);
  EXPECT_EQ(NumberSizeBytes("12.34"), 3u);
  EXPECT_EQ(NumberSizeBytes("1.2e1"), 2u);  // = 12
  EXPECT_EQ(NumberSizeBytes("1736678400"), 5u);
  EXPECT_EQ(NumberSizeBytes("12345678901234567890123456789012345678"), 20u);  // 38 digits
  EXPECT_EQ(NumberSizeBytes("abc"), 3u);  // not a number: its length
}

TEST(AttributeJson, ItemSizeOnKnownExamples) {
  // The developer guide's rules, counted by hand.
  EXPECT_EQ(ItemSizeBytes({}), 0u);
  EXPECT_EQ(ItemSizeBytes({{"PK", AttributeValue::S("ZONE#1")}}), 2u + 6u);
  EXPECT_EQ(ItemSizeBytes({{"name", AttributeValue::S("Dubai Mall – P1")}}),
            4u + 17u);  // UTF-8 bytes, the en dash is 3
  EXPECT_EQ(ItemSizeBytes({{"n", AttributeValue::N("27")}}), 1u + 2u);
  EXPECT_EQ(ItemSizeBytes({{"ok", AttributeValue::Bool(true)}, {"x", AttributeValue::Null()}}),
            (2u + 1u) + (1u + 1u));
  EXPECT_EQ(ItemSizeBytes({{"m", AttributeValue::M({})}, {"l", AttributeValue::L({})}}),
            (1u + 3u) + (1u + 3u));
  // location {lat: 25.2048, lng: 55.2708}: 8 + 3 + per element (1 + 3 + 4).
  Item location{{"location", AttributeValue::M({{"lat", AttributeValue::N("25.2048")},
                                                {"lng", AttributeValue::N("55.2708")}})}};
  EXPECT_EQ(ItemSizeBytes(location), 8u + 3u + 2 * (1u + 3u + 4u));
  // A list: 3 + per element (1 + value).
  Item tags{{"t", AttributeValue::L({AttributeValue::S("ab"), AttributeValue::Bool(false)})}};
  EXPECT_EQ(ItemSizeBytes(tags), 1u + 3u + (1u + 2u) + (1u + 1u));
}

TEST(AttributeJson, WriteUnitsPerStartedKilobyte) {
  EXPECT_EQ(WriteUnits({}), 1u);
  EXPECT_EQ(WriteUnits({{"a", AttributeValue::S(std::string(1023, 'x'))}}), 1u);  // 1024 bytes
  EXPECT_EQ(WriteUnits({{"a", AttributeValue::S(std::string(1024, 'x'))}}), 2u);  // 1025 bytes
  EXPECT_EQ(WriteUnits({{"a", AttributeValue::S(std::string(kMaxItemSizeBytes - 1, 'x'))}}), 400u);
}

}  // namespace
}  // namespace vdpark
