// Zone detail (#/zones/{zoneId}): the zone's header with its stats, the bay grid (occupied,
// vacant, unknown, or offline when the bay's sensor is), a bay's panel (sensor, battery, signal,
// last change, last heartbeat, its recent events), the zone's recent activity and its sensors'
// health. The grid and the activity stay live through /stream.
import {
  ago, api, batteryLow, dateTime, el, enc, knownStatus, level, minutesText, money, number,
  percent, sensorOffline, state, throttle,
} from './core.js';

const ACTIVITY = 25;

const view = {
  root: null, zoneId: null, zone: null, bays: new Map(), sensors: new Map(), events: [],
  token: 0, openBay: null, head: null, grid: null, activity: null, health: null, panel: null,
};

// What a bay shows: offline when its sensor is, else its own status.
function bayState(bay) {
  const sensor = bay.sensorId ? view.sensors.get(bay.sensorId) : null;
  return sensor && sensorOffline(sensor) ? 'offline' : knownStatus(bay.status);
}

function counts() {
  const c = { occupied: 0, vacant: 0, unknown: 0, offline: 0 };
  for (const bay of view.bays.values()) c[bayState(bay)]++;
  return c;
}

function renderHead() {
  const z = view.zone;
  if (!z) return;
  const c = counts();
  const total = view.bays.size || Number(z.totalBays) || 0;
  const occupied = view.bays.size ? [...view.bays.values()].filter((b) => knownStatus(b.status) === 'occupied').length
    : Number(z.occupiedBays) || 0;
  const pct = percent(occupied, total);
  const h = z.operatingHours;
  const stat = (label, value, key) => el('div', { class: 'stat', dataset: { stat: key } },
    el('span', { class: 'label', text: label }), el('span', { class: 'value', text: value }));
  view.head.dataset.level = level(pct);
  view.head.replaceChildren(
    el('div', { class: 'zone-head-title' },
      el('a', { href: '#/zones', class: 'back', text: '← Zones' }),
      el('h2', { id: 'zone-name', text: z.name || z.zoneId }),
      el('p', { class: 'muted', text: [z.address, z.city, z.zoneId].filter(Boolean).join(' · ') })),
    el('div', { class: 'stats' },
      stat('Occupancy', `${pct.toFixed(1)} %`, 'rate'),
      stat('Total', number.format(total), 'total'),
      stat('Occupied', number.format(c.occupied), 'occupied'),
      stat('Vacant', number.format(c.vacant), 'vacant'),
      stat('Unknown', number.format(c.unknown), 'unknown'),
      stat('Offline', number.format(c.offline), 'offline'),
      stat('Price', Number(z.pricePerHour) > 0 ? `${money(z.pricePerHour)} / h` : 'free', 'price'),
      stat('Hours', h ? `${h.open}–${h.close}` : '–', 'hours')));
}

function renderGrid() {
  const bays = [...view.bays.values()].sort((a, b) =>
    String(a.bayNumber).localeCompare(String(b.bayNumber), 'en', { numeric: true }));
  view.grid.replaceChildren(...bays.map((b) => {
    const status = bayState(b);
    return el('button', { type: 'button', class: `bay ${status}${b.bayNumber === view.openBay ? ' selected' : ''}`,
      dataset: { bay: b.bayNumber, status }, title: `${b.bayNumber}: ${status}` }, el('span', { text: b.bayNumber }));
  }));
  if (!bays.length) view.grid.append(el('p', { class: 'muted', text: 'This zone has no bays yet.' }));
}

function paintCell(bayNumber) {
  const bay = view.bays.get(bayNumber);
  const cell = [...view.grid.children].find((c) => c.dataset.bay === bayNumber);
  if (!bay || !cell) return renderGrid();
  const status = bayState(bay);
  cell.dataset.status = status;
  cell.className = `bay ${status} changed${bayNumber === view.openBay ? ' selected' : ''}`;
  cell.title = `${bayNumber}: ${status}`;
}

function eventItem(e) {
  const detail = e.eventType === 'LEAVE' ? `${minutesText(e.duration)} · ${money(e.revenue)}` : '';
  return el('li', { class: `activity ${e.eventType === 'ARRIVE' ? 'arrive' : 'leave'}`,
    dataset: { bay: e.bayNumber, eventType: e.eventType } },
  el('time', { text: dateTime(e.timestamp) }),
  el('span', { class: 'what', text: e.eventType === 'ARRIVE' ? 'Arrival' : 'Departure' }),
  el('span', { class: 'where', text: e.bayNumber }),
  el('span', { class: 'detail', text: detail }));
}

function renderActivity() {
  view.activity.replaceChildren(...view.events.slice(0, ACTIVITY).map(eventItem));
  if (!view.events.length) view.activity.append(el('li', { class: 'muted', text: 'No events yet.' }));
}

function renderHealth() {
  const sensors = [...view.sensors.values()];
  const offline = sensors.filter(sensorOffline);
  const low = sensors.filter(batteryLow).sort((a, b) => a.batteryLevel - b.batteryLevel);
  const group = (title, kind, list, detail) => el('div', { class: `health-group ${kind}`, dataset: { kind } },
    el('h3', { text: `${title} (${list.length})` }),
    list.length ? el('ul', { class: 'health-list' }, ...list.slice(0, 50).map((s) => el('li', { dataset: { sensorId: s.sensorId } },
      el('span', { class: 'sensor-id', text: s.sensorId }), el('span', { class: 'where', text: s.bayNumber || '–' }),
      el('span', { class: 'detail', text: detail(s) }))))
      : el('p', { class: 'muted', text: 'None.' }));
  view.health.replaceChildren(
    el('p', { class: 'muted', text: `${sensors.length} sensors · ${sensors.length - offline.length} online` }),
    group('Offline', 'offline', offline, (s) => `last seen ${ago(s.lastSeen)}`),
    group(`Battery under ${state.settings.lowBatteryPercent} %`, 'low-battery', low, (s) => `${s.batteryLevel} %`));
}

// ---- a bay's panel --------------------------------------------------------------------------

async function openBay(bayNumber) {
  view.openBay = bayNumber;
  for (const cell of view.grid.children) cell.classList.toggle('selected', cell.dataset.bay === bayNumber);
  const token = view.token;
  const zoneId = view.zoneId;
  view.panel.hidden = false;
  view.panel.dataset.bay = bayNumber;
  view.panel.replaceChildren(el('p', { class: 'muted', text: `Loading ${bayNumber}…` }));
  const path = `/v1/zones/${enc(zoneId)}/bays/${enc(bayNumber)}`;
  const [bay, events] = await Promise.all([api(path), api(`${path}/events?limit=10`)]);
  if (token !== view.token || view.openBay !== bayNumber) return;
  const sensor = bay.sensorId ? view.sensors.get(bay.sensorId) : null;
  const status = sensor && sensorOffline(sensor) ? 'offline' : knownStatus(bay.status);
  const fact = (label, value, key) => [el('dt', { text: label }), el('dd', { dataset: { fact: key }, text: value })];
  view.panel.replaceChildren(
    el('button', { type: 'button', class: 'close', 'aria-label': 'Close', text: '×', onclick: closeBay }),
    el('h3', { text: `Bay ${bay.bayNumber}` }),
    el('p', { class: `bay-state ${status}`, dataset: { status }, text: status }),
    el('dl', { class: 'facts' },
      ...fact('Sensor', bay.sensorId || '–', 'sensor'),
      ...fact('Sensor status', sensor?.status || '–', 'sensorStatus'),
      ...fact('Battery', bay.batteryLevel != null ? `${bay.batteryLevel} %` : '–', 'battery'),
      ...fact('Signal', bay.signalStrength != null ? `${bay.signalStrength} dBm` : '–', 'signal'),
      ...fact('Last change', dateTime(bay.lastChange), 'lastChange'),
      ...fact('Last heartbeat', dateTime(bay.lastHeartbeat), 'lastHeartbeat'),
      ...fact('Occupied for', bay.currentDuration != null ? minutesText(bay.currentDuration) : '–', 'duration'),
      ...fact('Type', bay.bayType || '–', 'type')),
    el('h4', { text: 'Recent events' }),
    el('ol', { class: 'activity-list bay-events' }, ...events.events.map(eventItem)),
    events.events.length ? null : el('p', { class: 'muted', text: 'No events.' }));
}

function closeBay() {
  if (!view.openBay) return false;
  view.openBay = null;
  view.panel.hidden = true;
  for (const cell of view.grid.children) cell.classList.remove('selected');
  return true;
}

// ---- loading ----------------------------------------------------------------------------------

async function load(zoneId) {
  const token = ++view.token;
  const q = enc(zoneId);
  const [zone, bays, sensors, events] = await Promise.all([api(`/v1/zones/${q}`), api(`/v1/zones/${q}/bays`),
    api(`/v1/sensors?zoneId=${q}`), api(`/v1/zones/${q}/events?limit=${ACTIVITY}`)]);
  if (token !== view.token) return;
  view.zone = zone;
  view.bays = new Map(bays.bays.map((b) => [b.bayNumber, b]));
  view.sensors = new Map(sensors.sensors.map((s) => [s.sensorId, s]));
  view.events = events.events;
  renderHead();
  renderGrid();
  renderActivity();
  renderHealth();
  if (view.openBay) openBay(view.openBay).catch((err) => view.onError?.(err));
}

const renderHeadSoon = throttle(renderHead);

export default {
  id: 'zone',
  title: 'Zone',
  mount(root) {
    view.root = root;
    view.onError = (err) => this.onError?.(err);
    view.head = el('div', { class: 'panel zone-head', id: 'zone-head' });
    view.grid = el('div', { class: 'bay-grid', id: 'zone-bays' });
    view.activity = el('ol', { class: 'activity-list', id: 'zone-activity' });
    view.health = el('div', { id: 'zone-health' });
    view.panel = el('aside', { class: 'panel side-panel', id: 'bay-panel', hidden: true, 'aria-label': 'Bay' });
    view.grid.addEventListener('click', (event) => {
      const cell = event.target.closest('[data-bay]');
      if (cell) openBay(cell.dataset.bay).catch((err) => this.onError?.(err));
    });
    view.grid.addEventListener('animationend', (event) => event.target.classList.remove('changed'));
    root.append(view.head,
      el('div', { class: 'zone-layout' },
        el('section', { class: 'panel' }, el('h3', { text: 'Bays' }),
          el('p', { class: 'legend' }, ...['occupied', 'vacant', 'unknown', 'offline'].flatMap((s) =>
            [el('span', { class: `swatch ${s}` }), ` ${s}  `])),
          view.grid),
        view.panel,
        el('section', { class: 'panel' }, el('h3', { text: 'Recent activity' }), view.activity),
        el('section', { class: 'panel' }, el('h3', { text: 'Sensor health' }), view.health)));
  },
  async show({ zoneId }) {
    if (zoneId !== view.zoneId) {
      view.zoneId = zoneId;
      view.zone = null;
      view.openBay = null;
      view.panel.hidden = true;
      view.head.replaceChildren(el('h2', { text: state.zones.get(zoneId)?.name || zoneId }));
      view.grid.replaceChildren(el('p', { class: 'muted', text: 'Loading bays…' }));
      view.activity.replaceChildren();
      view.health.replaceChildren();
    }
    await load(zoneId);
  },
  hide() { view.token++; },
  refresh() { return view.zoneId ? load(view.zoneId) : undefined; },
  onBay(m) {
    if (!view.root || view.root.hidden || m.zoneId !== view.zoneId || !view.zone) return;
    const bay = view.bays.get(m.bayNumber);
    if (bay) {
      bay.status = m.status;
      bay.lastChange = m.lastChange;
      bay.occupiedSince = knownStatus(m.status) === 'occupied' ? m.lastChange : null;
      paintCell(m.bayNumber);
    }
    if (m.eventType === 'ARRIVE' || m.eventType === 'LEAVE') {
      view.events.unshift({ zoneId: m.zoneId, bayNumber: m.bayNumber, eventType: m.eventType,
        timestamp: m.lastChange, duration: m.duration, revenue: m.revenue });
      view.events.length = Math.min(view.events.length, ACTIVITY * 4);
      view.activity.prepend(eventItem(view.events[0]));
      while (view.activity.children.length > ACTIVITY) view.activity.lastElementChild.remove();
      view.activity.querySelector('li.muted')?.remove();
    }
    if (view.openBay === m.bayNumber) openBay(m.bayNumber).catch(() => {});
    renderHeadSoon();
  },
  close: closeBay,
};
