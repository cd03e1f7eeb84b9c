#include "store/embedded/rocksdb_item_store.h"

#include <rocksdb/db.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/embedded/item_codec.h"
#include "store_contract.h"
#include "wait_until.h"

namespace vdpark {
namespace {

using contract::MakeItem;
using contract::Num;
using contract::QueryAll;
using testing::WaitUntil;
using AV = AttributeValue;

// A fresh folder under the system's temp dir, removed with its contents at the end of the scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vdpark-store-XXXXXX").string();
    path_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The embedded backend for the contract suite: a store in its own temp dir, on a clock the test
// sets (starting at the real time).
class EmbeddedUnderTest : public contract::StoreUnderTest {
 public:
  EmbeddedUnderTest() {
    RocksDbOptions options;
    options.now_seconds = [now = now_] { return now->load(); };
    options.background_purge = false;
    auto store = RocksDbItemStore::Open(dir_.path(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (store.ok()) store_ = std::move(*store);
  }
  ItemStore& store() override { return *store_; }
  void SetNow(int64_t epoch_seconds) override { now_->store(epoch_seconds); }

 private:
  TempDir dir_;  // destroyed after store_, which closes the database first
  std::shared_ptr<std::atomic<int64_t>> now_ = std::make_shared<std::atomic<int64_t>>(
      std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::unique_ptr<RocksDbItemStore> store_;
};

[[maybe_unused]] const bool kEmbeddedRegistered = contract::RegisterContractBackend({
    .name = "embedded",
    .capabilities = {.honours_ttl_immediately = true, .controllable_clock = true},
    .make = [] { return std::make_unique<EmbeddedUnderTest>(); },
});

class RocksDbItemStoreTest : public ::testing::Test {
 protected:
  // Options as the tests start from: no background thread unless a test asks for it.
  static RocksDbOptions Quiet() {
    RocksDbOptions options;
    options.background_purge = false;
    return options;
  }
  std::unique_ptr<RocksDbItemStore> Open(RocksDbOptions options = Quiet()) {
    options.now_seconds = [now = now_] { return now->load(); };
    auto store = RocksDbItemStore::Open(dir_.path(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::vector<std::string> Sks(ItemStore& store, IndexName index, const std::string& partition) {
    return contract::Sks(QueryAll(store, {index, partition, {}, true, 0, std::nullopt}));
  }
  // Items with ttl 2000 ("old") and none ("keep"), in every index, at time 1000.
  void PutExpiring(ItemStore& store) {
    now_->store(1000);
    for (const char* sk : {"old", "keep"}) {
      Item item = MakeItem("Z", sk,
                           {{"GSI1PK", AV::S("G")},
                            {"GSI1SK", AV::S(sk)},
                            {"GSI2PK", AV::S("S")},
                            {"GSI2SK", AV::S(sk)}});
      if (std::string(sk) == "old") item["ttl"] = Num(2000);
      ASSERT_OK(store.Put(item));
    }
  }
  // With the clock back before the ttl, only what was removed for good stays invisible.
  void ExpectPurged(ItemStore& store) {
    now_->store(1000);
    using V = std::vector<std::string>;
    auto got = store.Get({"Z", "old"});
    ASSERT_OK(got);
    EXPECT_FALSE(got->has_value());
    EXPECT_EQ(Sks(store, IndexName::kTable, "Z"), V{"keep"});
    EXPECT_EQ(Sks(store, IndexName::kGsi1, "G"), V{"keep"});
    EXPECT_EQ(Sks(store, IndexName::kGsi2, "S"), V{"keep"});
  }

  TempDir dir_;
  std::shared_ptr<std::atomic<int64_t>> now_ = std::make_shared<std::atomic<int64_t>>(1000);
};

TEST_F(RocksDbItemStoreTest, ReopenKeepsItemsAndIndexes) {
  Item item = MakeItem("ZONE#1", "METADATA",
                       {{"GSI1PK", AV::S("TENANT#t")},
                        {"GSI1SK", AV::S("ZONE#1")},
                        {"m", AV::M({{"l", AV::L({AV::N("1.50")})}})}});
  {
    auto store = Open();
    ASSERT_OK(store->Put(item));
  }
  auto store = Open();
  auto got = store->Get({"ZONE#1", "METADATA"});
  ASSERT_OK(got);
  EXPECT_EQ(ItemToDynamoJson(**got), ItemToDynamoJson(item));  // "1.50" kept as written
  EXPECT_EQ(Sks(*store, IndexName::kGsi1, "TENANT#t"), std::vector<std::string>{"METADATA"});
}

TEST_F(RocksDbItemStoreTest, BulkLoadWithoutWalIsDurableAfterFlushToDisk) {
  RocksDbOptions bulk = Quiet();
  bulk.bulk_load = true;
  bulk.disable_wal = true;
  {
    auto store = Open(bulk);
    std::vector<WriteRequest> writes;
    for (int i = 0; i < 5000; ++i) {
      writes.push_back(WriteRequest::Put(MakeItem(
          "P", std::to_string(100000 + i), {{"GSI2PK", AV::S("X")}, {"GSI2SK", AV::S("B")}})));
    }
    ASSERT_OK(store->BatchWrite(writes));
    ASSERT_OK(store->FlushToDisk());
  }
  auto store = Open();
  EXPECT_EQ(Sks(*store, IndexName::kTable, "P").size(), 5000u);
  EXPECT_EQ(Sks(*store, IndexName::kGsi2, "X").size(), 5000u);
}

TEST_F(RocksDbItemStoreTest, OpenFailsOnAMissingFolderWithoutCreateAndOnASecondOpen) {
  RocksDbOptions no_create;
  no_create.create_if_missing = false;
  auto missing = RocksDbItemStore::Open(dir_.path() + "/nothing", no_create);
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  auto first = Open();
  auto second = RocksDbItemStore::Open(dir_.path(), RocksDbOptions());
  EXPECT_FALSE(second.ok());
}

TEST_F(RocksDbItemStoreTest, RejectsWhatTheKeyLayoutCannotHold) {
  auto store = Open();
  using namespace std::string_literals;
  EXPECT_TRUE(store->Put(MakeItem("a\0b"s, "S")).IsInvalidArgument());
  EXPECT_TRUE(store->Put(MakeItem("P", "S", {{"GSI1PK", AV::S("a\0b"s)}})).IsInvalidArgument());
  EXPECT_TRUE(store->Put(MakeItem("P", "S", {{"GSI2SK", AV::S("")}})).IsInvalidArgument());
  EXPECT_TRUE(store->Get({"a\0b"s, "S"}).status().IsInvalidArgument());
  EXPECT_TRUE(store->Put(MakeItem(std::string(2049, 'p'), "S")).IsInvalidArgument());
  Update change_key;
  change_key.set = {{"PK", AV::S("other")}};
  EXPECT_TRUE(store->UpdateItem({"P", "S"}, change_key).status().IsInvalidArgument());
  AttributeValue deep = Num(1);
  for (int i = 0; i < 40; ++i) deep = AV::L({deep});
  EXPECT_TRUE(store->Put(MakeItem("P", "deep", {{"d", deep}})).IsInvalidArgument());
  EXPECT_TRUE(store->Scan({.segment = 3, .total_segments = 3}).status().IsInvalidArgument());
}

TEST_F(RocksDbItemStoreTest, AnIndexKeyOfAnotherTypeKeepsTheItemOutOfTheIndex) {
  auto store = Open();
  ASSERT_OK(store->Put(MakeItem("P", "n", {{"GSI1PK", AV::S("G")}, {"GSI1SK", Num(1)}})));
  ASSERT_OK(store->Put(MakeItem("P", "s", {{"GSI1PK", AV::S("G")}, {"GSI1SK", AV::S("1")}})));
  EXPECT_EQ(Sks(*store, IndexName::kGsi1, "G"), std::vector<std::string>{"s"});
}

TEST_F(RocksDbItemStoreTest, PurgeExpiredRemovesItemsAndTheirIndexEntries) {
  auto store = Open();
  PutExpiring(*store);
  now_->store(2000);
  EXPECT_EQ(Sks(*store, IndexName::kTable, "Z"), std::vector<std::string>{"keep"});
  ASSERT_OK(store->PurgeExpired());
  ExpectPurged(*store);
}

// What a load's completeness guard counts a single table's events by: keys alone, expired items
// left out, other sort keys not counted.
TEST_F(RocksDbItemStoreTest, CountBySortKeyPrefixCountsUnexpiredKeysAlone) {
  auto store = Open();
  now_->store(1000);
  for (const char* pk : {"ZONE#a#BAY#1", "ZONE#a#BAY#2", "ZONE#b#BAY#1"}) {
    for (const char* sk : {"EVENT#1", "EVENT#2", "EVENT#3"})
      ASSERT_OK(store->Put(MakeItem(pk, sk)));
  }
  ASSERT_OK(store->Put(MakeItem("ZONE#a", "BAY#1")));
  ASSERT_OK(store->Put(MakeItem("ZONE#a", "METADATA")));
  ASSERT_OK(store->Put(MakeItem("ZONE#b#BAY#1", "EVENT#0", {{"ttl", Num(2000)}})));
  auto before = store->CountBySortKeyPrefix("EVENT#");
  ASSERT_TRUE(before.ok() && *before) << before.status().ToString();
  EXPECT_EQ(**before, 10u);
  now_->store(2500);  // the one with a ttl has expired
  auto after = store->CountBySortKeyPrefix("EVENT#");
  ASSERT_TRUE(after.ok() && *after) << after.status().ToString();
  EXPECT_EQ(**after, 9u);
  auto bays = store->CountBySortKeyPrefix("BAY#");
  ASSERT_TRUE(bays.ok() && *bays);
  EXPECT_EQ(**bays, 1u);
}

TEST_F(RocksDbItemStoreTest, TheCompactionFilterDropsExpiredEntries) {
  auto store = Open();
  PutExpiring(*store);
  ASSERT_OK(store->FlushToDisk());
  now_->store(2500);
  ASSERT_OK(store->CompactExpired());
  ExpectPurged(*store);
}

TEST_F(RocksDbItemStoreTest, TheBackgroundThreadPurgesPeriodically) {
  RocksDbOptions options = Quiet();
  options.background_purge = true;
  options.purge_interval = std::chrono::milliseconds(20);
  auto store = Open(options);
  PutExpiring(*store);
  now_->store(2500);
  // Two finished runs after the clock moved: at least one ran wholly with the new clock.
  uint64_t start = store->BackgroundPurgeRuns();
  WaitUntil([&] { return store->BackgroundPurgeRuns() >= start + 2; }, std::chrono::seconds(60));
  ASSERT_GE(store->BackgroundPurgeRuns(), start + 2);
  ExpectPurged(*store);
}

TEST_F(RocksDbItemStoreTest, PagesEndAtAboutOneMegabyte) {
  auto store = Open();
  std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(store->Put(
        MakeItem("P", std::to_string(10 + i),
                 {{"blob", AV::S(blob)}, {"GSI1PK", AV::S("G")}, {"GSI1SK", AV::S("same")}})));
  }
  for (IndexName index : {IndexName::kTable, IndexName::kGsi1}) {
    auto page = store->Query({index, index == IndexName::kTable ? "P" : "G", {}, true, 0, {}});
    ASSERT_OK(page);
    EXPECT_LT(page->items.size(), 30u);
    EXPECT_GE(page->items.size(), 9u);
    EXPECT_TRUE(page->last_evaluated_key.has_value());
    size_t pages = 0;
    auto all =
        QueryAll(*store, {index, index == IndexName::kTable ? "P" : "G", {}, true, 0, {}}, &pages);
    EXPECT_EQ(all.size(), 30u);
    EXPECT_GE(pages, 3u);
  }
  auto scan = store->Scan({});
  ASSERT_OK(scan);
  EXPECT_LT(scan->items.size(), 30u);
  EXPECT_EQ(contract::ScanAll(*store, {}).size(), 30u);
}

TEST_F(RocksDbItemStoreTest, Gsi1QueriesSeeItemsAndIndexAtOneMoment) {
  auto store = Open();
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(store->Put(
        MakeItem("P", std::to_string(i), {{"GSI1PK", AV::S("A")}, {"GSI1SK", AV::S("x")}})));
  }
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::thread writer([&] {
    for (int round = 0; !stop; ++round) {
      Update flip;
      flip.set = {{"GSI1PK", AV::S(round % 2 == 0 ? "B" : "A")}};
      for (int i = 0; i < 50; ++i) EXPECT_OK(store->UpdateItem({"P", std::to_string(i)}, flip));
    }
  });
  for (int q = 0; q < 300; ++q) {
    for (const auto& item : QueryAll(*store, {IndexName::kGsi1, "A", {}, true, 7, {}})) {
      if (GetString(item, "GSI1PK") != "A") ++wrong;
    }
  }
  stop = true;
  writer.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(RocksDbItemStoreTest, ADamagedValueIsReportedAsCorruption) {
  {
    auto store = Open();
    ASSERT_OK(store->Put(MakeItem("P", "S")));
  }
  {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"gsi1", {}}, {"gsi2", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open({}, dir_.path(), families, &handles, &raw).ok());
    std::string damaged = EncodeItem(MakeItem("P", "S"));
    damaged.push_back('\x09');  // a trailing byte
    ASSERT_TRUE(raw->Put({}, handles[0], EncodeTableKey("P", "S"), damaged).ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto store = Open();
  auto got = store->Get({"P", "S"});
  EXPECT_EQ(got.status().code(), Status::Code::kCorruption) << got.status().ToString();
  EXPECT_EQ(store->Scan({}).status().code(), Status::Code::kCorruption);
}

TEST_F(RocksDbItemStoreTest, ACreationCutShortBeforeTheIndexesIsFinishedOnTheNextOpen) {
  {
    // What a process killed during creation leaves: RocksDB's files, one index family of two.
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    o.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.path(), &raw).ok());
    rocksdb::ColumnFamilyHandle* gsi1 = nullptr;
    ASSERT_TRUE(raw->CreateColumnFamily({}, "gsi1", &gsi1).ok());
    raw->DestroyColumnFamilyHandle(gsi1);
    delete raw;
  }
  RocksDbOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_FALSE(RocksDbItemStore::Open(dir_.path(), no_create).ok());  // not made: refused
  auto store = Open();  // allowed to create: finishes the job
  ASSERT_OK(store->Put(MakeItem("P", "S")));
  EXPECT_TRUE(store->Get({"P", "S"}).ok());
}

}  // namespace
}  // namespace vdpark

namespace vdpark {
namespace {

// The number in the N attribute `name` of `item`; -1 when there is none.
int64_t NumberOf(const Item& item, std::string_view name) {
  const AttributeValue* v = FindAttribute(item, name);
  return v != nullptr && v->is_n() ? std::stoll(v->text()) : -1;
}

// Point reads come from the StoredValueCache once an item has been read (stored_value_cache.h):
// each kind of write must show in the next read, a write that fails must not, and a cached item
// expires as a stored one does.
TEST_F(RocksDbItemStoreTest, PointReadsFollowEveryKindOfWrite) {
  auto store = Open();
  auto value_of = [&](const std::string& sk) -> std::string {
    auto got = store->Get({"P", sk});
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || !*got) return "none";
    return GetString(**got, "v").value_or("?");
  };
  auto put = [](const std::string& sk, const std::string& v) {
    return MakeItem("P", sk, {{"v", AV::S(v)}});
  };
  EXPECT_EQ(value_of("a"), "none");  // now known to be absent
  ASSERT_OK(store->Put(put("a", "1")));
  EXPECT_EQ(value_of("a"), "1");
  ASSERT_OK(store->Put(put("a", "2")));
  EXPECT_EQ(value_of("a"), "2");
  EXPECT_EQ(store->Put(put("a", "3"), Condition::NotExists("PK")).code(),
            Status::Code::kConditionFailed);
  EXPECT_EQ(value_of("a"), "2");
  ASSERT_OK(store->UpdateItem({"P", "a"}, Update{.set = {{"v", AV::S("4")}}}));
  EXPECT_EQ(value_of("a"), "4");
  const TransactItem both[] = {{.kind = TransactItem::Kind::kPut, .item = put("a", "5")},
                               {.kind = TransactItem::Kind::kPut, .item = put("b", "5")}};
  EXPECT_EQ(value_of("b"), "none");
  ASSERT_OK(store->TransactWrite(both));
  EXPECT_EQ(value_of("a"), "5");
  EXPECT_EQ(value_of("b"), "5");
  const WriteRequest batch[] = {WriteRequest::Put(put("a", "6")), WriteRequest::Delete({"P", "b"})};
  ASSERT_OK(store->BatchWrite(batch));
  EXPECT_EQ(value_of("a"), "6");
  EXPECT_EQ(value_of("b"), "none");
  ASSERT_OK(store->Delete({"P", "a"}));
  EXPECT_EQ(value_of("a"), "none");

  Item expiring = put("t", "1");
  expiring["ttl"] = Num(2000);
  ASSERT_OK(store->Put(expiring));
  EXPECT_EQ(value_of("t"), "1");
  now_->store(2000);
  EXPECT_EQ(value_of("t"), "none");
}

// Readers on other threads while one thread writes a counter: a read that missed the cache and
// fills it must never put back a value a write has replaced, so no reader sees the counter go
// back, and the last read sees the last write.
TEST_F(RocksDbItemStoreTest, ReadsRacingWritesNeverGoBack) {
  auto store = Open();
  auto counter = [&](int64_t n) { return MakeItem("C", "n", {{"v", Num(n)}}); };
  ASSERT_OK(store->Put(counter(0)));
  constexpr int64_t kWrites = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> went_back{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      int64_t last = 0;
      while (!done.load()) {
        auto got = store->Get({"C", "n"});
        if (!got.ok() || !*got) continue;
        const int64_t n = NumberOf(**got, "v");
        if (n < last) went_back++;
        last = n;
      }
    });
  }
  for (int64_t n = 1; n <= kWrites; ++n) {
    ASSERT_OK(store->Put(counter(n)));
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(went_back.load(), 0);
  auto last = store->Get({"C", "n"});
  ASSERT_OK(last);
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ(NumberOf(**last, "v"), kWrites);
}

TEST_F(RocksDbItemStoreTest, WorksTheSameWithoutItsCache) {
  RocksDbOptions options = Quiet();
  options.item_cache_bytes = 0;
  auto store = Open(options);
  ASSERT_OK(store->Put(MakeItem("P", "a", {{"v", Num(1)}})));
  ASSERT_OK(store->UpdateItem({"P", "a"}, Update{.add = {{"v", 2}}}));
  auto got = store->Get({"P", "a"});
  ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(NumberOf(**got, "v"), 3);
}

// The listing of KeysWithSortKey, once kept, follows every kind of write: a key put for the first
// time joins it, a deleted one leaves it, and keys of other SKs or prefixes never enter it.
TEST_F(RocksDbItemStoreTest, KeysWithSortKeyFollowEveryKindOfWrite) {
  auto store = Open();
  auto zone = [](const std::string& id) { return MakeItem("ZONE#" + id, "METADATA", {}); };
  auto listed = [&]() -> std::vector<std::string> {
    auto keys = store->KeysWithSortKey("ZONE#", "METADATA");
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    std::vector<std::string> pks;
    if (keys.ok()) {
      for (const ItemKey& k : *keys) pks.push_back(k.pk);
    }
    return pks;
  };
  using V = std::vector<std::string>;
  ASSERT_OK(store->Put(zone("b")));
  ASSERT_OK(store->Put(MakeItem("ZONE#b", "BAY#1", {})));
  ASSERT_OK(store->Put(MakeItem("ZONE#b#BAY#1", "EVENT#2026", {})));
  ASSERT_OK(store->Put(MakeItem("ZONE#c", "BAY#1", {})));  // a zone partition without METADATA
  ASSERT_OK(store->Put(MakeItem("SENSOR#s", "METADATA", {})));
  EXPECT_EQ(listed(), V{"ZONE#b"});  // read from the table, and kept

  ASSERT_OK(store->Put(zone("a")));
  EXPECT_EQ(listed(), (V{"ZONE#a", "ZONE#b"}));
  ASSERT_OK(store->UpdateItem({"ZONE#d", "METADATA"}, Update{.add = {{"occupiedBays", 1}}}));
  EXPECT_EQ(listed(), (V{"ZONE#a", "ZONE#b", "ZONE#d"}));
  const TransactItem both[] = {
      {.kind = TransactItem::Kind::kPut, .item = zone("c")},
      {.kind = TransactItem::Kind::kDelete, .key = {"ZONE#a", "METADATA"}}};
  ASSERT_OK(store->TransactWrite(both));
  EXPECT_EQ(listed(), (V{"ZONE#b", "ZONE#c", "ZONE#d"}));
  const WriteRequest batch[] = {WriteRequest::Put(zone("e")),
                                WriteRequest::Delete({"ZONE#b", "METADATA"}),
                                WriteRequest::Put(MakeItem("ZONE#f", "BAY#1", {}))};
  ASSERT_OK(store->BatchWrite(batch));
  EXPECT_EQ(listed(), (V{"ZONE#c", "ZONE#d", "ZONE#e"}));
  ASSERT_OK(store->Delete({"ZONE#c", "METADATA"}));
  ASSERT_OK(store->Put(zone("d")));  // put again: listed once
  EXPECT_EQ(listed(), (V{"ZONE#d", "ZONE#e"}));

  // What the table holds, read again after a reopen: the same.
  store.reset();
  store = Open();
  EXPECT_EQ(listed(), (V{"ZONE#d", "ZONE#e"}));
}

// QueryShared answers from the cache, and follows every write: an updated item shows its new
// attributes, a new one joins, a deleted or expired one leaves, and on GSI1 an item moved to
// another partition leaves the first and joins the second.
TEST_F(RocksDbItemStoreTest, QuerySharedFollowsEveryWrite) {
  auto store = Open();
  // Each page asked for twice: the second is made of what the first was (ListingResolutions),
  // and must be the same.
  auto values = [&](IndexName index, const std::string& partition) {
    std::vector<std::string> out;
    auto first = store->QueryShared({index, partition, {}, true, 0, std::nullopt});
    auto page = store->QueryShared({index, partition, {}, true, 0, std::nullopt});
    EXPECT_TRUE(first.ok() && page.ok()) << page.status().ToString();
    if (!first.ok() || !page.ok()) return out;
    EXPECT_EQ(first->items, page->items);
    for (const auto& item : page->items) {
      out.push_back(GetString(*item, kSkAttr).value_or("?") + "=" +
                    GetString(*item, "v").value_or("?"));
    }
    return out;
  };
  auto item = [](const std::string& sk, const std::string& v, const std::string& g) {
    return MakeItem("P", sk, {{"v", AV::S(v)}, {"GSI1PK", AV::S(g)}, {"GSI1SK", AV::S(sk)}});
  };
  using V = std::vector<std::string>;
  ASSERT_OK(store->Put(item("a", "1", "G")));
  ASSERT_OK(store->Put(item("b", "1", "G")));
  EXPECT_EQ(values(IndexName::kTable, "P"), (V{"a=1", "b=1"}));
  EXPECT_EQ(values(IndexName::kGsi1, "G"), (V{"a=1", "b=1"}));
  auto again = store->QueryShared({IndexName::kTable, "P", {}, true, 0, std::nullopt});
  auto first = store->QueryShared({IndexName::kTable, "P", {}, true, 0, std::nullopt});
  ASSERT_OK(again);
  ASSERT_OK(first);
  EXPECT_EQ(again->items[0], first->items[0]);  // the same item, until it changes

  ASSERT_OK(store->UpdateItem({"P", "a"}, Update{.set = {{"v", AV::S("2")}}}));
  EXPECT_EQ(values(IndexName::kTable, "P"), (V{"a=2", "b=1"}));
  EXPECT_EQ(values(IndexName::kGsi1, "G"), (V{"a=2", "b=1"}));
  ASSERT_OK(store->Put(item("c", "1", "G")));
  EXPECT_EQ(values(IndexName::kTable, "P"), (V{"a=2", "b=1", "c=1"}));
  ASSERT_OK(store->UpdateItem({"P", "b"}, Update{.set = {{"GSI1PK", AV::S("H")}}}));
  EXPECT_EQ(values(IndexName::kGsi1, "G"), (V{"a=2", "c=1"}));
  EXPECT_EQ(values(IndexName::kGsi1, "H"), (V{"b=1"}));
  ASSERT_OK(store->Delete({"P", "a"}));
  EXPECT_EQ(values(IndexName::kTable, "P"), (V{"b=1", "c=1"}));
  EXPECT_EQ(values(IndexName::kGsi1, "G"), (V{"c=1"}));
  Item expiring = item("d", "1", "G");
  expiring["ttl"] = Num(2000);
  ASSERT_OK(store->Put(expiring));
  EXPECT_EQ(values(IndexName::kGsi1, "G"), (V{"c=1", "d=1"}));
  now_->store(2000);
  EXPECT_EQ(values(IndexName::kTable, "P"), (V{"b=1", "c=1"}));
  EXPECT_EQ(values(IndexName::kGsi1, "G"), (V{"c=1"}));
}

}  // namespace
}  // namespace vdpark
