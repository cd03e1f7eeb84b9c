// Live map (#/map): every zone drawn at its coordinates on an SVG canvas fitted to the city (the
// bounds of the zones' and bays' locations), in Web Mercator, with pan (drag) and zoom (wheel,
// +/-). Zone markers are coloured by occupancy and each bay is a dot coloured by its status, both
// kept current by /stream. With settings.mapTiles (a {z}/{x}/{y} URL template) the tiles are drawn
// under the markers; without it there is no background but the canvas.
import {
  LEVEL_TEXT, api, el, enc, knownStatus, level, mapLimited, money, number, state, svg, zoneRate,
} from './core.js';

const TILE = 256;            // world units: the whole world is TILE x TILE at scale 1
const MAX_SCALE = 2 ** 21;
const MAX_TILES = 80;

const view = {
  root: null, svg: null, world: null, tiles: null, bayLayer: null, zoneLayer: null,
  list: null, details: null,
  scale: 1, tx: 0, ty: 0, minScale: 1, fitted: false,
  bays: new Map(),           // zoneId -> [bay]
  selected: null,
  frame: 0,
  loadToken: 0,
};

// Web Mercator: longitude/latitude to world units (0..TILE, y down).
function project(lng, lat) {
  const s = Math.sin((Math.max(Math.min(lat, 85.05), -85.05) * Math.PI) / 180);
  return [((lng + 180) / 360) * TILE, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * TILE];
}

function located(thing) {
  const loc = thing.location;
  return loc && Number.isFinite(Number(loc.lat)) && Number.isFinite(Number(loc.lng)) ? loc : null;
}

function size() {
  const box = view.svg.getBoundingClientRect();
  return [Math.max(box.width, 1), Math.max(box.height, 1)];
}

// The view that shows every zone and bay, with a margin.
function fit() {
  const points = [];
  for (const z of state.zones.values()) if (located(z)) points.push(project(+z.location.lng, +z.location.lat));
  for (const bays of view.bays.values()) {
    for (const b of bays) if (located(b)) points.push(project(+b.location.lng, +b.location.lat));
  }
  const [W, H] = size();
  if (!points.length) {
    view.scale = Math.max(W, H) / TILE;
    view.tx = (W - TILE * view.scale) / 2;
    view.ty = (H - TILE * view.scale) / 2;
    view.minScale = view.scale / 2;
    return;
  }
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 48;  // pixels on every side: room for the markers and their labels
  const across = Math.max(W - 2 * pad, 1) / (x1 - x0 || Infinity), down = Math.max(H - 2 * pad, 1) / (y1 - y0 || Infinity);
  view.scale = Math.min(Number.isFinite(Math.min(across, down)) ? Math.min(across, down) : 2 ** 16, MAX_SCALE);
  view.minScale = Math.min(view.scale / 8, 2 ** 8);
  view.tx = W / 2 - ((x0 + x1) / 2) * view.scale;
  view.ty = H / 2 - ((y0 + y1) / 2) * view.scale;
  view.fitted = true;
}

function zoomAt(factor, cx, cy) {
  const next = Math.min(Math.max(view.scale * factor, view.minScale), MAX_SCALE);
  const k = next / view.scale;
  view.tx = cx - (cx - view.tx) * k;
  view.ty = cy - (cy - view.ty) * k;
  view.scale = next;
  schedule();
}

function schedule() {
  if (view.frame) return;
  view.frame = requestAnimationFrame(() => {
    view.frame = 0;
    place();
  });
}

// Moves the world under the canvas; markers keep their size on screen whatever the zoom.
function place() {
  view.world.setAttribute('transform', `translate(${view.tx} ${view.ty}) scale(${view.scale})`);
  const k = 1 / view.scale;
  for (const g of view.zoneLayer.children) {
    const r = Number(g.dataset.radius);
    g.querySelector('circle').setAttribute('r', r * k);
    const label = g.querySelector('text');
    label.setAttribute('font-size', 12 * k);
    label.setAttribute('y', Number(g.dataset.y) - (r + 4) * k);
  }
  // Close enough to tell bays apart (about 2 m a pixel): the bays in front, the zones faint.
  const detail = Math.log2(view.scale) >= 16;
  view.svg.dataset.detail = detail ? 'bays' : 'zones';
  view.bayLayer.setAttribute('stroke-width', k);
  for (const dot of view.bayLayer.children) dot.setAttribute('r', (detail ? 5 : 3) * k);
  view.svg.dataset.zoom = Math.log2(view.scale).toFixed(1);
  drawTiles();
}

function tileUrl(template, z, x, y) {
  return template.replaceAll('{z}', z).replaceAll('{x}', x).replaceAll('{y}', y).replaceAll('{s}', 'a');
}

function drawTiles() {
  const template = state.settings.mapTiles;
  if (!template || !view.fitted) {  // no tiles for the whole world while the zones load
    view.tiles.replaceChildren();
    return;
  }
  const [W, H] = size();
  const z = Math.min(Math.max(Math.round(Math.log2(view.scale)), 0), 19);
  const n = 2 ** z, unit = TILE / n;
  const [x0, x1] = [(-view.tx) / view.scale, (W - view.tx) / view.scale].map((v) => Math.floor(v / unit));
  const [y0, y1] = [(-view.ty) / view.scale, (H - view.ty) / view.scale].map((v) => Math.floor(v / unit));
  const wanted = new Map();
  for (let x = Math.max(x0, 0); x <= Math.min(x1, n - 1); x++) {
    for (let y = Math.max(y0, 0); y <= Math.min(y1, n - 1) && wanted.size < MAX_TILES; y++) {
      wanted.set(`${z}/${x}/${y}`, [x, y]);
    }
  }
  const have = new Map([...view.tiles.children].map((img) => [img.dataset.tile, img]));
  for (const [key, img] of have) if (!wanted.has(key)) img.remove();
  for (const [key, [x, y]] of wanted) {
    if (have.has(key)) continue;
    const img = svg('image', { x: x * unit, y: y * unit, width: unit, height: unit, href: tileUrl(template, z, x, y),
      preserveAspectRatio: 'none' });
    img.dataset.tile = key;
    view.tiles.append(img);
  }
}

// ---- markers, list and details ----------------------------------------------------------------

function zoneMarker(zone) {
  const [x, y] = project(+zone.location.lng, +zone.location.lat);
  const radius = 7 + Math.min(Math.sqrt(Number(zone.totalBays) || 0), 14);
  const g = svg('g', { class: 'marker', tabindex: '0', role: 'button' });
  Object.assign(g.dataset, { zoneId: zone.zoneId, radius, y });
  g.append(svg('circle', { cx: x, cy: y }), svg('text', { x, 'text-anchor': 'middle', class: 'marker-label' }),
    svg('title'));
  paintMarker(g, zone);
  return g;
}

function paintMarker(g, zone) {
  const pct = zoneRate(zone);
  g.dataset.level = level(pct);
  g.dataset.occupied = zone.occupiedBays;
  g.classList.toggle('selected', zone.zoneId === view.selected);
  g.querySelector('text').textContent = `${Math.round(pct)} %`;
  g.querySelector('title').textContent =
    `${zone.name || zone.zoneId}: ${zone.occupiedBays} / ${zone.totalBays} occupied (${pct.toFixed(1)} %)`;
}

function bayDot(bay) {
  const [x, y] = project(+bay.location.lng, +bay.location.lat);
  const dot = svg('circle', { cx: x, cy: y, class: 'bay-dot' });
  Object.assign(dot.dataset, { zoneId: bay.zoneId, bay: bay.bayNumber, status: knownStatus(bay.status) });
  return dot;
}

function draw() {
  const zones = [...state.zones.values()];
  view.zoneLayer.replaceChildren(...zones.filter(located).map(zoneMarker));
  const dots = [];
  for (const bays of view.bays.values()) for (const b of bays) if (located(b)) dots.push(bayDot(b));
  view.bayLayer.replaceChildren(...dots);
  renderList();
  renderDetails();
  place();
}

function renderList() {
  const zones = [...state.zones.values()].sort((a, b) => zoneRate(b) - zoneRate(a));
  const unplaced = zones.filter((z) => !located(z)).length;
  view.list.replaceChildren(...zones.map((z) => {
    const pct = zoneRate(z);
    return el('li', { dataset: { zoneId: z.zoneId, level: level(pct) }, tabindex: '0', role: 'button',
      class: z.zoneId === view.selected ? 'selected' : null },
    el('span', { class: 'dot' }), el('span', { class: 'name', text: z.name || z.zoneId }),
    el('span', { class: 'rate', text: `${Math.round(pct)} %` }),
    el('span', { class: 'meta', text: `${z.occupiedBays} / ${z.totalBays} occupied` }));
  }));
  view.root.querySelector('.map-note').textContent = unplaced
    ? `${unplaced} zone(s) without a location are listed but not drawn.` : '';
}

function renderDetails() {
  const zone = state.zones.get(view.selected);
  view.details.hidden = !zone;
  if (!zone) return;
  const pct = zoneRate(zone);
  const bays = view.bays.get(zone.zoneId) || [];
  const unknown = bays.filter((b) => knownStatus(b.status) === 'unknown').length;
  const hours = zone.operatingHours ? `${zone.operatingHours.open}–${zone.operatingHours.close}` : '–';
  view.details.dataset.zoneId = zone.zoneId;
  view.details.dataset.level = level(pct);
  view.details.replaceChildren(
    el('button', { type: 'button', class: 'close', 'aria-label': 'Close', text: '×', onclick: () => select(null) }),
    el('h3', { text: zone.name || zone.zoneId }),
    el('p', { class: 'muted', text: [zone.address, zone.city].filter(Boolean).join(', ') }),
    el('dl', { class: 'facts' },
      el('dt', { text: 'Occupancy' }), el('dd', { class: 'rate', text: `${pct.toFixed(1)} % (${LEVEL_TEXT[level(pct)]})` }),
      el('dt', { text: 'Occupied' }), el('dd', { class: 'occupied', text: `${number.format(zone.occupiedBays)} of ${number.format(zone.totalBays)}` }),
      el('dt', { text: 'Vacant' }), el('dd', { text: number.format(zone.vacantBays ?? zone.totalBays - zone.occupiedBays) }),
      unknown ? el('dt', { text: 'Unknown' }) : null, unknown ? el('dd', { text: unknown }) : null,
      el('dt', { text: 'Price' }), el('dd', { text: Number(zone.pricePerHour) > 0 ? `${money(zone.pricePerHour)} / h` : 'free' }),
      el('dt', { text: 'Hours' }), el('dd', { text: hours })),
    el('a', { class: 'button', href: `#/zones/${enc(zone.zoneId)}`, text: 'Open zone' }));
}

function select(zoneId, center = false) {
  view.selected = zoneId;
  for (const g of view.zoneLayer.children) g.classList.toggle('selected', g.dataset.zoneId === zoneId);
  for (const li of view.list.children) li.classList.toggle('selected', li.dataset.zoneId === zoneId);
  const zone = state.zones.get(zoneId);
  if (center && zone && located(zone)) {
    const [x, y] = project(+zone.location.lng, +zone.location.lat);
    const [W, H] = size();
    view.tx = W / 2 - x * view.scale;
    view.ty = H / 2 - y * view.scale;
    schedule();
  }
  renderDetails();
}

async function load() {
  const token = ++view.loadToken;
  const zones = [...state.zones.values()];
  const answers = await mapLimited(zones, 4, (z) => api(`/v1/zones/${enc(z.zoneId)}/bays`)
    .then((body) => body.bays, () => []));
  if (token !== view.loadToken) return;
  view.bays = new Map(zones.map((z, i) => [z.zoneId, answers[i]]));
  if (!view.fitted) fit();
  draw();
}

function mount(root) {
  view.root = root;
  view.svg = svg('svg', { class: 'map-canvas', id: 'map-canvas', role: 'img', 'aria-label': 'Map of the zones' });
  view.world = svg('g', { class: 'world' });
  view.tiles = svg('g', { class: 'tiles' });
  view.bayLayer = svg('g', { class: 'bays', id: 'map-bays' });
  view.zoneLayer = svg('g', { class: 'zones', id: 'map-markers' });
  view.world.append(view.tiles, view.bayLayer, view.zoneLayer);
  view.svg.append(view.world);
  view.list = el('ul', { id: 'map-list', class: 'map-list' });
  view.details = el('div', { id: 'map-details', class: 'map-details panel', hidden: true });
  const button = (text, label, onclick) => el('button', { type: 'button', 'aria-label': label, title: label, text, onclick });
  const center = () => { const [W, H] = size(); return [W / 2, H / 2]; };
  root.append(
    el('div', { class: 'page-head' }, el('h2', { text: 'Live map' }),
      el('p', { class: 'legend' },
        el('span', { class: 'swatch low' }), ' under 40 %  ', el('span', { class: 'swatch mid' }), ' 40–80 %  ',
        el('span', { class: 'swatch high' }), ' over 80 %')),
    el('div', { class: 'map-layout' },
      el('div', { class: 'map-box panel' }, view.svg,
        el('div', { class: 'map-controls' },
          button('+', 'Zoom in', () => zoomAt(2, ...center())),
          button('−', 'Zoom out', () => zoomAt(0.5, ...center())),
          button('⤢', 'Fit the city', () => { fit(); schedule(); })),
        view.details),
      el('div', { class: 'panel map-side' }, el('h3', { text: 'Zones by occupancy' }), view.list,
        el('p', { class: 'muted map-note' }))));

  view.svg.addEventListener('wheel', (event) => {
    event.preventDefault();
    const box = view.svg.getBoundingClientRect();
    zoomAt(Math.exp(-event.deltaY * 0.002), event.clientX - box.left, event.clientY - box.top);
  }, { passive: false });
  let drag = null;
  view.svg.addEventListener('pointerdown', (event) => {
    drag = { x: event.clientX, y: event.clientY, tx: view.tx, ty: view.ty, moved: false };
  });
  view.svg.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) view.svg.setPointerCapture(event.pointerId);
    drag.moved = true;
    view.tx = drag.tx + dx;
    view.ty = drag.ty + dy;
    view.svg.classList.add('dragging');
    schedule();
  });
  const end = () => {
    view.svg.classList.remove('dragging');
    setTimeout(() => { drag = null; }, 0);
  };
  view.svg.addEventListener('pointerup', end);
  view.svg.addEventListener('pointercancel', end);
  view.svg.addEventListener('click', (event) => {
    if (drag?.moved) return;
    const marker = event.target.closest('.marker');
    select(marker ? marker.dataset.zoneId : null);
  });
  view.svg.addEventListener('keydown', (event) => {
    const marker = event.target.closest?.('.marker');
    if (marker && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      select(marker.dataset.zoneId);
    }
  });
  const pick = (event) => {
    const li = event.target.closest('li[data-zone-id]');
    if (!li || (event.type === 'keydown' && event.key !== 'Enter')) return;
    select(li.dataset.zoneId, true);
  };
  view.list.addEventListener('click', pick);
  view.list.addEventListener('keydown', pick);
  new ResizeObserver(() => { if (!view.root.hidden) schedule(); }).observe(view.svg);
}

export default {
  id: 'map',
  title: 'Live map',
  mount,
  async show() {
    draw();
    await load();
  },
  refresh: load,
  onZones() { if (view.root) draw(); },
  onBay(m, zoneChanged) {
    if (!view.root) return;
    const dot = [...view.bayLayer.children].find((d) => d.dataset.zoneId === m.zoneId && d.dataset.bay === m.bayNumber);
    if (dot) dot.dataset.status = knownStatus(m.status);
    const bay = (view.bays.get(m.zoneId) || []).find((b) => b.bayNumber === m.bayNumber);
    if (bay) bay.status = m.status;
    if (!zoneChanged) return;
    const zone = state.zones.get(m.zoneId);
    const marker = [...view.zoneLayer.children].find((g) => g.dataset.zoneId === m.zoneId);
    if (marker && zone) paintMarker(marker, zone);
    renderList();
    if (view.selected === m.zoneId) renderDetails();
  },
  close() {
    if (!view.selected) return false;
    select(null);
    return true;
  },
};
