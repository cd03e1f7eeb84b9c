// SingleTableStore: a Store over any ItemStore, through the single-table mapping of SPEC §3.
//
// This is where the embedded (RocksDB) and DynamoDB backends become stores of zones, bays, sensors
// and events: records go in as items, items come out as records. It owns no data of its own.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/item_store.h"
#include "store/store.h"
#include "table/single_table_mapper.h"

namespace vdpark {

class SingleTableStore : public Store {
 public:
  // `flush` makes the item store's writes durable (called by Flush()); it may be empty.
  SingleTableStore(std::unique_ptr<ItemStore> items, std::string display_name,
                   MapperOptions mapper_options, std::function<Status()> flush);

  std::string DisplayName() const override { return display_name_; }
  Result<Metadata> ReadMetadata(const RejectFn& rejects) override;
  Status ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                    const RejectFn& rejects) override;
  bool EventsInKeyOrder() const override { return items_->ScanInKeyOrder(); }
  Result<std::optional<ParkingEvent>> GetEvent(const ParkingEvent& key) override;
  Status WriteMetadata(const Metadata& metadata) override;
  Status WriteEvents(std::span<const ParkingEvent> events) override;
  Status Flush() override;
  WriteStats GetWriteStats() const override { return items_->GetWriteStats(); }

  ItemStore& items() { return *items_; }
  const SingleTableMapper& mapper() const { return mapper_; }

 private:
  // Segments of a parallel scan of a store that does not scan in key order (a server).
  static constexpr int kScanSegments = 8;

  // Visits every item that `filter` keeps, page by page, one at a time.
  Status ScanItems(const Condition& filter, const std::function<Status(Item&&)>& visit);

  std::unique_ptr<ItemStore> items_;
  std::string display_name_;
  SingleTableMapper mapper_;
  std::function<Status()> flush_;
};

}  // namespace vdpark
