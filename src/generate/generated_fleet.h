// GenerateFleet: the fleet of the export `vdpark generate` makes, without its history.
#pragma once

#include "common/result.h"
#include "domain/model.h"
#include "generate/generator.h"

namespace vdpark {

// The zones, bays and sensors Generate(options, ...) writes, bays in the states its history
// leaves them (what a store migrated from that export holds), at the cost of the generator's dry
// run only: the history is not made. Generate's errors (kInvalidArgument naming the option).
Result<Metadata> GenerateFleet(const GenerateOptions& options);

}  // namespace vdpark
