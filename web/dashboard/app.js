// vdpark operator portal (SPEC §5, issue 15): one page with a hash router (#/map, #/zones,
// #/zones/{id}, #/sensors, #/events, #/analytics, #/alerts, #/settings, #/migration; #/ is the
// overview). Every page reads the REST API (/v1/zones, ...) at this page's own origin, with the
// operator's X-Api-Key when given, and what shows current state stays live through /stream.
// Keyboard: R refreshes the page, Esc closes a panel or dialog, / focuses the page's search.
import {
  $, applyBayChangeToZone, authHeaders, clearError, loadSettings, loadZones, showError, state,
  storeKey,
} from './core.js';
import overview from './overview.js';
import map from './page_map.js';
import zones from './page_zones.js';
import zone from './page_zone.js';
import sensors from './page_sensors.js';
import events from './page_events.js';
import analytics from './page_analytics.js';
import alerts from './page_alerts.js';
import settings from './page_settings.js';
import migration from './page_migration.js';

const PAGES = [overview, map, zones, zone, sensors, events, analytics, alerts, settings, migration];
const byId = new Map(PAGES.map((p) => [p.id, p]));
const mounted = new Set();
let current = null;          // the page shown
let currentParams = {};
let refreshTimer = 0;
let stream = null;           // AbortController of the running stream

// "#/zones/zone-001" -> { page: zone, params: { zoneId: 'zone-001' } }
function route(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'zones' && parts[1]) return { page: zone, params: { zoneId: parts[1] } };
  return { page: byId.get(parts[0] || 'overview') || overview, params: {} };
}

function reportError(err) {
  showError(err?.message || String(err));
}

function run(promise) {
  return Promise.resolve(promise).then(() => clearError(), reportError);
}

async function navigate() {
  const { page, params } = route(location.hash);
  if (current && current !== page) current.hide?.();
  for (const section of document.querySelectorAll('#pages > .page')) {
    section.hidden = section.dataset.page !== page.id;
  }
  for (const link of document.querySelectorAll('#nav a')) {
    const active = link.dataset.page === (page === zone ? 'zones' : page.id);
    link.classList.toggle('active', active);
    if (active) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  $('nav').classList.remove('open');
  $('nav-toggle').setAttribute('aria-expanded', 'false');
  document.body.dataset.page = page.id;
  current = page;
  currentParams = params;
  if (!mounted.has(page)) {
    page.onError = reportError;
    page.mount($(`page-${page.id}`));
    mounted.add(page);
  }
  document.title = `vdpark · ${page.title}`;
  await run(page.show(params));
}

// Everything read again: settings, zones, then the page shown (R, the interval, a new key).
async function refreshAll() {
  await loadSettings();
  try {
    await loadZones();
  } catch (err) {
    reportError(err);
    return;
  }
  for (const page of mounted) page.onZones?.();
  await run(current?.refresh());
}

let refreshEvery = 0;         // seconds of the running interval
function scheduleRefresh() {
  const seconds = Math.min(Math.max(Number(state.settings.refreshSeconds) || 30, 5), 3600);
  if (seconds === refreshEvery) return;
  clearInterval(refreshTimer);
  refreshEvery = seconds;
  refreshTimer = setInterval(refreshAll, seconds * 1000);
}

// ---- live: /stream --------------------------------------------------------------------------

function setConnection(kind, detail = '') {
  const badge = $('connection');
  state.connection = kind;
  badge.dataset.state = kind;
  badge.textContent = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' }[kind] || kind;
  badge.title = detail;
  for (const page of mounted) page.onConnection?.(kind);
}

// Server-sent events read through fetch, so that X-Api-Key can go along (EventSource cannot send
// headers). Reconnects with backoff; after a reconnect everything is read again, since changes
// made while away were not seen.
async function runStream() {
  stream?.abort();
  const control = new AbortController();
  stream = control;
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
      if (connectedBefore) refreshAll();
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
  if (!message) return;
  if (message.type === 'bay') {
    const zoneChanged = applyBayChangeToZone(message);
    for (const page of mounted) page.onBay?.(message, zoneChanged);
  } else if (message.type === 'alert') {
    for (const page of mounted) page.onAlert?.(message);
    if (!mounted.has(alerts)) alerts.onAlert(message);
  }
}

// ---- keyboard ---------------------------------------------------------------------------------

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === 'Escape') {
    const dialog = document.querySelector('dialog[open]');
    if (dialog) return;  // the dialog closes itself (its cancel event)
    if (typing(event.target)) event.target.blur();
    if ($('nav').classList.contains('open')) {
      $('nav').classList.remove('open');
      $('nav-toggle').setAttribute('aria-expanded', 'false');
      return;
    }
    current?.close?.();
    return;
  }
  if (typing(event.target)) return;
  if (event.key === 'r' || event.key === 'R') {
    event.preventDefault();
    refreshAll();
  } else if (event.key === '/') {
    const search = $(`page-${current?.id}`)?.querySelector('[data-search]');
    if (search) {
      event.preventDefault();
      search.focus();
      search.select?.();
    }
  }
}

// ---- start ----------------------------------------------------------------------------------

async function init() {
  const keyInput = $('api-key');
  keyInput.value = state.apiKey;
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    storeKey(keyInput.value.trim());
    refreshAll();
    runStream();
  });
  $('nav-toggle').addEventListener('click', () => {
    const open = $('nav').classList.toggle('open');
    $('nav-toggle').setAttribute('aria-expanded', String(open));
  });
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', navigate);
  window.addEventListener('vdpark-settings', () => { if (refreshEvery) scheduleRefresh(); });
  overview.onError = reportError;
  overview.mount($('page-overview'));
  mounted.add(overview);
  runStream();
  await loadSettings();
  try {
    await loadZones();
  } catch (err) {
    reportError(err);
  }
  alerts.watchCount();
  scheduleRefresh();
  await navigate();
}

init();
