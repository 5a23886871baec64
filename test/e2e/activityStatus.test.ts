import { randomUUID } from 'node:crypto';
import { createActivityLog } from '../../shared/activity/activityLog';
import { statusJsonSchema, StatusJson } from '../../shared/activity/statusPage';
import { scimEndpoint } from '../../shared/http/pipeline';
import { createRuntime, runtime } from '../../shared/runtime';
import { TenantAlarmSource } from '../../shared/activity/statusReport';
import { tableAccount } from '../../shared/azureClients';
import { startAzurite } from '../../tools/localHost/embeddedAzurite';
import { runAdmin } from '../../cli/admin';
import { request, ScimReply, startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { U } from '../support/urns';

const ACME_TOKEN = 'acme-token-0123456789abcdef0123456789';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    SCIM_ACTIVITY_FLUSH_SECONDS: '1',
    SCIM_TENANT_TOKENS: JSON.stringify({ acme: ACME_TOKEN }),
  });
});
afterAll(async () => {
  await s.close();
});

const status = async (): Promise<StatusJson> => {
  const res = await request(`${s.host.url}/scim/status`, 'GET', undefined, { Accept: 'application/json' });
  expect(res.status).toBe(200);
  return statusJsonSchema.parse(res.body);
};
const tenantOf = (json: StatusJson, tenant: string) => json.tenants.find((t) => t.tenant === tenant);

/** Polls the status JSON until `ready` holds, for at most a few flush intervals. */
async function statusWhen(ready: (json: StatusJson) => boolean): Promise<StatusJson> {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const json = await status();
    if (ready(json) || Date.now() > deadline) return json;
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

async function admin(...argv: string[]) {
  return adminWith(createRuntime, ...argv);
}

async function adminWith(compose: typeof createRuntime, ...argv: string[]) {
  const lines: string[] = [];
  const code = await runAdmin(argv, process.env, (line) => lines.push(line), compose);
  return { code, out: lines.join('\n') };
}

/** One round of what Entra sends, good and bad; returns the replies in order. */
async function provisioningRound(tag: string): Promise<ScimReply[]> {
  const replies: ScimReply[] = [];
  const send = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    const r = await s.scim(method, path, body, headers);
    replies.push(r);
    return r;
  };
  await send('GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`); // Test Connection
  await send('GET', `/Users?filter=${encodeURIComponent(`userName eq "ann.${tag}@contoso.com"`)}`); // match
  const created = await send('POST', '/Users', { schemas: [U], userName: `ann.${tag}@contoso.com`, active: true });
  await send('POST', '/Users', { schemas: [U], userName: `ann.${tag}@contoso.com` }); // 409
  await send('PATCH', `/Users/${created.body.id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  await send('POST', '/Users', '{"schemas": [', {}); // 400 invalidSyntax
  await send('GET', '/Users/does-not-exist'); // 404
  await send('GET', '/ServiceProviderConfig');
  return replies;
}

describe('the activity log and GET /scim/status (local contract)', () => {
  let first: ScimReply[];
  let wrongToken: ScimReply[];
  let crashId: string;

  it('gives every SCIM response a correlation id, and a 500 carries the same one', async () => {
    first = await provisioningRound('one');
    expect(first.map((r) => r.status)).toEqual([200, 200, 201, 409, 200, 400, 404, 200]);
    for (const r of first) expect(r.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(first.map((r) => r.headers.get('x-correlation-id'))).size).toBe(first.length);
    const crashing = scimEndpoint(async () => {
      throw new Error('boom');
    }, runtime);
    const logged: string[] = [];
    const res = await crashing(
      {
        method: 'GET',
        url: `${s.base}/Users`,
        headers: new Headers({ authorization: `Bearer ${TOKEN}` }),
        query: new URLSearchParams(),
        params: {},
        text: async () => '',
      },
      { warn: (l) => logged.push(String(l)), error: (l) => logged.push(String(l)) },
    );
    expect(res.status).toBe(500);
    crashId = res.headers['X-Correlation-Id'];
    expect(JSON.parse(res.body!).detail).toContain(crashId);
    expect(logged.join('\n')).toContain(crashId);
  });

  it('counts wrong tokens for a tenant that exists, puts unknown tenants in one bucket and skips malformed tenant ids', async () => {
    wrongToken = [
      await request(`${s.base}/Users`, 'GET', undefined, { Authorization: 'Bearer wrong-token-0123456789abcdef' }),
      await request(`${s.host.url}/scim/acme/v2/Users`, 'GET', undefined, {
        Authorization: 'Bearer wrong-token-0123456789abcdef',
      }),
      await request(`${s.host.url}/scim/nosuch-${randomUUID().slice(0, 8)}/v2/Users`, 'GET', undefined, {
        Authorization: `Bearer ${TOKEN}`,
      }),
      await request(`${s.host.url}/scim/another-guess/v2/Groups`, 'GET', undefined, {
        Authorization: `Bearer ${TOKEN}`,
      }),
      await request(`${s.host.url}/scim/Bad_Tenant!/v2/Users`, 'GET', undefined, { Authorization: `Bearer ${TOKEN}` }),
    ];
    expect(wrongToken.map((r) => r.status)).toEqual([401, 401, 401, 401, 404]);
    const json = await statusWhen(
      (j) =>
        (tenantOf(j, '~unknown')?.last24h.byStatus['401'] ?? 0) >= 2 &&
        (tenantOf(j, 'default')?.last24h.byStatus['200'] ?? 0) >= 4,
    );
    expect(tenantOf(json, 'default')!.last24h.byStatus).toEqual({
      '200': 4,
      '201': 1,
      '400': 1,
      '401': 1,
      '404': 1,
      '409': 1,
      '500': 1,
    });
    expect(tenantOf(json, 'acme')!.last24h.byStatus).toEqual({ '401': 1 });
    expect(tenantOf(json, '~unknown')!.last24h.byStatus).toEqual({ '401': 2 });
    expect(json.tenants.map((t) => t.tenant)).toEqual(['acme', 'default', '~unknown']); // no bucket per guessed or malformed name
    const ops = tenantOf(json, 'default')!.last24h.byOperation;
    expect(ops).toEqual({
      probe: { requests: 1, failures: 0 },
      match: { requests: 1, failures: 0 },
      list: { requests: 2, failures: 2 },
      create: { requests: 3, failures: 2 },
      read: { requests: 1, failures: 1 },
      disable: { requests: 1, failures: 0 },
      discovery: { requests: 1, failures: 0 },
    });
  });

  it("lists each failure with the response's correlation id and a detail without attribute values", async () => {
    const json = await status();
    const failures = tenantOf(json, 'default')!.recentFailures;
    expect(failures.map((f) => f.status)).toEqual([401, 500, 404, 400, 409]); // newest first
    expect(failures[1].correlationId).toBe(crashId); // the 500's record, body and log line share one id
    const conflict = failures.find((f) => f.status === 409)!;
    expect(conflict).toMatchObject({
      operation: 'create',
      resourceType: 'User',
      scimType: 'uniqueness',
      correlationId: first[3].headers.get('x-correlation-id'),
    });
    expect(conflict.detail).toContain('userName "…"');
    expect(JSON.stringify(json)).not.toContain('ann.one@contoso.com');
    expect(JSON.stringify(json)).not.toContain(TOKEN);
    expect(failures.find((f) => f.status === 404)).toMatchObject({ operation: 'read', resourceId: 'does-not-exist' });
    expect(tenantOf(json, 'default')!.tokens).toEqual([expect.objectContaining({ source: 'settings', usable: true })]);
    expect(tenantOf(json, 'default')!.lastRequestAt).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(tenantOf(json, 'default')!.buckets).toHaveLength(24);
  });

  it('shows the same facts in `npm run admin -- status`', async () => {
    const { code, out } = await admin('status', 'default', '--since', '1h');
    expect(code).toBe(0);
    expect(out).toMatch(/^requests\s+10\s+failures 5 \(50\.0 %\)\s+401: 1\s+5xx: 1 \(503: 0\)$/m);
    expect(out).toMatch(/^\s+create\s+3\s+2$/m);
    expect(out).toContain(first[3].headers.get('x-correlation-id')!);
    expect(out).toMatch(/^\s+setting-1\s+settings\s+never\s+\d{4}-\S+\s+yes$/m);
    expect(out).not.toContain('== acme');
    const all = await admin('status');
    expect(all.out).toContain('== acme');
    expect(all.out).toContain('== ~unknown (requests for tenants that do not exist)');
    expect(await admin('status', '--since', 'forever')).toMatchObject({
      code: 2,
      out: expect.stringContaining('90m, 24h or 7d'),
    });
    expect(await admin('status', 'Bad_Tenant')).toMatchObject({ code: 2 });
  });

  it("shows the notifier's alarm state in both views once Runtime.alarms is set (the slot the notifier fills)", async () => {
    const rt = runtime();
    const alarms: TenantAlarmSource = {
      alarmOf: async (tenant) =>
        tenant === 'default'
          ? { state: 'incident', since: '2026-11-30T08:00:00.000Z', reason: '5 of 10 requests failed' }
          : undefined,
    };
    expect(tenantOf(await status(), 'default')!.alarm).toBeUndefined();
    expect((await admin('status', 'default')).out).not.toMatch(/^alarm/m);
    rt.alarms = alarms;
    try {
      expect(tenantOf(await status(), 'default')!.alarm).toEqual({
        state: 'incident',
        since: '2026-11-30T08:00:00.000Z',
        reason: '5 of 10 requests failed',
      });
      expect(tenantOf(await status(), 'acme')!.alarm).toBeUndefined();
    } finally {
      rt.alarms = undefined;
    }
    const { out } = await adminWith((settings) => ({ ...createRuntime(settings), alarms }), 'status', 'default');
    expect(out).toMatch(/^alarm\s+incident since 2026-11-30T08:00:00.000Z — 5 of 10 requests failed$/m);
  });

  it('answers SCIM requests exactly the same while the log store is down', async () => {
    const rt = runtime();
    const working = rt.activity;
    const dead = await startAzurite();
    await dead.close();
    rt.activity = createActivityLog(
      rt.settings,
      tableAccount({ SCIM_STORAGE_CONNECTION_STRING: dead.connectionString }),
      rt.schemas.all,
      () => {},
    );
    let during: ScimReply[];
    try {
      during = await provisioningRound('two');
    } finally {
      await rt.activity.recorder?.close();
      rt.activity = working;
    }
    const before = await provisioningRound('three');
    const shape = (r: ScimReply) => ({
      status: r.status,
      scimType: r.body?.scimType,
      keys: Object.keys(r.body ?? {}).sort(),
      active: r.body?.active,
    });
    expect(during.map(shape)).toEqual(before.map(shape));
    for (const r of during) expect(r.headers.get('x-correlation-id')).toBeTruthy();
  }, 60_000);

  it('drops day tables older than SCIM_ACTIVITY_RETENTION_DAYS when the retention timer fires', async () => {
    const tables = runtime().activity.tables;
    const day = (daysAgo: number) => Math.floor(Date.now() / 86_400_000) * 86_400_000 - daysAgo * 86_400_000;
    for (const d of [45, 31, 29]) await tables.forWriting(day(d));
    const names = (await tables.existing()).map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        tables.nameOf(day(45)),
        tables.nameOf(day(31)),
        tables.nameOf(day(29)),
        tables.nameOf(day(0)),
      ]),
    );
    expect((await fetch(`${s.host.url}/admin/functions/activityRetention`, { method: 'POST' })).status).toBe(202);
    const left = (await tables.existing()).map((t) => t.name);
    expect(left).not.toContain(tables.nameOf(day(45)));
    expect(left).not.toContain(tables.nameOf(day(31)));
    expect(left).toEqual(expect.arrayContaining([tables.nameOf(day(29)), tables.nameOf(day(0))]));
    expect(tenantOf(await status(), 'default')!.last24h.requests).toBeGreaterThan(0); // today's log is untouched
  });
});
