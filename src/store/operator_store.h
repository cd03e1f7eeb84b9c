// OperatorStore: what the portal keeps beside the parking records: alerts (domain/alert.h) and
// the operator's and tenants' settings. The single-table stores (embedded, dynamodb) keep them as
// items of their own (table/operator_items.h); OpenStoreRoles hands one out for those only.
//
// Alerts: at most one open alert per sensor and kind, kept so by the store (a conditional write),
// whichever process raises it. Every change to an open alert is conditioned on the alert as the
// caller read it (its raisedAt and state): of two callers acting on one alert, one gets
// kConditionFailed and reads again. Errors are the store's own (kUnavailable, kIOError, ...);
// an item that does not map to an alert is kCorruption naming its key.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "domain/alert.h"
#include "store/query_store.h"

namespace vdpark {

struct AlertQuery {
  bool open = true;    // open (active and acknowledged) alerts, else resolved ones
  size_t limit = 200;  // at most this many kept
  // Which to keep (tenant, kind, zone, ...), applied as the alerts are read, newest raisedAt
  // first; reading goes on until `limit` are kept or none are left. Empty: all.
  std::function<bool(const Alert&)> keep;
};

class OperatorStore {
 public:
  virtual ~OperatorStore() = default;

  // Writes `alert` (open) unless its sensor has an open alert of its kind already: kCreated, or
  // kExists with nothing written.
  virtual Result<CreateOutcome> RaiseAlert(const Alert& alert) = 0;
  // The sensor's open alert of `kind`, read strongly consistent; nullopt when there is none.
  virtual Result<std::optional<Alert>> GetOpenAlert(std::string_view sensor_id, AlertKind kind) = 0;
  // The alert `id` names, open or resolved; nullopt when there is none.
  virtual Result<std::optional<Alert>> GetAlert(const AlertId& id) = 0;
  // Alerts of one state, newest raisedAt first (see AlertQuery). On DynamoDB the list is read from
  // GSI1, eventually consistent: a change may show a moment later.
  virtual Result<std::vector<Alert>> ListAlerts(const AlertQuery& query) = 0;
  // Writes `changed` (the same alert, still open: acknowledged, its note) over `as_read`.
  virtual Status ReplaceOpenAlert(const Alert& as_read, const Alert& changed) = 0;
  // Moves the open `as_read` to history as `resolved` (its state kResolved). Where the item store
  // has transactions, in one; otherwise the resolved item is written first and the open one
  // deleted after (a crash in between leaves both, and GetAlert and the open list still show
  // it open until it is resolved again).
  virtual Status ResolveAlert(const Alert& as_read, const Alert& resolved) = 0;

  // The settings of a tenant (nullopt: the operator's own); nullopt when none were stored.
  virtual Result<std::optional<OperatorSettings>> GetSettings(
      const std::optional<std::string>& tenant_id) = 0;
  virtual Status PutSettings(const std::optional<std::string>& tenant_id,
                             const OperatorSettings& settings) = 0;
};

}  // namespace vdpark
