import { z } from 'zod';
import { DEFAULT_TENANT } from '../auth/tenantId';
import { historySection, HistorySearch } from './historySection';
import { esc, when } from './html';
import { StatusReport, TenantStatus, tenantStatusSchema } from './statusReport';

/** The JSON of `GET /scim/status` (docs/operations.md#activity-log-and-status-view): a tenant's totals over the page's window are `last24h`. */
export const statusJsonSchema = z.object({
  generatedAt: z.string(),
  from: z.string(),
  to: z.string(),
  tenants: z.array(tenantStatusSchema.omit({ totals: true }).extend({ last24h: tenantStatusSchema.shape.totals })),
});
export type StatusJson = z.infer<typeof statusJsonSchema>;

export const statusJson = (report: StatusReport): StatusJson => ({
  ...report,
  tenants: report.tenants.map(({ totals, ...rest }) => ({ ...rest, last24h: totals })),
});

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * The operator's page: the history search box, then every tenant's traffic, failures, tokens and chart on one
 * self-contained HTML document — inline CSS and SVG, no script and no external asset, so it renders behind any
 * firewall and under a strict CSP.
 */
export function renderStatusPage(
  report: StatusReport,
  search: HistorySearch = { tenant: DEFAULT_TENANT, q: '' },
): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SCIM provisioning status</title>
<link rel="icon" href="data:,">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin:0 0 .5rem}h3{font-size:1rem;margin:1rem 0 .3rem}
section{border:1px solid #d0d0d0;border-radius:6px;padding:1rem;margin:1rem 0}
table{border-collapse:collapse;margin:.3rem 0}td,th{border-bottom:1px solid #e4e4e4;padding:.2rem .6rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b00020;font-weight:600}.muted{color:#666}
.legend span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em;vertical-align:middle}
</style>
</head>
<body>
<h1>SCIM provisioning status</h1>
<p class="muted">From ${when(report.from)} to ${when(report.to)} (UTC), generated ${when(report.generatedAt)}. Successes are counted per minute and written every few seconds to minutes; failures are listed one by one.</p>
${historySection(search)}
${report.tenants.length ? report.tenants.map(tenantSection).join('\n') : '<p>No tenant has tokens or requests yet.</p>'}
</body>
</html>
`;
}

function tenantSection(t: TenantStatus): string {
  const s = t.totals;
  const ops = Object.entries(s.byOperation);
  return `<section data-tenant="${esc(t.tenant)}">
<h2>${esc(t.tenant === '~unknown' ? '~unknown (requests for tenants that do not exist)' : t.tenant)}</h2>
<table class="summary">
<tr><th>Last request</th><td>${when(t.lastRequestAt)}</td></tr>
<tr><th>Requests</th><td class="n" data-field="requests">${s.requests}</td></tr>
<tr><th>Failures</th><td class="n${s.failures ? ' bad' : ''}" data-field="failures">${s.failures}</td></tr>
<tr><th>Failure rate</th><td class="n">${pct(s.failureRate)}</td></tr>
<tr><th>401 (token refused)</th><td class="n${s.unauthorized ? ' bad' : ''}" data-field="unauthorized">${s.unauthorized}</td></tr>
<tr><th>5xx (of which 503)</th><td class="n${s.serverErrors ? ' bad' : ''}" data-field="serverErrors">${s.serverErrors} (${s.unavailable})</td></tr>
${t.alarm ? `<tr><th>Alarm</th><td class="bad" data-field="alarm">${esc(t.alarm.state)}${t.alarm.since ? ` since ${when(t.alarm.since)}` : ''}${t.alarm.reason ? ` — ${esc(t.alarm.reason)}` : ''}</td></tr>` : ''}
</table>
${chart(t)}
<h3>By status</h3>
<table class="by-status"><tr>${Object.keys(s.byStatus)
    .map((k) => `<th class="n">${esc(k)}</th>`)
    .join('')}</tr><tr>${Object.values(s.byStatus)
    .map((v) => `<td class="n">${v}</td>`)
    .join('')}</tr></table>
<h3>By operation</h3>
${ops.length ? `<table class="by-operation"><tr><th>Operation</th><th class="n">Requests</th><th class="n">Failures</th></tr>${ops.map(([op, c]) => `<tr><td>${esc(op)}</td><td class="n">${c.requests}</td><td class="n${c.failures ? ' bad' : ''}">${c.failures}</td></tr>`).join('')}</table>` : '<p class="muted">No requests in this window.</p>'}
<h3>Last ${t.recentFailures.length} failures</h3>
${t.recentFailures.length ? `<table class="failures"><tr><th>Time</th><th>Operation</th><th>Resource</th><th class="n">Status</th><th>scimType</th><th>Detail</th><th>Correlation id</th></tr>${t.recentFailures.map((f) => `<tr><td>${when(f.at)}</td><td>${esc(f.operation)}</td><td>${esc(f.resourceType ?? '')} ${esc(f.resourceId ?? '')}</td><td class="n">${f.status}</td><td>${esc(f.scimType ?? '')}</td><td>${esc(f.detail ?? '')}</td><td><code>${esc(f.correlationId)}</code></td></tr>`).join('')}</table>` : '<p class="muted">None.</p>'}
${t.tenant.startsWith('~') ? '' : tokenTable(t)}
</section>`;
}

function tokenTable(t: TenantStatus): string {
  if (!t.tokens.length)
    return '<h3>Tokens</h3><p class="bad">No Secret Token: Entra cannot authenticate to this tenant.</p>';
  const rows = t.tokens.map(
    (k) =>
      `<tr><td><code>${esc(k.id)}</code></td><td>${esc(k.source)}</td><td>${when(k.expires) === '—' ? 'never' : when(k.expires)}</td><td>${when(k.lastUsed)}</td><td${k.usable ? '' : ' class="bad"'}>${k.usable ? 'yes' : 'no'}</td></tr>`,
  );
  return `<h3>Tokens</h3><table class="tokens"><tr><th>Id</th><th>Source</th><th>Expires</th><th>Last used</th><th>Usable</th></tr>${rows.join('')}</table>`;
}

/** Requests (grey) and failures (red) per bar of the window, as inline SVG with a readable title per bar. */
function chart(t: TenantStatus): string {
  const W = 720;
  const H = 120;
  const bar = W / t.buckets.length;
  const max = Math.max(1, ...t.buckets.map((b) => b.requests));
  const y = (n: number) => (n / max) * (H - 14);
  const bars = t.buckets
    .map((b, i) => {
      const x = (i * bar).toFixed(1);
      const w = (bar - 2).toFixed(1);
      return `<g><title>${when(b.from)}: ${b.requests} requests, ${b.failures} failures</title><rect x="${x}" y="${(H - y(b.requests)).toFixed(1)}" width="${w}" height="${y(b.requests).toFixed(1)}" fill="#9aa5b1"/><rect x="${x}" y="${(H - y(b.failures)).toFixed(1)}" width="${w}" height="${y(b.failures).toFixed(1)}" fill="#d32f2f"/></g>`;
    })
    .join('');
  return `<h3>Requests and failures</h3>
<svg class="chart" role="img" aria-label="Requests and failures of ${esc(t.tenant)} per ${t.buckets.length}th of the window" viewBox="0 0 ${W} ${H + 16}" width="${W}" height="${H + 16}" xmlns="http://www.w3.org/2000/svg">
<line x1="0" y1="${H}" x2="${W}" y2="${H}" stroke="#888"/>${bars}
<text x="0" y="${H + 13}" font-size="11" fill="#555">${when(t.buckets[0]?.from)}</text><text x="${W}" y="${H + 13}" font-size="11" fill="#555" text-anchor="end">now</text>
<text x="${W}" y="10" font-size="11" fill="#555" text-anchor="end">max ${max} per bar</text>
</svg>
<div class="legend muted"><span style="background:#9aa5b1"></span>requests<span style="background:#d32f2f"></span>failures</div>`;
}
