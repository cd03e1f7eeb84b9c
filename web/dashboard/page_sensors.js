// Sensors (#/sensors): every sensor the key sees with its model, zone and bay, status, battery,
// signal and last report; search by id or model, filter by status and battery. Low battery is
// under settings.lowBatteryPercent; offline is what ingest marked offline, or silent for longer
// than settings.offlineAfterMinutes.
import {
  ago, api, batteryLow, dateTime, el, enc, number, select, sensorOffline, state, table, zoneName,
} from './core.js';

const MAX_ROWS = 500;
const view = { root: null, sensors: [], search: null, status: null, battery: null, box: null, count: null };

function health(s) {
  return sensorOffline(s) ? 'offline' : s.status || 'unknown';
}

function shown() {
  const words = view.search.value.trim().toLowerCase();
  const status = view.status.value;
  const battery = view.battery.value;
  return view.sensors
    .filter((s) => !words || `${s.sensorId} ${s.model || ''}`.toLowerCase().includes(words))
    .filter((s) => status === 'all' || (status === 'online' ? health(s) !== 'offline' : health(s) === status))
    .filter((s) => battery === 'all' || (battery === 'low' ? batteryLow(s) : !batteryLow(s)));
}

const COLUMNS = [
  { key: 'sensorId', label: 'Sensor', value: (s) => s.sensorId },
  { key: 'model', label: 'Model', value: (s) => s.model || '–' },
  { key: 'zone', label: 'Zone', value: (s) => (s.zoneId ? el('a', { href: `#/zones/${enc(s.zoneId)}`, text: zoneName(s.zoneId) }) : '–') },
  { key: 'bay', label: 'Bay', value: (s) => s.bayNumber || '–' },
  { key: 'status', label: 'Status', value: (s) => el('span', { class: `tag ${health(s)}`, text: health(s) }) },
  { key: 'battery', label: 'Battery', class: 'num', value: (s) => (s.batteryLevel != null
    ? el('span', { class: batteryLow(s) ? 'low-battery' : null, text: `${s.batteryLevel} %` }) : '–') },
  { key: 'signal', label: 'Signal', class: 'num', value: (s) => (s.signalStrength != null ? `${s.signalStrength} dBm` : '–') },
  { key: 'lastSeen', label: 'Last seen', value: (s) => (s.lastSeen ? `${dateTime(s.lastSeen)} (${ago(s.lastSeen)})` : 'never') },
];

function render() {
  const rows = shown();
  const offline = view.sensors.filter(sensorOffline).length;
  const low = view.sensors.filter(batteryLow).length;
  view.count.textContent = `${number.format(rows.length)} of ${number.format(view.sensors.length)} sensors` +
    ` · ${offline} offline · ${low} under ${state.settings.lowBatteryPercent} %` +
    (rows.length > MAX_ROWS ? ` · first ${MAX_ROWS} shown` : '');
  view.box.replaceChildren(rows.length
    ? table(COLUMNS, rows.slice(0, MAX_ROWS), { rowProps: (s) => ({ dataset: { sensorId: s.sensorId, health: health(s) } }) })
    : el('p', { class: 'muted empty-row', text: 'No sensor matches.' }));
}

async function load() {
  const body = await api('/v1/sensors');
  view.sensors = body.sensors.sort((a, b) => String(a.sensorId).localeCompare(String(b.sensorId), 'en', { numeric: true }));
  render();
}

export default {
  id: 'sensors',
  title: 'Sensors',
  mount(root) {
    view.root = root;
    view.search = el('input', { id: 'sensors-search', type: 'search', placeholder: 'Search id or model (/)',
      'aria-label': 'Search sensors', 'data-search': true, oninput: render });
    view.status = select('sensors-status', [['all', 'Any status'], ['online', 'Online'], ['active', 'Active'],
      ['offline', 'Offline']], 'all', 'Status');
    view.battery = select('sensors-battery', [['all', 'Any battery'], ['low', 'Low battery'], ['ok', 'Battery ok']],
      'all', 'Battery');
    view.status.addEventListener('change', render);
    view.battery.addEventListener('change', render);
    view.count = el('span', { class: 'muted count', id: 'sensors-count' });
    view.box = el('div', { id: 'sensors-table' });
    root.append(el('div', { class: 'page-head' }, el('h2', { text: 'Sensors' })),
      el('div', { class: 'toolbar' }, view.search, view.status, view.battery, view.count),
      el('div', { class: 'panel' }, view.box));
  },
  show: load,
  refresh: load,
};
