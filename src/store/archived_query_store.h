// ArchivedQueryStore: the API's store with history past its retention (issue 16, `serve
// --archive`). The live store keeps an event until `retention` after its time (DynamoDB's TTL,
// SPEC §3); `vdpark archive` copies events to the archive before then. This store answers every
// query from the live store, except that the events of a query reaching back before the horizon
// (now - retention) are read in two parts, split at the horizon: from it on from the live store,
// before it from the archive. A page runs on from the live part into the archived part; its
// cursor is every store's (event_page_cursor.h), so a page continues where the last one ended
// whichever part it was in.
//
// The split is exact: an event is read from the live store or from the archive by its time alone,
// never from both, so an event that is in both (archived days keep 10 days of the live store's
// history, `archive --older-than 80d`) is told once. Events the live store still holds before
// the horizon (a store without TTL) are not read: the archive answers for that time.
#pragma once

#include <cstdint>
#include <functional>

#include "domain/timestamp.h"
#include "store/event_archive.h"
#include "store/query_store.h"

namespace vdpark {

class ArchivedQueryStore : public QueryStore {
 public:
  // `live` and `archive` must outlive this store; `retention_micros` > 0. `clock` is "now".
  ArchivedQueryStore(
      QueryStore& live, EventArchive& archive, int64_t retention_micros,
      std::function<Timestamp()> clock = [] { return Timestamp::Now(); });

  // The time before which events are read from the archive.
  Timestamp Horizon() const { return clock_() + -retention_micros_; }

  std::string DisplayName() const override;
  Result<std::optional<Zone>> GetZone(std::string_view zone_id) override;
  Result<std::optional<Bay>> GetBay(std::string_view zone_id, std::string_view bay_number) override;
  Result<std::optional<Sensor>> GetSensor(std::string_view sensor_id) override;
  Result<std::vector<Zone>> ListZones(std::optional<std::string_view> tenant_id) override;
  Result<std::vector<Bay>> ListBays(std::string_view zone_id) override;
  Result<std::vector<Sensor>> ListSensors(std::optional<std::string_view> zone_id) override;
  Result<SharedList<Bay>> SharedBays(std::string_view zone_id) override;
  Result<SharedList<Sensor>> SharedZoneSensors(std::string_view zone_id) override;
  Result<EventPage> QueryEvents(const EventQuery& query) override;
  Result<CreateOutcome> CreateZone(const Zone& zone) override;
  Result<CreateOutcome> RegisterSensor(const Sensor& sensor, const Bay& bay) override;

 private:
  QueryStore& live_;
  EventArchive& archive_;
  int64_t retention_micros_;
  std::function<Timestamp()> clock_;
};

}  // namespace vdpark
