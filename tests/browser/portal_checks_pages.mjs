// The portal's pages that show the store as it is: the live map, zones (with adding one), a
// zone's page and sensors; each compared with what the API answers, its filters and search
// exercised.
import { fail, level, log, sameSet } from './portal_harness.mjs';

const ids = (els) => els.map((e) => e.zoneId);

export async function checkMap(p) {
  await p.go('#/map');
  const { zones } = await p.api('/v1/zones');
  const placed = zones.filter((z) => z.location && Number.isFinite(Number(z.location.lat)));
  if (!placed.length) fail('map: no zone with a location in the store');
  let located = 0;
  for (const z of zones) {
    const { bays } = await p.api(`/v1/zones/${encodeURIComponent(z.zoneId)}/bays`);
    located += bays.filter((b) => b.location && Number.isFinite(Number(b.location.lat))).length;
  }
  await p.waitFor(`map: ${placed.length} zone markers and ${located} bay dots`,
    ([m, b]) => document.querySelectorAll('#map-markers .marker').length === m &&
      document.querySelectorAll('#map-bays .bay-dot').length === b, [placed.length, located],
    { describe: () => [document.querySelectorAll('#map-markers .marker').length, document.querySelectorAll('#map-bays .bay-dot').length] });
  const markers = await p.page.$$eval('#map-markers .marker', (ms) => ms.map((m) => ({ ...m.dataset,
    box: m.querySelector('circle').getBoundingClientRect().toJSON() })));
  const canvas = await p.page.$eval('#map-canvas', (c) => c.getBoundingClientRect().toJSON());
  for (const z of placed) {
    const m = markers.find((x) => x.zoneId === z.zoneId) || fail(`map: no marker for ${z.zoneId}`);
    if (m.level !== level(z)) fail(`map: marker of ${z.zoneId} is ${m.level}, its occupancy says ${level(z)}`);
    if (Number(m.occupied) !== Number(z.occupiedBays)) fail(`map: marker of ${z.zoneId} says ${m.occupied} occupied, the API ${z.occupiedBays}`);
    const cx = m.box.x + m.box.width / 2, cy = m.box.y + m.box.height / 2;
    if (cx < canvas.x || cx > canvas.x + canvas.width || cy < canvas.y || cy > canvas.y + canvas.height) {
      fail(`map: marker of ${z.zoneId} is outside the canvas: the view does not fit the city`);
    }
  }
  const listed = await p.page.$$eval('#map-list li', (lis) => lis.map((li) => ({ ...li.dataset })));
  if (!sameSet(ids(listed), zones.map((z) => z.zoneId))) fail(`map: the side list shows ${ids(listed)}, the API ${zones.map((z) => z.zoneId)}`);

  // Click for details, from the list and from a marker.
  const z = placed[0];
  await p.page.click(`#map-list li[data-zone-id=${JSON.stringify(z.zoneId)}]`);
  await p.waitFor('map: the details of the zone clicked in the list', (id) => {
    const d = document.getElementById('map-details');
    return !d.hidden && d.dataset.zoneId === id;
  }, z.zoneId);
  const details = await p.page.$eval('#map-details', (d) => ({ name: d.querySelector('h3').textContent, occupied: d.querySelector('.occupied').textContent }));
  if (details.name !== z.name || !details.occupied.startsWith(`${z.occupiedBays} of ${z.totalBays}`)) {
    fail(`map: details show ${JSON.stringify(details)} for ${z.zoneId} (${z.name}, ${z.occupiedBays} of ${z.totalBays})`);
  }
  await p.page.keyboard.press('Escape');
  await p.waitFor('map: Esc closes the details', () => document.getElementById('map-details').hidden);
  const other = placed[placed.length - 1];
  await p.page.$eval(`#map-markers .marker[data-zone-id=${JSON.stringify(other.zoneId)}]`,
    (m) => m.dispatchEvent(new MouseEvent('click', { bubbles: true })));
  await p.waitFor('map: the details of the marker clicked', (id) => document.getElementById('map-details').dataset.zoneId === id &&
    !document.getElementById('map-details').hidden, other.zoneId);

  // Zoom (button, wheel) and pan (drag).
  const transform = () => p.page.$eval('#map-canvas .world', (g) => g.getAttribute('transform'));
  const scaleOf = (t) => Number(/scale\(([^)]+)\)/.exec(t)[1]);
  const before = await transform();
  await p.page.click('.map-controls button[aria-label="Zoom in"]');
  await p.waitFor('map: + zooms in', (t) => document.querySelector('#map-canvas .world').getAttribute('transform') !== t, before);
  const zoomed = await transform();
  if (!(Math.abs(scaleOf(zoomed) / scaleOf(before) - 2) < 1e-6)) fail(`map: + went from ${before} to ${zoomed}`);
  const box = canvas;
  await p.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await p.page.mouse.wheel(0, 300);
  await p.waitFor('map: the wheel zooms', (t) => document.querySelector('#map-canvas .world').getAttribute('transform') !== t, zoomed);
  const wheeled = await transform();
  if (!(scaleOf(wheeled) < scaleOf(zoomed))) fail(`map: wheel down did not zoom out (${zoomed} -> ${wheeled})`);
  await p.page.mouse.move(box.x + 40, box.y + box.height - 40);
  await p.page.mouse.down();
  await p.page.mouse.move(box.x + 140, box.y + box.height - 90, { steps: 5 });
  await p.page.mouse.up();
  await p.waitFor('map: dragging pans', (t) => document.querySelector('#map-canvas .world').getAttribute('transform') !== t, wheeled);
  const dragged = await transform();
  if (scaleOf(dragged) !== scaleOf(wheeled)) fail(`map: a drag changed the zoom (${wheeled} -> ${dragged})`);
  await p.page.click('.map-controls button[aria-label="Fit the city"]');
  p.checkProblems('map');
  log(`map: ${placed.length} markers coloured as the API's occupancy, ${located} bay dots, details, zoom and pan`);
}

export async function checkZones(p) {
  await p.go('#/zones');
  const { zones } = await p.api('/v1/zones');
  await p.waitFor(`zones: ${zones.length} rows`, (n) => document.querySelectorAll('#zones-table tbody tr').length === n, zones.length);
  const rows = await p.rows('#zones-table');
  for (const z of zones) {
    const r = rows.find((x) => x.zoneId === z.zoneId) || fail(`zones: ${z.zoneId} not listed`);
    const want = { name: z.name, type: Number(z.pricePerHour) > 0 ? 'paid' : 'free', total: String(z.totalBays),
      occupied: String(z.occupiedBays), vacant: String(z.vacantBays), rate: `${(z.totalBays ? (100 * z.occupiedBays) / z.totalBays : 0).toFixed(1)} %` };
    for (const [k, v] of Object.entries(want)) {
      if (r.cells[k].replace(/,/g, '') !== v) fail(`zones: ${z.zoneId} ${k} shows "${r.cells[k]}", the API ${v}`);
    }
    if (r.level !== level(z)) fail(`zones: ${z.zoneId} level ${r.level}, expected ${level(z)}`);
  }
  const shownIds = () => p.page.$$eval('#zones-table tbody tr', (trs) => trs.map((tr) => tr.dataset.zoneId));
  const expectRows = async (what, expected) => {
    await p.waitFor(`zones: ${what} shows ${expected.length} rows`, (n) => document.querySelectorAll('#zones-table tbody tr').length === n ||
      (n === 0 && document.querySelector('#zones-table .empty-row')), expected.length,
    { describe: () => [...document.querySelectorAll('#zones-table tbody tr')].map((tr) => tr.dataset.zoneId) });
    const got = await shownIds();
    if (!sameSet(got, expected)) fail(`zones: ${what} shows ${got}, expected ${expected}`);
  };
  // Search by a word of one zone's address, and by a name.
  const word = String(zones[0].address || zones[0].name).split(/[\s,]+/).find((w) => w.length > 3) || zones[0].name;
  const matching = (q) => zones.filter((z) => `${z.name} ${z.address || ''} ${z.city || ''} ${z.zoneId}`.toLowerCase().includes(q.toLowerCase())).map((z) => z.zoneId);
  await p.page.fill('#zones-search', word);
  await expectRows(`search "${word}"`, matching(word));
  await p.page.fill('#zones-search', zones[1].name);
  await expectRows(`search "${zones[1].name}"`, matching(zones[1].name));
  await p.page.fill('#zones-search', '');
  for (const l of ['low', 'mid', 'high']) {
    await p.page.selectOption('#zones-level', l);
    await expectRows(`occupancy ${l}`, zones.filter((z) => level(z) === l).map((z) => z.zoneId));
  }
  await p.page.selectOption('#zones-level', 'all');
  await expectRows('no filter', zones.map((z) => z.zoneId));

  // Add a zone through the form; then the same id again: the API's refusal is shown.
  const id = `zone-browser-${Date.now() % 100000}`;
  const fillForm = async () => {
    await p.page.click('#zone-add');
    await p.page.fill('#zone-form-name', 'Al Wasl Road P1');
    await p.page.fill('#zone-form-zoneId', id);
    await p.page.fill('#zone-form-address', 'Al Wasl Road, Jumeirah');
    await p.page.fill('#zone-form-totalBays', '12');
    await p.page.fill('#zone-form-pricePerHour', '5');
    await p.page.fill('#zone-form-lat', '25.1900');
    await p.page.fill('#zone-form-lng', '55.2400');
    await p.page.click('#zone-form button[type="submit"]');
  };
  await fillForm();
  await p.waitFor('zones: the new zone listed and the dialog closed', (zid) => !document.getElementById('zone-dialog').open &&
    document.querySelector(`#zones-table tr[data-zone-id="${zid}"]`), id,
  { describe: () => document.getElementById('zone-form-error').textContent });
  const created = await p.api(`/v1/zones/${id}`);
  if (created.name !== 'Al Wasl Road P1' || created.totalBays !== 12 || created.pricePerHour !== 5) {
    fail(`zones: the API has ${JSON.stringify(created)} for the zone added`);
  }
  p.expectFailure(409, '/v1/zones');
  await fillForm();
  await p.waitFor('zones: adding an existing id shows the API\'s 409', () => {
    const e = document.getElementById('zone-form-error');
    return !e.hidden && /409/.test(e.textContent) && /exists/.test(e.textContent);
  }, null, { describe: () => document.getElementById('zone-form-error').textContent });
  await p.page.keyboard.press('Escape');
  await p.waitFor('zones: Esc closes the dialog', () => !document.getElementById('zone-dialog').open);
  p.checkProblems('zones');
  log(`zones: ${zones.length} rows as the API, search, occupancy filter, ${id} added, a duplicate refused with the API's error`);
}

export async function checkZone(p, { zone, offlineBay }) {
  await p.go(`#/zones/${encodeURIComponent(zone)}`);
  const q = encodeURIComponent(zone);
  const [{ bays }, { sensors }, { events }] = await Promise.all([p.api(`/v1/zones/${q}/bays`),
    p.api(`/v1/sensors?zoneId=${q}`), p.api(`/v1/zones/${q}/events?limit=25`)]);
  const offline = new Set(sensors.filter((s) => s.status === 'offline').map((s) => s.sensorId));
  await p.waitFor(`zone: ${bays.length} bays in the grid`, (n) => document.querySelectorAll('#zone-bays [data-bay]').length === n, bays.length);
  const cells = await p.page.$$eval('#zone-bays [data-bay]', (cs) => cs.map((c) => ({ ...c.dataset })));
  for (const b of bays) {
    const want = offline.has(b.sensorId) ? 'offline' : ['occupied', 'vacant'].includes(b.status) ? b.status : 'unknown';
    const cell = cells.find((c) => c.bay === b.bayNumber) || fail(`zone: bay ${b.bayNumber} not in the grid`);
    if (cell.status !== want) fail(`zone: bay ${b.bayNumber} shows ${cell.status}, expected ${want}`);
  }
  if (offlineBay) {
    const cell = cells.find((c) => c.bay === offlineBay) || fail(`zone: bay ${offlineBay} not in the grid`);
    if (cell.status !== 'offline') fail(`zone: bay ${offlineBay}, whose sensor is offline, shows ${cell.status}`);
  }
  const stat = (k) => p.page.$eval(`#zone-head [data-stat="${k}"] .value`, (e) => e.textContent);
  if (Number(await stat('offline')) !== bays.filter((b) => offline.has(b.sensorId)).length) {
    fail(`zone: header says ${await stat('offline')} offline, the API's sensors ${offline.size}`);
  }
  const occupied = bays.filter((b) => b.status === 'occupied' && !offline.has(b.sensorId)).length;
  if (Number(await stat('occupied')) !== occupied || Number((await stat('total')).replace(/,/g, '')) !== bays.length) {
    fail(`zone: header says ${await stat('occupied')} occupied of ${await stat('total')}, the bays ${occupied} of ${bays.length}`);
  }
  await p.waitFor(`zone: ${events.length} events in recent activity`, (n) => document.querySelectorAll('#zone-activity li[data-bay]').length === n, events.length);
  const first = await p.page.$eval('#zone-activity li[data-bay]', (li) => ({ ...li.dataset }));
  if (events.length && (first.bay !== events[0].bayNumber || first.eventType !== events[0].eventType)) {
    fail(`zone: newest activity is ${JSON.stringify(first)}, the API's ${JSON.stringify(events[0])}`);
  }
  // A bay's panel.
  const bay = bays.find((b) => b.sensorId) || bays[0];
  const bayEvents = await p.api(`/v1/zones/${q}/bays/${encodeURIComponent(bay.bayNumber)}/events?limit=10`);
  await p.page.click(`#zone-bays [data-bay=${JSON.stringify(bay.bayNumber)}]`);
  await p.waitFor(`zone: the panel of bay ${bay.bayNumber}`, (b) => {
    const panel = document.getElementById('bay-panel');
    return !panel.hidden && panel.dataset.bay === b && panel.querySelector('[data-fact="sensor"]');
  }, bay.bayNumber);
  const facts = await p.page.$$eval('#bay-panel [data-fact]', (dd) => Object.fromEntries(dd.map((d) => [d.dataset.fact, d.textContent])));
  if (facts.sensor !== (bay.sensorId || '–') || facts.battery !== (bay.batteryLevel != null ? `${bay.batteryLevel} %` : '–') ||
      facts.signal !== (bay.signalStrength != null ? `${bay.signalStrength} dBm` : '–')) {
    fail(`zone: the panel of ${bay.bayNumber} shows ${JSON.stringify(facts)}, the API ${JSON.stringify(bay)}`);
  }
  const shownEvents = await p.page.locator('#bay-panel .bay-events li').count();
  if (shownEvents !== bayEvents.events.length) fail(`zone: the panel lists ${shownEvents} events of ${bay.bayNumber}, the API ${bayEvents.events.length}`);
  await p.page.keyboard.press('Escape');
  await p.waitFor('zone: Esc closes the bay panel', () => document.getElementById('bay-panel').hidden);
  p.checkProblems('zone');
  log(`zone ${zone}: ${bays.length} bays as the API (${offline.size} offline), header, ${events.length} recent events, bay ${bay.bayNumber}'s panel`);
}

export async function checkSensors(p, { lowExpected = false, offlineExpected = false } = {}) {
  await p.go('#/sensors');
  const [{ sensors }, settings] = await Promise.all([p.api('/v1/sensors'), p.api('/v1/settings')]);
  const offlineAfter = settings.offlineAfterMinutes * 60_000;
  const isOffline = (s) => s.status === 'offline' || (s.lastSeen && Date.now() - Date.parse(s.lastSeen.replace(/(\.\d{3})\d+/, '$1')) > offlineAfter);
  const isLow = (s) => s.batteryLevel != null && s.batteryLevel < settings.lowBatteryPercent;
  const expect = async (what, list) => {
    const n = Math.min(list.length, 500);
    await p.waitFor(`sensors: ${what}: ${n} rows`, (k) => document.querySelectorAll('#sensors-table tbody tr').length === k ||
      (k === 0 && document.querySelector('#sensors-table .empty-row')), n,
    { describe: () => document.querySelectorAll('#sensors-table tbody tr').length });
    const shown = await p.page.$$eval('#sensors-table tbody tr', (trs) => trs.map((tr) => tr.dataset.sensorId));
    if (list.length <= 500 && !sameSet(shown, list.map((s) => s.sensorId))) fail(`sensors: ${what} shows other sensors than expected`);
  };
  await expect('all', sensors);
  const one = sensors[Math.floor(sensors.length / 2)];
  const row = (await p.rows('#sensors-table')).find((r) => r.sensorId === one.sensorId) || fail(`sensors: ${one.sensorId} not shown`);
  const want = { model: one.model, bay: one.bayNumber, battery: `${one.batteryLevel} %`, signal: `${one.signalStrength} dBm` };
  for (const [k, v] of Object.entries(want)) if (row.cells[k] !== v) fail(`sensors: ${one.sensorId} ${k} "${row.cells[k]}", the API "${v}"`);
  await p.page.fill('#sensors-search', one.sensorId);
  await expect(`search ${one.sensorId}`, sensors.filter((s) => s.sensorId.toLowerCase().includes(one.sensorId.toLowerCase())));
  await p.page.fill('#sensors-search', 'no-such-sensor');
  await expect('search for nothing', []);
  await p.page.fill('#sensors-search', '');
  if (offlineExpected && !sensors.some(isOffline)) fail('sensors: the API shows no offline sensor, some were planted');
  await p.page.selectOption('#sensors-status', 'offline');
  await expect('offline', sensors.filter(isOffline));
  await p.page.selectOption('#sensors-status', 'online');
  await expect('online', sensors.filter((s) => !isOffline(s)));
  await p.page.selectOption('#sensors-status', 'all');
  const low = sensors.filter(isLow);
  if (lowExpected && !low.length) fail('sensors: the API shows no sensor with a low battery, one was planted');
  await p.page.selectOption('#sensors-battery', 'low');
  await expect('low battery', low);
  await p.page.selectOption('#sensors-battery', 'ok');
  await expect('battery ok', sensors.filter((s) => !isLow(s)));
  await p.page.selectOption('#sensors-battery', 'all');
  p.checkProblems('sensors');
  log(`sensors: ${sensors.length} as the API; search, status (${sensors.filter(isOffline).length} offline) and battery (${low.length} low) filters`);
}
