// The Events page: the rows are the newest events of the zones chosen (compared with the API's
// answers merged), its filters (type, time range, zone) and row counts change them, and the CSV
// and JSON downloads hold exactly the rows the table shows.
import { readFile } from 'node:fs/promises';

import { fail, log } from './portal_harness.mjs';

const micros = (iso) => iso.replace(/(\.\d{3})\d+/, '$1');

// The newest `limit` events over `zoneIds`, as the page should merge them.
async function expected(p, zoneIds, params) {
  const pages = await Promise.all(zoneIds.map((id) => p.api(`/v1/zones/${encodeURIComponent(id)}/events?${new URLSearchParams(params)}`)));
  return pages.flatMap((x) => x.events)
    .sort((a, b) => Date.parse(micros(b.timestamp)) - Date.parse(micros(a.timestamp)) || String(a.zoneId).localeCompare(b.zoneId))
    .slice(0, Number(params.limit));
}

const key = (e) => `${e.timestamp}|${e.zoneId}|${e.bayNumber ?? e.bay}|${e.eventType}`;

async function shownRows(p) {
  return p.page.$$eval('#events-table tbody tr', (trs) => trs.map((tr) => ({ ...tr.dataset })));
}

async function expectTable(p, what, want) {
  const exp = want.map(key);
  // Events of one instant may come in either order: the same set, and the times in order.
  await p.waitFor(`events: ${what}: the API's ${want.length} rows`, (keys) => {
    const got = [...document.querySelectorAll('#events-table tbody tr')]
      .map((tr) => `${tr.dataset.timestamp}|${tr.dataset.zoneId}|${tr.dataset.bay}|${tr.dataset.eventType}`);
    return got.length === keys.length && [...got].sort().join() === [...keys].sort().join() &&
      got.map((k) => k.split('|')[0]).join() === keys.map((k) => k.split('|')[0]).join();
  }, exp, { describe: () => [document.getElementById('events-count').textContent,
    ...[...document.querySelectorAll('#events-table tbody tr')].slice(0, 3).map((tr) => JSON.stringify(tr.dataset))] });
}

function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; } else field += c;
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}

async function downloaded(p, button) {
  const [download] = await Promise.all([p.page.waitForEvent('download'), p.page.click(button)]);
  return readFile(await download.path(), 'utf8');
}

async function checkDownloads(p, what) {
  const rows = await shownRows(p);
  const csv = parseCsv(await downloaded(p, '#events-csv'));
  const json = JSON.parse(await downloaded(p, '#events-json'));
  if (csv.map(key).join('\n') !== rows.map(key).join('\n')) fail(`events: ${what}: the CSV holds ${csv.length} rows, not those of the table (${rows.length})`);
  if (json.map(key).join('\n') !== rows.map(key).join('\n')) fail(`events: ${what}: the JSON holds ${json.length} rows, not those of the table (${rows.length})`);
  return rows.length;
}

export async function checkEvents(p, { zone }) {
  await p.go('#/events');
  const { zones } = await p.api('/v1/zones');
  const all = zones.map((z) => z.zoneId);
  await expectTable(p, 'default (50 rows, all zones)', await expected(p, all, { limit: 50 }));
  const downloadedRows = await checkDownloads(p, 'default');

  await p.page.selectOption('#events-rows', '25');
  await expectTable(p, '25 rows', await expected(p, all, { limit: 25 }));
  await p.page.selectOption('#events-type', 'LEAVE');
  const leaves = await expected(p, all, { limit: 25, eventType: 'LEAVE' });
  if (leaves.some((e) => e.eventType !== 'LEAVE')) fail('events: the API answered other types to eventType=LEAVE');
  await expectTable(p, 'departures', leaves);
  await p.page.selectOption('#events-zone', zone);
  await expectTable(p, `departures of ${zone}`, await expected(p, [zone], { limit: 25, eventType: 'LEAVE' }));
  await checkDownloads(p, `departures of ${zone}`);
  await p.page.selectOption('#events-type', 'ARRIVE');
  await p.page.selectOption('#events-zone', 'all');
  await p.page.selectOption('#events-rows', '100');
  await expectTable(p, '100 arrivals', await expected(p, all, { limit: 100, eventType: 'ARRIVE' }));

  // A time range: the custom one, set to a window the rows fall in.
  const rows = await shownRows(p);
  const mid = rows[Math.floor(rows.length / 2)];
  const local = (ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const fromMs = Date.parse(micros(mid.timestamp)) - 3600_000, toMs = Date.parse(micros(mid.timestamp)) + 60_000;
  await p.page.selectOption('#events-range', 'custom');
  await p.page.fill('#events-from', local(fromMs));
  await p.page.fill('#events-to', local(toMs));
  await p.page.dispatchEvent('#events-to', 'change');
  const fromIso = new Date(Date.parse(local(fromMs))).toISOString().replace('Z', '000Z');
  const toIso = new Date(Date.parse(local(toMs))).toISOString().replace('Z', '000Z');
  const windowed = await expected(p, all, { limit: 100, eventType: 'ARRIVE', from: fromIso, to: toIso });
  if (!windowed.length) fail('events: no arrival in the window around a row shown');
  await expectTable(p, 'arrivals in a custom time range', windowed);
  const inRange = (await shownRows(p)).every((r) => Date.parse(micros(r.timestamp)) >= Date.parse(fromIso.replace(/000Z$/, 'Z')));
  if (!inRange) fail('events: a row outside the time range is shown');
  await checkDownloads(p, 'custom range');
  await p.page.selectOption('#events-range', 'all');
  await p.page.selectOption('#events-type', 'all');
  await p.page.selectOption('#events-rows', '200');
  await expectTable(p, '200 rows', await expected(p, all, { limit: 200 }));
  p.checkProblems('events');
  log(`events: rows as the API's (50, 25, 100, 200; by type, zone and time range); CSV and JSON hold the table's rows (${downloadedRows}, ${windowed.length})`);
}
