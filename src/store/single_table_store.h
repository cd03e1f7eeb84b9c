// SingleTableStore: a Store over any ItemStore, through the single-table mapping of SPEC §3.
//
// This is where the embedded (RocksDB) and DynamoDB backends become stores of zones, bays, sensors
// and events: records go in as items, items come out as records. It owns no data of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/item_store.h"
#include "store/live_store.h"
#include "store/operator_store.h"
#include "store/query_store.h"
#include "store/record_memo.h"
#include "store/record_store.h"
#include "store/shared_item_reads.h"
#include "store/store_options.h"
#include "table/single_table_mapper.h"

namespace vdpark {

struct LiveWritePlan;  // live_write_plan.h

class SingleTableStore : public RecordStore,
                         public LiveStore,
                         public QueryStore,
                         public OperatorStore {
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
  // The event items (SK EVENT#...) at or after `since`, counted apart from ScanEvents: from the
  // keys alone where the backend can (embedded, all of them), otherwise by a scan of the items
  // that decodes none of them into events (on DynamoDB it reads what ScanEvents reads once more).
  Result<std::optional<uint64_t>> CountEvents(std::optional<Timestamp> since) override;
  Status WriteMetadata(const Metadata& metadata) override;
  Status WriteEvents(std::span<const ParkingEvent> events) override;
  Status Flush() override;
  WriteStats GetWriteStats() const override { return items_->GetWriteStats(); }

  // --- Live state (store.h), over the item store.
  //
  // Get*: a strongly consistent Get of the record's item; kCorruption naming the item's key when
  // it does not map to the record. On an item store that shares its items (embedded) the record
  // of an unchanged item is made once (see shared_reads_), and ApplyLiveChange hands the bay and
  // sensor it writes over with their items, so that reading them back makes nothing.
  //
  // ApplyLiveChange writes the change's LiveWritePlan (live_write_plan.h: the bay's conditional
  // Put, the event, the zone's ADD occupiedBays, the sensor) in one TransactWrite. An item store
  // that answers it with kNotSupported (dynalite 4 has no TransactWriteItems) is remembered as one
  // without transactions, and from then on the writes go one by one in the plan's order: the
  // bay's conditional Put decides (kConditionFailed there returns at once, nothing written), then
  // the event, the zone's ADD and the sensor follow. A crash or an error between those steps can
  // leave occupiedBays off (and so can a server retry of an ADD whose answer was lost);
  // ReconcileOccupancy repairs it. An error after the bay's Put says what was written. A change
  // of one write (a health message's sensor) is a plain Put.
  // kConditionFailed: the bay is absent or no longer bay_before. A bay that another writer stored
  // with the same meaning but another spelling (an absent attribute rather than NULL, a status in
  // capitals) is matched on a second try, conditioned on exactly what is stored. kNotFound: the
  // zone to count in does not exist (with a transaction, nothing was written). kInvalidArgument:
  // the change does not hang together (see PlanLiveChange).
  //
  // ReconcileOccupancy scans the table for the zones (on DynamoDB a full, filtered Scan), then per
  // zone reads occupiedBays, counts the zone's bays whose status is occupied (one strongly
  // consistent Query) and SETs the count, conditioned on the value read; when a live change moved
  // the counter in between, it reads and counts again. Without transactions a change caught
  // between its bay's Put and its zone's ADD can still leave the counter one off until the next
  // run.
  Result<std::optional<Zone>> GetZone(std::string_view zone_id) override;
  Result<std::optional<Bay>> GetBay(std::string_view zone_id, std::string_view bay_number) override;
  Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id) override;
  Status ApplyLiveChange(const LiveChange& change) override;
  Result<uint64_t> ReconcileOccupancy() override;
  // transaction: applied by one TransactWrite; one_by_one: several writes made one by one after
  // the item store answered kNotSupported; single: a plan of one write.
  LiveWriteCounts GetLiveWriteCounts() const override;

  // --- Queries of the REST API (store.h), in single_table_queries.cc. An item that does not map
  // to its record is kCorruption naming its key, as for Get*.
  //
  // ListZones(tenant): Query GSI1 TENANT#id. ListZones(all) has no index to use. Where the item
  // store lists the keys itself (SharedItemReads::KeysWithSortKey: embedded, a listing kept in
  // step with its writes), each zone is a GetZone of a listed key. Otherwise, on a store that
  // scans in key order it steps through the ZONE# partitions, reading one item per
  // step: the zone's first item (then its METADATA by one Get when that was a bay), and the first
  // event of the zone, after which it resumes past all of the zone's event partitions (ZONE#z#BAY#
  // ...): two one-item Scans per zone whatever the number of events, where a filtered Scan would
  // decode every item (RocksDbItemStore applies a Scan's filter after decoding). A zone whose id
  // begins with another's id + "#BAY#" is passed over with that zone's events (ids with '#' break
  // SPEC §3's keys; ingest and the API refuse them). Measured on 3 million events of 60 zones:
  // 0.35-0.55 s (each one-item Scan costs about 3 ms there: RocksDbItemStore::Scan opens an
  // iterator reading 2 MB ahead), where the filtered Scan took 12-18 s. On a server (DynamoDB) it
  // is a parallel Scan filtered on SK = METADATA and PK begins_with ZONE#, which reads, and is
  // billed for, the whole table.
  // ListBays: Query PK ZONE#id, SK begins_with BAY#. ListSensors(zone): Query GSI1 ZONE#id, SK
  // begins_with SENSOR#. Where the item store shares its items (SharedItemReads::QueryShared) both
  // reuse the record made of an item before while it hands out the same item (bays_made_,
  // sensors_made_). ListSensors(all):
  // on embedded a Scan of the SENSOR# partitions alone (they sort together; it stops within one
  // page past them); on a server a filtered parallel Scan of the whole table.
  //
  // QueryEvents: one bay's events are a Query of PK ZONE#z#BAY#b, a zone's of GSI1 ZONE#z, with
  // SK between EVENT#from and EVENT#(to - 1 µs), newest first. It reads limit + 1 events so that
  // next_cursor is "" exactly when nothing follows. The event type is filtered here, on what
  // the Query returned (the ItemStore Query has no filter; DynamoDB bills the items it reads
  // either way): reading goes on, page after page, until limit + 1 events of the type or the
  // end. The cursor is base64url of {"z":zone,"b":bay,"t":timestamp}, the last event returned
  // (the same as PostgresStore's), resumed after as the Query's ExclusiveStartKey; a cursor that
  // does not decode, or names another zone (or bay), is kInvalidArgument naming "cursor".
  // Events of one zone at the same microsecond come in the order of the index: by bay on
  // embedded, unspecified on DynamoDB; paging still returns each once. A limit of 0 is
  // kInvalidArgument.
  Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id) override;
  Result<std::vector<Bay>> ListBays(std::string_view zone_id) override;
  Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id) override;
  Result<SharedList<Bay>> SharedBays(std::string_view zone_id) override;
  Result<SharedList<Sensor>> SharedZoneSensors(std::string_view zone_id) override;
  Result<EventPage> QueryEvents(const EventQuery& query) override;

  // --- The API's creates (query_store.h), in single_table_creates.cc.
  //
  // CreateZone: Put of the zone's item on condition attribute_not_exists(PK).
  // RegisterSensor reads the bay (strongly consistent) and decides: another sensor there is
  // kBayTaken; otherwise one TransactWrite of the sensor's Put on attribute_not_exists(PK) (its
  // failure is kExists) and the bay's write on condition that its sensorId is still as read
  // (absent bay: a Put of the new bay on attribute_not_exists(PK); a bay there: an Update of
  // sensorId and its GSI2 keys, bayType and location when given, leaving its state alone). A bay
  // changed in between fails its condition, and the bay is read and decided again (at most 10
  // rounds, then kAborted). An item store without transactions (dynalite) gets the same writes
  // one by one: the sensor's conditional Put claims it, then the bay's conditional write; when
  // the bay is taken (or its write fails) the sensor's item is deleted again, and a crash in
  // between leaves the sensor registered without its bay (a second POST then answers 409).
  Result<CreateOutcome> CreateZone(const Zone& zone) override;
  Result<CreateOutcome> RegisterSensor(const Sensor& sensor, const Bay& bay) override;

  // --- Alerts and settings (operator_store.h), in single_table_operator.cc, as the items of
  // table/operator_items.h. RaiseAlert is a Put on attribute_not_exists(PK); ReplaceOpenAlert a
  // Put conditioned on raisedAt and state as read; ResolveAlert one TransactWrite of the resolved
  // item's Put and the open one's conditional Delete (without transactions: the Put, then the
  // Delete). ListAlerts queries GSI1 ALERTS#OPEN or ALERTS#RESOLVED, newest first.
  Result<CreateOutcome> RaiseAlert(const Alert& alert) override;
  Result<std::optional<Alert>> GetOpenAlert(std::string_view sensor_id, AlertKind kind) override;
  Result<std::optional<Alert>> GetAlert(const AlertId& id) override;
  Result<std::vector<Alert>> ListAlerts(const AlertQuery& query) override;
  Status ReplaceOpenAlert(const Alert& as_read, const Alert& changed) override;
  Status ResolveAlert(const Alert& as_read, const Alert& resolved) override;
  Result<std::optional<OperatorSettings>> GetSettings(
      const std::optional<std::string>& tenant_id) override;
  Status PutSettings(const std::optional<std::string>& tenant_id,
                     const OperatorSettings& settings) override;

  // False once the item store has answered a TransactWrite with kNotSupported.
  bool UsesTransactions() const { return !no_transactions_.load(); }

  ItemStore& items() { return *items_; }
  const SingleTableMapper& mapper() const { return mapper_; }

 private:
  // Segments of a parallel scan of a store that does not scan in key order (a server).
  static constexpr int kScanSegments = 8;

  // Visits every item that `filter` keeps, page by page, one at a time.
  Status ScanItems(const Condition& filter, const std::function<Status(Item&&)>& visit);

  // The item with `key` as the record `to_record` maps it to; nullopt when there is none.
  template <typename Record, typename ToRecord>
  Result<std::optional<Record>> GetRecord(const ItemKey& key, ToRecord to_record);
  // The record `to_record` makes of `item` (stored under `key`); kCorruption naming the item when
  // it makes none.
  template <typename Record, typename ToRecord>
  Result<Record> MakeRecord(const ItemKey& key, const Item& item, ToRecord to_record) const;
  // The alert stored under `key`, nullopt when there is none; kCorruption when it is no alert.
  Result<std::optional<Alert>> ReadAlert(const ItemKey& key);
  // A LiveWritePlan's writes in one transaction or one by one (see ApplyLiveChange).
  // On OK the plan's items may have been taken by the store (ItemStore::TransactWriteTaking); on
  // an error they are as they were, for a second try.
  Status WriteLivePlan(LiveWritePlan& plan);
  Status WriteOneByOne(const LiveWritePlan& plan);
  // Sets the zone's occupiedBays to its occupied bays' count; whether it had to change it.
  Result<bool> ReconcileZone(const ItemKey& zone_key);
  // The number of the zone's bays whose status is occupied.
  Result<int64_t> CountOccupiedBays(std::string_view zone_id);

  std::unique_ptr<ItemStore> items_;
  std::string display_name_;
  SingleTableMapper mapper_;
  std::function<Status()> flush_;
  std::atomic<bool> no_transactions_{false};
  // Live changes applied, by path (GetLiveWriteCounts).
  std::atomic<uint64_t> live_transaction_{0}, live_one_by_one_{0}, live_single_{0};

  // The item store's role of sharing its items (embedded), or null (DynamoDB). Get* read through
  // its GetWithSlot: the record made of a stored version is kept in the version's slot, and the
  // next read of the same version takes it from there rather than making it again (live ingest
  // reads a bay, a sensor and a zone per message; making them was an eighth of its work).
  SharedItemReads* const shared_reads_;
  // The records made of the items of ListBays and ListSensors(zone), read by QueryShared.
  RecordMemo<Bay> bays_made_;
  RecordMemo<Sensor> sensors_made_;
};

}  // namespace vdpark
