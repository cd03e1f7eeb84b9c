#include "store/live_write_plan.h"

#include <charconv>
#include <string>

namespace vdpark {

namespace {

constexpr std::string_view kOccupiedBaysAttr = "occupiedBays";

std::string BayName(const Bay& bay) {
  return bay.zone_id + "/" + bay.bay_number;
}

Status CheckShape(const LiveChange& change) {
  if (change.bay_before.has_value() != change.bay_after.has_value()) {
    return Status::InvalidArgument(
        "live change: bay_before and bay_after must be given together (the bay's write is "
        "conditioned on what it was)");
  }
  if (!change.bay_after) {
    if (change.event || change.occupied_delta != 0) {
      return Status::InvalidArgument("live change: an event or an occupiedBays change needs a bay");
    }
    return Status::OK();
  }
  const Bay& before = *change.bay_before;
  const Bay& after = *change.bay_after;
  if (before.zone_id != after.zone_id || before.bay_number != after.bay_number) {
    return Status::InvalidArgument("live change: bay_before is " + BayName(before) +
                                   " but bay_after is " + BayName(after));
  }
  if (change.event &&
      (change.event->zone_id != after.zone_id || change.event->bay_number != after.bay_number)) {
    return Status::InvalidArgument("live change: the event is of bay " + change.event->zone_id +
                                   "/" + change.event->bay_number + ", the change of bay " +
                                   BayName(after));
  }
  return Status::OK();
}

}  // namespace

Result<LiveWritePlan> PlanLiveChange(const LiveChange& change, const SingleTableMapper& mapper) {
  VDPARK_RETURN_IF_ERROR(CheckShape(change));
  LiveWritePlan plan;
  if (change.bay_after) {
    plan.has_bay = true;
    plan.zone_id = change.bay_after->zone_id;
    plan.bay_number = change.bay_after->bay_number;
    plan.writes.push_back({TransactItem::Kind::kPut,
                           mapper.ToItem(*change.bay_after),
                           {},
                           {},
                           BayUnchangedCondition(*change.bay_before, mapper)});
  }
  if (change.event) {
    plan.writes.push_back({TransactItem::Kind::kPut, mapper.ToItem(*change.event), {}, {}, {}});
  }
  if (change.occupied_delta != 0) {
    TransactItem zone{TransactItem::Kind::kUpdate,
                      {},
                      SingleTableMapper::ZoneKey(change.bay_after->zone_id),
                      {},
                      Condition::Exists(std::string(kPkAttr))};
    zone.update.add = {{std::string(kOccupiedBaysAttr), change.occupied_delta}};
    plan.zone_index = plan.writes.size();
    plan.writes.push_back(std::move(zone));
  }
  if (change.sensor) {
    plan.writes.push_back({TransactItem::Kind::kPut, mapper.ToItem(*change.sensor), {}, {}, {}});
  }
  return plan;
}

Condition BayUnchangedCondition(const Bay& before, const SingleTableMapper& mapper) {
  // The values as the mapper writes them, so that a bay this store wrote matches at the first try.
  Condition condition = Condition::Exists(std::string(kPkAttr));
  for (std::string_view name : kLiveBayAttributes) {
    condition.Add(ConditionClause::Op::kEq, std::string(name), mapper.BayStateValue(before, name));
  }
  return condition;
}

std::optional<Condition> BayUnchangedAsStored(const Item& stored, const Bay& before,
                                              const SingleTableMapper& mapper) {
  auto bay = mapper.ToBay(stored);
  if (!bay.ok() || bay->status != before.status || bay->last_change != before.last_change ||
      bay->last_heartbeat != before.last_heartbeat) {
    return std::nullopt;
  }
  const Item as_written = mapper.BayStateAttributes(before);
  Condition condition = Condition::Exists(std::string(kPkAttr));
  bool spelled_otherwise = false;
  for (std::string_view name : kLiveBayAttributes) {
    const AttributeValue* value = FindAttribute(stored, name);
    const AttributeValue* ours = FindAttribute(as_written, name);
    if (value == nullptr) {
      spelled_otherwise = true;
      condition.Add(ConditionClause::Op::kNotExists, std::string(name));
      continue;
    }
    if (ours == nullptr || !(*value == *ours)) spelled_otherwise = true;
    condition.Add(ConditionClause::Op::kEq, std::string(name), *value);
  }
  if (!spelled_otherwise) return std::nullopt;
  return condition;
}

std::optional<size_t> FailedTransactItem(const Status& status) {
  constexpr std::string_view kPrefix = "item ";
  std::string_view msg = status.message();
  if (!status.IsConditionFailed() || !msg.starts_with(kPrefix)) return std::nullopt;
  msg.remove_prefix(kPrefix.size());
  size_t index = 0;
  auto [end, ec] = std::from_chars(msg.data(), msg.data() + msg.size(), index);
  if (ec != std::errc() || end == msg.data() || end == msg.data() + msg.size() || *end != ':') {
    return std::nullopt;
  }
  return index;
}

}  // namespace vdpark
