// The overview (#/): what the one-page dashboard showed before the portal had pages: stat cards,
// the zone list, a zone's bay grid and its last 24 hours, the live feed and sensor health.
import {
  $, api, batteryLow, clock, el, enc, isoMicros, knownStatus, level, minutesText, number, parseTime,
  percent, sensorOffline, state, svg, zoneRate,
} from './core.js';

const FEED_SIZE = 50;
const DAY_MS = 24 * 3600_000;
const MAX_EVENT_PAGES = 50;    // of 1,000 events: the chart of a zone's day stops there
const HEALTH_LIST_MAX = 100;

const view = {
  sensors: [],
  selected: null,              // the open zone's id
  selectToken: 0,              // bumped on every selection: answers for an older one are dropped
  bays: new Map(),             // bayNumber -> bay, of the open zone
  baysLoaded: false,
  liveBays: new Map(),         // bayNumber -> the open zone's latest change from /stream
  dayEvents: null,             // the open zone's ARRIVE/LEAVE of the last 24 h, newest first
  dayComplete: true,           // false when MAX_EVENT_PAGES cut the day short
  liveDuringLoad: [],          // stream events that came while dayEvents was loading
  renderPending: false,
};

async function refresh() {
  const sensors = await api('/v1/sensors');
  view.sensors = sensors.sensors;
  renderStats();
  renderZones();
  renderHealth();
  if (view.selected) {
    if (state.zones.has(view.selected)) await refreshBays(view.selected, view.selectToken);
    else closeZone();
  }
  renderChart();
}

// Stat cards and the zone list, at most four times a second however busy the stream is.
function scheduleRender() {
  if (view.renderPending) return;
  view.renderPending = true;
  setTimeout(() => {
    view.renderPending = false;
    renderStats();
    renderZones();
    renderChart();
  }, 250);
}

function renderStats() {
  const zones = [...state.zones.values()];
  const total = zones.reduce((sum, z) => sum + (Number(z.totalBays) || 0), 0);
  const occupied = zones.reduce((sum, z) => sum + (Number(z.occupiedBays) || 0), 0);
  const pct = percent(occupied, total);
  $('stat-zones').textContent = number.format(zones.length);
  $('stat-zones-sub').textContent =
    `${zones.filter((z) => level(zoneRate(z)) === 'high').length} above 80 %`;
  $('stat-bays').textContent = number.format(total);
  $('stat-bays-sub').textContent =
    `${number.format(occupied)} occupied · ${number.format(total - occupied)} free`;
  $('stat-occupancy').textContent = `${pct.toFixed(1)} %`;
  $('stat-occupancy-sub').textContent = `${number.format(occupied)} of ${number.format(total)} bays`;
  $('card-occupancy').dataset.level = level(pct);

  const offline = view.sensors.filter(sensorOffline).length;
  const low = view.sensors.filter(batteryLow).length;
  $('stat-sensors').textContent =
    `${number.format(view.sensors.length - offline)} / ${number.format(view.sensors.length)}`;
  $('stat-sensors-sub').textContent = `${offline} offline · ${low} low battery`;
}

// Updated in place, so that a click is never lost to a list rebuilt under the pointer.
function renderZones() {
  const list = $('zone-list');
  const items = new Map([...list.children].map((li) => [li.dataset.zoneId, li]));
  const zones = [...state.zones.values()].sort((a, b) =>
    String(a.name).localeCompare(String(b.name), 'en', { numeric: true }));
  zones.forEach((zone, index) => {
    let li = items.get(zone.zoneId);
    if (!li) {
      li = el('li', { class: 'zone', tabindex: '0', role: 'button', dataset: { zoneId: zone.zoneId } },
        el('span', { class: 'zone-name' }), el('span', { class: 'zone-rate' }),
        el('span', { class: 'zone-meta' }), el('span', { class: 'zone-bar' }, el('span')));
    }
    items.delete(zone.zoneId);
    const pct = zoneRate(zone);
    li.dataset.level = level(pct);
    li.classList.toggle('selected', zone.zoneId === view.selected);
    li.querySelector('.zone-name').textContent = zone.name || zone.zoneId;
    li.querySelector('.zone-rate').textContent = `${Math.round(pct)} %`;
    li.querySelector('.zone-meta').textContent =
      `${zone.city ? `${zone.city} · ` : ''}${zone.occupiedBays} / ${zone.totalBays} occupied`;
    li.querySelector('.zone-bar > span').style.width = `${Math.min(pct, 100)}%`;
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
  });
  for (const stale of items.values()) stale.remove();
}

function renderHealth() {
  const offline = view.sensors.filter(sensorOffline)
    .sort((a, b) => (parseTime(a.lastSeen) || 0) - (parseTime(b.lastSeen) || 0));
  const low = view.sensors.filter(batteryLow)
    .sort((a, b) => Number(a.batteryLevel) - Number(b.batteryLevel));
  const threshold = state.settings.lowBatteryPercent;
  $('sensor-health').replaceChildren(
    healthList('Offline', 'offline', offline, 'Every sensor is reporting.',
      (s) => `last seen ${s.lastSeen ? new Date(parseTime(s.lastSeen)).toLocaleString('en-GB') : 'never'}`),
    healthList('Low battery', 'low-battery', low, `No battery under ${threshold} %.`,
      (s) => `battery ${s.batteryLevel} %`));
}

function healthList(title, kind, sensors, emptyText, detail) {
  const section = el('div', { class: `health-group ${kind}`, dataset: { kind } },
    el('h3', { text: `${title} (${sensors.length})` }));
  if (sensors.length === 0) {
    section.append(el('p', { class: 'muted', text: emptyText }));
    return section;
  }
  const list = el('ul', { class: 'health-list' });
  for (const s of sensors.slice(0, HEALTH_LIST_MAX)) {
    const zone = state.zones.get(s.zoneId);
    list.append(el('li', { dataset: { sensorId: s.sensorId } },
      el('span', { class: 'sensor-id', text: s.sensorId }),
      el('span', { class: 'where', text: `${zone ? zone.name : s.zoneId || '–'} · ${s.bayNumber || '–'}` }),
      el('span', { class: 'detail', text: detail(s) })));
  }
  if (sensors.length > HEALTH_LIST_MAX) {
    list.append(el('li', { class: 'muted', text: `… and ${sensors.length - HEALTH_LIST_MAX} more` }));
  }
  section.append(list);
  return section;
}

// ---- the open zone: bay grid and its day ----------------------------------------------------

async function selectZone(zoneId) {
  const zone = state.zones.get(zoneId);
  if (!zone) return;
  const token = ++view.selectToken;
  view.selected = zoneId;
  view.bays = new Map();
  view.baysLoaded = false;
  view.liveBays = new Map();
  view.dayEvents = null;
  view.liveDuringLoad = [];
  renderZones();
  $('zone-title').textContent = `${zone.name || zoneId}${zone.address ? ` · ${zone.address}` : ''}`;
  $('zone-summary').textContent = 'Loading bays…';
  $('bay-grid').replaceChildren();
  renderChart();
  await refreshBays(zoneId, token);
  const day = await loadDay(zoneId, token);
  if (!day) return;
  const seen = new Set(day.events.map(eventKey));
  const merged = day.events.concat(view.liveDuringLoad.filter((e) => !seen.has(eventKey(e))));
  view.dayEvents = merged.sort((a, b) => parseTime(b.timestamp) - parseTime(a.timestamp));
  view.dayComplete = day.complete;
  view.liveDuringLoad = [];
  renderChart();
}

function closeZone() {
  view.selected = null;
  view.selectToken++;
  view.bays = new Map();
  view.baysLoaded = false;
  view.dayEvents = null;
  $('zone-title').textContent = 'Select a zone';
  $('zone-summary').textContent = '';
  $('bay-grid').replaceChildren();
  renderZones();
  renderChart();
}

async function refreshBays(zoneId, token) {
  const body = await api(`/v1/zones/${enc(zoneId)}/bays`);
  if (token !== view.selectToken) return;
  view.bays = new Map(body.bays.map((b) => [b.bayNumber, b]));
  // A change streamed while this answer was on its way is newer than what it says.
  for (const m of view.liveBays.values()) {
    const bay = view.bays.get(m.bayNumber);
    if (bay && !(parseTime(bay.lastChange) >= parseTime(m.lastChange))) applyToBay(bay, m);
  }
  view.baysLoaded = true;
  renderGrid();
}

function renderGrid() {
  const grid = $('bay-grid');
  const cells = new Map([...grid.children].map((cell) => [cell.dataset.bay, cell]));
  const bays = [...view.bays.values()].sort((a, b) =>
    String(a.bayNumber).localeCompare(String(b.bayNumber), 'en', { numeric: true }));
  const sameBays = cells.size === bays.length && bays.every((b) => cells.has(b.bayNumber));
  if (!sameBays) {
    grid.replaceChildren(...bays.map((b) => el('div', { class: 'bay', dataset: { bay: b.bayNumber } },
      el('span', { text: b.bayNumber }))));
  }
  for (const cell of grid.children) paintBay(cell, view.bays.get(cell.dataset.bay));
  renderZoneSummary();
}

function paintBay(cell, bay) {
  const status = knownStatus(bay.status);
  cell.dataset.status = status;
  cell.className = `bay ${status}`;
  const since = status === 'occupied' ? parseTime(bay.occupiedSince || bay.lastChange) : NaN;
  cell.title = [
    `${bay.bayNumber}: ${status}${Number.isFinite(since) ? ` since ${clock(since)}` : ''}`,
    bay.sensorId ? `sensor ${bay.sensorId}` : '',
    bay.batteryLevel != null ? `battery ${bay.batteryLevel} %` : '',
    bay.signalStrength != null ? `signal ${bay.signalStrength} dBm` : '',
    bay.bayType ? `type ${bay.bayType}` : '',
  ].filter(Boolean).join('\n');
}

function renderZoneSummary() {
  const count = { occupied: 0, vacant: 0, unknown: 0 };
  for (const bay of view.bays.values()) count[knownStatus(bay.status)]++;
  $('zone-summary').textContent = `${view.bays.size} bays: ${count.occupied} occupied · ` +
    `${count.vacant} vacant · ${count.unknown} unknown`;
}

// The zone's ARRIVE/LEAVE of the last 24 h, newest first, following nextCursor; null when another
// zone was chosen meanwhile.
async function loadDay(zoneId, token) {
  const from = isoMicros(Date.now() - DAY_MS);
  const events = [];
  let cursor = '';
  for (let page = 0; page < MAX_EVENT_PAGES; page++) {
    let path = `/v1/zones/${enc(zoneId)}/events?from=${enc(from)}&limit=1000`;
    if (cursor) path += `&cursor=${enc(cursor)}`;
    const body = await api(path);
    if (token !== view.selectToken) return null;
    events.push(...body.events);
    cursor = body.nextCursor;
    if (!cursor) return { events, complete: true };
  }
  return { events, complete: false };
}

function eventKey(e) {
  return `${e.zoneId}|${e.bayNumber}|${e.eventType}|${parseTime(e.timestamp)}`;
}

// Occupied bays over the last 24 h: from the count now, walked back through the events (before
// an ARRIVE one bay fewer was occupied, before a LEAVE one more). Points oldest first.
function occupancySeries(now) {
  let count = 0;
  for (const bay of view.bays.values()) if (knownStatus(bay.status) === 'occupied') count++;
  const points = [[now, count]];
  for (const e of view.dayEvents) {
    const delta = e.eventType === 'ARRIVE' ? 1 : e.eventType === 'LEAVE' ? -1 : 0;
    const t = Math.min(parseTime(e.timestamp), now);
    if (delta === 0 || !(t >= now - DAY_MS)) continue;
    points.push([t, count]);
    count -= delta;
    points.push([t, count]);
  }
  points.push([now - DAY_MS, count]);
  return points.reverse();
}

function renderChart() {
  const box = $('occupancy-chart');
  if (!view.selected || !view.dayEvents) {
    const text = view.selected ? 'Loading the last 24 hours…' : 'Select a zone to see its day.';
    box.replaceChildren(el('p', { class: 'muted', text }));
    return;
  }
  const now = Date.now();
  const start = now - DAY_MS;
  const points = occupancySeries(now);
  const zone = state.zones.get(view.selected);
  const total = Math.max(Number(zone?.totalBays) || 0, view.bays.size);
  const counts = points.map(([, c]) => c);
  const top = Math.max(total, ...counts, 1);
  const bottom = Math.min(0, ...counts);  // below 0 only if the events disagree with the bays

  const W = 720, H = 220, L = 40, R = 12, T = 12, B = 26;
  const x = (t) => (L + ((t - start) / DAY_MS) * (W - L - R)).toFixed(1);
  const y = (c) => (H - B - ((c - bottom) / (top - bottom)) * (H - T - B)).toFixed(1);

  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'occupancy' });
  chart.append(svg('title', {}, `Occupied bays of ${zone?.name || view.selected}, last 24 hours`));
  for (const c of new Set([bottom, 0, Math.round(top / 2), top])) {
    chart.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(c), y2: y(c) }));
    chart.append(svg('text', { class: 'axis', x: L - 6, y: Number(y(c)) + 4, 'text-anchor': 'end' }, c));
  }
  for (let h = 0; h <= 24; h += 6) {
    const t = start + h * 3600_000;
    chart.append(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4 }));
    chart.append(svg('text', { class: 'axis', x: x(t), y: H - 6, 'text-anchor': h === 0 ? 'start' : h === 24 ? 'end' : 'middle' },
      h === 24 ? 'now' : clock(t).slice(0, 5)));
  }
  const line = points.map(([t, c], i) => `${i ? 'L' : 'M'}${x(t)} ${y(c)}`).join(' ');
  const base = y(bottom);
  chart.append(svg('path', { class: 'area', d: `${line} L${x(now)} ${base} L${x(start)} ${base} Z` }));
  chart.append(svg('path', { class: 'line', d: line }));

  const peak = points.reduce((best, p) => (p[1] > best[1] ? p : best), points[0]);
  const counted = view.dayEvents.filter((e) => parseTime(e.timestamp) >= start).length;
  const caption = `Now ${points[points.length - 1][1]} of ${total} occupied; peak ${peak[1]} at ` +
    `${clock(peak[0]).slice(0, 5)}; ${number.format(counted)} arrivals and departures` +
    (view.dayComplete ? '.' : ' (only the newest shown: the chart starts later than it should).');
  box.replaceChildren(chart, el('p', { class: 'muted caption', text: caption }));
}

// ---- live ------------------------------------------------------------------------------------

function onBayChange(m, zoneChanged) {
  if (m.zoneId === view.selected) {
    view.liveBays.set(m.bayNumber, m);
    if (view.baysLoaded) {
      const bay = view.bays.get(m.bayNumber) || { zoneId: m.zoneId, bayNumber: m.bayNumber };
      const isNew = !view.bays.has(m.bayNumber);
      applyToBay(bay, m);
      view.bays.set(m.bayNumber, bay);
      const cell = isNew ? null : [...$('bay-grid').children].find((c) => c.dataset.bay === m.bayNumber);
      if (cell) {
        paintBay(cell, bay);
        cell.classList.add('changed');
        renderZoneSummary();
      } else {
        renderGrid();
      }
    }
    if (m.eventType) {
      const event = { zoneId: m.zoneId, bayNumber: m.bayNumber, eventType: m.eventType,
        timestamp: m.lastChange, duration: m.duration, revenue: m.revenue };
      if (view.dayEvents) view.dayEvents.unshift(event); else view.liveDuringLoad.push(event);
    }
  }
  if (m.eventType === 'ARRIVE' || m.eventType === 'LEAVE') addToFeed(m);
  if (zoneChanged || m.zoneId === view.selected) scheduleRender();
}

function applyToBay(bay, m) {
  bay.status = m.status;
  bay.lastChange = m.lastChange;
  bay.occupiedSince = knownStatus(m.status) === 'occupied' ? m.lastChange : null;
}

function addToFeed(m) {
  const arrival = m.eventType === 'ARRIVE';
  const zone = state.zones.get(m.zoneId);
  const when = parseTime(m.lastChange);
  const detail = arrival ? '' : [minutesText(m.duration),
    m.revenue != null && Number.isFinite(Number(m.revenue)) ? Number(m.revenue).toFixed(2) : '']
    .filter((t) => t && t !== '–').join(' · ');
  const item = el('li', {
    class: `feed-item ${arrival ? 'arrive' : 'leave'}`,
    dataset: { zoneId: m.zoneId, bay: m.bayNumber, status: knownStatus(m.status), eventType: m.eventType },
  },
  el('time', { text: clock(Number.isFinite(when) ? when : Date.now()) }),
  el('span', { class: 'what', text: arrival ? 'Arrival' : 'Departure' }),
  el('span', { class: 'where', text: `${zone ? zone.name : m.zoneId} · ${m.bayNumber}` }),
  el('span', { class: 'detail', text: detail }));
  const feed = $('feed');
  feed.prepend(item);
  while (feed.children.length > FEED_SIZE) feed.lastElementChild.remove();
}

export default {
  id: 'overview',
  title: 'Overview',
  mount() {
    const list = $('zone-list');
    const pick = (event) => {
      const li = event.target.closest('li[data-zone-id]');
      if (!li) return;
      if (event.type === 'keydown') {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
      }
      selectZone(li.dataset.zoneId).catch((err) => this.onError?.(err));
    };
    list.addEventListener('click', pick);
    list.addEventListener('keydown', pick);
    $('bay-grid').addEventListener('animationend', (event) => event.target.classList.remove('changed'));
  },
  show() { return refresh(); },
  refresh,
  reload() { return view.selected ? selectZone(view.selected) : refresh(); },
  onZones() { renderStats(); renderZones(); },
  onBay: onBayChange,
  close() {
    if (!view.selected) return false;
    closeZone();
    return true;
  },
};
