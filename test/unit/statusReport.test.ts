import { MinuteCount, RequestOutcome } from '../../shared/store/activityRecords';
import { renderStatusPage, statusJson, statusJsonSchema } from '../../shared/activity/statusPage';
import { buildStatusReport, StatusSources, totalsOf } from '../../shared/activity/statusReport';

const count = (minute: string, operation: MinuteCount['operation'], status: number, n: number): MinuteCount => ({
  tenant: 'acme',
  minute,
  operation,
  status,
  count: n,
});
const counts = [
  count('2026-11-30T09:00:00.000Z', 'match', 200, 40),
  count('2026-11-30T09:00:00.000Z', 'create', 201, 5),
  count('2026-11-30T09:01:00.000Z', 'create', 409, 2),
  count('2026-11-30T10:30:00.000Z', 'read', 401, 3),
  count('2026-11-30T11:59:00.000Z', 'update', 503, 1),
  count('2026-11-30T11:59:00.000Z', 'update', 500, 1),
];
const failure: RequestOutcome = {
  at: '2026-11-30T11:59:30.250Z',
  tenant: 'acme',
  operation: 'update',
  resourceType: 'User',
  resourceId: 'u-1',
  status: 500,
  detail: 'Internal error <script>alert(1)</script>',
  latencyMs: 12.5,
  correlationId: '0b7f3c1e-6a2d-4f8e-9c1b-2d3e4f5a6b7c',
};
const sources: StatusSources = {
  reader: { counts: async () => counts, failures: async () => [failure], tenants: async () => ['acme', '~unknown'] },
  knownTenants: async () => ['acme', 'quiet'],
  tokens: async (tenant) =>
    tenant === 'acme' ? [{ id: 'tok-1', source: 'table', expires: '2027-01-01T00:00:00.000Z', usable: true }] : [],
};

describe('the status report', () => {
  it('adds up requests, failures, 401s and 5xx per status and operation', () => {
    expect(totalsOf(counts)).toEqual({
      requests: 52,
      failures: 7,
      failureRate: 7 / 52,
      unauthorized: 3,
      serverErrors: 2,
      unavailable: 1,
      byStatus: { '200': 40, '201': 5, '401': 3, '409': 2, '500': 1, '503': 1 },
      byOperation: {
        match: { requests: 40, failures: 0 },
        create: { requests: 7, failures: 2 },
        read: { requests: 3, failures: 3 },
        update: { requests: 2, failures: 2 },
      },
    });
    expect(totalsOf([])).toMatchObject({ requests: 0, failureRate: 0, byOperation: {} });
  });

  it('covers tenants with tokens but no traffic, with 24 chart buckets and the newest request', async () => {
    const report = await buildStatusReport(sources, new Date('2026-11-29T12:00:00Z'), new Date('2026-11-30T12:00:00Z'));
    expect(report.tenants.map((t) => t.tenant)).toEqual(['acme', 'quiet', '~unknown']);
    const acme = report.tenants[0];
    expect(acme.lastRequestAt).toBe('2026-11-30T11:59:30.250Z');
    expect(acme.buckets).toHaveLength(24);
    expect(acme.buckets.slice(21)).toEqual([
      { from: '2026-11-30T09:00:00.000Z', requests: 47, failures: 2 },
      { from: '2026-11-30T10:00:00.000Z', requests: 3, failures: 3 },
      { from: '2026-11-30T11:00:00.000Z', requests: 2, failures: 2 },
    ]);
    expect(report.tenants[2].tokens).toEqual([]); // the bucket of unknown tenants has no tokens to look up
    const json = statusJsonSchema.parse(JSON.parse(JSON.stringify(statusJson(report))));
    expect(json.tenants[0].last24h.requests).toBe(52);
    expect(json.tenants[0]).not.toHaveProperty('totals');
  });

  it('renders a self-contained page that escapes what it shows', async () => {
    const html = renderStatusPage(
      await buildStatusReport(sources, new Date('2026-11-29T12:00:00Z'), new Date('2026-11-30T12:00:00Z')),
    );
    expect(html).not.toContain('<script');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toMatch(/(src|href)="(?!data:)/); // no external asset
    expect(html).toContain('No Secret Token: Entra cannot authenticate to this tenant.'); // "quiet" has none
    expect(html.match(/<svg class="chart"/g)).toHaveLength(3);
  });
});
