// SingleTableStore's creates for the API (query_store.h): conditional writes on the item store.
#include <string>
#include <vector>

#include "domain/record_rules.h"
#include "store/live_write_plan.h"
#include "store/single_table_store.h"

namespace vdpark {

namespace {

using Op = ConditionClause::Op;

constexpr std::string_view kSensorIdAttr = "sensorId";

// How many times RegisterSensor reads the bay again when it changed between the read and the
// write (a live change, another registration): each lost round means another writer won it.
constexpr int kBayAttempts = 10;

// Whether the bay item (nullptr: none) has a sensor other than `sensor_id`.
bool HasAnotherSensor(const Item* bay, std::string_view sensor_id) {
  if (bay == nullptr) return false;
  std::optional<std::string> stored = GetString(*bay, kSensorIdAttr);
  return stored && *stored != sensor_id;
}

// That the bay is still as read as to its sensor: absent, or present with sensorId as it was
// (absent, NULL, or this sensor's id), so that a sensor given to it in between fails the write.
Condition BaySensorAsRead(const Item* bay) {
  if (bay == nullptr) return Condition::NotExists(std::string(kPkAttr));
  Condition c = Condition::Exists(std::string(kPkAttr));
  const AttributeValue* sensor = FindAttribute(*bay, kSensorIdAttr);
  if (sensor == nullptr) return c.Add(Op::kNotExists, std::string(kSensorIdAttr));
  return c.Add(Op::kEq, std::string(kSensorIdAttr), *sensor);
}

// The write that gives the bay its sensor: `bay` whole when there is none (`stored` null),
// otherwise an update of the sensor's attributes (and bayType, location when given) that leaves
// the bay's state to the live changes that own it.
TransactItem BayWrite(const Item* stored, const Bay& bay, const SingleTableMapper& mapper) {
  Item item = mapper.ToItem(bay);
  TransactItem w;
  w.condition = BaySensorAsRead(stored);
  if (stored == nullptr) {
    w.kind = TransactItem::Kind::kPut;
    w.item = std::move(item);
    return w;
  }
  w.kind = TransactItem::Kind::kUpdate;
  w.key = SingleTableMapper::BayKey(bay.zone_id, bay.bay_number);
  std::vector<std::string_view> names = {kSensorIdAttr, "GSI2PK", "GSI2SK"};
  if (bay.bay_type) names.push_back("bayType");
  if (bay.location) names.push_back("location");
  for (std::string_view name : names) {
    if (const AttributeValue* v = FindAttribute(item, name)) {
      w.update.set.emplace_back(std::string(name), *v);
    }
  }
  return w;
}

}  // namespace

Result<CreateOutcome> SingleTableStore::CreateZone(const Zone& zone) {
  VDPARK_RETURN_IF_ERROR(CheckRecord(zone));  // nothing stored that ToZone would refuse
  Status s = items_->Put(mapper_.ToItem(zone), Condition::NotExists(std::string(kPkAttr)));
  if (s.IsConditionFailed()) return CreateOutcome::kExists;
  if (!s.ok()) return s.WithContext("creating zone " + zone.zone_id);
  return CreateOutcome::kCreated;
}

Result<CreateOutcome> SingleTableStore::RegisterSensor(const Sensor& sensor, const Bay& bay) {
  VDPARK_RETURN_IF_ERROR(CheckRecord(sensor));
  VDPARK_RETURN_IF_ERROR(CheckRecord(bay));
  if (bay.sensor_id != sensor.sensor_id) {
    return Status::InvalidArgument("registering sensor " + sensor.sensor_id + ": bay " +
                                   bay.zone_id + "/" + bay.bay_number + " names sensor " +
                                   bay.sensor_id.value_or("(none)"));
  }
  const std::string what = "registering sensor " + sensor.sensor_id;
  TransactItem claim;
  claim.item = mapper_.ToItem(sensor);
  claim.condition = Condition::NotExists(std::string(kPkAttr));
  const ItemKey bay_key = SingleTableMapper::BayKey(bay.zone_id, bay.bay_number);

  // Without transactions (dynalite) the sensor's item is claimed first, by its own conditional
  // Put, and then the bay is written; when the bay turns out to be taken, or its write fails,
  // the claimed item is deleted again. Nobody else can have written that item meanwhile: the
  // claim made it ours.
  bool claimed = false;
  auto give_back = [&](Result<CreateOutcome> outcome) -> Result<CreateOutcome> {
    if (!claimed) return outcome;
    Status undone = items_->Delete(SingleTableMapper::SensorKey(sensor.sensor_id));
    if (undone.ok()) return outcome;
    return undone.WithContext(
        what + ": deleting its item again after " +
        (outcome.ok() ? "finding the bay taken" : outcome.status().ToString()) +
        " (the sensor stays registered without its bay)");
  };

  for (int attempt = 0; attempt < kBayAttempts; ++attempt) {
    auto stored = items_->Get(bay_key);
    if (!stored.ok()) return give_back(stored.status().WithContext(what + ": reading its bay"));
    const Item* stored_bay = *stored ? &**stored : nullptr;
    if (HasAnotherSensor(stored_bay, sensor.sensor_id)) return give_back(CreateOutcome::kBayTaken);
    const TransactItem bay_write = BayWrite(stored_bay, bay, mapper_);

    if (!no_transactions_.load()) {
      const TransactItem writes[] = {claim, bay_write};
      Status s = items_->TransactWrite(writes);
      if (s.ok()) return CreateOutcome::kCreated;
      if (s.IsConditionFailed()) {
        if (FailedTransactItem(s) == 0) return CreateOutcome::kExists;
        continue;  // the bay changed since it was read
      }
      // Contention between transactions on the same items (DynamoDB's TransactionConflict,
      // after the client's retries): the next round reads and decides again.
      if (s.code() == Status::Code::kThrottled) continue;
      if (!s.IsNotSupported()) return s.WithContext(what);
      no_transactions_.store(true);  // nothing was written; not asked again
    }

    if (!claimed) {
      Status s = items_->Put(claim.item, claim.condition);
      if (s.IsConditionFailed()) return CreateOutcome::kExists;
      if (!s.ok()) return s.WithContext(what);
      claimed = true;
    }
    Status s =
        bay_write.kind == TransactItem::Kind::kPut
            ? items_->Put(bay_write.item, bay_write.condition)
            : items_->UpdateItem(bay_write.key, bay_write.update, bay_write.condition).status();
    if (s.ok()) return CreateOutcome::kCreated;
    if (!s.IsConditionFailed()) return give_back(s.WithContext(what + ": writing its bay"));
  }
  return give_back(Status::Aborted(what + ": bay " + bay.zone_id + "/" + bay.bay_number +
                                   " changed under each of " + std::to_string(kBayAttempts) +
                                   " attempts to give it the sensor"));
}

}  // namespace vdpark
