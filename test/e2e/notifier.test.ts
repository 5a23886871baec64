import { randomUUID } from 'node:crypto';
import { runAdmin } from '../../cli/admin';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { SmtpSink, startSmtpSink } from '../../tools/fakes/smtpSink';
import { TestClock } from '../support/testClock';

/** The service's clock: a timer run judges only minutes that ended a settling time ago, so the test moves past it. */
const clock = new TestClock();

let s: TestServer;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  s = await startTestServer(
    {
      SCIM_NOTIFY_TO: 'ops@example.com',
      SCIM_SMTP_URL: sink.url,
      SCIM_NOTIFY_RECOVERY_MINUTES: '0',
      SCIM_NOTIFY_SCHEDULE: '0 */5 * * * *',
      SCIM_TENANT_TOKENS: JSON.stringify({ acme: 'acme-token-0123456789abcdef' }),
      SCIM_TOKEN_CACHE_SECONDS: '1',
    },
    { clock },
  );
});
afterAll(async () => {
  await s.close();
  await sink.close();
});

async function admin(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runAdmin(argv, process.env, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

describe('npm run admin -- tenant set <tenant> --notify', () => {
  it('stores recipients on the tenant record (creating it for a tenant known only from settings) and lists them', async () => {
    expect(await admin('tenant', 'set', 'acme', '--notify', 'hr-it@example.com, oncall@example.com')).toEqual({
      code: 0,
      out: 'tenant acme: notifications go to hr-it@example.com, oncall@example.com',
    });
    expect((await admin('tenant', 'list')).out).toMatch(
      /^acme\t1 usable token\(s\)\tnotify: hr-it@example.com, oncall@example.com$/m,
    );
    expect(await admin('tenant', 'set', 'acme', '--notify', '')).toEqual({
      code: 0,
      out: 'tenant acme: notifications go to SCIM_NOTIFY_TO (ops@example.com)',
    });
    expect((await admin('tenant', 'list')).out).toMatch(/^acme\t1 usable token\(s\)$/m);
  });

  it('refuses bad addresses, unknown tenants and a missing --notify, changing nothing', async () => {
    expect(await admin('tenant', 'set', 'acme', '--notify', 'ops@example.com,nobody')).toEqual({
      code: 2,
      out: 'error: --notify: not a mail address: nobody',
    });
    expect(await admin('tenant', 'set', 'globex', '--notify', 'ops@example.com')).toEqual({
      code: 2,
      out: 'error: no tenant globex (create it with: npm run admin -- tenant create globex)',
    });
    expect(await admin('tenant', 'set', 'acme')).toMatchObject({
      code: 2,
      out: expect.stringContaining('tenant set needs --notify'),
    });
    expect((await admin('tenant', 'list')).out).toMatch(/^acme\t1 usable token\(s\)$/m);
  });
});

it("tenant delete also forgets the tenant's alarm state, so the notifier stops judging it", async () => {
  await admin('tenant', 'create', 'initech');
  const { runtime } = await import('../../shared/runtime');
  const rt = runtime();
  await rt.alarmStates.write('initech', { tokenStages: {}, pending: [] }, undefined);
  expect((await rt.alarmStates.read('initech')).document).toBeDefined();
  expect((await admin('tenant', 'delete', 'initech')).code).toBe(0);
  expect((await rt.alarmStates.read('initech')).document).toBeUndefined();
});

describe('local contract: wrong tokens on /scim/v2, the timer fired over HTTP, mail through SMTP', () => {
  /** The timer a settling time plus a minute after the requests before it, so it judges them all. */
  const fire = async () => {
    const { runtime } = await import('../../shared/runtime');
    clock.advance(runtime().activity.settleMs + 60_000);
    return (await fetch(`${s.host.url}/admin/functions/provisioningNotifier`, { method: 'POST' })).status;
  };
  const alarmOf = async (tenant: string) => {
    const res = await request(`${s.host.url}/scim/status`, 'GET', undefined, { Accept: 'application/json' });
    return (res.body as { tenants: { tenant: string; alarm?: { state: string; reason?: string } }[] }).tenants.find(
      (t) => t.tenant === tenant,
    )?.alarm;
  };

  it('sends one mail naming the tenant and the credential problem, none when fired again, one "recovered" after successful requests', async () => {
    sink.mails.length = 0;
    sink.envelopes.length = 0;
    // Concurrently: an unknown token waits for the tenant's next token read (at most one per second here), so
    // twenty in a row would take twenty seconds; together they share one read.
    const rejected = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(`${s.base}/Users`, 'GET', undefined, { Authorization: 'Bearer not-the-token-0123456789abcdef' }),
      ),
    );
    expect(rejected.map((r) => r.status)).toEqual(Array(20).fill(401));
    expect(await fire()).toBe(202);
    expect(sink.envelopes).toEqual([['ops@example.com']]);
    expect(sink.mails[0].subject).toBe(
      '[SCIM connector] tenant default: Entra is using a Secret Token this connector rejects (invalid credentials)',
    );
    expect(sink.mails[0].text).toContain('20 requests were rejected with 401 in the last 60 minutes');
    expect(sink.mails[0].html).toContain('<td>401</td>');
    expect(await alarmOf('default')).toEqual({
      state: 'incident',
      since: expect.any(String),
      reason: 'Entra is using a Secret Token this connector rejects (invalid credentials)',
    });
    expect((await admin('status', 'default')).out).toMatch(
      /^alarm\s+incident since \S+ — Entra is using a Secret Token this connector rejects \(invalid credentials\)$/m,
    );

    expect(await fire()).toBe(202);
    expect(sink.mails).toHaveLength(1);

    for (let i = 0; i < 3; i++)
      expect((await s.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`)).status).toBe(
        200,
      );
    expect(await fire()).toBe(202);
    expect(sink.mails.map((m) => m.subject)).toEqual([
      '[SCIM connector] tenant default: Entra is using a Secret Token this connector rejects (invalid credentials)',
      '[SCIM connector] tenant default: recovered — Entra is using a Secret Token this connector rejects (invalid credentials)',
    ]);
    expect(sink.envelopes[1]).toEqual(['ops@example.com']);
    expect(await alarmOf('default')).toMatchObject({ state: 'ok' });

    expect(await fire()).toBe(202);
    expect(sink.mails).toHaveLength(2);
    expect(s.logs.join('\n')).not.toContain('not-the-token-0123456789abcdef');
  }, 60_000);
});
