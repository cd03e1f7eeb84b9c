// vdpark operator dashboard (SPEC §5). Reads the REST API and the /stream of bay changes at this
// page's own origin; an API key, when the operator gives one, goes along as X-Api-Key. Plain DOM:
// text is always set through textContent, never parsed as HTML.
'use strict';

const KEY_STORAGE = 'vdpark.apiKey';
const FEED_SIZE = 50;
const LOW_BATTERY = 20;        // percent, as the event processor's alert
const REFRESH_MS = 30_000;     // zones, sensors and the open zone's bays are read again this often
const DAY_MS = 24 * 3600_000;
const MAX_EVENT_PAGES = 50;    // of 1,000 events: the chart of a zone's day stops there
const HEALTH_LIST_MAX = 100;

const state = {
  apiKey: readStoredKey(),
  zones: new Map(),            // zoneId -> zone, as /v1/zones gives it, kept current by /stream
  sensors: [],
  selected: null,              // the open zone's id
  selectToken: 0,              // bumped on every selection: answers for an older one are dropped
  bays: new Map(),             // bayNumber -> bay, of the open zone
  baysLoaded: false,
  liveBays: new Map(),         // bayNumber -> the open zone's latest change from /stream
  dayEvents: null,             // the open zone's ARRIVE/LEAVE of the last 24 h, newest first
  dayComplete: true,           // false when MAX_EVENT_PAGES cut the day short
  liveDuringLoad: [],          // stream events that came while dayEvents was loading
  stream: null,                // AbortController of the running stream
  renderPending: false,
};

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const number = new Intl.NumberFormat('en-US');

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function readStoredKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
}

function storeKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key); else localStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lasts for this page only */ }
}

// ---- API ------------------------------------------------------------------------------------

function authHeaders() {
  return state.apiKey ? { 'X-Api-Key': state.apiKey } : {};
}

async function api(path) {
  const res = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
  if (!res.ok) {
    let detail = '';
    try {
      const body = await res.json();
      detail = body.message || body.error || '';
    } catch { /* not JSON */ }
    const hint = res.status === 401 || res.status === 403 ? ' (enter an API key above)' : '';
    throw new Error(`${path.split('?')[0]}: ${res.status} ${detail}${hint}`.trim());
  }
  return res.json();
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function clearError() {
  $('error').hidden = true;
}

// ---- time and numbers -----------------------------------------------------------------------

// Timestamps are ISO-8601 with microseconds (SPEC §3); Date keeps milliseconds.
function parseTime(iso) {
  return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, '$1')) : NaN;
}

// The API's own fixed-width form, so that string order on the server is time order.
function isoMicros(ms) {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

function clock(ms, seconds = false) {
  if (!Number.isFinite(ms)) return '–';
  const opts = { hour: '2-digit', minute: '2-digit', hour12: false };
  if (seconds) opts.second = '2-digit';
  return new Date(ms).toLocaleTimeString('en-GB', opts);
}

function minutesText(minutes) {
  if (minutes == null || !Number.isFinite(Number(minutes))) return '';
  const m = Math.round(Number(minutes));
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

function percent(part, whole) {
  return whole > 0 ? (100 * part) / whole : 0;
}

// green < 40 %, amber 40–80 %, red > 80 %
function level(pct) {
  return pct > 80 ? 'high' : pct >= 40 ? 'mid' : 'low';
}

function knownStatus(status) {
  return status === 'occupied' || status === 'vacant' ? status : 'unknown';
}

// ---- zones, stat cards, sensor health -------------------------------------------------------

async function refresh() {
  try {
    const [zones, sensors] = await Promise.all([api('/v1/zones'), api('/v1/sensors')]);
    state.zones = new Map(zones.zones.map((z) => [z.zoneId, z]));
    state.sensors = sensors.sensors;
    renderStats();
    renderZones();
    renderHealth();
    if (state.selected) {
      if (state.zones.has(state.selected)) await refreshBays(state.selected, state.selectToken);
      else closeZone();
    }
    clearError();
  } catch (err) {
    showError(err.message);
  }
}

// Stat cards and the zone list, at most four times a second however busy the stream is.
function scheduleRender() {
  if (state.renderPending) return;
  state.renderPending = true;
  setTimeout(() => {
    state.renderPending = false;
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

  const offline = state.sensors.filter((s) => s.status === 'offline').length;
  const low = state.sensors.filter(isLowBattery).length;
  $('stat-sensors').textContent =
    `${number.format(state.sensors.length - offline)} / ${number.format(state.sensors.length)}`;
  $('stat-sensors-sub').textContent = `${offline} offline · ${low} low battery`;
}

function zoneRate(zone) {
  return percent(Number(zone.occupiedBays) || 0, Number(zone.totalBays) || 0);
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
    li.classList.toggle('selected', zone.zoneId === state.selected);
    li.querySelector('.zone-name').textContent = zone.name || zone.zoneId;
    li.querySelector('.zone-rate').textContent = `${Math.round(pct)} %`;
    li.querySelector('.zone-meta').textContent =
      `${zone.city ? `${zone.city} · ` : ''}${zone.occupiedBays} / ${zone.totalBays} occupied`;
    li.querySelector('.zone-bar > span').style.width = `${Math.min(pct, 100)}%`;
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
  });
  for (const stale of items.values()) stale.remove();
}

function isLowBattery(sensor) {
  return sensor.batteryLevel != null && Number(sensor.batteryLevel) < LOW_BATTERY;
}

function renderHealth() {
  const offline = state.sensors.filter((s) => s.status === 'offline')
    .sort((a, b) => (parseTime(a.lastSeen) || 0) - (parseTime(b.lastSeen) || 0));
  const low = state.sensors.filter(isLowBattery)
    .sort((a, b) => Number(a.batteryLevel) - Number(b.batteryLevel));
  $('sensor-health').replaceChildren(
    healthList('Offline', 'offline', offline, 'Every sensor is reporting.',
      (s) => `last seen ${s.lastSeen ? new Date(parseTime(s.lastSeen)).toLocaleString('en-GB') : 'never'}`),
    healthList('Low battery', 'low-battery', low, `No battery under ${LOW_BATTERY} %.`,
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
  const token = ++state.selectToken;
  state.selected = zoneId;
  state.bays = new Map();
  state.baysLoaded = false;
  state.liveBays = new Map();
  state.dayEvents = null;
  state.liveDuringLoad = [];
  renderZones();
  $('zone-title').textContent = `${zone.name || zoneId}${zone.address ? ` · ${zone.address}` : ''}`;
  $('zone-summary').textContent = 'Loading bays…';
  $('bay-grid').replaceChildren();
  renderChart();
  try {
    await refreshBays(zoneId, token);
    const day = await loadDay(zoneId, token);
    if (!day) return;
    const seen = new Set(day.events.map(eventKey));
    const merged = day.events.concat(state.liveDuringLoad.filter((e) => !seen.has(eventKey(e))));
    state.dayEvents = merged.sort((a, b) => parseTime(b.timestamp) - parseTime(a.timestamp));
    state.dayComplete = day.complete;
    state.liveDuringLoad = [];
    renderChart();
  } catch (err) {
    if (token === state.selectToken) showError(err.message);
  }
}

function closeZone() {
  state.selected = null;
  state.selectToken++;
  state.bays = new Map();
  state.baysLoaded = false;
  state.dayEvents = null;
  $('zone-title').textContent = 'Select a zone';
  $('zone-summary').textContent = '';
  $('bay-grid').replaceChildren();
  renderChart();
}

async function refreshBays(zoneId, token) {
  const body = await api(`/v1/zones/${enc(zoneId)}/bays`);
  if (token !== state.selectToken) return;
  state.bays = new Map(body.bays.map((b) => [b.bayNumber, b]));
  // A change streamed while this answer was on its way is newer than what it says.
  for (const m of state.liveBays.values()) {
    const bay = state.bays.get(m.bayNumber);
    if (bay && !(parseTime(bay.lastChange) >= parseTime(m.lastChange))) applyToBay(bay, m);
  }
  state.baysLoaded = true;
  renderGrid();
}

function renderGrid() {
  const grid = $('bay-grid');
  const cells = new Map([...grid.children].map((cell) => [cell.dataset.bay, cell]));
  const bays = [...state.bays.values()].sort((a, b) =>
    String(a.bayNumber).localeCompare(String(b.bayNumber), 'en', { numeric: true }));
  const sameBays = cells.size === bays.length && bays.every((b) => cells.has(b.bayNumber));
  if (!sameBays) {
    grid.replaceChildren(...bays.map((b) => el('div', { class: 'bay', dataset: { bay: b.bayNumber } },
      el('span', { text: b.bayNumber }))));
  }
  for (const cell of grid.children) paintBay(cell, state.bays.get(cell.dataset.bay));
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
  for (const bay of state.bays.values()) count[knownStatus(bay.status)]++;
  $('zone-summary').textContent = `${state.bays.size} bays: ${count.occupied} occupied · ` +
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
    if (token !== state.selectToken) return null;
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
  for (const bay of state.bays.values()) if (knownStatus(bay.status) === 'occupied') count++;
  const points = [[now, count]];
  for (const e of state.dayEvents) {
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

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text != null) node.textContent = text;
  return node;
}

function renderChart() {
  const box = $('occupancy-chart');
  if (!state.selected || !state.dayEvents) {
    const text = state.selected ? 'Loading the last 24 hours…' : 'Select a zone to see its day.';
    box.replaceChildren(el('p', { class: 'muted', text }));
    return;
  }
  const now = Date.now();
  const start = now - DAY_MS;
  const points = occupancySeries(now);
  const zone = state.zones.get(state.selected);
  const total = Math.max(Number(zone?.totalBays) || 0, state.bays.size);
  const counts = points.map(([, c]) => c);
  const top = Math.max(total, ...counts, 1);
  const bottom = Math.min(0, ...counts);  // below 0 only if the events disagree with the bays

  const W = 720, H = 220, L = 40, R = 12, T = 12, B = 26;
  const x = (t) => (L + ((t - start) / DAY_MS) * (W - L - R)).toFixed(1);
  const y = (c) => (H - B - ((c - bottom) / (top - bottom)) * (H - T - B)).toFixed(1);

  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'occupancy' });
  chart.append(svg('title', {}, `Occupied bays of ${zone?.name || state.selected}, last 24 hours`));
  for (const c of new Set([bottom, 0, Math.round(top / 2), top])) {
    chart.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(c), y2: y(c) }));
    chart.append(svg('text', { class: 'axis', x: L - 6, y: Number(y(c)) + 4, 'text-anchor': 'end' }, c));
  }
  for (let h = 0; h <= 24; h += 6) {
    const t = start + h * 3600_000;
    chart.append(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: H - B, y2: H - B + 4 }));
    chart.append(svg('text', { class: 'axis', x: x(t), y: H - 6, 'text-anchor': h === 0 ? 'start' : h === 24 ? 'end' : 'middle' },
      h === 24 ? 'now' : clock(t)));
  }
  const line = points.map(([t, c], i) => `${i ? 'L' : 'M'}${x(t)} ${y(c)}`).join(' ');
  const base = y(bottom);
  chart.append(svg('path', { class: 'area', d: `${line} L${x(now)} ${base} L${x(start)} ${base} Z` }));
  chart.append(svg('path', { class: 'line', d: line }));

  const peak = points.reduce((best, p) => (p[1] > best[1] ? p : best), points[0]);
  const counted = state.dayEvents.filter((e) => parseTime(e.timestamp) >= start).length;
  const caption = `Now ${points[points.length - 1][1]} of ${total} occupied; peak ${peak[1]} at ` +
    `${clock(peak[0])}; ${number.format(counted)} arrivals and departures` +
    (state.dayComplete ? '.' : ' (only the newest shown: the chart starts later than it should).');
  box.replaceChildren(chart, el('p', { class: 'muted caption', text: caption }));
}

// ---- live: /stream --------------------------------------------------------------------------

function setConnection(kind, detail = '') {
  const badge = $('connection');
  badge.dataset.state = kind;
  badge.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' }[kind] || kind;
  badge.title = detail;
}

// Server-sent events read through fetch, so that X-Api-Key can go along (EventSource cannot send
// headers). Reconnects with backoff; after a reconnect everything is read again, since changes
// made while away were not seen.
async function runStream() {
  state.stream?.abort();
  const control = new AbortController();
  state.stream = control;
  let delay = 1000;
  let connectedBefore = false;
  while (!control.signal.aborted) {
    setConnection(connectedBefore ? 'reconnecting' : 'connecting');
    try {
      const res = await fetch('/stream', {
        headers: { ...authHeaders(), Accept: 'text/event-stream' },
        cache: 'no-store',
        signal: control.signal,
      });
      if (!res.ok || !res.body) throw new Error(`/stream: ${res.status}`);
      setConnection('live');
      delay = 1000;
      if (connectedBefore) {
        refresh();
        if (state.selected) selectZone(state.selected);
      }
      connectedBefore = true;
      await readServerSentEvents(res.body, onStreamData);
    } catch (err) {
      if (control.signal.aborted) return;
      setConnection('reconnecting', err.message);
    }
    if (control.signal.aborted) return;
    setConnection('reconnecting', 'the stream ended');
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 30_000);
  }
}

// Calls onData with the data of each event (its data: lines joined by "\n"), until the body ends.
async function readServerSentEvents(body, onData) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) break;  // wait for "\n"
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') {
        if (data.length) onData(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(line[5] === ' ' ? 6 : 5));
      }  // comments (":") and the event, id and retry fields carry nothing for us
    }
  }
}

function onStreamData(text) {
  let message;
  try { message = JSON.parse(text); } catch { return; }
  if (message && message.type === 'bay') applyBayChange(message);
}

function applyBayChange(m) {
  const delta = m.eventType === 'ARRIVE' ? 1 : m.eventType === 'LEAVE' ? -1 : 0;
  const zone = state.zones.get(m.zoneId);
  if (zone && delta) {
    const total = Number(zone.totalBays) || 0;
    zone.occupiedBays = Math.min(Math.max((Number(zone.occupiedBays) || 0) + delta, 0), total);
    zone.vacantBays = total - zone.occupiedBays;
    zone.occupancyRate = percent(zone.occupiedBays, total);
  }
  if (m.zoneId === state.selected) {
    state.liveBays.set(m.bayNumber, m);
    if (state.baysLoaded) {
      const bay = state.bays.get(m.bayNumber) || { zoneId: m.zoneId, bayNumber: m.bayNumber };
      const isNew = !state.bays.has(m.bayNumber);
      applyToBay(bay, m);
      state.bays.set(m.bayNumber, bay);
      const cell = isNew ? null : [...$('bay-grid').children].find((c) => c.dataset.bay === m.bayNumber);
      if (cell) {
        paintBay(cell, bay);
        cell.classList.add('changed');
        renderZoneSummary();
      } else {
        renderGrid();
      }
    }
    if (delta) {
      const event = { zoneId: m.zoneId, bayNumber: m.bayNumber, eventType: m.eventType,
        timestamp: m.lastChange, duration: m.duration, revenue: m.revenue };
      if (state.dayEvents) state.dayEvents.unshift(event); else state.liveDuringLoad.push(event);
    }
  }
  if (delta) addToFeed(m);
  scheduleRender();
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
    .filter(Boolean).join(' · ');
  const item = el('li', {
    class: `feed-item ${arrival ? 'arrive' : 'leave'}`,
    dataset: { zoneId: m.zoneId, bay: m.bayNumber, status: knownStatus(m.status), eventType: m.eventType },
  },
  el('time', { text: clock(Number.isFinite(when) ? when : Date.now(), true) }),
  el('span', { class: 'what', text: arrival ? 'Arrival' : 'Departure' }),
  el('span', { class: 'where', text: `${zone ? zone.name : m.zoneId} · ${m.bayNumber}` }),
  el('span', { class: 'detail', text: detail }));
  const feed = $('feed');
  feed.prepend(item);
  while (feed.children.length > FEED_SIZE) feed.lastElementChild.remove();
}

// ---- start ----------------------------------------------------------------------------------

function init() {
  const keyInput = $('api-key');
  keyInput.value = state.apiKey;
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    state.apiKey = keyInput.value.trim();
    storeKey(state.apiKey);
    refresh().then(() => { if (state.selected) selectZone(state.selected); });
    runStream();
  });
  const list = $('zone-list');
  list.addEventListener('click', (event) => {
    const li = event.target.closest('li[data-zone-id]');
    if (li) selectZone(li.dataset.zoneId);
  });
  list.addEventListener('keydown', (event) => {
    const li = event.target.closest('li[data-zone-id]');
    if (li && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      selectZone(li.dataset.zoneId);
    }
  });
  $('bay-grid').addEventListener('animationend', (event) => event.target.classList.remove('changed'));
  refresh();
  runStream();
  setInterval(() => { refresh(); renderChart(); }, REFRESH_MS);
}

init();
