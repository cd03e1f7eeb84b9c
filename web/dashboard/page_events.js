// Events (#/events): the newest arrivals and departures with their zone, bay, duration, revenue
// and time; filters by type, time range and zone; 25/50/100/200 rows; the rows shown downloaded as
// CSV or JSON. Across zones, each zone's newest `rows` events are read (GET
// /v1/zones/{id}/events, newest first) and merged, so the table holds the newest `rows` of all.
import {
  api, dateTime, download, el, enc, isoMicros, labelled, mapLimited, minutesText, money, parseTime,
  select, state, table, toCsv, zoneName,
} from './core.js';

const RANGES = [['all', 'Any time'], ['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'],
  ['30d', 'Last 30 days'], ['custom', 'From … to …']];
const RANGE_MS = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const FIELDS = ['timestamp', 'eventType', 'zoneId', 'zoneName', 'bayNumber', 'duration', 'revenue', 'detectionMode'];

const view = { root: null, rows: [], token: 0, controls: {}, box: null, count: null };

function zoneOptions() {
  const zones = [...state.zones.values()].sort((a, b) => String(a.name).localeCompare(String(b.name), 'en', { numeric: true }));
  return [['all', 'All zones'], ...zones.map((z) => [z.zoneId, z.name || z.zoneId])];
}

function fillZones() {
  const zone = view.controls.zone;
  const was = zone.value;
  zone.replaceChildren(...zoneOptions().map(([v, text]) => el('option', { value: v, text })));
  zone.value = [...zone.options].some((o) => o.value === was) ? was : 'all';
}

// from/to of the query, as the API's ISO form; null for none.
function timeRange() {
  const { range, from, to } = view.controls;
  from.parentElement.hidden = to.parentElement.hidden = range.value !== 'custom';
  if (range.value === 'custom') {
    const f = from.value ? Date.parse(from.value) : NaN;
    const t = to.value ? Date.parse(to.value) : NaN;
    return { from: Number.isFinite(f) ? isoMicros(f) : null, to: Number.isFinite(t) ? isoMicros(t) : null };
  }
  const span = RANGE_MS[range.value];
  return { from: span ? isoMicros(Date.now() - span) : null, to: null };
}

async function load() {
  const token = ++view.token;
  const { type, zone, rows } = view.controls;
  const limit = Number(rows.value);
  const { from, to } = timeRange();
  const params = new URLSearchParams({ limit: String(limit) });
  if (type.value !== 'all') params.set('eventType', type.value);
  if (from) params.set('from', from);
  if (to) params.set('to', to);
  const zoneIds = zone.value === 'all' ? [...state.zones.keys()] : [zone.value];
  view.count.textContent = 'Loading…';
  const pages = await mapLimited(zoneIds, 4, (id) => api(`/v1/zones/${enc(id)}/events?${params}`));
  if (token !== view.token) return;
  view.rows = pages.flatMap((p) => p.events)
    .sort((a, b) => parseTime(b.timestamp) - parseTime(a.timestamp) || String(a.zoneId).localeCompare(b.zoneId))
    .slice(0, limit);
  render();
}

const COLUMNS = [
  { key: 'time', label: 'Time', value: (e) => dateTime(e.timestamp) },
  { key: 'type', label: 'Type', value: (e) => el('span', { class: `tag ${e.eventType === 'ARRIVE' ? 'arrive' : 'leave'}`,
    text: e.eventType === 'ARRIVE' ? 'Arrival' : e.eventType === 'LEAVE' ? 'Departure' : e.eventType }) },
  { key: 'zone', label: 'Zone', value: (e) => el('a', { href: `#/zones/${enc(e.zoneId)}`, text: zoneName(e.zoneId) }) },
  { key: 'bay', label: 'Bay', value: (e) => e.bayNumber },
  { key: 'duration', label: 'Duration', class: 'num', value: (e) => minutesText(e.duration) },
  { key: 'revenue', label: 'Revenue', class: 'num', value: (e) => money(e.revenue) },
];

function render() {
  view.count.textContent = `${view.rows.length} events`;
  view.box.replaceChildren(view.rows.length
    ? table(COLUMNS, view.rows, { rowProps: (e) => ({ dataset: { zoneId: e.zoneId, bay: e.bayNumber,
      eventType: e.eventType, timestamp: e.timestamp } }) })
    : el('p', { class: 'muted empty-row', text: 'No event matches.' }));
}

function exportRows() {
  return view.rows.map((e) => ({ ...e, zoneName: zoneName(e.zoneId) }));
}

function stamp() {
  return new Date().toISOString().slice(0, 19).replaceAll(':', '');
}

export default {
  id: 'events',
  title: 'Events',
  mount(root) {
    view.root = root;
    const c = view.controls;
    c.type = select('events-type', [['all', 'Arrivals and departures'], ['ARRIVE', 'Arrivals'], ['LEAVE', 'Departures']],
      'all', 'Event type');
    c.range = select('events-range', RANGES, 'all', 'Time range');
    c.from = el('input', { id: 'events-from', type: 'datetime-local', 'aria-label': 'From' });
    c.to = el('input', { id: 'events-to', type: 'datetime-local', 'aria-label': 'To' });
    c.zone = select('events-zone', zoneOptions(), 'all', 'Zone');
    c.rows = select('events-rows', [['25', '25 rows'], ['50', '50 rows'], ['100', '100 rows'], ['200', '200 rows']], '50', 'Rows');
    const reload = () => load().catch((err) => this.onError?.(err));
    for (const control of Object.values(c)) control.addEventListener('change', reload);
    view.count = el('span', { class: 'muted count', id: 'events-count' });
    view.box = el('div', { id: 'events-table' });
    root.append(
      el('div', { class: 'page-head' }, el('h2', { text: 'Events' }),
        el('div', { class: 'actions' },
          el('button', { type: 'button', id: 'events-csv', class: 'secondary', text: 'Download CSV',
            onclick: () => download(`vdpark-events-${stamp()}.csv`, 'text/csv', toCsv(FIELDS, exportRows())) }),
          el('button', { type: 'button', id: 'events-json', class: 'secondary', text: 'Download JSON',
            onclick: () => download(`vdpark-events-${stamp()}.json`, 'application/json',
              `${JSON.stringify(exportRows(), null, 2)}\n`) }))),
      el('div', { class: 'toolbar' }, c.type, c.range, labelled('From', c.from), labelled('To', c.to), c.zone, c.rows,
        view.count),
      el('div', { class: 'panel' }, view.box));
    timeRange();
  },
  show: load,
  refresh: load,
  onZones() { if (view.root) fillZones(); },
};
