#include "store/store.h"

namespace vdpark {

std::string Origin::ToString() const {
  if (line == 0) return std::string(source);
  return std::string(source) + ":" + std::to_string(line);
}

Result<std::optional<Zone>> Store::GetZone(std::string_view) {
  return Status::NotSupported(DisplayName() + " holds no live state");
}
Result<std::optional<Bay>> Store::GetBay(std::string_view, std::string_view) {
  return Status::NotSupported(DisplayName() + " holds no live state");
}
Result<std::optional<Sensor>> Store::GetSensor(std::string_view) {
  return Status::NotSupported(DisplayName() + " holds no live state");
}
Status Store::ApplyLiveChange(const LiveChange&) {
  return Status::NotSupported(DisplayName() + " holds no live state");
}
Result<uint64_t> Store::ReconcileOccupancy() {
  return Status::NotSupported(DisplayName() + " holds no live state");
}

Result<std::vector<Zone>> Store::ListZones(std::optional<std::string_view>) {
  return Status::NotSupported(DisplayName() + " cannot be queried by the API");
}
Result<std::vector<Bay>> Store::ListBays(std::string_view) {
  return Status::NotSupported(DisplayName() + " cannot be queried by the API");
}
Result<std::vector<Sensor>> Store::ListSensors(std::optional<std::string_view>) {
  return Status::NotSupported(DisplayName() + " cannot be queried by the API");
}
Result<EventPage> Store::QueryEvents(const EventQuery&) {
  return Status::NotSupported(DisplayName() + " cannot be queried by the API");
}

}  // namespace vdpark
