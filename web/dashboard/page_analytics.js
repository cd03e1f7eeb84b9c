// Analytics (#/analytics): today, this week or this month (in the settings' time zone) from GET
// /v1/analytics/summary: average occupancy, events, average stay, estimated revenue, the zones
// compared, activity by hour of day and revenue by zone (SVG bars).
import { api, dateTime, el, enc, level, minutesText, money, number, svg, table } from './core.js';

const PERIODS = [['today', 'Today'], ['week', 'This week'], ['month', 'This month']];
const view = { root: null, period: 'today', token: 0, body: null, summary: null };

function card(label, value, key, sub) {
  return el('div', { class: 'card', dataset: { stat: key } }, el('span', { class: 'label', text: label }),
    el('span', { class: 'value', text: value }), sub ? el('span', { class: 'sub', text: sub }) : null);
}

const fixed1 = (v) => (v == null || !Number.isFinite(Number(v)) ? '–' : Number(v).toFixed(1));

// Arrivals and departures per hour of day, side by side.
function hourChart(byHour) {
  const hours = Array.from({ length: 24 }, (_, h) => byHour.find((b) => Number(b.hour) === h) || { hour: h, arrivals: 0, departures: 0 });
  const top = Math.max(1, ...hours.map((h) => Math.max(Number(h.arrivals) || 0, Number(h.departures) || 0)));
  const W = 720, H = 220, L = 36, R = 8, T = 10, B = 24;
  const slot = (W - L - R) / 24, bar = slot * 0.38;
  const y = (v) => H - B - (v / top) * (H - T - B);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'bars', id: 'chart-hours' });
  chart.append(svg('title', {}, 'Arrivals and departures by hour of day'));
  for (const v of [0, Math.round(top / 2), top]) {
    chart.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      svg('text', { class: 'axis', x: L - 5, y: y(v) + 4, 'text-anchor': 'end' }, v));
  }
  for (const h of hours) {
    const x = L + h.hour * slot + slot * 0.1;
    for (const [kind, value, dx] of [['arrivals', Number(h.arrivals) || 0, 0], ['departures', Number(h.departures) || 0, bar]]) {
      const rect = svg('rect', { class: `bar ${kind}`, x: x + dx, y: y(value), width: bar, height: H - B - y(value) });
      rect.dataset.hour = h.hour;
      rect.dataset.value = value;
      rect.append(svg('title', {}, `${String(h.hour).padStart(2, '0')}:00 ${kind}: ${value}`));
      chart.append(rect);
    }
    if (h.hour % 3 === 0) {
      chart.append(svg('text', { class: 'axis', x: x + bar, y: H - 6, 'text-anchor': 'middle' }, `${String(h.hour).padStart(2, '0')}`));
    }
  }
  return chart;
}

// Revenue per zone, one horizontal bar each, largest first.
function revenueChart(zones) {
  const rows = [...zones].sort((a, b) => (Number(b.revenue) || 0) - (Number(a.revenue) || 0));
  const top = Math.max(1, ...rows.map((z) => Number(z.revenue) || 0));
  const W = 720, row = 26, L = 200, R = 110;
  const H = Math.max(row * rows.length + 10, 40);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'bars', id: 'chart-revenue' });
  chart.append(svg('title', {}, 'Revenue by zone'));
  rows.forEach((z, i) => {
    const value = Number(z.revenue) || 0;
    const y = 5 + i * row;
    const name = String(z.name || z.zoneId);
    chart.append(svg('text', { class: 'axis', x: L - 8, y: y + 16, 'text-anchor': 'end' }, name.length > 28 ? `${name.slice(0, 27)}…` : name));
    const rect = svg('rect', { class: 'bar revenue', x: L, y: y + 3, height: row - 8, width: Math.max((value / top) * (W - L - R), value > 0 ? 1 : 0) });
    rect.dataset.zoneId = z.zoneId;
    rect.dataset.value = value;
    chart.append(rect, svg('text', { class: 'axis', x: L + (value / top) * (W - L - R) + 6, y: y + 16 }, money(value)));
  });
  return chart;
}

const ZONE_COLUMNS = [
  { key: 'name', label: 'Zone', value: (z) => el('a', { href: `#/zones/${enc(z.zoneId)}`, text: z.name || z.zoneId }) },
  { key: 'now', label: 'Now', class: 'num', value: (z) => el('span', { class: `rate ${level(Number(z.occupancyRate) || 0)}`, text: `${fixed1(z.occupancyRate)} %` }) },
  { key: 'average', label: 'Average', class: 'num', value: (z) => `${fixed1(z.averageOccupancy)} %` },
  { key: 'events', label: 'Events', class: 'num', value: (z) => number.format(Number(z.events) || 0) },
  { key: 'arrivals', label: 'Arrivals', class: 'num', value: (z) => number.format(Number(z.arrivals) || 0) },
  { key: 'departures', label: 'Departures', class: 'num', value: (z) => number.format(Number(z.departures) || 0) },
  { key: 'stay', label: 'Avg stay', class: 'num', value: (z) => minutesText(z.averageDurationMinutes) },
  { key: 'revenue', label: 'Revenue', class: 'num', value: (z) => money(z.revenue) },
];

function render(s) {
  view.summary = s;
  view.body.dataset.period = s.period;
  const zones = s.zones || [];
  view.body.replaceChildren(
    el('p', { class: 'muted', id: 'analytics-range', text: `${dateTime(s.from)} – ${dateTime(s.to)} (${s.timeZone || ''})` }),
    el('section', { class: 'cards', id: 'analytics-cards' },
      card('Average occupancy', `${fixed1(s.averageOccupancy)} %`, 'averageOccupancy', 'of bay-time occupied'),
      card('Events', number.format(Number(s.events) || 0), 'events',
        `${number.format(Number(s.arrivals) || 0)} arrivals · ${number.format(Number(s.departures) || 0)} departures`),
      card('Average stay', minutesText(s.averageDurationMinutes), 'averageDuration'),
      card('Estimated revenue', money(s.revenue), 'revenue')),
    el('section', { class: 'panel' }, el('h3', { text: 'Activity by hour of day' }),
      el('p', { class: 'legend' }, el('span', { class: 'swatch arrivals' }), ' arrivals  ', el('span', { class: 'swatch departures' }), ' departures'),
      el('div', { class: 'chart' }, hourChart(s.byHour || []))),
    el('section', { class: 'panel' }, el('h3', { text: 'Revenue by zone' }),
      el('div', { class: 'chart' }, zones.length ? revenueChart(zones) : el('p', { class: 'muted', text: 'No zones.' }))),
    el('section', { class: 'panel' }, el('h3', { text: 'Zones compared' }),
      el('div', { id: 'analytics-zones' }, table(ZONE_COLUMNS, zones, { rowProps: (z) => ({ dataset: { zoneId: z.zoneId } }) }))));
}

async function load() {
  const token = ++view.token;
  for (const b of view.root.querySelectorAll('.tabs button')) b.setAttribute('aria-pressed', String(b.dataset.period === view.period));
  try {
    const s = await api(`/v1/analytics/summary?period=${view.period}`);
    if (token === view.token) render(s);
  } catch (err) {
    if (token !== view.token) return;
    view.body.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: `The analytics summary is not available: ${err.message}` }));
  }
}

export default {
  id: 'analytics',
  title: 'Analytics',
  mount(root) {
    view.root = root;
    view.body = el('div', { id: 'analytics-body', class: 'stack' });
    root.append(
      el('div', { class: 'page-head' }, el('h2', { text: 'Analytics' }),
        el('div', { class: 'tabs', role: 'group', 'aria-label': 'Period' }, ...PERIODS.map(([p, text]) =>
          el('button', { type: 'button', dataset: { period: p }, text, onclick: () => { view.period = p; load(); } })))),
      view.body);
  },
  show: load,
  refresh: load,
};
