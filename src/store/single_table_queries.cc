// The REST API's queries (store.h) on the single table: Query on the table and GSI1 where the
// layout of SPEC §3 has a key for the question, Scan where it has none.
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <limits>
#include <string>
#include <vector>

#include "store/event_page_cursor.h"
#include "store/shared_item_reads.h"
#include "store/single_table_store.h"

namespace vdpark {

namespace {

// Key parts of SPEC §3 that SingleTableMapper writes but does not export.
constexpr std::string_view kEventSkPrefix = "EVENT#";
constexpr std::string_view kTenantPrefix = "TENANT#";
// Sorts after every "EVENT#..." sort key and before "SENSOR#...": '$' follows '#'.
constexpr std::string_view kEventSkEnd = "EVENT$";

// Items asked of one Query: enough for a page of the API, few enough to stay one request.
constexpr size_t kRequestItems = 1000;

std::string EventSk(Timestamp ts) {
  std::string sk(kEventSkPrefix);
  ts.AppendIso(&sk);
  return sk;
}

// `record` as it is, or kCorruption naming the item (the mapper's messages name it already).
template <typename Record>
Result<Record> MappedOrCorrupt(Result<Record> record, const Item& item, const std::string& store) {
  if (record.ok()) return record;
  const std::string why = record.status().message();
  return Status::Corruption(store + ": " +
                            (why.starts_with("item ")
                                 ? why
                                 : "item " + GetString(item, kPkAttr).value_or("?") + " / " +
                                       GetString(item, kSkAttr).value_or("?") + ": " + why));
}

// Every item of a Query, all pages, as records.
template <typename Record, typename ToRecord>
Result<std::vector<Record>> QueryRecords(ItemStore& items, QueryRequest request,
                                         const std::string& store, ToRecord to_record) {
  std::vector<Record> records;
  while (true) {
    VDPARK_ASSIGN_OR_RETURN_WITH(Page page, items.Query(request), store);
    for (const Item& item : page.items) {
      VDPARK_ASSIGN_OR_RETURN(Record record, MappedOrCorrupt<Record>(to_record(item), item, store));
      records.push_back(std::move(record));
    }
    if (!page.last_evaluated_key) return records;
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
}

// What a Query asks, as the name of its list in a RecordMemo.
std::string ListName(const QueryRequest& request) {
  std::string name;
  name += static_cast<char>('0' + static_cast<int>(request.index));
  name += static_cast<char>('0' + static_cast<int>(request.sort.op));
  for (const std::string* part : {&request.partition, &request.sort.value, &request.sort.value2}) {
    name += '\0';
    name += *part;
  }
  return name;
}

// Every item of a Query, all pages, as records, shared: through QueryShared and the records `memo`
// made before where the item store shares its items, else as QueryRecords.
template <typename Record, typename ToRecord>
Result<std::shared_ptr<const std::vector<Record>>> QuerySharedRecords(ItemStore& items,
                                                                      QueryRequest request,
                                                                      const std::string& store,
                                                                      RecordMemo<Record>& memo,
                                                                      ToRecord to_record) {
  auto* shared = dynamic_cast<SharedItemReads*>(&items);
  if (shared == nullptr) {
    VDPARK_ASSIGN_OR_RETURN(
        std::vector<Record> records,
        QueryRecords<Record>(items, std::move(request), store, std::move(to_record)));
    return std::make_shared<const std::vector<Record>>(std::move(records));
  }
  auto make = [&](const Item& item) {
    return MappedOrCorrupt<Record>(to_record(item), item, store);
  };
  std::vector<Record> records;
  while (true) {
    VDPARK_ASSIGN_OR_RETURN_WITH(SharedPage page, shared->QueryShared(request), store);
    if (!page.last_evaluated_key && !request.exclusive_start_key) {
      // The whole answer in one page (a zone's bays or sensors): remembered as one list.
      return memo.MakeList(ListName(request), page.items, make);
    }
    VDPARK_ASSIGN_OR_RETURN(std::vector<Record> made, memo.MakeAll(page.items, make));
    records.insert(records.end(), std::make_move_iterator(made.begin()),
                   std::make_move_iterator(made.end()));
    if (!page.last_evaluated_key) {
      return std::make_shared<const std::vector<Record>>(std::move(records));
    }
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
}

Item KeyItem(std::string pk, std::string sk) {
  return Item{{std::string(kPkAttr), AttributeValue::S(std::move(pk))},
              {std::string(kSkAttr), AttributeValue::S(std::move(sk))}};
}

// On a store that scans in key order: every zone item, without reading the bays and events in
// between. Under the prefix ZONE#, a zone's partition (ZONE#z: its bays, then METADATA) sorts
// before its events' partitions (ZONE#z#BAY#b), and those of a zone sort together.
// Each step reads one item, the first of the next partition (a Scan of one item resuming after
// a key that sorts just before it):
//   - a zone's partition: its METADATA item is that item or one Get away; the step after it
//     resumes at PK + '\x01', which sorts after every key of the partition (no key part holds
//     '\0') and before the next PK;
//   - an event of zone z: the step after it resumes at PK ZONE#z#BAY$, past every partition whose
//     PK begins with ZONE#z#BAY#, so that all of z's events are passed over in one step. A zone
//     whose own id begins with z#BAY# would be passed over with them: ids holding '#' break the
//     keys of SPEC §3 and are refused by ingest and by the API (route_table.h).
// So two Scans per zone with events, one per zone without, whatever the number of events.
// A Scan costs more than a Query or a Get on the embedded store (a new iterator reading ahead),
// which is why steps, not items, are what this saves.
Status VisitZoneItemsInKeyOrder(ItemStore& items, const std::function<Status(Item&&)>& visit) {
  const ItemKey zone_prefix = SingleTableMapper::ZoneKey("");  // PK "ZONE#", SK "METADATA"
  ScanRequest request;
  request.limit = 1;
  request.exclusive_start_key = KeyItem(zone_prefix.pk, "");
  while (true) {
    VDPARK_ASSIGN_OR_RETURN(Page page, items.Scan(request));
    if (page.items.empty()) {
      if (!page.last_evaluated_key) return Status::OK();
      request.exclusive_start_key = std::move(page.last_evaluated_key);
      continue;
    }
    Item& first = page.items.front();
    std::optional<ItemKey> key = KeyOf(first);
    if (!key || !key->pk.starts_with(zone_prefix.pk)) return Status::OK();
    if (SingleTableMapper::KindOf(key->pk, key->sk) == EntityKind::kEvent) {
      std::optional<std::string> zone = GetString(first, "zoneId");
      std::optional<std::string> bay = GetString(first, "bayNumber");
      if (zone && bay && key->pk == SingleTableMapper::EventPartition(*zone, *bay)) {
        std::string past_events = SingleTableMapper::EventPartition(*zone, "");  // ZONE#z#BAY#
        past_events.back() = '$';
        request.exclusive_start_key = KeyItem(std::move(past_events), "");
        continue;
      }
    }
    if (key->sk == zone_prefix.sk) {
      VDPARK_RETURN_IF_ERROR(visit(std::move(first)));
    } else if (key->sk < zone_prefix.sk) {
      VDPARK_ASSIGN_OR_RETURN(std::optional<Item> zone, items.Get({key->pk, zone_prefix.sk}));
      if (zone) VDPARK_RETURN_IF_ERROR(visit(std::move(*zone)));
    }
    request.exclusive_start_key = KeyItem(key->pk + '\x01', "");
  }
}

// On a store that scans in key order: every item whose PK begins with `prefix`, those
// partitions being together in key order; reading stops at the first item past them.
Status VisitPrefixInKeyOrder(ItemStore& items, std::string_view prefix,
                             const std::function<Status(Item&&)>& visit) {
  ScanRequest request;  // pages of the store's size: the last reads at most one page past
  request.exclusive_start_key = KeyItem(std::string(prefix), "");
  while (true) {
    VDPARK_ASSIGN_OR_RETURN(Page page, items.Scan(request));
    for (Item& item : page.items) {
      std::optional<std::string> pk = GetString(item, kPkAttr);
      if (!pk || !pk->starts_with(prefix)) return Status::OK();
      VDPARK_RETURN_IF_ERROR(visit(std::move(item)));
    }
    if (!page.last_evaluated_key) return Status::OK();
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
}

}  // namespace

Result<std::vector<Zone>> SingleTableStore::ListZones(std::optional<std::string_view> tenant_id) {
  auto to_zone = [this](const Item& item) { return mapper_.ToZone(item); };
  const ItemKey zone_prefix = SingleTableMapper::ZoneKey("");
  if (tenant_id) {
    QueryRequest request;
    request.index = IndexName::kGsi1;
    request.partition = std::string(kTenantPrefix) + std::string(*tenant_id);
    request.sort = {SortKeyCondition::Op::kBeginsWith, zone_prefix.pk, {}};
    return QueryRecords<Zone>(*items_, std::move(request), display_name_, to_zone);
  }
  std::vector<Zone> zones;
  auto collect = [&](Item&& item) {
    if (SingleTableMapper::KindOf(item) != EntityKind::kZone) return Status::OK();
    VDPARK_ASSIGN_OR_RETURN(Zone zone,
                            MappedOrCorrupt<Zone>(mapper_.ToZone(item), item, display_name_));
    zones.push_back(std::move(zone));
    return Status::OK();
  };
  if (auto* shared = dynamic_cast<SharedItemReads*>(items_.get())) {
    VDPARK_ASSIGN_OR_RETURN_WITH(std::vector<ItemKey> keys,
                                 shared->KeysWithSortKey(zone_prefix.pk, zone_prefix.sk),
                                 display_name_);
    zones.reserve(keys.size());
    for (const ItemKey& key : keys) {
      if (SingleTableMapper::KindOf(key.pk, key.sk) != EntityKind::kZone) continue;
      VDPARK_ASSIGN_OR_RETURN(std::optional<Zone> zone,
                              GetZone(std::string_view(key.pk).substr(zone_prefix.pk.size())));
      if (zone) zones.push_back(std::move(*zone));  // absent: expired since it was listed
    }
  } else if (items_->ScanInKeyOrder()) {
    VDPARK_RETURN_IF_ERROR(VisitZoneItemsInKeyOrder(*items_, collect));
  } else {
    Condition filter;
    filter.Add(ConditionClause::Op::kEq, std::string(kSkAttr), AttributeValue::S(zone_prefix.sk));
    filter.Add(ConditionClause::Op::kBeginsWith, std::string(kPkAttr),
               AttributeValue::S(zone_prefix.pk));
    VDPARK_RETURN_IF_ERROR(ScanItems(filter, collect));
  }
  auto by_id = [](const Zone& a, const Zone& b) { return a.zone_id < b.zone_id; };
  // Listed in key order, they are mostly sorted already; sorting them moved every zone (perf).
  if (!std::is_sorted(zones.begin(), zones.end(), by_id)) {
    std::sort(zones.begin(), zones.end(), by_id);
  }
  return zones;
}

Result<QueryStore::SharedList<Bay>> SingleTableStore::SharedBays(std::string_view zone_id) {
  const ItemKey bays = SingleTableMapper::BayKey(zone_id, "");
  QueryRequest request;
  request.partition = bays.pk;
  request.sort = {SortKeyCondition::Op::kBeginsWith, bays.sk, {}};
  return QuerySharedRecords<Bay>(*items_, std::move(request), display_name_, bays_made_,
                                 [this](const Item& item) { return mapper_.ToBay(item); });
}

Result<std::vector<Bay>> SingleTableStore::ListBays(std::string_view zone_id) {
  VDPARK_ASSIGN_OR_RETURN(SharedList<Bay> bays, SharedBays(zone_id));
  return *bays;
}

Result<QueryStore::SharedList<Sensor>> SingleTableStore::SharedZoneSensors(
    std::string_view zone_id) {
  QueryRequest request;
  request.index = IndexName::kGsi1;
  request.partition = SingleTableMapper::ZoneKey(zone_id).pk;
  request.sort = {SortKeyCondition::Op::kBeginsWith, SingleTableMapper::SensorKey("").pk, {}};
  return QuerySharedRecords<Sensor>(*items_, std::move(request), display_name_, sensors_made_,
                                    [this](const Item& item) { return mapper_.ToSensor(item); });
}

Result<std::vector<Sensor>> SingleTableStore::ListSensors(std::optional<std::string_view> zone_id) {
  auto to_sensor = [this](const Item& item) { return mapper_.ToSensor(item); };
  const ItemKey sensor_prefix = SingleTableMapper::SensorKey("");  // PK "SENSOR#", SK "METADATA"
  if (zone_id) {
    VDPARK_ASSIGN_OR_RETURN(SharedList<Sensor> sensors, SharedZoneSensors(*zone_id));
    return *sensors;
  }
  std::vector<Sensor> sensors;
  auto collect = [&](Item&& item) {
    if (SingleTableMapper::KindOf(item) != EntityKind::kSensor) return Status::OK();
    VDPARK_ASSIGN_OR_RETURN(Sensor sensor,
                            MappedOrCorrupt<Sensor>(to_sensor(item), item, display_name_));
    sensors.push_back(std::move(sensor));
    return Status::OK();
  };
  if (items_->ScanInKeyOrder()) {
    VDPARK_RETURN_IF_ERROR(VisitPrefixInKeyOrder(*items_, sensor_prefix.pk, collect));
  } else {
    Condition filter;
    filter.Add(ConditionClause::Op::kEq, std::string(kSkAttr), AttributeValue::S(sensor_prefix.sk));
    filter.Add(ConditionClause::Op::kBeginsWith, std::string(kPkAttr),
               AttributeValue::S(sensor_prefix.pk));
    VDPARK_RETURN_IF_ERROR(ScanItems(filter, collect));
  }
  std::sort(sensors.begin(), sensors.end(),
            [](const Sensor& a, const Sensor& b) { return a.sensor_id < b.sensor_id; });
  return sensors;
}

Result<EventPage> SingleTableStore::QueryEvents(const EventQuery& query) {
  if (query.limit == 0) return Status::InvalidArgument("limit: must be at least 1");
  std::optional<EventCursor> cursor;
  if (!query.cursor.empty()) {
    VDPARK_ASSIGN_OR_RETURN(cursor, DecodeEventCursor(query));
  }
  EventPage result;
  if (query.from && query.to && *query.from >= *query.to) return result;
  // A cursor older than the window leaves nothing; one at or after its end leaves all of it.
  if (cursor && query.from && cursor->timestamp < *query.from) return result;
  if (cursor && query.to && cursor->timestamp >= *query.to) cursor.reset();

  const bool one_bay = query.bay_number.has_value();
  const std::string zone_partition = SingleTableMapper::ZoneKey(query.zone_id).pk;
  QueryRequest request;
  request.index = one_bay ? IndexName::kTable : IndexName::kGsi1;
  request.partition = one_bay ? SingleTableMapper::EventPartition(query.zone_id, *query.bay_number)
                              : zone_partition;
  request.forward = false;
  if (query.from || query.to) {
    // Sort keys are fixed-width times with microseconds: "< to" is "<= to - 1 µs".
    request.sort = {SortKeyCondition::Op::kBetween,
                    query.from ? EventSk(*query.from) : std::string(kEventSkPrefix),
                    query.to ? EventSk(Timestamp::FromMicros(query.to->micros() - 1))
                             : std::string(kEventSkEnd)};
  } else {
    request.sort = {SortKeyCondition::Op::kBeginsWith, std::string(kEventSkPrefix), {}};
  }
  if (cursor) {
    const ItemKey last =
        SingleTableMapper::EventKey(query.zone_id, cursor->bay_number, cursor->timestamp);
    Item start = KeyItem(last.pk, last.sk);
    if (!one_bay) {
      start[std::string(kGsi1PkAttr)] = AttributeValue::S(zone_partition);
      start[std::string(kGsi1SkAttr)] = AttributeValue::S(last.sk);
    }
    request.exclusive_start_key = std::move(start);
  }

  // One more than the page, to know whether another follows.
  const size_t wanted =
      query.limit == std::numeric_limits<size_t>::max() ? query.limit : query.limit + 1;
  std::vector<ParkingEvent>& events = result.events;
  while (events.size() < wanted) {
    const size_t missing = wanted - events.size();
    // With a type filter about every other event is kept (arrivals and departures alternate).
    request.limit = std::min(query.event_type ? 2 * missing : missing, kRequestItems);
    VDPARK_ASSIGN_OR_RETURN_WITH(Page page, items_->Query(request), display_name_);
    for (const Item& item : page.items) {
      VDPARK_ASSIGN_OR_RETURN(ParkingEvent event, MappedOrCorrupt<ParkingEvent>(
                                                      mapper_.ToEvent(item), item, display_name_));
      if (query.event_type && event.event_type != *query.event_type) continue;
      events.push_back(std::move(event));
      if (events.size() == wanted) break;
    }
    if (!page.last_evaluated_key) break;
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
  if (events.size() > query.limit) {
    events.resize(query.limit);
    result.next_cursor = EncodeEventCursor(events.back());
  }
  return result;
}

}  // namespace vdpark
