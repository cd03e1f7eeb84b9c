// Zones (#/zones): every zone the key sees with its type (paid when pricePerHour > 0), bays,
// occupancy, operating hours and price; search by name or address, filter by occupancy level,
// occupancy live through /stream; "Add zone" posts to POST /v1/zones (the API decides who may:
// its refusal is shown in the form).
import {
  LEVEL_TEXT, api, el, enc, labelled, level, loadZones, money, number, select, state, table,
  throttle, zoneRate,
} from './core.js';

const view = { root: null, search: null, levelFilter: null, box: null, count: null, dialog: null };
const renderSoon = throttle(() => render());

function zoneType(zone) {
  return Number(zone.pricePerHour) > 0 ? 'paid' : 'free';
}

function hours(zone) {
  const h = zone.operatingHours;
  if (!h) return '–';
  return h.open === '00:00' && h.close === '23:59' ? 'all day' : `${h.open}–${h.close}`;
}

function shown() {
  const words = view.search.value.trim().toLowerCase();
  const wanted = view.levelFilter.value;
  return [...state.zones.values()]
    .filter((z) => !words || `${z.name || ''} ${z.address || ''} ${z.city || ''} ${z.zoneId}`.toLowerCase().includes(words))
    .filter((z) => wanted === 'all' || level(zoneRate(z)) === wanted)
    .sort((a, b) => String(a.name).localeCompare(String(b.name), 'en', { numeric: true }));
}

const COLUMNS = [
  { key: 'name', label: 'Zone', value: (z) => el('a', { href: `#/zones/${enc(z.zoneId)}`, text: z.name || z.zoneId }) },
  { key: 'address', label: 'Address', class: 'wide', value: (z) => [z.address, z.city].filter(Boolean).join(', ') || '–' },
  { key: 'type', label: 'Type', value: (z) => el('span', { class: `tag ${zoneType(z)}`, text: zoneType(z) }) },
  { key: 'total', label: 'Total', class: 'num', value: (z) => number.format(z.totalBays) },
  { key: 'occupied', label: 'Occupied', class: 'num', value: (z) => number.format(z.occupiedBays) },
  { key: 'vacant', label: 'Vacant', class: 'num', value: (z) => number.format(z.vacantBays ?? z.totalBays - z.occupiedBays) },
  { key: 'rate', label: '%', class: 'num', value: (z) => el('span', { class: `rate ${level(zoneRate(z))}`, text: `${zoneRate(z).toFixed(1)} %` }) },
  { key: 'hours', label: 'Hours', value: hours },
  { key: 'price', label: 'Price / h', class: 'num', value: (z) => (zoneType(z) === 'paid' ? money(z.pricePerHour) : 'free') },
];

function render() {
  const zones = shown();
  view.count.textContent = `${zones.length} of ${state.zones.size} zones`;
  view.box.replaceChildren(zones.length
    ? table(COLUMNS, zones, { rowProps: (z) => ({ dataset: { zoneId: z.zoneId, level: level(zoneRate(z)) } }) })
    : el('p', { class: 'muted empty-row', text: 'No zone matches.' }));
}

// ---- add a zone -----------------------------------------------------------------------------

function field(name, label, props = {}) {
  return labelled(label, el('input', { name, id: `zone-form-${name}`, ...props }));
}

function buildDialog() {
  const error = el('p', { class: 'form-error', id: 'zone-form-error', role: 'alert', hidden: true });
  const form = el('form', { id: 'zone-form', method: 'dialog', class: 'form-grid' },
    el('h3', { text: 'Add a zone' }),
    field('name', 'Name', { required: true }),
    field('zoneId', 'Zone id (optional)', { placeholder: 'zone-042' }),
    field('address', 'Address'),
    field('city', 'City', { value: 'Dubai' }),
    field('totalBays', 'Total bays', { type: 'number', min: '0', step: '1', value: '0' }),
    field('pricePerHour', 'Price per hour (AED, 0 = free)', { type: 'number', min: '0', step: '0.01', value: '0' }),
    field('open', 'Opens', { type: 'time', value: '08:00' }),
    field('close', 'Closes', { type: 'time', value: '22:00' }),
    field('lat', 'Latitude', { type: 'number', step: 'any', placeholder: '25.2048' }),
    field('lng', 'Longitude', { type: 'number', step: 'any', placeholder: '55.2708' }),
    error,
    el('div', { class: 'form-actions' },
      el('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => view.dialog.close() }),
      el('button', { type: 'submit', text: 'Create zone' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const body = { name: data.name.trim(), totalBays: Number(data.totalBays || 0),
      pricePerHour: Number(data.pricePerHour || 0), operatingHours: { open: data.open, close: data.close } };
    for (const key of ['zoneId', 'address', 'city']) if (data[key].trim()) body[key] = data[key].trim();
    if (data.lat !== '' && data.lng !== '') body.location = { lat: Number(data.lat), lng: Number(data.lng) };
    error.hidden = true;
    try {
      const created = await api('/v1/zones', { method: 'POST', body });
      view.dialog.close();
      form.reset();
      await loadZones();
      render();
      view.count.textContent += ` · created ${created.zoneId}`;
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  return el('dialog', { id: 'zone-dialog', class: 'dialog' }, form);
}

export default {
  id: 'zones',
  title: 'Zones',
  mount(root) {
    view.root = root;
    view.search = el('input', { id: 'zones-search', type: 'search', placeholder: 'Search name or address (/)',
      'aria-label': 'Search zones', 'data-search': true, oninput: render });
    view.levelFilter = select('zones-level', [['all', 'Any occupancy'], ['low', `Low (${LEVEL_TEXT.low})`],
      ['mid', `Medium (${LEVEL_TEXT.mid})`], ['high', `High (${LEVEL_TEXT.high})`]], 'all', 'Occupancy level');
    view.levelFilter.addEventListener('change', render);
    view.count = el('span', { class: 'muted count', id: 'zones-count' });
    view.box = el('div', { id: 'zones-table' });
    view.dialog = buildDialog();
    root.append(
      el('div', { class: 'page-head' }, el('h2', { text: 'Zones' }),
        el('button', { type: 'button', id: 'zone-add', text: 'Add zone', onclick: () => {
          view.dialog.querySelector('#zone-form-error').hidden = true;
          view.dialog.showModal();
        } })),
      el('div', { class: 'toolbar' }, view.search, view.levelFilter, view.count),
      el('div', { class: 'panel' }, view.box), view.dialog);
  },
  show() { render(); },
  async refresh() { render(); },
  onZones() { if (view.root) render(); },
  onBay(m, zoneChanged) {
    if (!zoneChanged || !view.root || view.root.hidden) return;
    renderSoon();
  },
  close() {
    if (view.dialog?.open) { view.dialog.close(); return true; }
    return false;
  },
};
