#include "store/archived_query_store.h"

#include <algorithm>
#include <utility>

#include "store/event_page_cursor.h"

namespace vdpark {

ArchivedQueryStore::ArchivedQueryStore(QueryStore& live, EventArchive& archive,
                                       int64_t retention_micros, std::function<Timestamp()> clock)
    : live_(live),
      archive_(archive),
      retention_micros_(retention_micros),
      clock_(std::move(clock)) {}

std::string ArchivedQueryStore::DisplayName() const {
  return live_.DisplayName() + " (archive " + archive_.DisplayName() + ")";
}

Result<std::optional<Zone>> ArchivedQueryStore::GetZone(std::string_view zone_id) {
  return live_.GetZone(zone_id);
}
Result<std::optional<Bay>> ArchivedQueryStore::GetBay(std::string_view zone_id,
                                                      std::string_view bay_number) {
  return live_.GetBay(zone_id, bay_number);
}
Result<std::optional<Sensor>> ArchivedQueryStore::GetSensor(std::string_view sensor_id) {
  return live_.GetSensor(sensor_id);
}
Result<std::vector<Zone>> ArchivedQueryStore::ListZones(std::optional<std::string_view> tenant_id) {
  return live_.ListZones(tenant_id);
}
Result<std::vector<Bay>> ArchivedQueryStore::ListBays(std::string_view zone_id) {
  return live_.ListBays(zone_id);
}
Result<std::vector<Sensor>> ArchivedQueryStore::ListSensors(
    std::optional<std::string_view> zone_id) {
  return live_.ListSensors(zone_id);
}
Result<QueryStore::SharedList<Bay>> ArchivedQueryStore::SharedBays(std::string_view zone_id) {
  return live_.SharedBays(zone_id);
}
Result<QueryStore::SharedList<Sensor>> ArchivedQueryStore::SharedZoneSensors(
    std::string_view zone_id) {
  return live_.SharedZoneSensors(zone_id);
}
Result<CreateOutcome> ArchivedQueryStore::CreateZone(const Zone& zone) {
  return live_.CreateZone(zone);
}
Result<CreateOutcome> ArchivedQueryStore::RegisterSensor(const Sensor& sensor, const Bay& bay) {
  return live_.RegisterSensor(sensor, bay);
}

Result<EventPage> ArchivedQueryStore::QueryEvents(const EventQuery& query) {
  if (query.limit == 0) return Status::InvalidArgument("limit: must be at least 1");
  const Timestamp horizon = Horizon();
  if (query.from && *query.from >= horizon) return live_.QueryEvents(query);
  EventQuery archived = query;
  if (!archived.to || *archived.to > horizon) archived.to = horizon;
  if (query.to && *query.to <= horizon) return archive_.QueryEvents(archived);
  if (!query.cursor.empty()) {
    VDPARK_ASSIGN_OR_RETURN(EventCursor at, DecodeEventCursor(query));
    if (at.timestamp < horizon) return archive_.QueryEvents(archived);
  }

  // Newest first: the live part, then the archived part once the live part is done.
  EventQuery recent = query;
  recent.from = horizon;
  VDPARK_ASSIGN_OR_RETURN(EventPage page, live_.QueryEvents(recent));
  if (!page.next_cursor.empty()) return page;
  const size_t room = query.limit - std::min(query.limit, page.events.size());
  archived.cursor.clear();
  archived.limit = std::max<size_t>(room, 1);  // with no room: whether the archive has more
  VDPARK_ASSIGN_OR_RETURN(EventPage older, archive_.QueryEvents(archived));
  if (room == 0) {
    // The page is full of live events: the next one starts after its last, in the archive.
    if (!older.events.empty()) page.next_cursor = EncodeEventCursor(page.events.back());
    return page;
  }
  page.events.insert(page.events.end(), std::make_move_iterator(older.events.begin()),
                     std::make_move_iterator(older.events.end()));
  page.next_cursor = std::move(older.next_cursor);
  return page;
}

}  // namespace vdpark
