// What the portal's browser checks share (tests/browser/portal.mjs): Chromium through
// playwright-core, every console error, page error and request to another origin collected, the
// API read directly (to compare what a page shows with what the API answers), sensor messages
// published to the broker with mosquitto_pub, and waits that fail with a message saying what
// was awaited and what the page showed instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STEP_MS = 15_000;

export class Failure extends Error {}
export const fail = (message) => { throw new Failure(message); };

export function log(message) {
  process.stderr.write(`portal.mjs: ${message}\n`);
}

function loadPlaywright() {
  const require = createRequire(import.meta.url);
  const candidates = [process.env.PLAYWRIGHT_CORE,
    path.join(ROOT, '.deps/node_modules/playwright-core'), 'playwright-core'].filter(Boolean);
  for (const candidate of candidates) {
    try { return require(candidate); } catch { /* next */ }
  }
  return fail(`playwright-core not found (tried ${candidates.join(', ')}): run scripts/install-playwright.sh`);
}

// One browser and page on the portal at `base`, with what went wrong in it collected.
export class Portal {
  constructor(base, { apiKey = '', mqttPort = 0, expectedFailures = [], otherOrigins = [] } = {}) {
    this.base = new URL(base).href;
    this.origin = new URL(base).origin;
    this.apiKey = apiKey;
    this.mqttPort = mqttPort;
    this.problems = [];
    // "STATUS PATH" of API answers a check expects (Chromium logs them as console errors).
    this.expectedFailures = new Set(expectedFailures);
    this.otherOrigins = new Set(otherOrigins);  // origins the page may load from (map tiles)
  }

  async open({ width = 1280, height = 800 } = {}) {
    const { chromium } = loadPlaywright();
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    this.context = await this.browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    if (this.apiKey) await this.context.addInitScript((key) => localStorage.setItem('vdpark.apiKey', key), this.apiKey);
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(STEP_MS);
    this.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location().url || '';
      const apiPath = where.startsWith(this.origin) ? new URL(where).pathname : '';
      const status = /status of (\d+)/.exec(m.text())?.[1];
      if (status && (this.expectedFailures.has(`${status} ${apiPath}`) || this.expectedFailures.has(`${status} *`))) return;
      this.problems.push(`console error: ${m.text()} (${where || 'page'})`);
    });
    this.page.on('pageerror', (err) => this.problems.push(`page error: ${err.message}`));
    this.page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['data:', 'blob:'].includes(u.protocol) && u.origin !== this.origin && !this.otherOrigins.has(u.origin)) {
        this.problems.push(`request to another origin: ${r.url()}`);
      }
    });
    return this.page;
  }

  // An answer `status` from `apiPath` ("*": any) that a check provokes: Chromium logs it as a
  // console error.
  expectFailure(status, apiPath) {
    this.expectedFailures.add(`${status} ${apiPath}`);
  }

  async close() {
    await this.browser?.close();
  }

  // Fails with everything that went wrong in the browser since the last call.
  checkProblems(where) {
    if (this.problems.length) fail(`${where}: in the browser:\n  ${this.problems.splice(0).join('\n  ')}`);
  }

  // The page at `hash` (#/zones), loaded fresh when `reload`, else through the router.
  async go(hash, { reload = false } = {}) {
    if (reload || !this.loaded) {
      const response = await this.page.goto(new URL(hash, this.base).href, { waitUntil: 'load' });
      if (!response || !response.ok()) fail(`GET ${hash}: HTTP ${response?.status()}`);
      this.loaded = true;
    } else {
      await this.page.evaluate((h) => { location.hash = h; }, hash);
    }
    const page = hash.replace(/^#\/?/, '').split('/')[0] || 'overview';
    const id = page === 'zones' && hash.split('/').length > 2 ? 'zone' : page;
    await this.page.waitForFunction((p) => document.body.dataset.page === p, id)
      .catch(() => fail(`${hash}: the portal did not show its page "${id}" (no router, or it failed)`));
  }

  // The API's answer (parsed) with this portal's key, or `key`; fails on any error status.
  async api(apiPath, { method = 'GET', body, key = this.apiKey } = {}) {
    const headers = key ? { 'X-Api-Key': key } : {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(new URL(apiPath, this.base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) fail(`${method} ${apiPath}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
  }

  // The API's answer at `apiPath` once ok(answer) holds: the server keeps answers briefly (serve
  // --api-cache, 100 ms after a change it made), so a read just after a change may be older.
  // Fails with `what` and the last answer when it never holds.
  async apiUntil(what, apiPath, ok) {
    let answer;
    for (let i = 0; i < 100; i++) {
      answer = await this.api(apiPath);
      if (ok(answer)) return answer;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return fail(`${what}: the API still answers ${JSON.stringify(answer)}`);
  }

  // Waits for fn(arg) in the page to be true; fails with `what` and, when given, what
  // describe(arg) says the page shows.
  async waitFor(what, fn, arg, { timeout = STEP_MS, describe } = {}) {
    try {
      await this.page.waitForFunction(fn, arg, { timeout });
    } catch (err) {
      const shown = describe ? ` (the page shows: ${JSON.stringify(await this.page.evaluate(describe, arg).catch((e) => e.message))})` : '';
      fail(`${what}: not within ${timeout / 1000} s${shown}${err instanceof Failure ? '' : ''}`);
    }
  }

  // Rows of the table inside `selector`, each as its cells' text by column key.
  rows(selector) {
    return this.page.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => ({
      ...tr.dataset,
      cells: Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col, td.textContent.trim()])),
    })));
  }

  // Publishes one sensor message (QoS 1) to the broker, as the sensor would.
  publish(topic, payload) {
    return new Promise((resolve, reject) => {
      const child = spawn('mosquitto_pub', ['-q', '1', '-h', '127.0.0.1', '-p', String(this.mqttPort), '-t', topic,
        '-m', JSON.stringify(payload)], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Failure(`mosquitto_pub exited with ${code}`))));
    });
  }
}

// green < 40 %, amber 40–80 %, red > 80 %, as the page colours them.
export function level(zone) {
  const pct = Number(zone.totalBays) > 0 ? (100 * Number(zone.occupiedBays)) / Number(zone.totalBays) : 0;
  return pct > 80 ? 'high' : pct >= 40 ? 'mid' : 'low';
}

export const sameSet = (a, b) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
