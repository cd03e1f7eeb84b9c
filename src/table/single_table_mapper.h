// SingleTableMapper: the single-table layout of SPEC §3 (table `VisionDrive-Parking`), both ways.
//
// clang-format off
//   item    PK                        SK                 GSI1PK / GSI1SK                    GSI2PK / GSI2SK
//   zone    ZONE#{zoneId}             METADATA           TENANT#{tenantId} / ZONE#{zoneId}
//   bay     ZONE#{zoneId}             BAY#{bayNumber}                                       SENSOR#{sensorId} / BAY
//   sensor  SENSOR#{sensorId}         METADATA           ZONE#{zoneId} / SENSOR#{sensorId}
//   event   ZONE#{zoneId}#BAY#{bay}   EVENT#{timestamp}  ZONE#{zoneId} / EVENT#{timestamp}
// clang-format on
//
// Timestamps are fixed-width ISO-8601 UTC with microseconds; numbers are N; a missing value is a
// NULL attribute (as the AWS SDK's marshall writes null); an index key is left out when the value
// it is built from is missing. An event's ttl is its own time plus the retention, in epoch seconds.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "domain/model.h"
#include "table/attribute_value.h"
#include "table/item_key.h"

namespace vdpark {

enum class EntityKind { kZone, kBay, kSensor, kEvent, kOther };

struct MapperOptions {
  int64_t retention_days = 90;  // events' ttl = event time + this; 0 = no ttl attribute
};

class SingleTableMapper {
 public:
  explicit SingleTableMapper(MapperOptions options = {}) : options_(options) {}

  Item ToItem(const Zone& zone) const;
  Item ToItem(const Bay& bay) const;
  // Of ToItem(bay), only the attributes that change with the bay's state: status, lastChange,
  // occupiedSince, lastHeartbeat, spelled the same (what a live change's condition compares).
  Item BayStateAttributes(const Bay& bay) const;
  // One of those four attributes as ToItem(bay) spells it; NULL for any other name.
  AttributeValue BayStateValue(const Bay& bay, std::string_view name) const;
  Item ToItem(const Sensor& sensor) const;
  Item ToItem(const ParkingEvent& event) const;
  // The same as ToItem(event), written into `item` in place: a loader that refills the same items
  // batch after batch reuses their memory instead of allocating thirteen attributes each time.
  void FillItem(const ParkingEvent& event, Item* item) const;

  // The record an item holds. kInvalidArgument names the item's key and the attribute that does
  // not fit (missing key attribute, wrong type, unparseable timestamp or number) or breaks a
  // record rule (domain/record_rules.h: a time outside the range, an over-long text, ...), the
  // same rules every store applies before it writes.
  Result<Zone> ToZone(const Item& item) const;
  Result<Bay> ToBay(const Item& item) const;
  Result<Sensor> ToSensor(const Item& item) const;
  Result<ParkingEvent> ToEvent(const Item& item) const;

  // Which kind of record an item is, from the shape of its key.
  static EntityKind KindOf(const Item& item);
  static EntityKind KindOf(std::string_view pk, std::string_view sk);

  static ItemKey ZoneKey(std::string_view zone_id);
  static ItemKey BayKey(std::string_view zone_id, std::string_view bay_number);
  static ItemKey SensorKey(std::string_view sensor_id);
  static ItemKey EventKey(std::string_view zone_id, std::string_view bay_number, Timestamp ts);
  static ItemKey EventKey(const ParkingEvent& e) {
    return EventKey(e.zone_id, e.bay_number, e.timestamp);
  }
  // The partition that holds one bay's events.
  static std::string EventPartition(std::string_view zone_id, std::string_view bay_number);

  // The ttl an event gets, in epoch seconds; 0 when retention is off.
  int64_t TtlOf(Timestamp event_time) const;
  const MapperOptions& options() const { return options_; }

 private:
  MapperOptions options_;
};

// Orders events as the single table's key orders them: PK bytes, then SK bytes. Every store that
// says EventsInKeyOrder() delivers events in this order.
bool EventKeyLess(const ParkingEvent& a, const ParkingEvent& b);
// <0, 0, >0 in the same order.
int CompareEventKeys(const ParkingEvent& a, const ParkingEvent& b);

}  // namespace vdpark
