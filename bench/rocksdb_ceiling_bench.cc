// The second ceiling of the load benchmark: RocksDB itself writing the very items a load writes,
// with no parsing and no mapping.
//
// Untimed: every event of DIR/events.csv is read, mapped to its item and encoded to the exact
// keys and values the embedded store writes (base item and GSI1 entry). Timed: those bytes put
// into a fresh RocksDB with the embedded store's bulk-load settings (unsorted memtable, 64 MB
// buffers, 192 MB in all, no WAL, atomic flush), in write batches of 4096 events sorted by key
// as the store sorts them, then flushed to disk.
// Usage: rocksdb_ceiling_bench CSV_DIR DB_DIR. Prints one JSON object.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "store/embedded/item_codec.h"
#include "store/open_store.h"
#include "table/single_table_mapper.h"

using namespace vdpark;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CSV_DIR DB_DIR\n", argv[0]);
    return 2;
  }
  StoreOptions so;
  so.create_if_missing = false;
  auto csv = OpenStore(std::string("csv:") + argv[1], so);
  if (!csv.ok()) {
    std::fprintf(stderr, "%s\n", csv.status().ToString().c_str());
    return 2;
  }
  struct Encoded {
    std::string key, value, index_key;
  };
  std::vector<Encoded> events;
  SingleTableMapper mapper;
  Status s = (*csv)->ScanEvents(
      {},
      [&](ParkingEvent&& e, const Origin&) {
        Item item = mapper.ToItem(e);
        ItemKey k = SingleTableMapper::EventKey(e);
        auto index = IndexEntriesOf(item, k.pk, k.sk);
        events.push_back({EncodeTableKey(k.pk, k.sk), EncodeItem(item), *index.gsi1});
        return Status::OK();
      },
      {});
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }

  std::filesystem::remove_all(argv[2]);
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.atomic_flush = true;
  db.max_background_jobs = 4;
  db.db_write_buffer_size = size_t{192} << 20;
  db.allow_concurrent_memtable_write = false;
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  cf.write_buffer_size = size_t{64} << 20;
  cf.max_write_buffer_number = 3;
  cf.level_compaction_dynamic_level_bytes = true;
  cf.level0_file_num_compaction_trigger = 8;
  cf.level0_slowdown_writes_trigger = 48;
  cf.level0_stop_writes_trigger = 72;
  cf.target_file_size_base = uint64_t{64} << 20;
  cf.max_bytes_for_level_base = uint64_t{512} << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {"gsi1", cf}, {"gsi2", cf}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs = rocksdb::DB::Open(db, argv[2], families, &handles, &raw);
  if (!rs.ok()) {
    std::fprintf(stderr, "%s\n", rs.ToString().c_str());
    return 2;
  }
  const std::string ttl = events.empty() ? "" : events[0].value.substr(0, kTtlPrefixBytes);

  auto t0 = std::chrono::steady_clock::now();
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  std::vector<size_t> order;
  for (size_t i = 0; i < events.size(); i += 4096) {
    size_t end = std::min(events.size(), i + 4096);
    order.clear();
    for (size_t j = i; j < end; ++j) order.push_back(j);
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return events[a].key < events[b].key; });
    rocksdb::WriteBatch batch;
    for (size_t j : order) {
      batch.Put(handles[0], events[j].key, events[j].value);
      batch.Put(handles[1], events[j].index_key, ttl);
    }
    rs = raw->Write(wo, &batch);
    if (!rs.ok()) break;
  }
  if (rs.ok()) rs = raw->Flush(rocksdb::FlushOptions(), handles);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  if (!rs.ok()) {
    std::fprintf(stderr, "%s\n", rs.ToString().c_str());
    return 2;
  }
  std::printf("{\"events\":%zu,\"seconds\":%.3f,\"events_per_s\":%.0f}\n", events.size(), secs,
              events.size() / secs);
  return 0;
}
