#include "common/log_escape.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

TEST(EscapeForLogTest, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(EscapeForLog("zone x\nerror: api: FORGED"), "zone x\\nerror: api: FORGED");
  EXPECT_EQ(EscapeForLog("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(EscapeForLog(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(EscapeForLog("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(EscapeForLog("\x01\x1f"), "\\x01\\x1f");
}

TEST(EscapeForLogTest, InvalidUtf8BytesAreEscapedValidTextIsKept) {
  EXPECT_EQ(EscapeForLog("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x97");  // é € 🚗
  EXPECT_EQ(EscapeForLog("a\xff"
                         "b"),
            "a\\xffb");
  EXPECT_EQ(EscapeForLog("\xc3"), "\\xc3");                             // cut short
  EXPECT_EQ(EscapeForLog("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(EscapeForLog("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(EscapeForLog("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
  // C1 controls and the Unicode line separators end a line for some readers.
  EXPECT_EQ(EscapeForLog("a\xc2\x85"
                         "b\xe2\x80\xa8"
                         "c"),
            "a\\u0085b\\u2028c");
  EXPECT_EQ(EscapeForLog("plain text, \\ and \" kept"), "plain text, \\ and \" kept");
}

TEST(IsValidUtf8Test, WellFormedOnly) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("{\"deviceId\":\"PSL01B-001\"} caf\xc3\xa9"));
  EXPECT_TRUE(IsValidUtf8(std::string("\0", 1)));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));
}

}  // namespace
}  // namespace vdpark
