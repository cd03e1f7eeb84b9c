// Settings (#/settings): the tenant's low-battery threshold, offline timeout, refresh interval and
// time zone (GET/PUT /v1/settings; the API's validation errors shown as it words them), and where
// this portal's data comes from: the API and broker endpoints and their connection status.
import { api, el, labelled, loadSettings, state } from './core.js';

const FIELDS = [
  ['lowBatteryPercent', 'Low-battery threshold (%)', { type: 'number', min: '1', max: '99', step: '1' }],
  ['offlineAfterMinutes', 'Offline after (minutes without a report)', { type: 'number', min: '1', max: '10080', step: '1' }],
  ['refreshSeconds', 'Refresh interval (seconds)', { type: 'number', min: '5', max: '3600', step: '1' }],
  ['timeZone', 'Time zone (IANA name)', { type: 'text', list: 'time-zones', autocomplete: 'off' }],
];

const view = { root: null, form: null, message: null, endpoints: null };

function fill() {
  for (const [name] of FIELDS) view.form.elements[name].value = state.settings[name] ?? '';
}

function status(ok, yes, no, unknown = 'unknown') {
  const kind = ok === true ? 'ok' : ok === false ? 'down' : 'unknown';
  return el('span', { class: `tag ${kind}`, dataset: { state: kind }, text: ok === true ? yes : ok === false ? no : unknown });
}

function renderEndpoints() {
  const known = Boolean(state.settings.endpoints);
  const e = state.settings.endpoints || {};
  const row = (label, value, badge, key) => el('div', { class: 'endpoint', dataset: { endpoint: key } },
    el('dt', { text: label }), el('dd', {}, el('code', { text: value || '–' }), badge || null));
  view.endpoints.replaceChildren(
    row('API', e.api || location.origin, status(state.zonesLoaded, 'answering', 'not answering'), 'api'),
    row('Live stream', `${location.origin}/stream`, status(state.connection === 'live' ? true : state.connection === 'connecting' ? null : false,
      'connected', 'reconnecting', 'connecting'), 'stream'),
    row('MQTT broker', e.mqtt || (known ? 'none (ingest not running)' : '–'), e.mqtt ? status(e.mqttConnected, 'connected', 'disconnected') : null, 'mqtt'),
    row('Store', e.store || '–', null, 'store'),
    row('Map tiles', state.settings.mapTiles || 'none (the map is drawn without tiles)', null, 'tiles'));
  if (state.settingsError) {
    view.endpoints.append(el('p', { class: 'form-error', role: 'alert', text: `Settings could not be read: ${state.settingsError}` }));
  }
}

async function save(event) {
  event.preventDefault();
  const body = {};
  for (const [name, , props] of FIELDS) {
    const raw = view.form.elements[name].value.trim();
    body[name] = props.type === 'number' ? Number(raw) : raw;
  }
  view.message.hidden = true;
  try {
    await api('/v1/settings', { method: 'PUT', body });
    await loadSettings();
    fill();
    renderEndpoints();
    view.message.className = 'form-ok';
    view.message.textContent = 'Saved.';
  } catch (err) {
    view.message.className = 'form-error';
    view.message.textContent = err.message;
  }
  view.message.hidden = false;
}

async function load() {
  await loadSettings();
  fill();
  renderEndpoints();
}

export default {
  id: 'settings',
  title: 'Settings',
  mount(root) {
    view.root = root;
    view.message = el('p', { id: 'settings-message', role: 'status', hidden: true });
    let zones = [];
    try { zones = Intl.supportedValuesOf('timeZone'); } catch { /* an older browser: no suggestions */ }
    view.form = el('form', { id: 'settings-form', class: 'form-grid', novalidate: true },
      ...FIELDS.map(([name, label, props]) => labelled(label, el('input', { name, id: `settings-${name}`, required: true, ...props }))),
      el('datalist', { id: 'time-zones' }, ...zones.map((z) => el('option', { value: z }))),
      view.message,
      el('div', { class: 'form-actions' }, el('button', { type: 'submit', text: 'Save settings' })));
    view.form.addEventListener('submit', save);
    view.endpoints = el('dl', { id: 'settings-endpoints', class: 'endpoints' });
    root.append(el('div', { class: 'page-head' }, el('h2', { text: 'Settings' })),
      el('div', { class: 'two-columns' },
        el('section', { class: 'panel' }, el('h3', { text: 'Thresholds and display' }), view.form),
        el('section', { class: 'panel' }, el('h3', { text: 'Endpoints' }), view.endpoints)));
  },
  show: load,
  refresh: load,
  onConnection() { if (view.root && !view.root.hidden) renderEndpoints(); },
};
