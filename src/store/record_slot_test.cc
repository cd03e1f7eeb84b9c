#include "store/record_slot.h"

#include <gtest/gtest.h>

#include <string>

namespace vdpark {
namespace {

struct Apple {
  std::string name;
};
struct Pear {
  std::string name;
};

TEST(RecordSlotTest, HandsOutTheRecordOfTheTypeKeptOnly) {
  RecordSlot slot;
  EXPECT_EQ(slot.Get<Apple>(), nullptr);
  slot.Keep(KeepRecord(Apple{"cox"}));
  auto apple = slot.Get<Apple>();
  ASSERT_NE(apple, nullptr);
  EXPECT_EQ(apple->name, "cox");
  EXPECT_EQ(slot.Get<Pear>(), nullptr);  // another type: nothing
  EXPECT_EQ(slot.Get<Apple>().get(), apple.get()) << "the record kept, not a copy";
}

TEST(RecordSlotTest, TheFirstRecordKeptStays) {
  RecordSlot slot(KeepRecord(Apple{"written"}));
  slot.Keep(KeepRecord(Apple{"read later"}));
  ASSERT_NE(slot.Get<Apple>(), nullptr);
  EXPECT_EQ(slot.Get<Apple>()->name, "written");
}

TEST(RecordSlotTest, ARecordHandedOutOutlivesItsSlot) {
  std::shared_ptr<const Apple> apple;
  {
    RecordSlot slot;
    slot.Keep(KeepRecord(Apple{"kept"}));
    apple = slot.Get<Apple>();
  }
  ASSERT_NE(apple, nullptr);
  EXPECT_EQ(apple->name, "kept");
}

}  // namespace
}  // namespace vdpark
