#include "ingest/intake_log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::TempDir;

TEST(IntakeLogTest, MessagesComeBackAsAppendedInOrderAcrossAReopen) {
  TempDir dir;
  const Timestamp t0 = *Timestamp::Parse("2026-12-06T10:00:00.123456Z");
  const std::string binary("\x00\xff{\"status\":", 11);  // payloads are bytes, not text
  {
    auto log = IntakeLog::Open(dir / "intake");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_EQ(*(*log)->Append(t0, "visiondrive/parking/z/1/status", "{\"a\":1}"), 1u);
    ASSERT_EQ(*(*log)->Append(t0 + 5, "visiondrive/parking/z/2/status", binary), 2u);
    ASSERT_EQ(*(*log)->Append(t0 + 9, "", ""), 3u);
    ASSERT_TRUE((*log)->Ack(1).ok());
  }
  auto log = IntakeLog::Open(dir / "intake");  // what was appended and not acknowledged, kept
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->size(), 2u);
  std::vector<IntakeMessage> taken = (*log)->Take(10, std::chrono::milliseconds(0));
  const std::vector<IntakeMessage>* peeked = &taken;
  ASSERT_EQ(peeked->size(), 2u);
  EXPECT_EQ((*peeked)[0].sequence, 2u);
  EXPECT_EQ((*peeked)[0].received, t0 + 5);
  EXPECT_EQ((*peeked)[0].topic, "visiondrive/parking/z/2/status");
  EXPECT_EQ((*peeked)[0].payload, binary);
  EXPECT_TRUE((*peeked)[0].status.ok());
  EXPECT_EQ((*peeked)[1].sequence, 3u);
  EXPECT_EQ((*peeked)[1].topic, "");
  EXPECT_EQ((*peeked)[1].payload, "");
  EXPECT_EQ(*(*log)->Append(t0, "t", "p"), 4u) << "sequences go on after a reopen";
  // Taken is not removed: until acknowledged, a message is on disk for the next start.
  auto more = (*log)->Take(10, std::chrono::milliseconds(0));
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].sequence, 4u);
  EXPECT_EQ((*log)->size(), 3u);
  ASSERT_TRUE((*log)->Ack(3).ok());
  EXPECT_EQ((*log)->size(), 1u);
}

TEST(IntakeLogTest, TakeWaitsForAnAppendAndCloseEndsTheWait) {
  TempDir dir;
  auto log = IntakeLog::Open(dir / "intake");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE((*log)->Append(Timestamp::FromMicros(1), "t", "p").ok());
  });
  auto got = (*log)->Take(8, std::chrono::seconds(30));  // woken by the append, not the timeout
  appender.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, "p");
  (*log)->Close();
  EXPECT_TRUE((*log)->Take(8, std::chrono::seconds(30)).empty());  // at once
}

TEST(IntakeLogTest, EntriesThatDoNotDecodeAreNamed) {
  const std::string good = EncodeIntakeMessage(Timestamp::FromMicros(7), "topic", "payload");
  auto back = DecodeIntakeMessage(good);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->received, Timestamp::FromMicros(7));
  EXPECT_EQ(back->topic, "topic");
  EXPECT_EQ(back->payload, "payload");

  EXPECT_TRUE(DecodeIntakeMessage(good.substr(0, 12)).status().code() == Status::Code::kCorruption);
  std::string other_version = good;
  other_version[0] = 9;
  auto refused = DecodeIntakeMessage(other_version);
  EXPECT_TRUE(refused.status().code() == Status::Code::kCorruption);
  EXPECT_NE(refused.status().message().find("format version 9"), std::string::npos);
  std::string long_topic = good;
  long_topic[12] = 100;  // a topic length past the entry's end
  EXPECT_NE(DecodeIntakeMessage(long_topic).status().message().find("topic longer"),
            std::string::npos);
}

}  // namespace
}  // namespace vdpark
