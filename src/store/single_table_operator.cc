// SingleTableStore's alerts and settings (operator_store.h), as the items of
// table/operator_items.h.
#include "store/single_table_store.h"
#include "table/operator_items.h"

namespace vdpark {

namespace {

// The alert is still as it was read: same raisedAt (the same alert, not a later one of the
// sensor and kind) and same state.
Condition AsRead(const Alert& a) {
  Condition c;
  c.clauses.push_back(
      {ConditionClause::Op::kEq, "raisedAt", AttributeValue::S(a.raised_at.ToIso())});
  c.clauses.push_back(
      {ConditionClause::Op::kEq, "state", AttributeValue::S(std::string(ToString(a.state)))});
  return c;
}

Status CheckOpen(const Alert& a, std::string_view what) {
  if (a.open()) return Status::OK();
  return Status::InvalidArgument(std::string(what) + ": alert " + a.id().ToString() +
                                 " is resolved, not open");
}

}  // namespace

Result<std::optional<Alert>> SingleTableStore::ReadAlert(const ItemKey& key) {
  VDPARK_ASSIGN_OR_RETURN(std::optional<Item> item, items_->Get(key));
  if (!item) return std::optional<Alert>();
  Result<Alert> alert = AlertFromItem(*item);
  if (!alert.ok()) return Status::Corruption(display_name_ + ": " + alert.status().message());
  return std::optional<Alert>(std::move(*alert));
}

Result<CreateOutcome> SingleTableStore::RaiseAlert(const Alert& alert) {
  VDPARK_RETURN_IF_ERROR(CheckOpen(alert, "RaiseAlert"));
  Condition absent;
  absent.clauses.push_back({ConditionClause::Op::kNotExists, std::string(kPkAttr), {}});
  Status s = items_->Put(AlertToItem(alert), absent);
  if (s.IsConditionFailed()) return CreateOutcome::kExists;
  VDPARK_RETURN_IF_ERROR(s.WithContext("RaiseAlert " + alert.id().ToString()));
  return CreateOutcome::kCreated;
}

Result<std::optional<Alert>> SingleTableStore::GetOpenAlert(std::string_view sensor_id,
                                                            AlertKind kind) {
  return ReadAlert(OpenAlertKey(sensor_id, kind));
}

Result<std::optional<Alert>> SingleTableStore::GetAlert(const AlertId& id) {
  VDPARK_ASSIGN_OR_RETURN(std::optional<Alert> open, GetOpenAlert(id.sensor_id, id.kind));
  if (open && open->raised_at == id.raised_at) return open;
  return ReadAlert(ResolvedAlertKey(id));
}

Result<std::vector<Alert>> SingleTableStore::ListAlerts(const AlertQuery& query) {
  std::vector<Alert> kept;
  if (query.limit == 0) return kept;
  QueryRequest request;
  request.index = IndexName::kGsi1;
  request.partition = std::string(query.open ? kOpenAlertsPartition : kResolvedAlertsPartition);
  request.forward = false;
  while (true) {
    VDPARK_ASSIGN_OR_RETURN(Page page, items_->Query(request));
    for (const Item& item : page.items) {
      Result<Alert> alert = AlertFromItem(item);
      if (!alert.ok()) return Status::Corruption(display_name_ + ": " + alert.status().message());
      if (query.keep && !query.keep(*alert)) continue;
      kept.push_back(std::move(*alert));
      if (kept.size() == query.limit) return kept;
    }
    if (!page.last_evaluated_key) return kept;
    request.exclusive_start_key = std::move(page.last_evaluated_key);
  }
}

Status SingleTableStore::ReplaceOpenAlert(const Alert& as_read, const Alert& changed) {
  VDPARK_RETURN_IF_ERROR(CheckOpen(changed, "ReplaceOpenAlert"));
  if (changed.id() != as_read.id()) {
    return Status::InvalidArgument("ReplaceOpenAlert: " + changed.id().ToString() +
                                   " is another alert than " + as_read.id().ToString());
  }
  return items_->Put(AlertToItem(changed), AsRead(as_read))
      .WithContext("alert " + as_read.id().ToString());
}

Status SingleTableStore::ResolveAlert(const Alert& as_read, const Alert& resolved) {
  const std::string what = "resolving alert " + as_read.id().ToString();
  if (resolved.open() || resolved.id() != as_read.id()) {
    return Status::InvalidArgument(what + ": the resolved alert is another alert or still open");
  }
  TransactItem put;
  put.kind = TransactItem::Kind::kPut;
  put.item = AlertToItem(resolved);
  TransactItem del;
  del.kind = TransactItem::Kind::kDelete;
  del.key = OpenAlertKey(as_read.sensor_id, as_read.kind);
  del.condition = AsRead(as_read);
  if (!no_transactions_.load()) {
    const TransactItem writes[] = {put, del};
    Status s = items_->TransactWrite(writes);
    if (!s.IsNotSupported()) return s.WithContext(what);
    no_transactions_.store(true);
  }
  // One by one: history first, so that a crash in between loses nothing (see the header).
  VDPARK_RETURN_IF_ERROR(items_->Put(put.item).WithContext(what));
  Status s = items_->Delete(del.key, del.condition);
  if (s.IsConditionFailed()) {
    // Another caller changed the open alert first: its state wins; the history item goes again.
    VDPARK_RETURN_IF_ERROR(items_->Delete(ResolvedAlertKey(resolved.id())).WithContext(what));
  }
  return s.WithContext(what);
}

Result<std::optional<OperatorSettings>> SingleTableStore::GetSettings(
    const std::optional<std::string>& tenant_id) {
  const ItemKey key = SettingsKey(tenant_id);
  VDPARK_ASSIGN_OR_RETURN(std::optional<Item> item, items_->Get(key));
  if (!item) return std::optional<OperatorSettings>();
  Result<OperatorSettings> settings = SettingsFromItem(*item);
  if (!settings.ok()) return Status::Corruption(display_name_ + ": " + settings.status().message());
  return std::optional<OperatorSettings>(std::move(*settings));
}

Status SingleTableStore::PutSettings(const std::optional<std::string>& tenant_id,
                                     const OperatorSettings& settings) {
  VDPARK_RETURN_IF_ERROR(CheckSettings(settings));
  return items_->Put(SettingsToItem(tenant_id, settings)).WithContext("settings");
}

}  // namespace vdpark
