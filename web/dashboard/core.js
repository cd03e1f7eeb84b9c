// What every page of the operator portal shares: the API (with the operator's X-Api-Key), the
// settings, the zones kept current by /stream, DOM helpers (text only ever through textContent),
// formatting in the settings' time zone, tables and downloads.
'use strict';

export const KEY_STORAGE = 'vdpark.apiKey';

// Used until GET /v1/settings answers (or when it cannot): the API's own defaults.
export const DEFAULT_SETTINGS = Object.freeze({
  lowBatteryPercent: 20, offlineAfterMinutes: 90, refreshSeconds: 30, timeZone: 'Asia/Dubai',
  mapTiles: null, endpoints: null,
});

export const state = {
  apiKey: readStoredKey(),
  bayChanges: 0,                  // bay changes told by /stream so far (loadZones reads again)
  settings: { ...DEFAULT_SETTINGS },
  settingsError: '',              // why GET /v1/settings failed, for the Settings page
  zones: new Map(),               // zoneId -> zone, as /v1/zones gives it, kept current by /stream
  zonesLoaded: false,
  zonesError: '',                 // why GET /v1/zones failed last, shown on every page
  connection: 'connecting',
};

export const $ = (id) => document.getElementById(id);
export const enc = encodeURIComponent;
export const number = new Intl.NumberFormat('en-US');

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((c) => c != null && c !== false));
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null) node.setAttribute(key, value);
  }
  if (text != null) node.textContent = text;
  return node;
}

function readStoredKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ''; } catch { return ''; }
}

export function storeKey(key) {
  state.apiKey = key;
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key); else localStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lasts for this page only */ }
}

// ---- API ------------------------------------------------------------------------------------

export function authHeaders() {
  return state.apiKey ? { 'X-Api-Key': state.apiKey } : {};
}

// An API answer that is not 2xx: the status and the API's own message.
export class ApiFailure extends Error {
  constructor(path, status, detail) {
    const hint = status === 401 ? ' (enter an API key above)' : '';
    super(`${path.split('?')[0]}: ${status} ${detail}${hint}`.trim());
    this.status = status;
    this.detail = detail;
  }
}

// GET (or another method with a JSON body); the parsed answer, or an ApiFailure.
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { ...authHeaders() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let detail = '';
    try {
      const answer = await res.json();
      detail = [answer.error, answer.message].filter(Boolean).join(': ');
    } catch { /* not JSON */ }
    throw new ApiFailure(path, res.status, detail);
  }
  return res.status === 204 ? null : res.json();
}

// Runs fn over items, at most `limit` at a time; results in the items' order.
export async function mapLimited(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

// A page's own error cleared; what keeps every page from working (the zones unreadable: no key,
// a wrong key, the server down) stays shown.
export function clearError() {
  showError(state.zonesError);
}

// ---- settings and zones ---------------------------------------------------------------------

export async function loadSettings() {
  try {
    const s = await api('/v1/settings');
    state.settings = { ...DEFAULT_SETTINGS, ...s };
    state.settingsError = '';
  } catch (err) {
    state.settingsError = err.message;
  }
  timeFormats.clear();
  window.dispatchEvent(new Event('vdpark-settings'));
  return state.settings;
}

export async function loadZones() {
  let body;
  for (let tries = 1; ; ++tries) {
    const changes = state.bayChanges;
    try {
      body = await api('/v1/zones');
    } catch (err) {
      state.zonesError = err.message;
      throw err;
    }
    // A change told by /stream while this answer was on its way may be missing from it, and the
    // answer would undo the counters the change moved: read again.
    if (state.bayChanges === changes || tries === 3) break;
  }
  state.zonesError = '';
  state.zones = new Map(body.zones.map((z) => [z.zoneId, z]));
  state.zonesLoaded = true;
  return state.zones;
}

export function zoneName(zoneId) {
  const zone = state.zones.get(zoneId);
  return zone ? zone.name || zoneId : zoneId || '–';
}

// ---- time and numbers -----------------------------------------------------------------------

// Timestamps are ISO-8601 with microseconds (SPEC §3); Date keeps milliseconds.
export function parseTime(iso) {
  return iso ? Date.parse(String(iso).replace(/(\.\d{3})\d+/, '$1')) : NaN;
}

// The API's own fixed-width form, so that string order on the server is time order.
export function isoMicros(ms) {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

const timeFormats = new Map();
function timeFormat(kind) {
  if (!timeFormats.has(kind)) {
    const opts = kind === 'clock' ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit' };
    let format;
    try {
      format = new Intl.DateTimeFormat('en-GB', { ...opts, hour12: false, timeZone: state.settings.timeZone });
    } catch {
      format = new Intl.DateTimeFormat('en-GB', { ...opts, hour12: false });
    }
    timeFormats.set(kind, format);
  }
  return timeFormats.get(kind);
}

// "06 Dec, 14:05" in the settings' time zone; "–" when absent.
export function dateTime(iso) {
  const ms = typeof iso === 'number' ? iso : parseTime(iso);
  return Number.isFinite(ms) ? timeFormat('date').format(ms) : '–';
}

export function clock(ms) {
  return Number.isFinite(ms) ? timeFormat('clock').format(ms) : '–';
}

export function minutesText(minutes) {
  if (minutes == null || minutes === '' || !Number.isFinite(Number(minutes))) return '–';
  const m = Math.round(Number(minutes));
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const amount = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export function money(value) {
  return value == null || !Number.isFinite(Number(value)) ? '–' : `${amount.format(Number(value))} AED`;
}

export function ago(iso) {
  const ms = parseTime(iso);
  if (!Number.isFinite(ms)) return 'never';
  const min = Math.max(0, Math.round((Date.now() - ms) / 60_000));
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  if (min < 48 * 60) return `${Math.round(min / 60)} h ago`;
  return `${Math.round(min / 1440)} d ago`;
}

export function percent(part, whole) {
  return whole > 0 ? (100 * part) / whole : 0;
}

// green < 40 %, amber 40–80 %, red > 80 % (SPEC §5)
export function level(pct) {
  return pct > 80 ? 'high' : pct >= 40 ? 'mid' : 'low';
}

export const LEVEL_TEXT = { low: 'under 40 %', mid: '40–80 %', high: 'over 80 %' };

export function zoneRate(zone) {
  return percent(Number(zone.occupiedBays) || 0, Number(zone.totalBays) || 0);
}

export function knownStatus(status) {
  return status === 'occupied' || status === 'vacant' ? status : 'unknown';
}

// A sensor's health by the settings: offline (marked so, or silent past offlineAfterMinutes),
// low battery (under lowBatteryPercent), else ok.
export function sensorOffline(sensor) {
  if (sensor.status === 'offline') return true;
  const seen = parseTime(sensor.lastSeen);
  return Number.isFinite(seen) && Date.now() - seen > state.settings.offlineAfterMinutes * 60_000;
}

export function batteryLow(sensor) {
  return sensor.batteryLevel != null && Number(sensor.batteryLevel) < state.settings.lowBatteryPercent;
}

// ---- zones kept current by bay changes -------------------------------------------------------

// Applies a bay change of /stream to the zone's counters; true when they changed.
export function applyBayChangeToZone(m) {
  ++state.bayChanges;
  const delta = m.eventType === 'ARRIVE' ? 1 : m.eventType === 'LEAVE' ? -1 : 0;
  const zone = state.zones.get(m.zoneId);
  if (!zone || !delta) return false;
  const total = Number(zone.totalBays) || 0;
  zone.occupiedBays = Math.min(Math.max((Number(zone.occupiedBays) || 0) + delta, 0), total);
  zone.vacantBays = total - zone.occupiedBays;
  zone.occupancyRate = Math.round(percent(zone.occupiedBays, total) * 10) / 10;
  return true;
}

// ---- tables and downloads -------------------------------------------------------------------

// A table of `rows` with `columns` [{key, label, value(row) -> text|Node, class}]; the table sits
// in a scroll box of its own, so a phone scrolls the table, not the page.
export function table(columns, rows, { rowProps } = {}) {
  const head = el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', class: c.class, text: c.label })));
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr', rowProps ? rowProps(row) : {});
    for (const c of columns) {
      const v = c.value(row);
      tr.append(el('td', { class: c.class, dataset: { col: c.key } }, v instanceof Node ? v : String(v ?? '–')));
    }
    body.append(tr);
  }
  return el('div', { class: 'table-box' }, el('table', { class: 'data' }, el('thead', {}, head), body));
}

function csvField(value) {
  const text = value == null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(fields, rows) {
  const lines = [fields.map(csvField).join(',')];
  for (const row of rows) lines.push(fields.map((f) => csvField(row[f])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

// Saves `text` as a file named `name` (through a blob: URL of this origin).
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// A <select> of [value, label] pairs.
export function select(id, options, value, label) {
  const node = el('select', { id, 'aria-label': label },
    ...options.map(([v, text]) => el('option', { value: v, text })));
  node.value = value;
  return node;
}

export function labelled(text, control) {
  return el('label', { class: 'field' }, el('span', { text }), control);
}

export function emptyState(text, detail) {
  return el('div', { class: 'empty' }, el('p', { class: 'empty-title', text }), detail ? el('p', { class: 'muted', text: detail }) : null);
}

// fn at most once per `ms` (the last call wins), for renders driven by a busy stream.
export function throttle(fn, ms = 250) {
  let timer = 0;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = 0; fn(); }, ms);
  };
}
