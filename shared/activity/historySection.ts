import { ChangeEvent } from '../scim/changeEvent';
import { ResourceHistory, ResourceSummary } from '../resources/changeHistory';
import { esc, when } from './html';

/** What the status page's search box was asked, and what it found (or why it found nothing). */
export interface HistorySearch {
  tenant: string;
  q: string;
  /**
   * The Functions key the page was opened with (`?code=`), carried by the form so that the search, a plain GET,
   * is let through in Azure too. It only goes back to whoever sent it, on a page that is never cached.
   */
  code?: string;
  found?: ResourceHistory & { others: ResourceSummary[] };
  /** The SCIM error's detail when the search was refused or found nothing. */
  problem?: string;
}

/**
 * The search box and, once searched, the resource's summary and its changes newest first. A plain GET form and
 * server-rendered rows: the page runs no script (its CSP allows none).
 */
export function historySection(search: HistorySearch): string {
  const hidden = search.code === undefined ? '' : `<input type="hidden" name="code" value="${esc(search.code)}">`;
  return `<section class="history">
<h2>History of a user or group</h2>
<form method="get" action="">${hidden}
<label>Tenant <input name="tenant" value="${esc(search.tenant)}" required></label>
<label>id, userName, externalId or displayName <input name="q" type="search" size="40" value="${esc(search.q)}" required></label>
<button type="submit">Search</button>
</form>
${search.problem !== undefined ? `<p class="bad" data-field="problem">${esc(search.problem)}</p>` : ''}${search.found ? timeline(search, search.found) : ''}
</section>`;
}

function timeline(search: HistorySearch, found: ResourceHistory & { others: ResourceSummary[] }): string {
  const r = found.resource;
  const rows = found.changes.map(
    (e) =>
      `<tr><td>${when(e.time)}</td><td>${esc(e.operation)}</td><td>${esc(e.resourceType)} ${esc(nameOf(e))}</td><td>${esc(e.attributes.join(', '))}</td><td>${ids(e.membersAdded)}</td><td>${ids(e.membersRemoved)}</td><td>${esc(e.versionBefore ?? '—')} → ${esc(e.versionAfter ?? '—')}</td><td><code>${esc(e.correlationId)}</code></td></tr>`,
  );
  return `<table class="resource">
<tr><th>Resource</th><td>${esc(r.resourceType)} <code>${esc(r.id)}</code></td></tr>
<tr><th>State</th><td data-field="state"${r.state === 'deleted' ? ' class="bad"' : ''}>${r.state}</td></tr>
${(['userName', 'externalId', 'displayName'] as const).map((a) => (r[a] === undefined ? '' : `<tr><th>${a}</th><td>${esc(r[a])}</td></tr>`)).join('')}
${r.active === undefined ? '' : `<tr><th>active</th><td>${r.active}</td></tr>`}${r.version === undefined ? '' : `<tr><th>Version</th><td>${esc(r.version)}</td></tr>`}
</table>
${found.others.length ? `<p>Also named by this value: ${found.others.map((o) => `<a href="?${searchQuery(search, o.id)}">${esc(o.resourceType)} ${esc(o.id)}</a>`).join(', ')}</p>` : ''}
<h3>Changes, newest first</h3>
${rows.length ? `<table class="timeline"><tr><th>Time</th><th>Operation</th><th>Of</th><th>Attributes changed</th><th>Members added</th><th>Members removed</th><th>Version</th><th>Correlation id</th></tr>${rows.join('')}</table>` : '<p class="muted">No change kept for it.</p>'}`;
}

/** The name an event gives its resource (a group's, on a member's copy of a membership event). */
const nameOf = (e: ChangeEvent) => e.userName ?? e.displayName ?? e.externalId ?? '';

const ids = (values: string[]) => values.map((v) => `<code>${esc(v)}</code>`).join(' ');

const searchQuery = (search: HistorySearch, q: string) =>
  esc(
    new URLSearchParams({
      ...(search.code === undefined ? {} : { code: search.code }),
      tenant: search.tenant,
      q,
    }).toString(),
  );
