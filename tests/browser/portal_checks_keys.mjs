// The API-key box (serve --api-keys): without a key the portal says the API wants one (401);
// a key typed into the box scopes every read to its tenant (a tenant with no zones sees none, the
// zones' own tenant sees them all, as the API answers each key), and the key is kept for the next
// visit; the Migration page, operators' only, explains the API's 403 to a tenant.
import { Portal, fail, log } from './portal_harness.mjs';

export async function checkKeys(base, options, [ownerKey, otherKey]) {
  const p = new Portal(base, { ...options, apiKey: '', expectedFailures: ['401 *'] });
  await p.open();
  try {
    const zonesOf = async (key) => (await p.api('/v1/zones', { key })).zones.map((z) => z.zoneId).sort();
    const [owned, others] = [await zonesOf(ownerKey), await zonesOf(otherKey)];
    if (!owned.length) fail(`keys: the first key sees no zone: it should be the zones' tenant's`);
    await p.go('#/zones');
    await p.waitFor('keys: without a key the page says the API wants one', () => {
      const e = document.getElementById('error');
      return !e.hidden && /401/.test(e.textContent) && /API key/.test(e.textContent);
    }, null, { describe: () => document.getElementById('error').textContent });
    const useKey = async (key, want) => {
      await p.page.fill('#api-key', key);
      await p.page.click('#key-form button[type="submit"]');
      await p.waitFor(`keys: with the key of ${want.length} zones, those zones`, (ids) => {
        const shown = [...document.querySelectorAll('#zones-table tbody tr')].map((tr) => tr.dataset.zoneId).sort();
        return document.getElementById('error').hidden && shown.join() === ids.join() &&
          (ids.length > 0 || document.querySelector('#zones-table .empty-row'));
      }, want, { describe: () => [document.getElementById('error').textContent,
        ...[...document.querySelectorAll('#zones-table tbody tr')].map((tr) => tr.dataset.zoneId)] });
      await p.waitFor('keys: the live stream connects with the key', () => document.getElementById('connection').dataset.state === 'live');
    };
    await useKey(otherKey, others);
    await useKey(ownerKey, owned);
    await p.page.reload();
    await p.waitFor('keys: the key kept for the next visit', (w) => document.getElementById('api-key').value === w.key &&
      document.querySelectorAll('#zones-table tbody tr').length === w.n, { key: ownerKey, n: owned.length });
    // The migration is for operators: a tenant's key gets the API's 403, explained.
    p.expectFailure(403, '/v1/migration/status');
    await p.go('#/migration');
    await p.waitFor('keys: the Migration page tells a tenant it is for operators', () =>
      /for operators/.test(document.querySelector('#migration-body .empty')?.textContent || ''));
    p.checkProblems('keys');
    log(`keys: 401 shown without a key; ${others.length} zones with the other tenant's key, ${owned.length} with the owner's, the key kept; the migration refused to a tenant (403)`);
  } finally {
    await p.close();
  }
}
