// Analytics (compared with GET /v1/analytics/summary), Settings (read, refused and saved through
// the API), Migration (the verdict, or the empty state without --migration-source), the keyboard,
// a phone's viewport, the first render's time and size, and the screenshots of the main pages.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { Portal, fail, log } from './portal_harness.mjs';

const money = (v) => `${Number(v).toFixed(2)} AED`;

export async function checkAnalytics(p) {
  await p.go('#/analytics');
  for (const period of ['today', 'week', 'month']) {
    await p.page.click(`#page-analytics .tabs button[data-period="${period}"]`);
    const s = await p.api(`/v1/analytics/summary?period=${period}`);
    await p.waitFor(`analytics ${period}: the cards show the API's events and revenue`, (w) => {
      const v = (k) => document.querySelector(`#analytics-cards [data-stat="${k}"] .value`)?.textContent;
      return document.getElementById('analytics-body').dataset.period === w.period &&
        v('events')?.replace(/,/g, '') === String(w.events) && v('revenue')?.replace(/,/g, '') === w.revenue;
    }, { period, events: s.events, revenue: money(s.revenue) },
    { describe: () => [...document.querySelectorAll('#analytics-cards .value')].map((e) => e.textContent) });
    const avg = await p.page.$eval('#analytics-cards [data-stat="averageOccupancy"] .value', (e) => e.textContent);
    // Bay-time up to now: it moves between the page's read and this one, a little.
    if (!/^\d+\.\d %$/.test(avg) || Math.abs(parseFloat(avg) - Number(s.averageOccupancy)) > 0.2) {
      fail(`analytics ${period}: average occupancy "${avg}", the API ${s.averageOccupancy}`);
    }
    const zoneRows = await p.page.$$eval('#analytics-zones tbody tr', (trs) => trs.map((tr) => tr.dataset.zoneId));
    if (zoneRows.join() !== s.zones.map((z) => z.zoneId).join()) fail(`analytics ${period}: zones compared ${zoneRows}, the API ${s.zones.map((z) => z.zoneId)}`);
    const bars = await p.page.$$eval('#chart-hours rect.bar', (rs) => rs.map((r) => ({ hour: Number(r.dataset.hour), kind: r.classList.contains('arrivals') ? 'arrivals' : 'departures', value: Number(r.dataset.value) })));
    if (bars.length !== 48) fail(`analytics ${period}: ${bars.length} hour bars, expected 48`);
    for (const h of s.byHour) {
      for (const kind of ['arrivals', 'departures']) {
        const bar = bars.find((b) => b.hour === h.hour && b.kind === kind);
        if (!bar || bar.value !== h[kind]) fail(`analytics ${period}: hour ${h.hour} ${kind} ${bar?.value}, the API ${h[kind]}`);
      }
    }
    const revenue = await p.page.$$eval('#chart-revenue rect.bar', (rs) => rs.map((r) => [r.dataset.zoneId, Number(r.dataset.value)]));
    for (const z of s.zones) {
      const bar = revenue.find(([id]) => id === z.zoneId);
      if (!bar || Math.abs(bar[1] - Number(z.revenue)) > 0.005) fail(`analytics ${period}: revenue bar of ${z.zoneId} ${bar?.[1]}, the API ${z.revenue}`);
    }
    log(`analytics ${period}: ${s.events} events, ${money(s.revenue)}, ${s.zones.length} zones, 24 hours as the API`);
  }
  p.checkProblems('analytics');
}

export async function checkSettings(p) {
  await p.go('#/settings');
  const s = await p.api('/v1/settings');
  await p.waitFor('settings: the form shows the API\'s settings', (w) =>
    Object.entries(w).every(([k, v]) => document.getElementById(`settings-${k}`)?.value === String(v)),
  { lowBatteryPercent: s.lowBatteryPercent, offlineAfterMinutes: s.offlineAfterMinutes, refreshSeconds: s.refreshSeconds, timeZone: s.timeZone },
  { describe: () => [...document.querySelectorAll('#settings-form input')].map((i) => `${i.name}=${i.value}`) });
  if (s.endpoints?.mqtt) {
    const state = await p.page.$eval('#settings-endpoints [data-endpoint="mqtt"] .tag', (t) => t.dataset.state);
    const want = s.endpoints.mqttConnected === true ? 'ok' : s.endpoints.mqttConnected === false ? 'down' : 'unknown';
    if (state !== want) fail(`settings: broker status ${state}, the API says mqttConnected ${s.endpoints.mqttConnected}`);
  }
  p.expectFailure(400, '/v1/settings');
  await p.page.fill('#settings-lowBatteryPercent', '150');
  await p.page.click('#settings-form button[type="submit"]');
  await p.waitFor('settings: 150 % refused, the field named', () => {
    const m = document.getElementById('settings-message');
    return !m.hidden && m.className === 'form-error' && /lowBatteryPercent/.test(m.textContent) && /400/.test(m.textContent);
  }, null, { describe: () => document.getElementById('settings-message').textContent });
  if ((await p.api('/v1/settings')).lowBatteryPercent !== s.lowBatteryPercent) fail('settings: a refused value was stored');
  // A threshold just above the next battery level: more sensors count as low on the Sensors page.
  const { sensors } = await p.api('/v1/sensors');
  const levels = sensors.map((x) => x.batteryLevel).filter((b) => b != null && b >= s.lowBatteryPercent);
  const raised = Math.min(Math.min(...levels, 98) + 1, 99);
  const lowAt = (t) => sensors.filter((x) => x.batteryLevel != null && x.batteryLevel < t).length;
  await p.page.fill('#settings-lowBatteryPercent', String(raised));
  await p.page.click('#settings-form button[type="submit"]');
  await p.waitFor('settings: saved', () => document.getElementById('settings-message').className === 'form-ok');
  await p.apiUntil('settings: the saved value', '/v1/settings', (x) => x.lowBatteryPercent === raised);
  await p.go('#/sensors');
  await p.page.selectOption('#sensors-battery', 'low');
  await p.waitFor(`settings: the Sensors page counts ${lowAt(raised)} under ${raised} % (${lowAt(s.lowBatteryPercent)} under ${s.lowBatteryPercent} %)`,
    (n) => document.querySelectorAll('#sensors-table tbody tr').length === n, Math.min(lowAt(raised), 500),
    { describe: () => document.querySelectorAll('#sensors-table tbody tr').length });
  await p.page.selectOption('#sensors-battery', 'all');
  await p.go('#/settings');
  await p.page.fill('#settings-lowBatteryPercent', String(s.lowBatteryPercent));
  await p.page.click('#settings-form button[type="submit"]');
  await p.waitFor('settings: restored', () => document.getElementById('settings-message').className === 'form-ok' &&
    document.getElementById('settings-message').textContent === 'Saved.');
  await p.apiUntil('settings: restored', '/v1/settings', (x) => x.lowBatteryPercent === s.lowBatteryPercent);
  p.checkProblems('settings');
  log(`settings: as the API, 150 % refused with the API's 400, ${raised} % saved (the Sensors page's low batteries follow) and restored`);
}

// Without --migration-source: the empty state (the API's 404 is expected). With it: the verdict
// and the phases as the API's; with `changed`, after it ran, a verdict that differs from before.
export async function checkMigration(p, { expectStatus, changed } = {}) {
  if (!expectStatus) {
    p.expectFailure(404, '/v1/migration/status');
    await p.go('#/migration');
    await p.waitFor('migration: the empty state without --migration-source', () => document.querySelector('#migration-body .empty'));
    p.checkProblems('migration');
    log('migration: empty state (serve has no --migration-source)');
    return;
  }
  const verdictOf = async () => (await p.api('/v1/migration/status')).verdict;
  // The page read again (R) until it shows what the API answers: the verdict and its reasons,
  // and every phase with its state.
  const show = async (what) => {
    await p.go('#/migration');
    const s = await p.api('/v1/migration/status');
    await p.page.keyboard.press('r');
    await p.waitFor(`migration ${what}: the verdict and phases as the API's`, (w) => {
      const v = document.getElementById('migration-verdict');
      return v && v.dataset.ready === String(w.ready) && [...v.querySelectorAll('.reasons li')].map((li) => li.textContent).join('\n') === w.reasons &&
        [...document.querySelectorAll('#migration-phases .phase')].map((x) => `${x.dataset.phase}:${x.dataset.state}`).join() === w.phases;
    }, { ready: s.verdict.ready, reasons: s.verdict.reasons.join('\n'), phases: s.phases.map((x) => `${x.id}:${x.state}`).join() },
    { describe: () => document.getElementById('migration-body')?.textContent.slice(0, 300) });
    return s;
  };
  const before = await show('before');
  if (!changed) return;
  await changed();
  // The server computes the status at most every few seconds: wait for its new answer.
  for (let i = 0; i < 300 && JSON.stringify(await verdictOf()) === JSON.stringify(before.verdict); i++) await p.page.waitForTimeout(100);
  const after = await show('after');
  if (JSON.stringify(after.verdict) === JSON.stringify(before.verdict)) fail('migration: the verdict did not change after the planted difference');
  if (!after.verdict.reasons.some((r) => /differ/.test(r))) fail(`migration: no reason names the difference: ${after.verdict.reasons}`);
  const shown = await p.page.$eval('#migration-body', (b) => b.textContent);
  for (const d of after.lastVerify?.firstDifferences || []) if (!shown.includes(d)) fail(`migration: the difference "${d}" is not shown`);
  p.checkProblems('migration');
  log(`migration: verdict "${before.verdict.reasons.join('; ')}" -> "${after.verdict.reasons.join('; ')}", the differences listed`);
}

export async function checkKeyboard(p) {
  await p.go('#/zones');
  await p.page.locator('body').click({ position: { x: 5, y: 300 } });
  await p.page.keyboard.press('/');
  await p.waitFor('keyboard: / focuses the search', () => document.activeElement?.id === 'zones-search');
  await p.page.keyboard.type('no such zone at all');
  await p.waitFor('keyboard: typing searches', () => document.querySelector('#zones-table .empty-row'));
  await p.page.keyboard.press('Escape');
  await p.waitFor('keyboard: Esc leaves the search', () => document.activeElement?.id !== 'zones-search');
  await p.page.fill('#zones-search', '');
  await p.page.keyboard.press('Escape');
  let reads = 0;
  const count = (r) => { if (new URL(r.url()).pathname === '/v1/zones') reads++; };
  p.page.on('request', count);
  await p.page.keyboard.press('r');
  for (let i = 0; i < 50 && reads === 0; i++) await p.page.waitForTimeout(100);
  p.page.off('request', count);
  if (!reads) fail('keyboard: R did not refresh (no GET /v1/zones)');
  p.checkProblems('keyboard');
  log('keyboard: / focuses the search, R refreshes, Esc closes (dialogs and panels: see zones, zone, map)');
}

// Each page at 390 x 844: no horizontal scroll, the navigation collapsed behind its button.
export async function checkPhone(base, options, pages) {
  const phone = new Portal(base, options);
  await phone.open({ width: 390, height: 844 });
  try {
    for (const hash of pages) {
      await phone.go(hash);
      await phone.page.waitForTimeout(400);
      const [scroll, width] = await phone.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (scroll > width) fail(`phone: ${hash} scrolls sideways (${scroll} px wide in ${width})`);
      if (await phone.page.isVisible('#nav a[data-page="events"]')) fail(`phone: ${hash}: the navigation is not collapsed`);
    }
    await phone.page.click('#nav-toggle');
    await phone.page.click('#nav a[data-page="events"]');
    await phone.waitFor('phone: the menu opens and navigates', () => document.body.dataset.page === 'events' && !document.getElementById('nav').classList.contains('open'));
    phone.checkProblems('phone');
  } finally {
    await phone.close();
  }
  log(`phone (390x844): ${pages.length} pages without horizontal scroll, navigation collapsed`);
}

// The time to the first render (stat cards filled) and the bytes the page loaded.
export async function measureFirstRender(base, options) {
  const fresh = new Portal(base, options);
  const page = await fresh.open();
  try {
    await page.goto(new URL('#/', base).href);
    await page.waitForFunction(() => /\d/.test(document.getElementById('stat-zones').textContent), null, { polling: 'raf' });
    const ms = await page.evaluate(() => performance.now());
    const bytes = await page.evaluate(() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
      .filter((e) => /\.(js|css|html)$|\/$/.test(new URL(e.name).pathname)).reduce((sum, e) => sum + e.decodedBodySize, 0));
    log(`first render: stat cards filled ${ms.toFixed(0)} ms after navigation; dashboard files ${bytes} bytes uncompressed`);
    fresh.checkProblems('first render');
    return { ms, bytes };
  } finally {
    await fresh.close();
  }
}

export async function screenshots(p, dir, { zone }, names) {
  await mkdir(dir, { recursive: true });
  const shots = [['map', '#/map', '#map-markers .marker', async () => {
    await p.page.keyboard.press('Escape');
    await p.page.click('.map-controls button[aria-label="Fit the city"]');
  }], ['zones', '#/zones', '#zones-table tbody tr'],
    ['zone-detail', `#/zones/${encodeURIComponent(zone)}`, '#zone-bays [data-bay]'], ['sensors', '#/sensors', '#sensors-table tbody tr'],
    ['events', '#/events', '#events-table tbody tr'], ['analytics', '#/analytics', '#chart-hours'],
    ['alerts', '#/alerts', '#alerts-table table, #alerts-table .empty-row', async () => {
      await p.page.selectOption('#alerts-state', 'all');
      await p.page.waitForSelector('#alerts-table tr[data-state="resolved"], #alerts-table .empty-row');
    }], ['migration', '#/migration', '#migration-verdict, #migration-body .empty']];
  for (const [name, hash, ready, prepare] of shots.filter(([n]) => !names || names.includes(n))) {
    await p.go(hash);
    await p.page.waitForSelector(ready);
    await prepare?.();
    await p.page.waitForTimeout(300);
    await p.page.screenshot({ path: path.join(dir, `${name}.png`) });
  }
  log(`screenshots: ${shots.filter(([n]) => !names || names.includes(n)).map(([n]) => `${n}.png`).join(', ')} in ${dir}`);
}
