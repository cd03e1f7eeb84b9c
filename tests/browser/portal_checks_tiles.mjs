// The map over tiles (serve --map-tiles URL): a tile server of this script's own answers every
// tile with a PNG and remembers what was asked; the map must draw the tiles of its zoom level
// under the zones, with each zone's tile (by the slippy-map formula, not the page's) among them.
import http from 'node:http';

import { fail, log } from './portal_harness.mjs';

// A 1x1 grey PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGO4AQAA2gDZEE0EmAAAAABJRU5ErkJggg==', 'base64');

export function startTileServer(port) {
  const asked = new Set();
  const server = http.createServer((req, res) => {
    const m = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    asked.add(`${m[1]}/${m[2]}/${m[3]}`);
    res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'no-store' }).end(PNG);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ asked, close: () => server.close() }));
  });
}

function slippyTile(lat, lng, z) {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  return `${z}/${Math.floor(((lng + 180) / 360) * n)}/${Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n)}`;
}

export async function checkTiles(p, tiles) {
  const settings = await p.api('/v1/settings');
  if (!settings.mapTiles || !settings.mapTiles.includes('{z}')) fail(`tiles: settings.mapTiles is ${settings.mapTiles}`);
  await p.go('#/map');
  await p.waitFor('tiles: the map fitted to the zones and bays', () => document.querySelectorAll('#map-bays .bay-dot').length > 0);
  await p.waitFor('tiles: tiles drawn under the map', () => document.querySelectorAll('#map-canvas .tiles image').length > 0);
  const drawn = await p.page.$$eval('#map-canvas .tiles image', (imgs) => imgs.map((i) => i.dataset.tile));
  const hrefs = await p.page.$$eval('#map-canvas .tiles image', (imgs) => imgs.map((i) => i.getAttribute('href')));
  const z = Number(drawn[0].split('/')[0]);
  if (drawn.some((t) => Number(t.split('/')[0]) !== z)) fail(`tiles: tiles of several zoom levels drawn: ${drawn}`);
  for (const [i, t] of drawn.entries()) {
    if (hrefs[i] !== settings.mapTiles.replace('{z}', t.split('/')[0]).replace('{x}', t.split('/')[1]).replace('{y}', t.split('/')[2])) {
      fail(`tiles: tile ${t} drawn from ${hrefs[i]}, not from the template ${settings.mapTiles}`);
    }
  }
  for (let i = 0; i < 100 && drawn.some((t) => !tiles.asked.has(t)); i++) await p.page.waitForTimeout(50);
  const unasked = drawn.filter((t) => !tiles.asked.has(t));
  if (unasked.length) fail(`tiles: drawn but never fetched: ${unasked}`);
  const { zones } = await p.api('/v1/zones');
  for (const zone of zones.filter((x) => x.location)) {
    const t = slippyTile(Number(zone.location.lat), Number(zone.location.lng), z);
    if (!drawn.includes(t)) fail(`tiles: ${zone.zoneId} lies in tile ${t}, which is not drawn (drawn: ${drawn.join(' ')})`);
  }
  const layers = await p.page.$$eval('#map-canvas .world > g', (gs) => gs.map((g) => g.getAttribute('class')));
  if (layers.indexOf('tiles') > layers.indexOf('zones')) fail(`tiles: drawn over the zones (${layers})`);
  p.checkProblems('tiles');
  log(`tiles: ${drawn.length} tiles of zoom ${z} under the zones, each zone's own among them, all fetched from the template`);
}
