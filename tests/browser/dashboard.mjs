#!/usr/bin/env node
// The operator dashboard in a real browser (Debian's chromium, driven by playwright-core).
//
//   node tests/browser/dashboard.mjs URL [--zone ID] [--bay BAY --status STATUS]
//                                        [--trigger 'SHELL COMMAND'] [--timeout SECONDS]
//                                        [--screenshot FILE (taken on failure)]
//
// Loads URL (the server's root, where it serves the dashboard and /v1), then checks:
//   - no console error, no uncaught page error, no request to another origin, at any time;
//   - the stat cards: zones and bays as /v1/zones counts them, an occupancy percentage, and
//     "online / total" sensors with the total of /v1/sensors;
//   - every zone of /v1/zones is listed, with an occupancy level;
//   - clicking a zone (--zone, else the first listed) shows one cell per bay of
//     /v1/zones/{id}/bays and the 24-hour occupancy chart.
// With --bay and --status (and --zone), it then waits for the live stream to be connected, prints
// "dashboard.mjs: ready" on stdout, runs --trigger if given (via sh -c; it must exit 0), and waits
// up to --timeout seconds (default 10) for that bay to show STATUS in the grid and for an
// arrival (occupied) or departure (vacant) of that bay in the live feed. The bay must not show
// STATUS before: the change has to be one that makes an ARRIVE or LEAVE event.
//
// Environment: VDPARK_API_KEY (optional) is stored as the page's API key before it loads and sent
// on this script's own API reads; CHROMIUM (default /usr/bin/chromium); PLAYWRIGHT_CORE, the
// package's folder (default: .deps/node_modules/playwright-core, scripts/install-playwright.sh).
// Exit code 0 when every check passed; 1 with "dashboard.mjs: FAIL: reason" on stderr otherwise.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OVERALL_LIMIT_MS = 120_000;
const STEP_MS = 15_000;

function log(message) {
  process.stderr.write(`dashboard.mjs: ${message}\n`);
}

class Failure extends Error {}
const fail = (message) => { throw new Failure(message); };

function parseArgs(argv) {
  const args = { url: '', zone: '', bay: '', status: '', trigger: '', timeout: 10, screenshot: '' };
  const flags = new Set(['zone', 'bay', 'status', 'trigger', 'timeout', 'screenshot']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s);
      if (!flags.has(name)) fail(`unknown option ${a}`);
      const value = inline !== undefined ? inline : argv[++i];
      if (value === undefined) fail(`${a} needs a value`);
      args[name] = value;
    } else if (!args.url) {
      args.url = a;
    } else {
      fail(`unexpected argument ${a}`);
    }
  }
  if (!args.url) fail('usage: dashboard.mjs URL [--zone ID] [--bay BAY --status STATUS] [--trigger CMD] [--timeout S]');
  if ((args.bay || args.status) && !(args.zone && args.bay && args.status)) {
    fail('--bay and --status go together, with --zone');
  }
  args.timeout = Number(args.timeout);
  if (!(args.timeout > 0)) fail('--timeout must be a positive number of seconds');
  args.url = new URL(args.url).href;
  return args;
}

function loadPlaywright() {
  const require = createRequire(import.meta.url);
  const candidates = [process.env.PLAYWRIGHT_CORE,
    path.join(ROOT, '.deps/node_modules/playwright-core'), 'playwright-core'].filter(Boolean);
  for (const candidate of candidates) {
    try { return require(candidate); } catch { /* next */ }
  }
  fail(`playwright-core not found (tried ${candidates.join(', ')}): run scripts/install-playwright.sh`);
}

async function getJson(base, apiPath, apiKey) {
  const res = await fetch(new URL(apiPath, base), { headers: apiKey ? { 'X-Api-Key': apiKey } : {} });
  if (!res.ok) fail(`GET ${apiPath}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

function runTrigger(command) {
  return new Promise((resolve, reject) => {
    log(`trigger: ${command}`);
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve()
      : reject(new Failure(`--trigger exited with ${signal || `code ${code}`}`))));
  });
}

const digits = (text) => Number(String(text).replace(/[^\d]/g, ''));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const apiKey = process.env.VDPARK_API_KEY || '';
  const { chromium } = loadPlaywright();
  const origin = new URL(args.url).origin;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  const problems = [];
  let page;
  try {
    page = await browser.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url || 'page'})`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.protocol !== 'data:' && u.origin !== origin) problems.push(`request to another origin: ${r.url()}`);
    });
    const checkProblems = () => {
      if (problems.length) fail(`in the browser:\n  ${problems.splice(0).join('\n  ')}`);
    };
    if (apiKey) await page.addInitScript((key) => localStorage.setItem('vdpark.apiKey', key), apiKey);

    const [zonesBody, sensorsBody] = await Promise.all([
      getJson(args.url, '/v1/zones', apiKey), getJson(args.url, '/v1/sensors', apiKey)]);
    const zones = zonesBody.zones;
    const totalBays = zones.reduce((sum, z) => sum + Number(z.totalBays || 0), 0);
    log(`${zones.length} zones, ${totalBays} bays, ${sensorsBody.sensors.length} sensors in the API`);

    const response = await page.goto(args.url, { waitUntil: 'load' });
    if (!response || !response.ok()) fail(`GET ${args.url}: HTTP ${response?.status()}`);
    if (apiKey && (await page.inputValue('#api-key')) !== apiKey) fail('the API key field does not show the stored key');

    // Stat cards.
    await page.waitForFunction((n) => document.getElementById('stat-zones')?.textContent.replace(/\D/g, '') === String(n),
      zones.length).catch(async () => fail(`stat card zones shows "${await page.textContent('#stat-zones')}", expected ${zones.length}`));
    const cards = await page.evaluate(() => Object.fromEntries(['zones', 'bays', 'occupancy', 'sensors']
      .map((k) => [k, document.getElementById(`stat-${k}`).textContent.trim()])));
    if (digits(cards.bays) !== totalBays) fail(`stat card bays shows "${cards.bays}", expected ${totalBays}`);
    if (!/^\d+(\.\d+)? %$/.test(cards.occupancy)) fail(`stat card occupancy shows "${cards.occupancy}"`);
    const sensors = /^([\d,]+) \/ ([\d,]+)$/.exec(cards.sensors);
    if (!sensors || digits(sensors[2]) !== sensorsBody.sensors.length || digits(sensors[1]) > digits(sensors[2])) {
      fail(`stat card sensors online shows "${cards.sensors}", expected "N / ${sensorsBody.sensors.length}"`);
    }
    log(`stat cards: ${JSON.stringify(cards)}`);

    // Every zone listed, each with its occupancy colour.
    const listed = await page.$$eval('#zone-list li[data-zone-id]',
      (items) => items.map((li) => ({ id: li.dataset.zoneId, level: li.dataset.level })));
    const listedIds = new Set(listed.map((z) => z.id));
    const missing = zones.filter((z) => !listedIds.has(z.zoneId)).map((z) => z.zoneId);
    if (missing.length) fail(`zones not listed: ${missing.join(', ')}`);
    const uncoloured = listed.filter((z) => !['low', 'mid', 'high'].includes(z.level));
    if (uncoloured.length) fail(`zones without an occupancy colour: ${uncoloured.map((z) => z.id).join(', ')}`);
    log(`all ${zones.length} zones listed`);

    // A zone's bay grid and its day.
    const zoneId = args.zone || listed[0]?.id || fail('no zone to click');
    if (!listedIds.has(zoneId)) fail(`zone ${zoneId} is not listed`);
    const { bays } = await getJson(args.url, `/v1/zones/${encodeURIComponent(zoneId)}/bays`, apiKey);
    await page.click(`#zone-list li[data-zone-id=${JSON.stringify(zoneId)}]`);
    await page.waitForFunction((n) => document.querySelectorAll('#bay-grid .bay[data-status]').length === n,
      bays.length).catch(async () => fail(`bay grid of ${zoneId} has ` +
        `${await page.locator('#bay-grid .bay').count()} cells, expected ${bays.length}`));
    const cells = new Set(await page.$$eval('#bay-grid .bay', (els) => els.map((e) => e.dataset.bay)));
    const absent = bays.filter((b) => !cells.has(b.bayNumber)).map((b) => b.bayNumber);
    if (absent.length) fail(`bays missing from the grid of ${zoneId}: ${absent.join(', ')}`);
    await page.waitForSelector('#occupancy-chart svg path.line')
      .catch(() => fail(`no occupancy chart for ${zoneId}`));
    log(`zone ${zoneId}: ${bays.length} bays in the grid, chart drawn`);
    checkProblems();

    // A change told about by the caller, live in the grid and the feed.
    if (args.bay) {
      if (!cells.has(args.bay)) fail(`bay ${args.bay} is not in the grid of ${zoneId}`);
      const before = await page.$eval(`#bay-grid .bay[data-bay=${JSON.stringify(args.bay)}]`,
        (c) => c.dataset.status);
      if (before === args.status) fail(`bay ${args.bay} is ${before} already: the change must change it`);
      await page.waitForSelector('#connection[data-state="live"]')
        .catch(() => fail('the live stream (/stream) did not connect'));
      process.stdout.write('dashboard.mjs: ready\n');
      if (args.trigger) await runTrigger(args.trigger);
      const want = { zone: zoneId, bay: args.bay, status: args.status };
      const deadline = args.timeout * 1000;
      await page.waitForFunction((w) => [...document.querySelectorAll('#bay-grid .bay')]
        .some((c) => c.dataset.bay === w.bay && c.dataset.status === w.status), want, { timeout: deadline })
        .catch(async () => fail(`bay ${args.bay} did not turn ${args.status} in the grid within ` +
          `${args.timeout} s (it shows ${await page.$eval(`#bay-grid .bay[data-bay=${JSON.stringify(args.bay)}]`,
            (c) => c.dataset.status)})`));
      await page.waitForFunction((w) => [...document.querySelectorAll('#feed li')]
        .some((li) => li.dataset.zoneId === w.zone && li.dataset.bay === w.bay && li.dataset.status === w.status),
      want, { timeout: deadline })
        .catch(() => fail(`no ${args.status} of ${zoneId} ${args.bay} in the live feed within ${args.timeout} s`));
      log(`${zoneId} ${args.bay} turned ${args.status} in the grid and the live feed`);
    }
    await page.waitForTimeout(300);  // errors from the last updates surface too
    checkProblems();
  } catch (err) {
    if (page && args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true }).catch(() => {});
    if (problems.length) err.message += `\nand in the browser:\n  ${problems.join('\n  ')}`;
    if (err.cause) err.message += ` (${err.cause.code || ''} ${err.cause.message || err.cause})`;
    throw err;
  } finally {
    await browser.close();
  }
}

const watchdog = setTimeout(() => {
  process.stderr.write(`dashboard.mjs: FAIL: still running after ${OVERALL_LIMIT_MS / 1000} s\n`);
  process.exit(1);
}, OVERALL_LIMIT_MS);
watchdog.unref();

main().then(() => {
  process.stdout.write('dashboard.mjs: PASS\n');
  process.exit(0);
}, (err) => {
  process.stderr.write(`dashboard.mjs: FAIL: ${err instanceof Failure ? err.message : err.stack || err}\n`);
  process.exit(1);
});
