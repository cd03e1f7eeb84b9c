// Migration (#/migration): where the move to the target store stands, from GET
// /v1/migration/status (served when `vdpark serve` is given --migration-source; operator keys
// only): the cutover verdict at the top, ready or not with each reason, then every phase with its
// checks, and the last verify, API comparison and probe. A server started without a migration
// (404) or a tenant key (403) gets a plain explanation instead.
import { api, dateTime, el, emptyState } from './core.js';

const PHASE_STATE = { done: 'done', in_progress: 'in progress', not_started: 'not started', failed: 'failed', unknown: 'unknown' };
const view = { root: null, body: null, token: 0 };

function check(c) {
  const kind = c.ok === true ? 'ok' : c.ok === false ? 'failed' : 'unknown';
  return el('li', { class: `check ${kind}`, dataset: { check: c.name, ok: String(c.ok) } },
    el('span', { class: 'mark', 'aria-hidden': 'true', text: c.ok === true ? '✓' : c.ok === false ? '✗' : '?' }),
    el('span', { class: 'name', text: c.name }), el('span', { class: 'detail muted', text: c.detail || '' }));
}

function phase(p, index) {
  return el('li', { class: `phase ${p.state}`, dataset: { phase: p.id, state: p.state } },
    el('div', { class: 'phase-head' }, el('span', { class: 'step', text: String(index + 1) }),
      el('h3', { text: p.title || p.id }), el('span', { class: `tag ${p.state}`, text: PHASE_STATE[p.state] || p.state })),
    p.detail && !(p.checks || []).some((c) => c.detail === p.detail) ? el('p', { class: 'muted', text: p.detail }) : null,
    p.checks?.length ? el('ul', { class: 'checks' }, ...p.checks.map(check)) : null);
}

function last(label, r, key) {
  if (!r) return el('div', { class: 'last', dataset: { last: key } }, el('dt', { text: label }), el('dd', { text: 'never' }));
  const text = [`${r.ok ? 'passed' : 'failed'} ${dateTime(r.at)}`,
    r.differences != null ? `${r.differences} differences` : '', r.source && r.target ? `${r.source} → ${r.target}` : '']
    .filter(Boolean).join(' · ');
  const firsts = r.firstDifferences || [];
  return el('div', { class: `last ${r.ok ? 'ok' : 'failed'}`, dataset: { last: key, ok: String(r.ok) } },
    el('dt', { text: label }), el('dd', { text }),
    firsts.length ? el('dd', {}, el('ul', { class: 'differences' }, ...firsts.map((d) => el('li', { text: d })))) : null);
}

function render(s) {
  const ready = Boolean(s.verdict?.ready);
  const reasons = s.verdict?.reasons || [];
  view.body.replaceChildren(
    el('section', { class: `verdict ${ready ? 'ready' : 'not-ready'}`, id: 'migration-verdict', dataset: { ready: String(ready) } },
      el('h3', { text: ready ? 'Ready for cutover' : 'Not ready for cutover' }),
      reasons.length ? el('ul', { class: 'reasons' }, ...reasons.map((r) => el('li', { text: r })))
        : el('p', { text: ready ? 'Every check passed.' : 'No reason given.' }),
      el('p', { class: 'muted', text: `${s.source || '?'} → ${s.target || '?'} · checked ${dateTime(s.checkedAt)}` })),
    el('dl', { class: 'panel lasts' }, last('Last verify', s.lastVerify, 'verify'), last('Last API comparison', s.lastApiCompare, 'api_compare'),
      last('Last probe', s.lastProbe, 'probe')),
    el('ol', { class: 'phases', id: 'migration-phases' }, ...(s.phases || []).map(phase)));
}

async function load() {
  const token = ++view.token;
  try {
    const s = await api('/v1/migration/status');
    if (token === view.token) render(s);
  } catch (err) {
    if (token !== view.token) return;
    if (err.status === 404) {
      view.body.replaceChildren(emptyState('No migration is being tracked by this server.',
        'Start vdpark serve with --migration-source URL (the store being migrated from) to see the plan phase by phase ' +
        'and the cutover verdict here; vdpark status --source URL --target URL shows the same from the command line.'));
    } else if (err.status === 403 || err.status === 401) {
      view.body.replaceChildren(emptyState('The migration status is for operators.',
        `This API key may not read it (${err.status}). Use an operator key (tenant "*").`));
    } else {
      view.body.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: `The migration status could not be read: ${err.message}` }));
    }
    view.body.firstElementChild.id = view.body.firstElementChild.id || 'migration-empty';
  }
}

export default {
  id: 'migration',
  title: 'Migration',
  mount(root) {
    view.root = root;
    view.body = el('div', { id: 'migration-body', class: 'stack' });
    root.append(el('div', { class: 'page-head' }, el('h2', { text: 'Migration' })), view.body);
  },
  show: load,
  refresh: load,
};
