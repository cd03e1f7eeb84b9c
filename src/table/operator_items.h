// The portal's own items in the single table, beside SPEC §3's records: alerts and settings.
//
// clang-format off
//   item            PK                   SK                              GSI1PK / GSI1SK
//   open alert      ALERT#{sensorId}     OPEN#{kind}                     ALERTS#OPEN / {raisedAt}#{sensorId}#{kind}
//   resolved alert  ALERT#{sensorId}     RESOLVED#{raisedAt}#{kind}      ALERTS#RESOLVED / {raisedAt}#{sensorId}#{kind}
//   settings        SETTINGS             ALL | TENANT#{tenantId}
// clang-format on
//
// An open alert's key is its sensor and kind, so that a sensor has at most one open alert of a
// kind: raising is a Put on attribute_not_exists(PK). Resolving moves it to its resolved key
// (history, one item per alert ever raised). GSI1 lists each state newest first. None of these
// is a record of SPEC §5.1: the mapper's KindOf calls them kOther, and migrate, verify and audit
// pass them by.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "domain/alert.h"
#include "table/attribute_value.h"
#include "table/item_key.h"

namespace vdpark {

inline constexpr std::string_view kOpenAlertsPartition = "ALERTS#OPEN";
inline constexpr std::string_view kResolvedAlertsPartition = "ALERTS#RESOLVED";

// Where the alert lives: its open key while open, its resolved key once resolved.
ItemKey OpenAlertKey(std::string_view sensor_id, AlertKind kind);
ItemKey ResolvedAlertKey(const AlertId& id);
ItemKey AlertKey(const Alert& alert);

// The alert as an item at AlertKey(alert), with its GSI1 keys.
Item AlertToItem(const Alert& alert);
// kInvalidArgument naming the item's key and the attribute that does not fit.
Result<Alert> AlertFromItem(const Item& item);

// The settings of a tenant, or nullopt for the operator's (every tenant's default).
ItemKey SettingsKey(const std::optional<std::string>& tenant_id);
Item SettingsToItem(const std::optional<std::string>& tenant_id, const OperatorSettings& s);
// kInvalidArgument naming the item and the field when it does not fit or breaks CheckSettings.
Result<OperatorSettings> SettingsFromItem(const Item& item);

}  // namespace vdpark
