#include "store/embedded/item_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace vdpark {
namespace {

using AV = AttributeValue;

AttributeValue Num(int64_t n) {
  return AttributeValue::N(n);
}
using namespace std::string_literals;

Item EveryType() {
  return Item{
      {"PK", AV::S("ZONE#1#BAY#A-001")},
      {"SK", AV::S("EVENT#2026-01-12T19:59:43.123456Z")},
      {"", AV::S("an empty name")},
      {"bytes", AV::S("nul\0inside\xff\x80"s)},
      {"emptyS", AV::S("")},
      {"n", AV::N("1.50")},
      {"big", AV::N("-12345678901234567890.000001e-3")},
      {"yes", AV::Bool(true)},
      {"no", AV::Bool(false)},
      {"nothing", AV::Null()},
      {"emptyM", AV::M({})},
      {"emptyL", AV::L({})},
      {"location", AV::M({{"lat", AV::N("25.2048")}, {"lng", AV::N("55.2708")}})},
      {"nested",
       AV::L({AV::M({{"l", AV::L({AV::Null(), AV::Bool(true), AV::L({})})}}), AV::S("x"), Num(7)})},
      {"unicode", AV::S("\xd8\xaf\xd8\xa8\xd9\x8a")},
  };
}

TEST(ItemCodecTest, RoundTripsEveryTypeExactly) {
  Item item = EveryType();
  auto decoded = DecodeItem(EncodeItem(item));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  // JSON compares N by text: "1.50" must come back as "1.50", not merely as an equal number.
  EXPECT_EQ(ItemToDynamoJson(*decoded), ItemToDynamoJson(item));
  EXPECT_TRUE(*decoded == item);
  EXPECT_EQ(FindAttribute(*decoded, "bytes")->text(), "nul\0inside\xff\x80"s);
}

TEST(ItemCodecTest, RoundTripsAnEmptyItemAndLongValues) {
  auto empty = DecodeItem(EncodeItem({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  Item big{{"blob", AV::S(std::string(300000, 'b'))}, {std::string(200, 'k'), Num(1)}};
  auto decoded = DecodeItem(EncodeItem(big));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(*decoded == big);
}

TEST(ItemCodecTest, PrefixesTheTtlAsEightLittleEndianBytes) {
  Item item{{"ttl", AV::N("1736678400")}};
  std::string value = EncodeItem(item);
  EXPECT_EQ(value.substr(0, 8), "\x00\x9c\x83\x67\x00\x00\x00\x00"s);  // 0x67839c00
  EXPECT_EQ(DecodeTtlPrefix(value), 1736678400);
  EXPECT_EQ(DecodeTtlPrefix(EncodeTtl(-2)), -2);
  EXPECT_EQ(DecodeTtlPrefix("short"), 0);
  EXPECT_EQ(DecodeTtlPrefix(EncodeItem({{"a", Num(1)}})), 0);
}

TEST(ItemCodecTest, ReadsTheTtlAttributeAsDynamoDbDoes) {
  auto ttl = [](AttributeValue v) { return TtlOf({{"ttl", std::move(v)}}); };
  EXPECT_EQ(ttl(AV::N("1736678400")), 1736678400);
  EXPECT_EQ(ttl(AV::N("1736678400.9")), 1736678400);
  EXPECT_EQ(ttl(AV::N("1.7e9")), 1700000000);
  EXPECT_EQ(ttl(AV::N("-5")), 0);
  EXPECT_EQ(ttl(AV::N("0")), 0);
  EXPECT_EQ(ttl(AV::N("soon")), 0);
  EXPECT_EQ(ttl(AV::S("1736678400")), 0);
  EXPECT_EQ(TtlOf({}), 0);
  EXPECT_TRUE(TtlExpired(100, 100));
  EXPECT_FALSE(TtlExpired(101, 100));
  EXPECT_FALSE(TtlExpired(0, 100));
}

TEST(ItemCodecTest, EveryTruncationIsCorruption) {
  std::string value = EncodeItem(EveryType());
  for (size_t n = 0; n < value.size(); ++n) {
    auto decoded = DecodeItem(value.substr(0, n));
    ASSERT_FALSE(decoded.ok()) << "length " << n;
    EXPECT_EQ(decoded.status().code(), Status::Code::kCorruption);
    Status visited = VisitTopLevel(value.substr(0, n), [](auto, auto, auto) {});
    EXPECT_EQ(visited.code(), Status::Code::kCorruption) << "length " << n;
  }
}

// A stored value with the given attribute bytes after a valid header (ttl 0, format 1).
std::string WithBody(const std::string& body) {
  return std::string(8, '\0') + "\x01" + body;
}

TEST(ItemCodecTest, DamagedStructuresAreCorruption) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"trailing byte", EncodeItem({{"a", Num(1)}}) + "x"},
      {"unknown format", std::string(8, '\0') + "\x02" + "\x00"s},
      {"unknown type", WithBody("\x01\x01"
                                "a"
                                "\x09")},
      {"bad BOOL", WithBody("\x01\x01"
                            "a"
                            "\x03\x02")},
      {"names out of order", WithBody("\x02\x01"
                                      "b"
                                      "\x00\x01"
                                      "a"
                                      "\x00"s)},
      {"repeated name", WithBody("\x02\x01"
                                 "a"
                                 "\x00\x01"
                                 "a"
                                 "\x00"s)},
      {"huge count", WithBody("\xff\xff\xff\xff\x0f")},
      {"huge length", WithBody("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")},
      {"overlong varint", WithBody("\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"s)},
      {"list past the end", WithBody("\x01\x01"
                                     "a"
                                     "\x05\x7f\x00"s)},
  };
  for (const auto& [what, bytes] : cases) {
    auto decoded = DecodeItem(bytes);
    EXPECT_EQ(decoded.status().code(), Status::Code::kCorruption) << what;
  }
}

TEST(ItemCodecTest, NestingIsLimited) {
  AttributeValue v = Num(1);
  for (int i = 0; i < kMaxNesting; ++i) v = AV::L({v});
  EXPECT_FALSE(NestedTooDeep({{"a", v}}));
  EXPECT_TRUE(DecodeItem(EncodeItem({{"a", v}})).ok());
  v = AV::M({{"m", v}});
  EXPECT_TRUE(NestedTooDeep({{"a", v}}));
  for (int i = 0; i < kMaxNesting; ++i) v = AV::L({v});
  auto decoded = DecodeItem(EncodeItem({{"a", v}}));  // 65 levels: more than any write allows
  EXPECT_EQ(decoded.status().code(), Status::Code::kCorruption);
}

TEST(ItemCodecTest, RandomDamageNeverCrashes) {
  std::string value = EncodeItem(EveryType());
  std::mt19937 rng(42);
  int corrupt = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string damaged = value;
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
      damaged[kTtlPrefixBytes + 1 + rng() % (damaged.size() - kTtlPrefixBytes - 1)] =
          static_cast<char>(rng());
    }
    auto decoded = DecodeItem(damaged);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), Status::Code::kCorruption);
      ++corrupt;
    }
    (void)VisitTopLevel(damaged, [](auto, auto, auto) {});
  }
  EXPECT_GT(corrupt, 1000);  // most damage is caught; the rest decodes to some other item
}

TEST(ItemCodecTest, VisitTopLevelSeesNamesTypesAndTexts) {
  std::vector<std::string> seen;
  Status s = VisitTopLevel(
      EncodeItem(EveryType()),
      [&](std::string_view name, AttributeValue::Type type, std::string_view text) {
        seen.push_back(std::string(name) + "=" + std::to_string(static_cast<int>(type)) + ":" +
                       std::string(text));
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(seen.size(), EveryType().size());
  EXPECT_EQ(seen[0], "=1:an empty name");
  EXPECT_NE(std::find(seen.begin(), seen.end(), "n=2:1.50"), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "location=4:"), seen.end());
}

TEST(ItemCodecTest, IndexEntriesNeedBothKeyAttributesAsStrings) {
  Item item{{"GSI1PK", AV::S("TENANT#t")},
            {"GSI1SK", AV::S("ZONE#1")},
            {"GSI2PK", AV::S("x")},
            {"GSI2SK", Num(1)}};
  IndexEntries entries = IndexEntriesOf(item, "ZONE#1", "METADATA");
  EXPECT_EQ(entries.gsi1, "TENANT#t\0ZONE#1\0ZONE#1\0METADATA"s);
  EXPECT_FALSE(entries.gsi2.has_value());
  auto stored = IndexEntriesOfStored(EncodeItem(item), "ZONE#1", "METADATA");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->gsi1, entries.gsi1);
  EXPECT_FALSE(stored->gsi2.has_value());
  auto checked = CheckedIndexEntriesOf(item, "ZONE#1", "METADATA");
  ASSERT_TRUE(checked.ok()) << checked.status().ToString();
  EXPECT_EQ(checked->gsi1, entries.gsi1);
  EXPECT_FALSE(checked->gsi2.has_value());
  EXPECT_FALSE(CheckedIndexEntriesOf({{"GSI2PK", AV::S("")}}, "P", "S").ok());
  EXPECT_FALSE(CheckedIndexEntriesOf({{"GSI1SK", AV::S("a\0b"s)}}, "P", "S").ok());
}

TEST(ItemCodecTest, KeysSortAsTheirPartsAndParseBack) {
  const std::vector<std::string> parts = {"a", "a#", "a#1", "a\x01", "ab", "b", "\xc3\xa9", "\xff"};
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& pk : parts) {
    for (const auto& sk : parts) pairs.push_back({pk, sk});
  }
  for (const auto& x : pairs) {
    std::string key = EncodeTableKey(x.first, x.second);
    auto parsed = ParseTableKey(key);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->pk, x.first);
    EXPECT_EQ(parsed->sk, x.second);
    for (const auto& y : pairs) {
      EXPECT_EQ(x < y, EncodeTableKey(x.first, x.second) < EncodeTableKey(y.first, y.second))
          << x.first << "|" << x.second << " vs " << y.first << "|" << y.second;
    }
  }
  std::string index_key = EncodeIndexKey("G", "2026", "ZONE#1", "EVENT#1");
  auto index = ParseIndexKey(index_key);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->index_pk, "G");
  EXPECT_EQ(index->index_sk, "2026");
  EXPECT_EQ(index->pk, "ZONE#1");
  EXPECT_EQ(index->sk, "EVENT#1");
  EXPECT_FALSE(ParseIndexKey("only\0two"s).has_value());
  EXPECT_FALSE(ParseTableKey("no separator").has_value());
  Item lek = KeyAttributesOf(IndexName::kGsi2, EncodeIndexKey("S#1", "BAY", "Z", "B"));
  EXPECT_EQ(ItemToDynamoJson(lek),
            R"({"GSI2PK":{"S":"S#1"},"GSI2SK":{"S":"BAY"},"PK":{"S":"Z"},"SK":{"S":"B"}})");
}

TEST(ItemCodecTest, ScanSegmentsAreStableAndAllUsed) {
  std::vector<int> per_segment(7);
  for (int i = 0; i < 1000; ++i) {
    std::string pk = "ZONE#" + std::to_string(i);
    int segment = ScanSegmentOf(pk, 7);
    ASSERT_GE(segment, 0);
    ASSERT_LT(segment, 7);
    EXPECT_EQ(segment, ScanSegmentOf(pk, 7));
    ++per_segment[static_cast<size_t>(segment)];
  }
  for (int n : per_segment) EXPECT_GT(n, 80);
  EXPECT_EQ(ScanSegmentOf("anything", 1), 0);
}

}  // namespace
}  // namespace vdpark
