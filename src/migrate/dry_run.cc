#include "migrate/dry_run.h"

#include <memory>

#include "store/dynamodb/attribute_json.h"
#include "store/single_table_store.h"
#include "table/single_table_mapper.h"

namespace vdpark {

namespace {

// An item store that keeps nothing and counts what it is asked to put. Behind a
// SingleTableStore it sees exactly the items a single-table target would be sent.
class CountingItemStore : public ItemStore {
 public:
  explicit CountingItemStore(DryRunEstimate* estimate) : estimate_(estimate) {}

  Result<std::optional<Item>> Get(const ItemKey&) override { return std::optional<Item>(); }
  Status Put(const Item& item, const Condition&) override {
    Count(item);
    return Status::OK();
  }
  Result<Item> UpdateItem(const ItemKey&, const Update&, const Condition&) override {
    return Status::NotSupported("a dry run does not update items");
  }
  Status Delete(const ItemKey&, const Condition&) override { return Status::OK(); }
  Result<Page> Query(const QueryRequest&) override { return Page{}; }
  Result<Page> Scan(const ScanRequest&) override { return Page{}; }
  Status BatchWrite(std::span<const WriteRequest> writes) override {
    for (const WriteRequest& w : writes) {
      if (w.kind == WriteRequest::Kind::kPut) Count(w.item);
    }
    return Status::OK();
  }
  Status TransactWrite(std::span<const TransactItem>) override {
    return Status::NotSupported("a dry run does not write transactions");
  }
  bool ScanInKeyOrder() const override { return true; }

 private:
  static bool InIndex(const Item& item, std::string_view pk, std::string_view sk) {
    return GetString(item, pk).has_value() && GetString(item, sk).has_value();
  }

  void Count(const Item& item) {
    DryRunEstimate::Items* kind = nullptr;
    switch (SingleTableMapper::KindOf(item)) {
      case EntityKind::kZone:
        kind = &estimate_->zones;
        break;
      case EntityKind::kBay:
        kind = &estimate_->bays;
        break;
      case EntityKind::kSensor:
        kind = &estimate_->sensors;
        break;
      case EntityKind::kEvent:
        kind = &estimate_->events;
        break;
      case EntityKind::kOther:
        return;
    }
    const uint64_t units = vdpark::WriteUnits(item);
    ++kind->items;
    kind->bytes += ItemSizeBytes(item);
    kind->write_units += units;
    if (InIndex(item, kGsi1PkAttr, kGsi1SkAttr)) kind->index_write_units += units;  // ALL
    if (InIndex(item, kGsi2PkAttr, kGsi2SkAttr)) {
      Item keys;  // KEYS_ONLY: the table's key and the index's
      for (std::string_view a : {kPkAttr, kSkAttr, kGsi2PkAttr, kGsi2SkAttr}) {
        keys.emplace(std::string(a), item.find(a)->second);
      }
      kind->index_write_units += vdpark::WriteUnits(keys);
    }
  }

  DryRunEstimate* estimate_;
};

}  // namespace

DryRunEstimate::Items DryRunEstimate::Total() const {
  Items t;
  for (const Items* i : {&zones, &bays, &sensors, &events}) {
    t.items += i->items;
    t.bytes += i->bytes;
    t.write_units += i->write_units;
    t.index_write_units += i->index_write_units;
  }
  return t;
}

Result<DryRunResult> DryRun(RecordStore& source, MigrateOptions options) {
  DryRunResult result;
  SingleTableStore counter(std::make_unique<CountingItemStore>(&result.estimate), "dry run",
                           MapperOptions{options.retention_days}, nullptr);
  options.on_durable = nullptr;
  options.resume.reset();
  VDPARK_ASSIGN_OR_RETURN(result.stats, Migrate(source, counter, options));
  return result;
}

}  // namespace vdpark
