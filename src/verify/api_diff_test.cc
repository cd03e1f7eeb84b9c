#include "verify/api_diff.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

namespace json = boost::json;

std::vector<std::string> Diff(std::string_view old_text, std::string_view new_text,
                              const ApiDiffOptions& options = {}) {
  std::vector<std::string> lines;
  for (const ApiDifference& d :
       DiffApiJson(json::parse(old_text), json::parse(new_text), options)) {
    lines.push_back(d.ToString());
  }
  return lines;
}

using Lines = std::vector<std::string>;

TEST(ApiDiffTest, EqualDocumentsHaveNoDifference) {
  const char* doc =
      R"({"zones":[{"zoneId":"zone-001","name":"Marina","location":{"lat":25.08,"lng":55.14}}],
          "count":1})";
  EXPECT_EQ(Diff(doc, doc), Lines{});
}

TEST(ApiDiffTest, NumbersCompareByValue) {
  EXPECT_EQ(Diff(R"({"pricePerHour":12.5,"n":3,"big":18446744073709551615})",
                 R"({"pricePerHour":12.50,"n":3.0,"big":18446744073709551615})"),
            Lines{});
  EXPECT_EQ(Diff(R"({"a":1.25E1})", R"({"a":12.5})"), Lines{});
  EXPECT_EQ(Diff(R"({"pricePerHour":12.5})", R"({"pricePerHour":12.25})"),
            Lines{"pricePerHour: old 12.5, new 12.25"});
  EXPECT_EQ(Diff(R"({"n":-1})", R"({"n":18446744073709551615})"),
            Lines{"n: old -1, new 18446744073709551615"});
  // A number written as a string is not the number: a client parsing it would notice.
  EXPECT_EQ(Diff(R"({"revenue":12.5})", R"({"revenue":"12.50"})"),
            Lines{R"(revenue: old 12.5, new "12.50")"});
}

TEST(ApiDiffTest, TimestampsCompareByInstant) {
  EXPECT_EQ(Diff(R"({"lastChange":"2026-01-12T19:59:43.1Z"})",
                 R"({"lastChange":"2026-01-12T19:59:43.100000Z"})"),
            Lines{});
  EXPECT_EQ(Diff(R"({"lastChange":"2026-01-12 23:59:43.1+04"})",
                 R"({"lastChange":"2026-01-12T19:59:43.100000Z"})"),
            Lines{});
  EXPECT_EQ(
      Diff(R"({"lastChange":"2026-01-12T19:59:43.100000Z"})",
           R"({"lastChange":"2026-01-12T19:59:43.100001Z"})"),
      Lines{R"(lastChange: old "2026-01-12T19:59:43.100000Z", new "2026-01-12T19:59:43.100001Z")"});
  // Digits alone are not taken for epoch milliseconds.
  EXPECT_EQ(Diff(R"({"id":"1736678400000"})", R"({"id":"1736678400000.0"})").size(), 1u);
}

TEST(ApiDiffTest, MembersOnOneSideAndNullsAreDifferences) {
  EXPECT_EQ(Diff(R"({"a":1,"b":null,"c":{"d":true}})", R"({"b":0,"c":{"d":true,"e":"x"},"f":[]})"),
            (Lines{"a: old 1, new absent", "b: old null, new 0", R"(c.e: old absent, new "x")",
                   "f: old absent, new []"}));
  EXPECT_EQ(Diff(R"({"a":{"x":1}})", R"({"a":[1]})"), Lines{R"(a: old {"x":1}, new [1])"});
  EXPECT_EQ(Diff(R"({"a":1})", R"([1])"), Lines{R"(old {"a":1}, new [1])"});
}

TEST(ApiDiffTest, RecordsMatchByKeyNotPosition) {
  const char* old_doc = R"({"bays":[
      {"zoneId":"zone-001","bayNumber":"A-001","status":"vacant"},
      {"zoneId":"zone-001","bayNumber":"A-002","status":"occupied"},
      {"zoneId":"zone-001","bayNumber":"A-003","status":"occupied"}]})";
  const char* new_doc = R"({"bays":[
      {"zoneId":"zone-001","bayNumber":"A-003","status":"vacant"},
      {"zoneId":"zone-001","bayNumber":"A-002","status":"occupied"},
      {"zoneId":"zone-001","bayNumber":"A-001","status":"vacant"}]})";
  // zoneId is the same in every record: the label leaves it out.
  EXPECT_EQ(Diff(old_doc, new_doc),
            Lines{R"(bays[bayNumber=A-003].status: old "occupied", new "vacant")"});
}

TEST(ApiDiffTest, RecordsOnOneSideAreListedByKey) {
  EXPECT_EQ(Diff(R"({"zones":[{"zoneId":"zone-001"},{"zoneId":"zone-002"}]})",
                 R"({"zones":[{"zoneId":"zone-003"},{"zoneId":"zone-001"}]})"),
            (Lines{R"(zones[zoneId=zone-002]: old {"zoneId":"zone-002"}, new absent)",
                   R"(zones[zoneId=zone-003]: old absent, new {"zoneId":"zone-003"})"}));
  // One record: the most specific key member names it.
  EXPECT_EQ(Diff(R"({"bays":[{"zoneId":"z","bayNumber":"A-1","bayType":"standard"}]})",
                 R"({"bays":[{"zoneId":"z","bayNumber":"A-1","bayType":"ev"}]})"),
            Lines{R"(bays[bayNumber=A-1].bayType: old "standard", new "ev")"});
}

TEST(ApiDiffTest, EventsMatchByBayAndTimestamp) {
  const char* old_doc = R"({"events":[
      {"zoneId":"z","bayNumber":"A-2","timestamp":"2026-01-12T10:00:00.000000Z","revenue":5},
      {"zoneId":"z","bayNumber":"A-1","timestamp":"2026-01-12T10:00:00.000000Z","revenue":7.5}],
      "count":2,"nextCursor":"b2xk"})";
  const char* new_doc = R"({"events":[
      {"zoneId":"z","bayNumber":"A-1","timestamp":"2026-01-12T10:00:00.000000Z","revenue":7.50},
      {"zoneId":"z","bayNumber":"A-2","timestamp":"2026-01-12T10:00:00.000000Z","revenue":6}],
      "count":2,"nextCursor":"bmV3"})";
  // Ties in time ordered differently, cursors each server's own: only the revenue differs.
  EXPECT_EQ(Diff(old_doc, new_doc), Lines{"events[bayNumber=A-2].revenue: old 5, new 6"});
  EXPECT_EQ(Diff(R"({"nextCursor":"abc"})", R"({"nextCursor":null})"),
            Lines{R"(nextCursor: old "abc", new null)"});
}

TEST(ApiDiffTest, RecordsSharingAKeyMatchInOrder) {
  EXPECT_EQ(Diff(R"({"sensors":[{"sensorId":"S1","n":1},{"sensorId":"S1","n":2}]})",
                 R"({"sensors":[{"sensorId":"S1","n":1},{"sensorId":"S1","n":3}]})"),
            Lines{"sensors[sensorId=S1 #2].n: old 2, new 3"});
}

TEST(ApiDiffTest, ArraysOfOtherNamesUseTheGenericKeysOrPosition) {
  // Every record has sensorId: matched by it.
  EXPECT_EQ(Diff(R"({"alerts":[{"sensorId":"S1","level":1},{"sensorId":"S2","level":2}]})",
                 R"({"alerts":[{"sensorId":"S2","level":2},{"sensorId":"S1","level":1}]})"),
            Lines{});
  // Plain values: by position.
  EXPECT_EQ(Diff(R"({"tags":["a","b","c"]})", R"({"tags":["a","x"]})"),
            (Lines{R"(tags[1]: old "b", new "x")", R"(tags[2]: old "c", new absent)"}));
}

TEST(ApiDiffTest, IgnoredFieldsAndTolerances) {
  const char* old_doc =
      R"({"bays":[{"bayNumber":"A-1","currentDuration":41,"lastHeartbeat":"x"}],
          "summary":{"vacant":3,"occupied":1}})";
  const char* new_doc =
      R"({"bays":[{"bayNumber":"A-1","currentDuration":42,"lastHeartbeat":"y"}],
          "summary":{"vacant":4,"occupied":1}})";
  ApiDiffOptions o;
  o.ignore = {"lastHeartbeat", "summary.vacant"};
  // currentDuration is minutes at the moment of each request: one apart is the same.
  EXPECT_EQ(Diff(old_doc, new_doc, o), Lines{});
  o.tolerance.clear();
  EXPECT_EQ(Diff(old_doc, new_doc, o),
            Lines{"bays[bayNumber=A-1].currentDuration: old 41, new 42"});
  // A generic path names the field under its array, without the record's key.
  o.ignore = {"bays.currentDuration", "bays.lastHeartbeat", "vacant"};
  EXPECT_EQ(Diff(old_doc, new_doc, o), Lines{});
}

TEST(ApiDiffTest, LongValuesAreShortened) {
  const std::string long_text(500, 'x');
  auto d = DiffApiJson(json::value("a"), json::value(long_text));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_LE(d[0].new_value.size(), 160u);
  EXPECT_TRUE(d[0].new_value.ends_with("..."));
}

std::string Page(std::initializer_list<int> hours) {
  std::string text = R"({"events":[)";
  for (int h : hours) {
    if (text.back() != '[') text += ',';
    text += R"({"bayNumber":"A-1","timestamp":"2026-01-12T)" + std::string(h < 10 ? "0" : "") +
            std::to_string(h) + R"(:00:00.000000Z"})";
  }
  return text + "]}";
}

TEST(ApiDiffTest, FullEventPagesCompareTheTimeBothHold) {
  // The old API has one newer event: its full page ends an hour later than the new one's.
  json::value old_page = json::parse(Page({10, 9, 8}));
  json::value new_page = json::parse(Page({9, 8, 7}));
  EXPECT_EQ(AlignEventPages(old_page, new_page, 3), 1u);
  auto d = DiffApiJson(old_page, new_page);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].path, "events[timestamp=2026-01-12T10:00:00.000000Z]");
  EXPECT_EQ(d[0].new_value, "");
}

TEST(ApiDiffTest, PagesNotCutByTheLimitStayWhole) {
  json::value old_page = json::parse(Page({10, 9}));
  json::value new_page = json::parse(Page({9, 8, 7}));
  // The new page is full: the old one's events before 07:00 would not be on it. There are none.
  EXPECT_EQ(AlignEventPages(old_page, new_page, 3), 0u);
  EXPECT_EQ(DiffApiJson(old_page, new_page).size(), 3u);  // 10 only old; 8, 7 only new
  json::value a = json::parse(Page({10, 9}));
  json::value b = json::parse(Page({9, 8}));
  EXPECT_EQ(AlignEventPages(a, b, 3), 0u);
  json::value not_a_page = json::parse(R"({"error":"Zone not found"})");
  EXPECT_EQ(AlignEventPages(not_a_page, b, 2), 0u);
}

}  // namespace
}  // namespace vdpark
