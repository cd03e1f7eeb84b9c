// Alerts (#/alerts): low battery, sensor offline and detection issues from GET /v1/alerts, with
// their severity, sensor, zone and bay, when raised and their state; filters by severity and
// state (resolved = the history); Acknowledge and Resolve post to the API. Live through /stream
// ({"type":"alert", ...}): a raised, acknowledged or resolved alert shows at once, and the
// navigation's badge counts the open ones.
import { $, api, dateTime, el, enc, select, table, zoneName } from './core.js';

const view = { root: null, alerts: [], token: 0, severity: null, stateFilter: null, kind: null, box: null, count: null };
const open = new Set();      // ids of the open (active or acknowledged) alerts, for the badge
let countKnown = false;

const KIND_TEXT = { low_battery: 'Low battery', offline: 'Sensor offline', detection: 'Detection issue' };

function matches(a) {
  const s = view.stateFilter?.value || 'open';
  const stateOk = s === 'all' || (s === 'open' ? a.state !== 'resolved' : a.state === s);
  return stateOk && (!view.severity || view.severity.value === 'all' || a.severity === view.severity.value) &&
    (!view.kind || view.kind.value === 'all' || a.kind === view.kind.value);
}

function paintBadge() {
  const badge = $('alert-count');
  badge.hidden = !countKnown || open.size === 0;
  badge.textContent = String(open.size);
}

function track(a) {
  if (a.state === 'resolved') open.delete(a.alertId); else open.add(a.alertId);
}

async function act(alert, action) {
  try {
    const updated = await api(`/v1/alerts/${enc(alert.alertId)}/${action}`, { method: 'POST', body: {} });
    upsert(updated);
  } catch (err) {
    view.onError?.(err);
  }
}

function stateText(a) {
  if (a.state === 'resolved') {
    return `resolved ${dateTime(a.resolvedAt)} by ${a.resolvedBy || '–'}${a.autoResolved ? ' (automatically)' : ''}`;
  }
  if (a.state === 'acknowledged') return `acknowledged ${dateTime(a.acknowledgedAt)} by ${a.acknowledgedBy || '–'}`;
  return 'active';
}

const COLUMNS = [
  { key: 'severity', label: 'Severity', value: (a) => el('span', { class: `tag ${a.severity}`, text: a.severity }) },
  { key: 'kind', label: 'Alert', value: (a) => el('span', {}, el('strong', { text: KIND_TEXT[a.kind] || a.kind }),
    a.message ? el('span', { class: 'muted block', text: a.message }) : null) },
  { key: 'sensor', label: 'Sensor', value: (a) => a.sensorId || '–' },
  { key: 'where', label: 'Zone / bay', value: (a) => (a.zoneId
    ? el('a', { href: `#/zones/${enc(a.zoneId)}`, text: `${zoneName(a.zoneId)} · ${a.bayNumber || '–'}` }) : '–') },
  { key: 'raised', label: 'Raised', value: (a) => dateTime(a.raisedAt) },
  { key: 'state', label: 'State', value: (a) => el('span', { class: `state ${a.state}`, text: stateText(a) }) },
  { key: 'actions', label: '', class: 'actions', value: (a) => el('span', { class: 'row-actions' },
    a.state === 'active' ? el('button', { type: 'button', class: 'secondary', dataset: { action: 'acknowledge' },
      text: 'Acknowledge', onclick: () => act(a, 'acknowledge') }) : null,
    a.state !== 'resolved' ? el('button', { type: 'button', dataset: { action: 'resolve' }, text: 'Resolve',
      onclick: () => act(a, 'resolve') }) : null) },
];

function render() {
  if (!view.root) return;
  view.count.textContent = `${view.alerts.length} alerts`;
  view.box.replaceChildren(view.alerts.length
    ? table(COLUMNS, view.alerts, { rowProps: (a) => ({ dataset: { alertId: a.alertId, kind: a.kind,
      severity: a.severity, state: a.state, sensorId: a.sensorId || '' } }) })
    : el('p', { class: 'muted empty-row', text: 'No alert matches.' }));
}

function upsert(a) {
  track(a);
  paintBadge();
  if (!view.root) return;
  const at = view.alerts.findIndex((x) => x.alertId === a.alertId);
  if (at >= 0) view.alerts.splice(at, 1);
  if (matches(a)) {
    view.alerts.push(a);
    view.alerts.sort((x, y) => String(y.raisedAt).localeCompare(String(x.raisedAt)));
  }
  render();
}

async function load() {
  const token = ++view.token;
  const params = new URLSearchParams({ state: view.stateFilter.value, limit: '1000' });
  if (view.severity.value !== 'all') params.set('severity', view.severity.value);
  if (view.kind.value !== 'all') params.set('kind', view.kind.value);
  try {
    const body = await api(`/v1/alerts?${params}`);
    if (token !== view.token) return;
    view.alerts = body.alerts;
    render();
  } catch (err) {
    if (token !== view.token) return;
    view.alerts = [];
    view.count.textContent = '';
    view.box.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: `Alerts are not available: ${err.message}` }));
  }
}

export default {
  id: 'alerts',
  title: 'Alerts',
  mount(root) {
    view.root = root;
    view.onError = (err) => this.onError?.(err);
    view.severity = select('alerts-severity', [['all', 'Any severity'], ['critical', 'Critical'], ['warning', 'Warning']], 'all', 'Severity');
    view.stateFilter = select('alerts-state', [['open', 'Open'], ['active', 'Active'], ['acknowledged', 'Acknowledged'],
      ['resolved', 'History (resolved)'], ['all', 'All']], 'open', 'State');
    view.kind = select('alerts-kind', [['all', 'Any kind'], ['low_battery', 'Low battery'], ['offline', 'Sensor offline'],
      ['detection', 'Detection issue']], 'all', 'Kind');
    for (const s of [view.severity, view.stateFilter, view.kind]) s.addEventListener('change', load);
    view.count = el('span', { class: 'muted count', id: 'alerts-count' });
    view.box = el('div', { id: 'alerts-table' });
    root.append(el('div', { class: 'page-head' }, el('h2', { text: 'Alerts' })),
      el('div', { class: 'toolbar' }, view.severity, view.stateFilter, view.kind, view.count),
      el('div', { class: 'panel' }, view.box));
  },
  show: load,
  refresh() { this.watchCount(); return load(); },
  onAlert: upsert,
  // The open alerts' count for the navigation's badge; nothing shown when the API has no alerts.
  async watchCount() {
    try {
      const body = await api('/v1/alerts?state=open&limit=1000');
      open.clear();
      for (const a of body.alerts) track(a);
      countKnown = true;
    } catch {
      countKnown = false;
    }
    paintBadge();
  },
};
