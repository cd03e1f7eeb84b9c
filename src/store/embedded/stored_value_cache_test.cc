#include "store/embedded/stored_value_cache.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "store/embedded/item_codec.h"
#include "store_contract.h"

namespace vdpark {
namespace {

using contract::MakeItem;

// A column family handle that only has an id: what WriteBatch records of a write.
class FamilyWithId : public rocksdb::ColumnFamilyHandle {
 public:
  explicit FamilyWithId(uint32_t id) : id_(id) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported();
  }
  const rocksdb::Comparator* GetComparator() const override { return nullptr; }

 private:
  uint32_t id_;
  std::string name_ = "test";
};

std::string Stored(const std::string& sk, const std::string& v) {
  return EncodeItem(MakeItem("P", sk, {{"v", AttributeValue::S(v)}}));
}

// What the cache answers for `key`: "miss", "absent", or the stored value.
std::string Look(const StoredValueCache& cache, std::string_view key) {
  auto hit = cache.Lookup(key);
  if (!hit.known) return "miss";
  return hit.value ? std::string(hit.value->value()) : "absent";
}

TEST(StoredValueCacheTest, KeepsWhatWasReadAndForgetsNothingItWasNotTold) {
  StoredValueCache cache(1 << 20);
  EXPECT_EQ(Look(cache, "a"), "miss");
  cache.Fill("a", Stored("a", "1"), cache.Epoch());
  cache.Fill("b", std::nullopt, cache.Epoch());
  EXPECT_EQ(Look(cache, "a"), Stored("a", "1"));
  EXPECT_EQ(Look(cache, "b"), "absent");
  EXPECT_EQ(Look(cache, "c"), "miss");
}

TEST(StoredValueCacheTest, AFillStartedBeforeAWriteIsDropped) {
  StoredValueCache cache(1 << 20);
  const uint64_t before = cache.Epoch();
  rocksdb::WriteBatch batch;
  batch.Put("a", Stored("a", "2"));
  cache.Written(batch, 0);
  // What the reader read before the write may be the old value: it must not stay.
  cache.Fill("a", Stored("a", "1"), before);
  EXPECT_EQ(Look(cache, "a"), "miss");
  cache.Fill("a", Stored("a", "2"), cache.Epoch());
  EXPECT_EQ(Look(cache, "a"), Stored("a", "2"));
}

TEST(StoredValueCacheTest, CommittedWritesReplaceTheEntriesOfTheirKeysOnly) {
  StoredValueCache cache(1 << 20);
  cache.Fill("a", Stored("a", "1"), cache.Epoch());
  cache.Fill("b", Stored("b", "1"), cache.Epoch());
  cache.Fill("c", std::nullopt, cache.Epoch());
  FamilyWithId index(1);
  rocksdb::WriteBatch batch;
  batch.Put("a", Stored("a", "2"));
  batch.Delete("b");
  batch.Put("c", Stored("c", "1"));
  batch.Put("d", Stored("d", "1"));       // never read: not kept
  batch.Put(&index, "a", "index entry");  // another family: not the item
  cache.Written(batch, 0);
  EXPECT_EQ(Look(cache, "a"), Stored("a", "2"));
  EXPECT_EQ(Look(cache, "b"), "absent");
  EXPECT_EQ(Look(cache, "c"), Stored("c", "1"));
  EXPECT_EQ(Look(cache, "d"), "miss");
}

TEST(StoredValueCacheTest, ADeleteRangeForgetsEverything) {
  StoredValueCache cache(1 << 20);
  cache.Fill("a", Stored("a", "1"), cache.Epoch());
  rocksdb::WriteBatch batch;
  batch.DeleteRange("x", "y");
  cache.Written(batch, 0);
  EXPECT_EQ(Look(cache, "a"), "miss");
}

TEST(StoredValueCacheTest, StaysWithinItsBound) {
  const std::string value = Stored("a", std::string(1000, 'x'));
  StoredValueCache cache(10 * value.size());
  for (int i = 0; i < 100; ++i) {
    std::string key = "k";
    key += std::to_string(i);
    cache.Fill(key, value, cache.Epoch());
    EXPECT_LE(cache.bytes(), 10 * value.size()) << i;
  }
  EXPECT_EQ(Look(cache, "k99"), value);  // emptied when full, then the newest kept
  StoredValueCache off(0);
  off.Fill("a", value, off.Epoch());
  EXPECT_EQ(Look(off, "a"), "miss");
}

TEST(StoredValueCacheTest, DecodesOnceAndSharesTheItem) {
  StoredValueCache cache(1 << 20);
  const Item item = MakeItem("P", "S", {{"v", AttributeValue::S("1")}});
  auto filled = cache.Fill("a", EncodeItem(item), cache.Epoch());
  ASSERT_NE(filled, nullptr);
  auto first = filled->shared_item();
  auto second = cache.Lookup("a").value->shared_item();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(**first, item);
  EXPECT_EQ(first->get(), second->get());  // the same decoded item, not a copy
  auto damaged = cache.Fill("b", EncodeItem(item) + '\x09', cache.Epoch());
  EXPECT_EQ(damaged->shared_item().status().code(), Status::Code::kCorruption);
}

// The entry of `key` holds `item`: its stored form, and the item itself decoded already.
void ExpectEntryHolds(StoredValueCache& cache, std::string_view key, const Item& item) {
  auto hit = cache.Lookup(key);
  ASSERT_TRUE(hit.known && hit.value);
  EXPECT_EQ(hit.value->value(), EncodeItem(item));
  auto got = hit.value->shared_item();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(**got, item);
}

TEST(StoredValueCacheTest, KeepsTheItemAWriterHandedOverAsItIs) {
  StoredValueCache cache(1 << 20);
  const Item item = MakeItem("P", "a", {{"v", AttributeValue::S("2")}});
  cache.Fill("a", Stored("a", "1"), cache.Epoch());
  std::string value = EncodeItem(item);
  const StoredValueCache::Write written[] = {{"a", &value, &item}};
  cache.Written(written);
  ExpectEntryHolds(cache, "a", item);
  EXPECT_EQ(item.size(), 3u) << "a const item is copied";
}

// An item handed over to be taken (TransactWriteTaking) is moved into the entry, not copied; one
// whose key the cache does not keep is left as it was.
TEST(StoredValueCacheTest, TakesTheItemAWriterLetsItTake) {
  StoredValueCache cache(1 << 20);
  const Item original = MakeItem("P", "a", {{"v", AttributeValue::S("2")}});
  cache.Fill("a", Stored("a", "1"), cache.Epoch());
  Item taken = original, passed = original;
  std::string value = EncodeItem(original), other = EncodeItem(original);
  const StoredValueCache::Write written[] = {{"a", &value, nullptr, &taken},
                                             {"never-read", &other, nullptr, &passed}};
  cache.Written(written);
  ExpectEntryHolds(cache, "a", original);
  EXPECT_TRUE(taken.empty()) << "moved into the entry";
  EXPECT_EQ(passed, original) << "a key the cache does not keep takes nothing";
  EXPECT_EQ(other, EncodeItem(original));
}

TEST(StoredValueCacheTest, WritesHandedOverReplaceTheEntriesOfTheirKeysOnly) {
  StoredValueCache cache(1 << 20);
  cache.Fill("a", Stored("a", "1"), cache.Epoch());
  cache.Fill("b", Stored("b", "1"), cache.Epoch());
  cache.Fill("c", Stored("c", "1"), cache.Epoch());
  const uint64_t before = cache.Epoch();
  const Item item =
      MakeItem("P", "a", {{"GSI1PK", AttributeValue::S("G")}, {"GSI1SK", AttributeValue::S("H")}});
  std::string value = EncodeItem(item);
  IndexEntries index = IndexEntriesOf(item, "P", "a");
  std::string d = Stored("d", "1");
  const StoredValueCache::Write written[] = {
      {"a", &value, &item, nullptr, nullptr, &index}, {"b", nullptr}, {"d", &d}};
  cache.Written(written);
  EXPECT_NE(cache.Epoch(), before);
  EXPECT_EQ(Look(cache, "a"), EncodeItem(item));
  ASSERT_NE(cache.Lookup("a").value->index(), nullptr);
  EXPECT_EQ(cache.Lookup("a").value->index()->gsi1, IndexEntriesOf(item, "P", "a").gsi1);
  auto got = cache.Lookup("a").value->shared_item();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(**got, item);
  EXPECT_EQ(Look(cache, "b"), "absent");
  EXPECT_EQ(Look(cache, "c"), Stored("c", "1"));
  EXPECT_EQ(Look(cache, "d"), "miss");        // never read: not kept
  cache.Fill("d", Stored("d", "0"), before);  // a fill that started before the write
  EXPECT_EQ(Look(cache, "d"), "miss");
}

TEST(StoredValueCacheTest, ARecordAWriterHandedOverIsInTheSlotOfTheVersionWritten) {
  StoredValueCache cache(1 << 20);
  const Item item = MakeItem("P", "a", {{"v", AttributeValue::S("2")}});
  auto read = cache.Fill("a", Stored("a", "1"), cache.Epoch());
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->record_slot()->Get<std::string>(), nullptr) << "nothing made of it yet";
  read->record_slot()->Keep(KeepRecord(std::string("made of version 1")));
  auto again = cache.Lookup("a");
  ASSERT_TRUE(again.known && again.value);
  ASSERT_NE(again.value->record_slot()->Get<std::string>(), nullptr);
  EXPECT_EQ(*again.value->record_slot()->Get<std::string>(), "made of version 1");

  // A write replaces the version, and with it the slot: the writer's record, or nothing.
  std::string value = EncodeItem(item);
  const StoredValueCache::Write written[] = {
      {"a", &value, &item, nullptr, KeepRecord(std::string("written as version 2"))}};
  cache.Written(written);
  auto hit = cache.Lookup("a");
  ASSERT_TRUE(hit.known && hit.value);
  ASSERT_NE(hit.value->record_slot()->Get<std::string>(), nullptr);
  EXPECT_EQ(*hit.value->record_slot()->Get<std::string>(), "written as version 2");

  rocksdb::WriteBatch plain;
  plain.Put("a", Stored("a", "3"));
  cache.Written(plain, 0);
  hit = cache.Lookup("a");
  ASSERT_TRUE(hit.known && hit.value);
  EXPECT_EQ(hit.value->record_slot()->Get<std::string>(), nullptr)
      << "version 2's record must not stay with version 3";
  // What a reader still holds of version 1 is left as it was.
  EXPECT_EQ(*read->record_slot()->Get<std::string>(), "made of version 1");
}

}  // namespace
}  // namespace vdpark
