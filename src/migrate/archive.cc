#include "migrate/archive.h"

#include <chrono>
#include <unordered_set>
#include <vector>

namespace vdpark {

namespace {

std::string KeyOf(const ParkingEvent& e) {
  std::string key = e.zone_id;
  key += '\0';
  key += e.bay_number;
  key += '\0';
  key += std::to_string(e.timestamp.micros());
  return key;
}

}  // namespace

Result<ArchiveReport> Archive(RecordStore& store, RecordStore& archive,
                              const ArchiveOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ArchiveReport report;
  RejectFn rejects = [&](Rejected r) {
    ++report.rejected;
    if (options.on_reject) options.on_reject(std::move(r));
  };
  VDPARK_ASSIGN_OR_RETURN_WITH(Metadata metadata, store.ReadMetadata(rejects),
                               "reading " + store.DisplayName());
  report.zones = metadata.zones.size();
  report.bays = metadata.bays.size();
  report.sensors = metadata.sensors.size();
  VDPARK_RETURN_IF_ERROR(archive.WriteMetadata(metadata).WithContext(archive.DisplayName()));

  EventScanOptions window;
  window.since = options.since;
  window.until = options.cutoff;
  std::unordered_set<std::string> written;
  std::vector<ParkingEvent> batch;
  auto write = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    VDPARK_RETURN_IF_ERROR(archive.WriteEvents(batch).WithContext(archive.DisplayName()));
    batch.clear();
    return Status::OK();
  };
  VDPARK_RETURN_IF_ERROR(store.ScanEvents(
      window,
      [&](ParkingEvent&& e, const Origin&) -> Status {
        // A store may pass events past `until` (see EventScanOptions): the bound is exact here.
        if (e.timestamp >= options.cutoff) return Status::OK();
        if (!written.insert(KeyOf(e)).second) return Status::OK();  // a duplicate key
        ++report.per_day[e.timestamp.DayIso()];
        batch.push_back(std::move(e));
        return batch.size() >= options.batch_size ? write() : Status::OK();
      },
      rejects));
  VDPARK_RETURN_IF_ERROR(write());
  VDPARK_RETURN_IF_ERROR(archive.Flush().WithContext(archive.DisplayName()));

  // The proof: every event read is in the archive, as the archive reads it back.
  const size_t total = written.size();
  VDPARK_RETURN_IF_ERROR(archive.ScanEvents(
      window,
      [&](ParkingEvent&& e, const Origin&) -> Status {
        written.erase(KeyOf(e));
        return Status::OK();
      },
      rejects));
  if (!written.empty()) {
    return Status::Corruption(archive.DisplayName() + ": " + std::to_string(written.size()) +
                              " of the " + std::to_string(total) +
                              " events archived are not there when read back");
  }
  report.events = total;
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace vdpark
