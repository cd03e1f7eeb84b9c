#include "domain/record_rules.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace vdpark {
namespace {

TEST(RecordRulesTest, EpochNumbersOutsideTheRangeAreRefusedNotOverflowed) {
  for (int64_t ms :
       {int64_t{-62200000000000}, std::numeric_limits<int64_t>::max(),
        std::numeric_limits<int64_t>::min(), int64_t{253402300800000}, int64_t{-2208988800001}}) {
    auto t = Timestamp::FromMillisChecked(ms);
    ASSERT_FALSE(t.ok()) << ms << " gave " << t->ToIso();
    EXPECT_NE(t.status().message().find(std::string(Timestamp::kRangeText)), std::string::npos);
  }
  EXPECT_EQ(Timestamp::FromMillisChecked(253402300799999)->ToIso(), "9999-12-31T23:59:59.999000Z");
  EXPECT_EQ(Timestamp::FromMillisChecked(-2208988800000)->ToIso(), "1900-01-01T00:00:00.000000Z");
  EXPECT_FALSE(Timestamp::FromMicrosChecked(Timestamp::kMaxMicros + 1).ok());
  EXPECT_TRUE(Timestamp::FromMicrosChecked(Timestamp::kMinMicros).ok());
}

TEST(RecordRulesTest, IdsAreShortPrintableAndWithoutTheKeySeparator) {
  EXPECT_TRUE(CheckIdText("zone-001").ok());
  EXPECT_TRUE(CheckIdText("Bay 7 ü").ok());
  EXPECT_TRUE(CheckIdText(std::string(128, 'z')).ok());
  EXPECT_EQ(CheckIdText("").message(), "empty");
  EXPECT_EQ(CheckIdText(std::string(129, 'z')).message(), "129 bytes, over the limit of 128");
  EXPECT_EQ(CheckIdText(std::string("a\0b", 3)).message(), "a NUL byte at byte 1");
  EXPECT_EQ(CheckIdText("a\nb").message(), "control character 10 at byte 1");
  EXPECT_NE(CheckIdText("a#b").message().find("'#' at byte 1"), std::string::npos);
  EXPECT_EQ(CheckIdText("a\xff").message(), "not UTF-8 at byte 1");
}

TEST(RecordRulesTest, TextIsBoundedUtf8WithoutNul) {
  EXPECT_TRUE(CheckFreeText("Line 1\nLine 2\t\"quoted\"").ok());
  EXPECT_TRUE(CheckFreeText(std::string(kMaxTextBytes, 'x')).ok());
  EXPECT_FALSE(CheckFreeText(std::string(kMaxTextBytes + 1, 'x')).ok());
  EXPECT_EQ(CheckFreeText(std::string("ab\0", 3)).message(), "a NUL byte at byte 2");
  EXPECT_EQ(CheckFreeText("\xc3").message(), "not UTF-8 at byte 0");           // cut short
  EXPECT_EQ(CheckFreeText("\xc0\xaf").message(), "not UTF-8 at byte 0");       // overlong
  EXPECT_EQ(CheckFreeText("x\xed\xa0\x80").message(), "not UTF-8 at byte 1");  // surrogate
  EXPECT_TRUE(CheckFreeText("\xf0\x9f\x85\xbf").ok());                         // U+1F17F
  EXPECT_TRUE(CheckDetectionMode("dual").ok());
  EXPECT_EQ(CheckDetectionMode(std::string(33, 'm')).message(), "33 bytes, over the limit of 32");
}

TEST(RecordRulesTest, RecordsNameTheFieldThatBreaksARule) {
  Sensor s;
  s.sensor_id = "S-1";
  EXPECT_TRUE(CheckRecord(s).ok());
  s.install_date = Timestamp::FromMicros(int64_t{-62200000000000} * 1000);
  Status st = CheckRecord(s);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_TRUE(st.message().starts_with("sensor 'S-1', field 'installDate': ")) << st.message();
  auto broken = FindRuleBreak(s);
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->field, "installDate");

  // Records built by initializers: GCC 12 warns falsely (-Wrestrict) on assigning short literals.
  Zone z{.zone_id = "z\n1"};
  EXPECT_TRUE(CheckRecord(z).message().starts_with("zone 'z\\x0a1', field 'zoneId'"))
      << CheckRecord(z).message();
  Bay b{.zone_id = "z", .bay_number = "b", .bay_type = std::string(2000, 't')};
  EXPECT_EQ(FindRuleBreak(b)->field, "bayType");
  ParkingEvent e{.zone_id = "z",
                 .bay_number = "b",
                 .timestamp = Timestamp::FromMicros(Timestamp::kMaxMicros + 1)};
  EXPECT_EQ(FindRuleBreak(e)->field, "timestamp");
  EXPECT_EQ(ColumnName("installDate"), "install_date");
  EXPECT_EQ(ColumnName("detectionMode"), "detection_mode");
}

}  // namespace
}  // namespace vdpark
