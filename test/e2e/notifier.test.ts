import { runAdmin } from '../../tools/admin';
import { startTestServer, TestServer } from '../support/scimServer';
import { SmtpSink, startSmtpSink } from '../support/smtpSink';

let s: TestServer;
let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
  s = await startTestServer({
    SCIM_NOTIFY_TO: 'ops@example.com',
    SCIM_SMTP_URL: sink.url,
    SCIM_NOTIFY_RECOVERY_MINUTES: '0',
    SCIM_NOTIFY_SCHEDULE: '0 */5 * * * *',
    SCIM_TENANT_TOKENS: JSON.stringify({ acme: 'acme-token-0123456789abcdef' }),
  });
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
    expect(await admin('tenant', 'set', 'acme', '--notify', 'hr-it@example.com, oncall@example.com')).toEqual({ code: 0, out: 'tenant acme: notifications go to hr-it@example.com, oncall@example.com' });
    expect((await admin('tenant', 'list')).out).toMatch(/^acme\t1 usable token\(s\)\tnotify: hr-it@example.com, oncall@example.com$/m);
    expect(await admin('tenant', 'set', 'acme', '--notify', '')).toEqual({ code: 0, out: 'tenant acme: notifications go to SCIM_NOTIFY_TO (ops@example.com)' });
    expect((await admin('tenant', 'list')).out).toMatch(/^acme\t1 usable token\(s\)$/m);
  });

  it('refuses bad addresses, unknown tenants and a missing --notify, changing nothing', async () => {
    expect(await admin('tenant', 'set', 'acme', '--notify', 'ops@example.com,nobody')).toEqual({ code: 2, out: 'error: --notify: not a mail address: nobody' });
    expect(await admin('tenant', 'set', 'globex', '--notify', 'ops@example.com')).toEqual({ code: 2, out: 'error: no tenant globex (create it with: npm run admin -- tenant create globex)' });
    expect(await admin('tenant', 'set', 'acme')).toMatchObject({ code: 2, out: expect.stringContaining('tenant set needs --notify') });
    expect((await admin('tenant', 'list')).out).toMatch(/^acme\t1 usable token\(s\)$/m);
  });
});

it('tenant delete also forgets the tenant\'s alarm state, so the notifier stops judging it', async () => {
  await admin('tenant', 'create', 'initech');
  const { runtime } = await import('../../shared/runtime');
  const rt = runtime();
  await rt.alarmStates.write('initech', { tokenStages: {}, pending: [] }, undefined);
  expect((await rt.alarmStates.read('initech')).document).toBeDefined();
  expect((await admin('tenant', 'delete', 'initech')).code).toBe(0);
  expect((await rt.alarmStates.read('initech')).document).toBeUndefined();
});
