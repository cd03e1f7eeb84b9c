#include "store/single_table_store.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/duplicate_detector.h"
#include "domain/record_rules.h"
#include "store/live_write_plan.h"

namespace vdpark {

namespace {

// BatchWrite refuses two requests for one key in one call (as DynamoDB does); a source with
// duplicate keys must still load, the later row winning as it would in a sequence of puts.
void KeepLastPerKey(std::vector<WriteRequest>* writes) {
  std::vector<std::string> keys;
  keys.reserve(writes->size());
  std::unordered_map<std::string_view, size_t> last;
  last.reserve(writes->size());
  for (size_t i = 0; i < writes->size(); ++i) {
    const Item& item = (*writes)[i].item;
    std::string& key = keys.emplace_back(GetString(item, kPkAttr).value_or(""));
    key += '\0';
    key += GetString(item, kSkAttr).value_or("");
  }
  bool any = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto [it, inserted] = last.try_emplace(keys[i], i);
    if (!inserted) it->second = i, any = true;
  }
  if (!any) return;
  std::vector<WriteRequest> kept;
  kept.reserve(last.size());
  for (size_t i = 0; i < writes->size(); ++i) {
    if (last[keys[i]] == i) kept.push_back(std::move((*writes)[i]));
  }
  *writes = std::move(kept);
}

std::string KeyText(const Item& item) {
  return GetString(item, kPkAttr).value_or("?") + " / " + GetString(item, kSkAttr).value_or("?");
}

// Whether the mapper reads `n` back as it writes it (it reads numbers as Decimals, which hold
// less than an int64).
bool ReadsBack(const std::optional<int64_t>& n) {
  return !n || Decimal::Parse(AttributeValue::N(*n).text()).ok();
}

constexpr std::string_view kOccupiedBaysAttr = "occupiedBays";
constexpr std::string_view kBayStatusAttr = "status";

// Rounds of read, count and conditional SET for one zone before ReconcileOccupancy gives up: each
// lost round means a live change moved the counter in between, so this many means a busy zone.
constexpr int kReconcileAttempts = 20;

std::string BayText(const LiveWritePlan& plan) {
  return "bay " + plan.zone_id + "/" + plan.bay_number;
}

Status BayChanged(const LiveWritePlan& plan) {
  return Status::ConditionFailed(BayText(plan) +
                                 " does not exist or is no longer as read (status, lastChange, "
                                 "lastHeartbeat): nothing was written");
}

// Whether an N attribute holds `n`.
bool HoldsNumber(const AttributeValue* value, int64_t n) {
  int cmp = 0;
  return value != nullptr && value->is_n() &&
         CompareNumbers(value->text(), std::to_string(n), &cmp) && cmp == 0;
}

}  // namespace

SingleTableStore::SingleTableStore(std::unique_ptr<ItemStore> items, std::string display_name,
                                   MapperOptions mapper_options, std::function<Status()> flush)
    : items_(std::move(items)),
      display_name_(std::move(display_name)),
      mapper_(mapper_options),
      flush_(std::move(flush)),
      shared_reads_(dynamic_cast<SharedItemReads*>(items_.get())) {}

Status SingleTableStore::ScanItems(const Condition& filter,
                                   const std::function<Status(Item&&)>& visit) {
  // A store that scans in key order is read in one pass, so that its events come in key order. A
  // server is read with parallel scan segments: pages are fetched side by side, and `visit` sees
  // them one at a time, so callers need no locking of their own.
  const int segments = items_->ScanInKeyOrder() ? 1 : kScanSegments;
  std::mutex mu;
  Status first_error;
  std::atomic<bool> stop{false};
  auto scan_segment = [&](int segment) {
    ScanRequest request;
    request.segment = segment;
    request.total_segments = segments;
    request.filter = filter;
    while (!stop) {
      auto page = items_->Scan(request);
      std::lock_guard lock(mu);
      Status s = page.status();
      for (size_t i = 0; s.ok() && !stop && page.ok() && i < page->items.size(); ++i) {
        s = visit(std::move(page->items[i]));
      }
      if (!s.ok()) {
        if (first_error.ok()) first_error = s;
        stop = true;
      }
      if (stop || !page->last_evaluated_key) return;
      request.exclusive_start_key = std::move(page->last_evaluated_key);
    }
  };
  if (segments == 1) {
    scan_segment(0);
    return first_error;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < segments; ++i) threads.emplace_back(scan_segment, i);
  for (auto& t : threads) t.join();
  return first_error;
}

Result<Metadata> SingleTableStore::ReadMetadata(const RejectFn& rejects) {
  Metadata md;
  auto reject = [&](const Item& item, const Status& s) {
    if (rejects) rejects({KeyText(item), s.message(), ItemToDynamoJson(item)});
  };
  VDPARK_RETURN_IF_ERROR(ScanItems({}, [&](Item&& item) {
    switch (SingleTableMapper::KindOf(item)) {
      case EntityKind::kZone: {
        auto z = mapper_.ToZone(item);
        z.ok() ? md.zones.push_back(std::move(*z)) : reject(item, z.status());
        break;
      }
      case EntityKind::kBay: {
        auto b = mapper_.ToBay(item);
        b.ok() ? md.bays.push_back(std::move(*b)) : reject(item, b.status());
        break;
      }
      case EntityKind::kSensor: {
        auto x = mapper_.ToSensor(item);
        x.ok() ? md.sensors.push_back(std::move(*x)) : reject(item, x.status());
        break;
      }
      case EntityKind::kEvent:
      case EntityKind::kOther:
        break;
    }
    return Status::OK();
  }));
  std::sort(md.zones.begin(), md.zones.end(),
            [](const Zone& a, const Zone& b) { return a.zone_id < b.zone_id; });
  std::sort(md.bays.begin(), md.bays.end(), [](const Bay& a, const Bay& b) {
    return std::tie(a.zone_id, a.bay_number) < std::tie(b.zone_id, b.bay_number);
  });
  std::sort(md.sensors.begin(), md.sensors.end(),
            [](const Sensor& a, const Sensor& b) { return a.sensor_id < b.sensor_id; });
  return md;
}

namespace {

// The event items in [since, until).
Condition EventFilter(std::optional<Timestamp> since, std::optional<Timestamp> until) {
  Condition filter;
  filter.Add(ConditionClause::Op::kBeginsWith, std::string(kSkAttr), AttributeValue::S("EVENT#"));
  if (since) filter.Add(ConditionClause::Op::kGe, "timestamp", AttributeValue::S(since->ToIso()));
  if (until) filter.Add(ConditionClause::Op::kLt, "timestamp", AttributeValue::S(until->ToIso()));
  return filter;
}

}  // namespace

Result<std::optional<uint64_t>> SingleTableStore::CountEvents(std::optional<Timestamp> since) {
  if (!since) {
    auto counted = items_->CountBySortKeyPrefix("EVENT#");
    if (!counted.ok() || *counted) return counted;
  }
  uint64_t count = 0;
  VDPARK_RETURN_IF_ERROR(ScanItems(EventFilter(since, std::nullopt), [&](Item&&) {
    ++count;
    return Status::OK();
  }));
  return std::optional<uint64_t>(count);
}

Status SingleTableStore::ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                                    const RejectFn& rejects) {
  return ScanItems(EventFilter(options.since, options.until), [&](Item&& item) {
    auto e = mapper_.ToEvent(item);
    if (!e.ok()) {
      if (rejects) rejects({KeyText(item), e.status().message(), ItemToDynamoJson(item)});
      return Status::OK();
    }
    return visit(std::move(*e), Origin{display_name_, 0});
  });
}

Result<std::optional<ParkingEvent>> SingleTableStore::GetEvent(const ParkingEvent& key) {
  VDPARK_ASSIGN_OR_RETURN(std::optional<Item> item, items_->Get(SingleTableMapper::EventKey(key)));
  if (!item) return std::optional<ParkingEvent>();
  VDPARK_ASSIGN_OR_RETURN(ParkingEvent e, mapper_.ToEvent(*item));
  return std::optional<ParkingEvent>(std::move(e));
}

Status SingleTableStore::WriteMetadata(const Metadata& metadata) {
  VDPARK_RETURN_IF_ERROR(CheckRecords(metadata));  // nothing stored that ToZone etc. would refuse
  // occupiedBays is recomputed from the bays' statuses (§5.2: "will be recalculated").
  std::map<std::string, int64_t, std::less<>> occupied;
  for (const Bay& b : metadata.bays) {
    if (b.status == BayStatus::kOccupied) ++occupied[b.zone_id];
  }
  std::vector<WriteRequest> writes;
  writes.reserve(metadata.zones.size() + metadata.bays.size() + metadata.sensors.size());
  for (Zone z : metadata.zones) {
    auto it = occupied.find(z.zone_id);
    z.occupied_bays = it == occupied.end() ? 0 : it->second;
    writes.push_back(WriteRequest::Put(mapper_.ToItem(z)));
  }
  for (const Bay& b : metadata.bays) writes.push_back(WriteRequest::Put(mapper_.ToItem(b)));
  for (const Sensor& s : metadata.sensors) writes.push_back(WriteRequest::Put(mapper_.ToItem(s)));
  KeepLastPerKey(&writes);
  return items_->BatchWrite(writes);
}

Status SingleTableStore::WriteEvents(std::span<const ParkingEvent> events) {
  for (const ParkingEvent& e : events) VDPARK_RETURN_IF_ERROR(CheckRecord(e));
  // The items of the previous call on this thread are refilled in place (see FillItem).
  thread_local std::vector<WriteRequest> writes;
  std::vector<size_t> keep = LastOfEachKey(events);
  if (writes.size() < keep.size()) writes.resize(keep.size());
  for (size_t i = 0; i < keep.size(); ++i) {
    WriteRequest& w = writes[i];
    w.kind = WriteRequest::Kind::kPut;
    w.index_keys_follow_key = true;  // an event's GSI1 key is built from its key
    mapper_.FillItem(events[keep[i]], &w.item);
  }
  return items_->BatchWrite(std::span<const WriteRequest>(writes.data(), keep.size()));
}

template <typename Record, typename ToRecord>
Result<Record> SingleTableStore::MakeRecord(const ItemKey& key, const Item& item,
                                            ToRecord to_record) const {
  Result<Record> record = to_record(item);
  if (record.ok()) return record;
  // The mapper's messages name the item already ("item PK / SK, attribute ...").
  const Status problem = record.status();
  const std::string& why = problem.message();
  return Status::Corruption(
      display_name_ + ": " +
      (why.starts_with("item ") ? why : "item " + key.pk + " / " + key.sk + ": " + why));
}

template <typename Record, typename ToRecord>
Result<std::optional<Record>> SingleTableStore::GetRecord(const ItemKey& key, ToRecord to_record) {
  SharedRecordRead read;
  if (shared_reads_ != nullptr) {
    VDPARK_ASSIGN_OR_RETURN(read, shared_reads_->GetWithSlot(key));
  } else {
    VDPARK_ASSIGN_OR_RETURN(read.item, items_->GetShared(key));
  }
  if (!read.item) return std::optional<Record>();
  if (read.slot) {
    if (std::shared_ptr<const Record> kept = read.slot->template Get<Record>()) {
      return std::optional<Record>(*kept);
    }
  }
  VDPARK_ASSIGN_OR_RETURN(Record record, MakeRecord<Record>(key, *read.item, to_record));
  if (read.slot) read.slot->Keep(KeepRecord(record));
  return std::optional<Record>(std::move(record));
}

Result<std::optional<Zone>> SingleTableStore::GetZone(std::string_view zone_id) {
  return GetRecord<Zone>(SingleTableMapper::ZoneKey(zone_id),
                         [this](const Item& item) { return mapper_.ToZone(item); });
}

Result<std::optional<Bay>> SingleTableStore::GetBay(std::string_view zone_id,
                                                    std::string_view bay_number) {
  return GetRecord<Bay>(SingleTableMapper::BayKey(zone_id, bay_number),
                        [this](const Item& item) { return mapper_.ToBay(item); });
}

Result<std::optional<Sensor>> SingleTableStore::GetSensor(std::string_view sensor_id) {
  return GetRecord<Sensor>(SingleTableMapper::SensorKey(sensor_id),
                           [this](const Item& item) { return mapper_.ToSensor(item); });
}

Status SingleTableStore::ApplyLiveChange(const LiveChange& change) {
  if (change.bay_after) VDPARK_RETURN_IF_ERROR(CheckRecord(*change.bay_after));
  if (change.event) VDPARK_RETURN_IF_ERROR(CheckRecord(*change.event));
  if (change.sensor) VDPARK_RETURN_IF_ERROR(CheckRecord(*change.sensor));
  VDPARK_ASSIGN_OR_RETURN(LiveWritePlan plan, PlanLiveChange(change, mapper_));
  if (plan.writes.empty()) return Status::OK();
  if (shared_reads_ != nullptr) {
    // The records the bay's and the sensor's items are made of, for the store to keep with the
    // versions written: the next message of this sensor reads them without decoding. ToBay and
    // ToSensor give exactly these back of ToItem's items (CheckRecord passed above; the tests
    // check the round trip), but for a sensor's number too large to read back.
    if (plan.has_bay) plan.writes.front().record = KeepRecord(*change.bay_after);
    if (change.sensor && ReadsBack(change.sensor->last_battery) &&
        ReadsBack(change.sensor->last_signal)) {
      plan.writes.back().record = KeepRecord(*change.sensor);
    }
  }
  Status s = WriteLivePlan(plan);
  if (!s.IsConditionFailed() || !plan.has_bay) return s;
  // The condition spells the bay as this mapper writes it; a bay another writer stored may say
  // the same in other words. Read it, and when it still means bay_before, try once more on
  // exactly what is stored (itself a condition, so a race in between still fails).
  const Bay& before = *change.bay_before;
  auto stored = items_->Get(SingleTableMapper::BayKey(before.zone_id, before.bay_number));
  if (!stored.ok() || !*stored) return s;
  std::optional<Condition> as_stored = BayUnchangedAsStored(**stored, before, mapper_);
  if (!as_stored) return s;
  plan.writes[0].condition = std::move(*as_stored);
  return WriteLivePlan(plan);
}

LiveWriteCounts SingleTableStore::GetLiveWriteCounts() const {
  return {.transaction = live_transaction_.load(std::memory_order_relaxed),
          .one_by_one = live_one_by_one_.load(std::memory_order_relaxed),
          .single = live_single_.load(std::memory_order_relaxed)};
}

Status SingleTableStore::WriteLivePlan(LiveWritePlan& plan) {
  if (plan.writes.size() == 1 || no_transactions_.load()) return WriteOneByOne(plan);
  Status s = items_->TransactWriteTaking(plan.writes);
  if (s.IsNotSupported()) {
    // The server has no transactions (dynalite); nothing was written. Not asked again.
    no_transactions_.store(true);
    return WriteOneByOne(plan);
  }
  if (s.ok()) live_transaction_.fetch_add(1, std::memory_order_relaxed);
  if (!s.IsConditionFailed()) return s;
  // Only the bay's Put and the zone's ADD have conditions; the failed one is named by index.
  if (plan.zone_index && FailedTransactItem(s) == plan.zone_index) {
    return Status::NotFound("zone " + plan.zone_id + " does not exist: nothing was written");
  }
  return BayChanged(plan);
}

Status SingleTableStore::WriteOneByOne(const LiveWritePlan& plan) {
  for (size_t i = 0; i < plan.writes.size(); ++i) {
    const TransactItem& w = plan.writes[i];
    Status s = w.kind == TransactItem::Kind::kUpdate
                   ? items_->UpdateItem(w.key, w.update, w.condition).status()
                   : items_->Put(w.item, w.condition);
    if (s.ok()) continue;
    const bool first = i == 0;
    if (first && plan.has_bay && s.IsConditionFailed()) return BayChanged(plan);
    const std::string written = first ? "nothing was written"
                                      : std::to_string(i) + " of its " +
                                            std::to_string(plan.writes.size()) +
                                            " writes were made, the " + BayText(plan) +
                                            "'s first; ReconcileOccupancy repairs occupiedBays";
    if (plan.zone_index == i && s.IsConditionFailed()) {
      return Status::NotFound("zone " + plan.zone_id + " does not exist (" + written + ")");
    }
    return s.WithContext("writing item " + std::to_string(i) + " of a live change (" + written +
                         ")");
  }
  (plan.writes.size() == 1 ? live_single_ : live_one_by_one_)
      .fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

Result<uint64_t> SingleTableStore::ReconcileOccupancy() {
  // Zones only: SK METADATA under a ZONE# partition (the zone key of an empty id is both prefixes).
  const ItemKey zone_prefix = SingleTableMapper::ZoneKey("");
  Condition zones;
  zones.Add(ConditionClause::Op::kEq, std::string(kSkAttr), AttributeValue::S(zone_prefix.sk));
  zones.Add(ConditionClause::Op::kBeginsWith, std::string(kPkAttr),
            AttributeValue::S(zone_prefix.pk));
  std::vector<ItemKey> keys;
  VDPARK_RETURN_IF_ERROR(ScanItems(zones, [&](Item&& item) {
    if (SingleTableMapper::KindOf(item) == EntityKind::kZone) keys.push_back(*KeyOf(item));
    return Status::OK();
  }));
  std::sort(keys.begin(), keys.end(),
            [](const ItemKey& a, const ItemKey& b) { return a.pk < b.pk; });
  uint64_t corrected = 0;
  for (const ItemKey& key : keys) {
    VDPARK_ASSIGN_OR_RETURN(bool changed, ReconcileZone(key));
    if (changed) ++corrected;
  }
  return corrected;
}

Result<bool> SingleTableStore::ReconcileZone(const ItemKey& zone_key) {
  const std::string zone_id = zone_key.pk.substr(SingleTableMapper::ZoneKey("").pk.size());
  for (int attempt = 0; attempt < kReconcileAttempts; ++attempt) {
    // The counter is read before the bays are counted: a live change that lands after the read
    // moves the counter, and the SET below, conditioned on the value read, then fails and the
    // zone is done again.
    VDPARK_ASSIGN_OR_RETURN(std::optional<Item> zone, items_->Get(zone_key));
    if (!zone) return false;  // deleted meanwhile
    VDPARK_ASSIGN_OR_RETURN(int64_t occupied, CountOccupiedBays(zone_id));
    const AttributeValue* current = FindAttribute(*zone, kOccupiedBaysAttr);
    if (HoldsNumber(current, occupied)) return false;
    Update set;
    set.set = {{std::string(kOccupiedBaysAttr), AttributeValue::N(occupied)}};
    Condition unchanged = Condition::Exists(std::string(kPkAttr));
    if (current != nullptr) {
      unchanged.Add(ConditionClause::Op::kEq, std::string(kOccupiedBaysAttr), *current);
    } else {
      unchanged.Add(ConditionClause::Op::kNotExists, std::string(kOccupiedBaysAttr));
    }
    auto updated = items_->UpdateItem(zone_key, set, unchanged);
    if (updated.ok()) return true;
    if (!updated.status().IsConditionFailed()) {
      return updated.status().WithContext("zone " + zone_id + ": setting occupiedBays");
    }
  }
  return Status::Aborted("zone " + zone_id + ": occupiedBays changed under each of " +
                         std::to_string(kReconcileAttempts) + " attempts to reconcile it");
}

Result<int64_t> SingleTableStore::CountOccupiedBays(std::string_view zone_id) {
  const ItemKey bays = SingleTableMapper::BayKey(zone_id, "");
  QueryRequest request;
  request.partition = bays.pk;
  request.sort = {SortKeyCondition::Op::kBeginsWith, bays.sk, {}};
  int64_t occupied = 0;
  while (true) {
    VDPARK_ASSIGN_OR_RETURN_WITH(Page page, items_->Query(request),
                                 "counting the bays of zone " + std::string(zone_id));
    for (const Item& item : page.items) {
      // The status as the mapper reads it (ToBay), without failing on the bay's other attributes.
      auto status = GetString(item, kBayStatusAttr);
      if (status && ParseBayStatus(*status) == BayStatus::kOccupied) ++occupied;
    }
    if (!page.last_evaluated_key) return occupied;
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
}

Status SingleTableStore::Flush() {
  return flush_ ? flush_() : Status::OK();
}

}  // namespace vdpark
