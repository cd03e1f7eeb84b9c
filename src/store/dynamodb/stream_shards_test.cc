#include "store/dynamodb/stream_shards.h"

#include <gtest/gtest.h>

namespace vdpark {
namespace {

using Start = StreamShards::Start;

std::vector<std::string> Ids(const StreamShards& s) {
  std::vector<std::string> out;
  for (const auto& r : s.ReadableNow()) out.push_back(r.id);
  return out;
}

// At the first look: open shards from their newest record, closed ones (history) not at all.
TEST(StreamShardsTest, TheFirstLookReadsOpenShardsFromTheNewestAndPassesHistoryOver) {
  StreamShards s;
  s.Described({{"old", "", true}, {"a", "old", false}, {"b", "", false}});
  auto readable = s.ReadableNow();
  ASSERT_EQ(readable.size(), 2u);
  EXPECT_EQ(readable[0].id, "a");
  EXPECT_EQ(readable[0].start, Start::kLatest);
  EXPECT_EQ(readable[1].id, "b");
  EXPECT_EQ(readable[1].start, Start::kLatest);
}

// A split: the children appear while their parent is still being read; they wait until it is
// read to its end, then are read from their oldest record, and a grandchild waits for its parent.
TEST(StreamShardsTest, ChildrenWaitForTheirParentAndStartAtTheirOldestRecord) {
  StreamShards s;
  s.Described({{"p", "", false}});
  s.Described({{"p", "", true}, {"c1", "p", false}, {"c2", "p", false}, {"g", "c1", false}});
  EXPECT_EQ(Ids(s), (std::vector<std::string>{"p"}));
  s.Finished("p");
  auto readable = s.ReadableNow();
  ASSERT_EQ(readable.size(), 2u);
  EXPECT_EQ(readable[0].id, "c1");
  EXPECT_EQ(readable[0].start, Start::kTrimHorizon);
  EXPECT_EQ(readable[1].id, "c2");
  s.Finished("c1");
  EXPECT_EQ(Ids(s), (std::vector<std::string>{"c2", "g"}));
  EXPECT_EQ(s.finished(), 2u);
}

// A parent never seen (trimmed after 24 hours) holds nothing up; a shard seen again is not reset.
TEST(StreamShardsTest, AParentNeverSeenHoldsNothingUp) {
  StreamShards s;
  s.Described({{"a", "", false}});
  s.Finished("a");
  s.Described({{"a", "", true}, {"orphan", "gone", false}});
  auto readable = s.ReadableNow();
  ASSERT_EQ(readable.size(), 1u);
  EXPECT_EQ(readable[0].id, "orphan");
  EXPECT_EQ(readable[0].start, Start::kTrimHorizon);
}

}  // namespace
}  // namespace vdpark
