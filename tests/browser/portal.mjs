#!/usr/bin/env node
// The operator portal in a real browser (Debian's chromium, driven by playwright-core), page for
// page (issue 15):
//
//   node tests/browser/portal.mjs URL --mqtt-port PORT --zone ID --bay BAY --sensor ID
//        --health-zone ID --health-bay BAY --health-sensor ID [--screenshots DIR]
//        [--migration none|status] [--migration-change 'SHELL COMMAND'] [--only a,b,...]
//        [--allow-404 /v1/PATH,...] [--artifacts DIR] [--tile-port PORT] [--offline-bay BAY]
//        [--shots map,zones,zone-detail,sensors,events,analytics,alerts,migration]
//        [--keys OWNER_KEY,OTHER_KEY]
//
// URL is the server's root (dashboard and /v1). --zone/--bay/--sensor: a vacant bay with its
// sensor, for the live arrival (and later battery 15: a warning); --health-*: a sensor given
// battery 5 for the critical alert;
// --offline-bay: a bay of --zone whose sensor the store has offline. Checks, in
// order (--only picks some): map, zones, zone, events, live, alerts, sensors, analytics,
// settings, migration, keyboard, phone, render, screenshots. On every page: no console error, no
// uncaught page error, no request to another origin. --migration status: serve was started with
// --migration-source, and --migration-change (run via sh -c; it must exit 0) plants a difference
// that changes the verdict. --screenshots DIR: the main pages at 1280x800 written there (--shots:
// only those).
// --allow-404: API paths whose 404 (a console error in Chromium) is not counted, for a server
// that lacks those routes. --artifacts DIR: a screenshot of the page where a check failed.
// --tile-port PORT: serve was given --map-tiles http://127.0.0.1:PORT/{z}/{x}/{y}.png; this script
// serves those tiles and checks the map draws them (the check "tiles"). --keys: serve has
// --api-keys with these two tenant keys, the first the zones' tenant's, the second another's; the
// check "keys" types them into the key box (with no key stored first).
//
// Environment: VDPARK_API_KEY (optional); CHROMIUM (default /usr/bin/chromium); PLAYWRIGHT_CORE.
// Exit code 0 when every check passed ("portal.mjs: PASS" on stdout); 1 with
// "portal.mjs: FAIL: reason" on stderr otherwise.
import { spawn } from 'node:child_process';

import { checkAnalytics, checkKeyboard, checkMigration, checkPhone, checkSettings, measureFirstRender, screenshots } from './portal_checks_more.mjs';
import { checkEvents } from './portal_checks_events.mjs';
import { checkAlerts, checkArrival } from './portal_checks_live.mjs';
import { checkMap, checkSensors, checkZone, checkZones } from './portal_checks_pages.mjs';
import { checkKeys } from './portal_checks_keys.mjs';
import { checkTiles, startTileServer } from './portal_checks_tiles.mjs';
import { Failure, Portal, fail, log } from './portal_harness.mjs';

const OVERALL_LIMIT_MS = 300_000;
const ALL = ['keys', 'tiles', 'map', 'zones', 'zone', 'events', 'live', 'alerts', 'sensors', 'analytics', 'settings', 'migration',
  'keyboard', 'phone', 'render', 'screenshots'];
const PHONE_PAGES = ['#/', '#/map', '#/zones', '#/sensors', '#/events', '#/analytics', '#/alerts', '#/settings', '#/migration'];

function parseArgs(argv) {
  const args = { url: '', 'mqtt-port': '', zone: '', bay: '', sensor: '', 'health-zone': '', 'health-bay': '',
    'health-sensor': '', screenshots: '', migration: 'none', 'migration-change': '', only: ALL.join(','),
    'allow-404': '', artifacts: '', 'tile-port': '', 'offline-bay': '', shots: '', keys: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s);
      if (!(name in args) || name === 'url') fail(`unknown option ${a}`);
      const value = inline !== undefined ? inline : argv[++i];
      if (value === undefined) fail(`${a} needs a value`);
      args[name] = value;
    } else if (!args.url) {
      args.url = new URL(a).href;
    } else {
      fail(`unexpected argument ${a}`);
    }
  }
  if (!args.url) fail('usage: portal.mjs URL --mqtt-port PORT --zone ID --bay BAY --sensor ID --health-zone ID --health-bay BAY --health-sensor ID');
  args.only = args.only.split(',').filter(Boolean);
  const unknown = args.only.filter((c) => !ALL.includes(c));
  if (unknown.length) fail(`--only: unknown checks ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  if (!['none', 'status'].includes(args.migration)) fail('--migration: none or status');
  return args;
}

function runShell(command) {
  return new Promise((resolve, reject) => {
    log(`run: ${command}`);
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve()
      : reject(new Failure(`${command}: exited with ${signal || `code ${code}`}`))));
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const want = new Set(args.only);
  const tilePort = Number(args['tile-port']);
  const options = { apiKey: process.env.VDPARK_API_KEY || '', mqttPort: Number(args['mqtt-port']),
    otherOrigins: tilePort ? [`http://127.0.0.1:${tilePort}`] : [] };
  if (!tilePort) want.delete('tiles');
  const keys = args.keys.split(',').filter(Boolean);
  if (keys.length !== 2) want.delete('keys');
  const tiles = tilePort ? await startTileServer(tilePort) : null;
  const live = { zone: args.zone, bay: args.bay, sensor: args.sensor, offlineBay: args['offline-bay'] };
  const health = { healthZone: args['health-zone'], healthBay: args['health-bay'], healthSensor: args['health-sensor'] };
  if ((want.has('live') || want.has('zone') || want.has('events')) && !args.zone) fail('--zone is needed');
  if (want.has('live') && !(args.bay && args.sensor && options.mqttPort)) fail('live: --bay, --sensor and --mqtt-port are needed');
  if (want.has('alerts') && !(health.healthSensor && args.sensor && options.mqttPort)) fail('alerts: --health-*, --zone, --bay, --sensor and --mqtt-port are needed');

  const p = new Portal(args.url, options);
  await p.open();
  try {
    if (args.migration === 'none') p.expectFailure(404, '/v1/migration/status');
    for (const apiPath of args['allow-404'].split(',').filter(Boolean)) p.expectFailure(404, apiPath);
    const steps = {
      keys: () => checkKeys(args.url, options, keys),
      tiles: () => checkTiles(p, tiles),
      map: () => checkMap(p),
      zones: () => checkZones(p),
      zone: () => checkZone(p, live),
      events: () => checkEvents(p, live),
      live: () => checkArrival(p, live),
      alerts: () => checkAlerts(p, { ...health, ...live }),
      sensors: () => checkSensors(p, { lowExpected: want.has('alerts'), offlineExpected: Boolean(args['offline-bay']) }),
      analytics: () => checkAnalytics(p),
      settings: () => checkSettings(p),
      migration: () => checkMigration(p, { expectStatus: args.migration === 'status',
        changed: args['migration-change'] ? () => runShell(args['migration-change']) : null }),
      keyboard: () => checkKeyboard(p),
      phone: () => checkPhone(args.url, { ...options, expectedFailures: p.expectedFailures }, PHONE_PAGES),
      render: () => measureFirstRender(args.url, { ...options, expectedFailures: p.expectedFailures }),
      screenshots: () => (args.screenshots ? screenshots(p, args.screenshots, live, args.shots ? args.shots.split(',') : null) : null),
    };
    for (const name of ALL) {
      if (!want.has(name)) continue;
      try {
        await steps[name]();
      } catch (err) {
        if (args.artifacts && p.page) await p.page.screenshot({ path: `${args.artifacts}/failed-${name}.png`, fullPage: true }).catch(() => {});
        throw err;
      }
    }
    await p.page.waitForTimeout(300);  // errors from the last updates surface too
    p.checkProblems('the end');
  } catch (err) {
    if (p.problems.length) err.message += `\nand in the browser:\n  ${p.problems.join('\n  ')}`;
    throw err;
  } finally {
    await p.close();
    tiles?.close();
  }
}

const watchdog = setTimeout(() => {
  process.stderr.write(`portal.mjs: FAIL: still running after ${OVERALL_LIMIT_MS / 1000} s\n`);
  process.exit(1);
}, OVERALL_LIMIT_MS);
watchdog.unref();

main().then(() => {
  process.stdout.write('portal.mjs: PASS\n');
  process.exit(0);
}, (err) => {
  process.stderr.write(`portal.mjs: FAIL: ${err instanceof Failure ? err.message : err.stack || err}\n`);
  process.exit(1);
});
