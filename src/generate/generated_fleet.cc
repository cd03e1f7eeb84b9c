#include "generate/generated_fleet.h"

#include <span>
#include <string>
#include <utility>

#include "store/record_store.h"

namespace vdpark {

namespace {

// Takes the metadata Generate writes first and stops it before the history: the fleet costs
// only the generator's dry run.
class MetadataOnlyStore : public RecordStore {
 public:
  std::string DisplayName() const override { return "generated fleet"; }
  Result<Metadata> ReadMetadata(const RejectFn&) override { return metadata; }
  Status ScanEvents(const EventScanOptions&, const EventVisitor&, const RejectFn&) override {
    return Status::OK();
  }
  bool EventsInKeyOrder() const override { return true; }
  Status WriteMetadata(const Metadata& md) override {
    metadata = md;
    taken = true;
    return Status::OK();
  }
  Status WriteEvents(std::span<const ParkingEvent>) override {
    return Status::Aborted("the fleet is all the simulator needs");
  }
  Status Flush() override { return Status::OK(); }

  Metadata metadata;
  bool taken = false;
};

}  // namespace

Result<Metadata> GenerateFleet(const GenerateOptions& options) {
  MetadataOnlyStore capture;
  auto stats = Generate(options, capture);
  if (!capture.taken) {
    return stats.ok() ? Status::Internal("the generator wrote no fleet") : stats.status();
  }
  return std::move(capture.metadata);
}

}  // namespace vdpark
