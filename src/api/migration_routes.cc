// GET /v1/migration/status: where the migration stands and whether it is safe to cut over, the
// JSON of `vdpark status --json` (issue 15's contract). The status is computed by the function
// the server was given (ApiContext::migration_status: the cli's, over verify's checks, which
// this layer does not see). For operators only: a tenant's key is refused with 403.
#include <spdlog/spdlog.h>

#include "api/route_table.h"
#include "common/redact_url.h"

namespace vdpark {

namespace {

ApiResponse MigrationStatus(const RouteCall& call) {
  if (!call.caller.operator_access()) {
    return ErrorResponse(
        ApiError::Forbidden("the migration's status is for operator keys only, not a tenant's"));
  }
  if (!call.context.migration_status) {
    return ErrorResponse(ApiError::NotFound(
        "Not found",
        "no migration to report: this server was started without --migration-source URL"));
  }
  Result<std::string> status = call.context.migration_status();
  if (!status.ok()) {
    // An operator asks: what could not be reached is said, without a URL's secrets.
    const std::string why = RedactUrlsIn(status.status().ToString());
    spdlog::warn("api: migration status: {}", why);
    return ErrorResponse(ApiError::Unavailable("the migration's status is not known: " + why));
  }
  return JsonTextResponse(200, std::move(*status));
}

}  // namespace

std::vector<Route> MigrationRoutes() {
  return {{"GET", "/migration/status", &MigrationStatus}};
}

}  // namespace vdpark
