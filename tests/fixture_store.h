// The hand-written fixture (parking_fixture.h) loaded into an embedded store of its own: the store
// the API tests serve.
#pragma once

#include "parking_fixture.h"
#include "store/open_store.h"
#include "test_dirs.h"

namespace vdpark::testing {

// Writes the fixture into tmp/csv and its zones, bays and sensors (no events) into a new
// embedded:tmp/store, kept without a retention. An error when any of it fails, a rejected fixture
// row included.
inline Result<OpenedStore> OpenFixtureStore(const TempDir& tmp) {
  WriteFixture(tmp, "csv");
  VDPARK_ASSIGN_OR_RETURN(auto csv, OpenStore("csv:" + tmp / "csv"));
  Status rejected;
  VDPARK_ASSIGN_OR_RETURN(Metadata metadata, csv->ReadMetadata([&](Rejected r) {
    rejected = Status::Corruption("fixture: " + r.where + ": " + r.reason);
  }));
  VDPARK_RETURN_IF_ERROR(rejected);
  StoreOptions options;
  options.retention_days = 0;
  VDPARK_ASSIGN_OR_RETURN(OpenedStore store, OpenStoreRoles("embedded:" + tmp / "store", options));
  VDPARK_RETURN_IF_ERROR(store.records->WriteMetadata(metadata));
  return store;
}

}  // namespace vdpark::testing
