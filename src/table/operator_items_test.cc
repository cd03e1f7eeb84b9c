#include "table/operator_items.h"

#include <gtest/gtest.h>

#include "domain/alert.h"

namespace vdpark {
namespace {

TEST(AlertIdTest, RoundTripsThroughTextWithDashesInTheSensorId) {
  AlertId id{"PSL01B-000042", AlertKind::kOffline, *Timestamp::Parse("2026-05-01T08:00:00.5Z")};
  EXPECT_EQ(id.ToString(), "offline-1777622400500000-PSL01B-000042");
  auto back = AlertId::Parse(id.ToString());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, id);
}

TEST(AlertIdTest, ABrokenIdSaysWhatIsWrong) {
  for (const char* bad : {"", "offline", "offline-12", "sunny-12-S", "offline-x1-S",
                          "offline-99999999999999999999-S", "offline-12-S#1"}) {
    auto id = AlertId::Parse(bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_TRUE(id.status().IsInvalidArgument()) << bad;
    EXPECT_NE(id.status().message().find("alert id"), std::string::npos) << bad;
  }
}

TEST(OperatorSettingsTest, EachFieldIsCheckedByName) {
  EXPECT_TRUE(CheckSettings({}).ok());
  OperatorSettings s;
  s.offline_after_minutes = 0;
  EXPECT_NE(CheckSettings(s).message().find("offlineAfterMinutes"), std::string::npos);
  s = {};
  s.time_zone = "Europe/Nowhere";
  EXPECT_NE(CheckSettings(s).message().find("timeZone"), std::string::npos);
  s.time_zone = "+05:30";
  EXPECT_TRUE(CheckSettings(s).ok());
  EXPECT_EQ(s.offset().minutes, 330);
}

TEST(OperatorItemsTest, AnAlertMovesKeyWhenResolvedAndReadsBackWhole) {
  Alert a;
  a.sensor_id = "S-1";
  a.kind = AlertKind::kDetection;
  a.raised_at = *Timestamp::Parse("2026-05-01T08:00:00Z");
  a.zone_id = "Z1";
  a.message = "set aside";
  Item open = AlertToItem(a);
  EXPECT_EQ(FindAttribute(open, "SK")->text(), "OPEN#detection");
  EXPECT_EQ(FindAttribute(open, "GSI1PK")->text(), "ALERTS#OPEN");
  EXPECT_EQ(*AlertFromItem(open), a);
  a.state = AlertState::kResolved;
  a.resolved_at = *Timestamp::Parse("2026-05-01T09:00:00Z");
  a.resolved_by = "operator";
  a.note = "ok";
  a.value = 12.5;
  Item done = AlertToItem(a);
  EXPECT_EQ(FindAttribute(done, "SK")->text(), "RESOLVED#2026-05-01T08:00:00.000000Z#detection");
  EXPECT_EQ(FindAttribute(done, "GSI1PK")->text(), "ALERTS#RESOLVED");
  EXPECT_EQ(*AlertFromItem(done), a);
  done["state"] = AttributeValue::S("snoozed");
  auto bad = AlertFromItem(done);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("PK=ALERT#S-1"), std::string::npos);
  EXPECT_NE(bad.status().message().find("'state'"), std::string::npos);
}

}  // namespace
}  // namespace vdpark
