// What the portal shows live through /stream: an arrival published to the broker appears on the
// map (the bay's dot and the zone's marker), in the overview's feed and on the zone's page, a
// departure on the zone's page as it happens, both in the zone list's occupancy; an alert raised by ingest (a health message with
// battery 5) appears on the Alerts page, is acknowledged and resolved there, and moves to the
// history.
import { fail, log } from './portal_harness.mjs';

const statusTopic = (zone, bay) => `visiondrive/parking/${zone}/${bay}/status`;

async function waitLive(p) {
  await p.waitFor('the live stream (/stream) connected', () => document.getElementById('connection').dataset.state === 'live');
}

export async function checkArrival(p, { zone, bay, sensor }) {
  const q = encodeURIComponent(zone);
  const before = await p.api(`/v1/zones/${q}`);
  const bayBefore = await p.api(`/v1/zones/${q}/bays/${encodeURIComponent(bay)}`);
  if (bayBefore.status === 'occupied') fail(`live: bay ${zone} ${bay} is occupied already: the arrival must change it`);
  await p.go(`#/zones/${q}`);
  await p.go('#/map');
  const sel = { zone, bay };
  await p.waitFor(`map: the dot of ${zone} ${bay} drawn`, (w) => [...document.querySelectorAll('#map-bays .bay-dot')]
    .some((d) => d.dataset.zoneId === w.zone && d.dataset.bay === w.bay), sel);
  await waitLive(p);
  await p.publish(statusTopic(zone, bay), { deviceId: sensor, status: 'occupied', battery: 87, signal: -71, mode: 'dual' });
  await p.waitFor(`map: ${zone} ${bay} turns occupied and the marker counts it`, (w) =>
    [...document.querySelectorAll('#map-bays .bay-dot')].some((d) => d.dataset.zoneId === w.zone && d.dataset.bay === w.bay &&
      d.dataset.status === 'occupied') &&
    Number([...document.querySelectorAll('#map-markers .marker')].find((m) => m.dataset.zoneId === w.zone)?.dataset.occupied) === w.occupied,
  { ...sel, occupied: before.occupiedBays + 1 }, { describe: (w) => [...document.querySelectorAll('#map-markers .marker')].find((m) => m.dataset.zoneId === w.zone)?.dataset.occupied });
  await p.apiUntil(`live: the API counts the arrival in ${zone}`, `/v1/zones/${q}`, (z) => z.occupiedBays === before.occupiedBays + 1);

  await p.go('#/');
  await p.waitFor('overview: the arrival in the live feed', (w) => [...document.querySelectorAll('#feed li')]
    .some((li) => li.dataset.zoneId === w.zone && li.dataset.bay === w.bay && li.dataset.eventType === 'ARRIVE'), sel);

  await p.go(`#/zones/${q}`);
  await p.waitFor('zone: the bay occupied and the arrival first in recent activity', (w) =>
    document.querySelector(`#zone-bays [data-bay="${w.bay}"]`)?.dataset.status === 'occupied' &&
    document.querySelector('#zone-activity li[data-bay]')?.dataset.bay === w.bay &&
    document.querySelector('#zone-activity li[data-bay]')?.dataset.eventType === 'ARRIVE', sel);
  await waitLive(p);
  await p.publish(statusTopic(zone, bay), { deviceId: sensor, status: 'vacant', battery: 87, signal: -71, mode: 'dual' });
  await p.waitFor('zone: the departure live in the grid, the activity and the header', (w) =>
    document.querySelector(`#zone-bays [data-bay="${w.bay}"]`)?.dataset.status === 'vacant' &&
    document.querySelector('#zone-activity li[data-bay]')?.dataset.bay === w.bay &&
    document.querySelector('#zone-activity li[data-bay]')?.dataset.eventType === 'LEAVE' &&
    Number(document.querySelector('#zone-head [data-stat="occupied"] .value')?.textContent) === w.occupied,
  { ...sel, occupied: before.occupiedBays }, { describe: () => document.querySelector('#zone-head [data-stat="occupied"] .value')?.textContent });
  // The zone list's occupancy, live: a second arrival, then its departure.
  await p.go('#/zones');
  const occupiedCell = (w) => [...document.querySelectorAll('#zones-table tbody tr')].find((tr) => tr.dataset.zoneId === w.zone)
    ?.querySelector('[data-col="occupied"]')?.textContent === String(w.occupied);
  await p.waitFor('zones: the row counts the departure', occupiedCell, { zone, occupied: before.occupiedBays });
  await p.publish(statusTopic(zone, bay), { deviceId: sensor, status: 'occupied', battery: 87, signal: -71, mode: 'dual' });
  await p.waitFor('zones: the row counts the second arrival, live', occupiedCell, { zone, occupied: before.occupiedBays + 1 });
  await p.publish(statusTopic(zone, bay), { deviceId: sensor, status: 'vacant', battery: 87, signal: -71, mode: 'dual' });
  await p.waitFor('zones: and its departure', occupiedCell, { zone, occupied: before.occupiedBays });
  p.checkProblems('live');
  log(`live: the arrival at ${zone} ${bay} on the map, in the feed and on the zone page; the departure on the zone page; both in the zone list`);
}

const alertRow = (sensor) => `#alerts-table tr[data-sensor-id=${JSON.stringify(sensor)}][data-kind="low_battery"]`;

export async function checkAlerts(p, { healthZone, healthBay, healthSensor, zone, bay, sensor }) {
  await p.go('#/alerts');
  await p.waitFor('alerts: the table or its empty state', () => document.querySelector('#alerts-table table, #alerts-table .empty-row'));
  if (await p.page.$(alertRow(healthSensor))) fail(`alerts: ${healthSensor} has a low-battery alert already`);
  await waitLive(p);
  await p.publish(`visiondrive/parking/${healthZone}/${healthBay}/health`, { deviceId: healthSensor, battery: 5, signal: -70 });
  await p.waitFor(`alerts: the low-battery alert of ${healthSensor} appears, live`, (s) =>
    document.querySelector(`#alerts-table tr[data-sensor-id="${s}"][data-kind="low_battery"][data-state="active"]`), healthSensor,
  { timeout: 20_000 });
  const lowBattery = (a) => a.sensorId === healthSensor && a.kind === 'low_battery';
  const open = await p.apiUntil(`alerts: the API lists the alert of ${healthSensor}`, '/v1/alerts?state=open', (b) => b.alerts.some(lowBattery));
  const alert = open.alerts.find(lowBattery);
  if (alert.severity !== 'critical' || alert.state !== 'active') fail(`alerts: the API's alert is ${alert.severity}/${alert.state}`);
  const row = (await p.rows('#alerts-table')).find((r) => r.alertId === alert.alertId) || fail('alerts: the row is not the API\'s alert');
  if (row.severity !== 'critical' || !row.cells.where.includes(healthBay)) fail(`alerts: the row shows ${JSON.stringify(row)}`);
  await p.waitFor('alerts: the navigation counts it', () => !document.getElementById('alert-count').hidden);

  // A second sensor at 15 %: a warning. The severity filter shows one or the other.
  await p.publish(`visiondrive/parking/${zone}/${bay}/health`, { deviceId: sensor, battery: 15, signal: -75 });
  await p.waitFor(`alerts: the warning of ${sensor} appears, live`, (s) =>
    document.querySelector(`#alerts-table tr[data-sensor-id="${s}"][data-kind="low_battery"][data-severity="warning"]`), sensor,
  { timeout: 20_000 });
  const shown = () => p.page.$$eval('#alerts-table tbody tr', (trs) => trs.map((tr) => `${tr.dataset.sensorId}:${tr.dataset.severity}`));
  for (const [severity, want, hidden] of [['warning', sensor, healthSensor], ['critical', healthSensor, sensor]]) {
    await p.page.selectOption('#alerts-severity', severity);
    await p.waitFor(`alerts: severity ${severity} shows ${want}, not ${hidden}`, (w) =>
      document.querySelector(`#alerts-table tr[data-sensor-id="${w.want}"]`) && !document.querySelector(`#alerts-table tr[data-sensor-id="${w.hidden}"]`),
    { want, hidden }, { describe: () => [...document.querySelectorAll('#alerts-table tbody tr')].map((tr) => tr.dataset.sensorId) });
    const rows = await shown();
    if (rows.some((r) => !r.endsWith(`:${severity}`))) fail(`alerts: severity ${severity} shows ${rows}`);
  }

  await p.page.click(`${alertRow(healthSensor)} button[data-action="acknowledge"]`);
  await p.waitFor('alerts: acknowledged', (s) => document.querySelector(`#alerts-table tr[data-sensor-id="${s}"]`)?.dataset.state === 'acknowledged', healthSensor);
  const acked = await p.apiUntil('alerts: acknowledged by whom and when', `/v1/alerts/${encodeURIComponent(alert.alertId)}`,
    (a) => a.state === 'acknowledged' && a.acknowledgedBy && a.acknowledgedAt);

  await p.page.click(`${alertRow(healthSensor)} button[data-action="resolve"]`);
  await p.waitFor('alerts: resolved leaves the open list', (s) => !document.querySelector(`#alerts-table tr[data-sensor-id="${s}"]`), healthSensor);
  const resolved = await p.apiUntil('alerts: resolved by whom and when', `/v1/alerts/${encodeURIComponent(alert.alertId)}`,
    (a) => a.state === 'resolved' && a.resolvedBy && a.resolvedAt);
  if (resolved.autoResolved) fail(`alerts: resolved by hand, the API says automatically: ${JSON.stringify(resolved)}`);
  await p.page.selectOption('#alerts-state', 'resolved');
  await p.waitFor('alerts: the history shows it resolved', (id) =>
    document.querySelector(`#alerts-table tr[data-alert-id="${id}"]`)?.dataset.state === 'resolved', alert.alertId);
  await p.page.selectOption('#alerts-severity', 'all');
  await p.page.selectOption('#alerts-state', 'open');
  p.checkProblems('alerts');
  log(`alerts: ${alert.alertId} (low battery 5 % of ${healthSensor}) raised live, filtered, acknowledged by ${acked.acknowledgedBy}, resolved, in the history`);
}
