import { TableClient } from '@azure/data-tables';
import { runAdmin } from '../../cli/admin';
import { request, startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { TestClock } from '../support/testClock';
import { U } from '../support/urns';

/** The service runs on a clock the test moves: "five minutes later" takes no time. Tokens are cached 300 s. */
const clock = new TestClock();
const CACHE_LAPSES = 300_001;
/** An unknown token re-reads its tenant's tokens at most every 5 s; a moment later a fresh token is found at once. */
const READ_INTERVAL = 5_000;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({}, { clock });
});
afterAll(() => s.close());

async function admin(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runAdmin(argv, process.env, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

const get = (tenant: string, token: string) =>
  request(`${s.host.url}/scim/${tenant}/v2/Users`, 'GET', undefined, { Authorization: `Bearer ${token}` });
/** Retries `check` until it passes (for what the service writes in the background), for at most 2 s. */
async function eventually(check: () => Promise<void>): Promise<void> {
  for (const started = Date.now(); ; await new Promise((ok) => setTimeout(ok, 20))) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() - started > 2_000) throw e;
    }
  }
}

describe('npm run admin (tokens in the table, no Key Vault)', () => {
  let token: string;
  let tokenId: string;

  it('creates a tenant once, with a validated id and Entra tenant id', async () => {
    expect(
      await admin('tenant', 'create', 'contoso-hr', '--entra-tenant', '0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D'),
    ).toMatchObject({ code: 0, out: expect.stringContaining('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d') });
    expect(await admin('tenant', 'create', 'contoso-hr')).toMatchObject({
      code: 2,
      out: expect.stringContaining('already exists'),
    });
    expect(await admin('tenant', 'create', 'Bad_Id')).toMatchObject({
      code: 2,
      out: expect.stringContaining('lower-case'),
    });
    expect(await admin('tenant', 'create', 'x', '--entra-tenant', 'not-a-guid')).toMatchObject({
      code: 2,
      out: expect.stringContaining('GUID'),
    });
  });

  it("issues a 256-bit token, printed once, that works on the tenant's URL only", async () => {
    const { code, out } = await admin('token', 'issue', 'contoso-hr');
    expect(code).toBe(0);
    const lines = out.split('\n');
    token = lines[lines.length - 1];
    tokenId = /issued token (\S+)/.exec(lines[0])![1];
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect((await get('contoso-hr', token)).status).toBe(200);
    expect((await request(`${s.base}/Users`, 'GET', undefined, { Authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('stores only a digest of the token', async () => {
    const table = TableClient.fromConnectionString(s.azurite.connectionString, 'scim', {
      allowInsecureConnection: true,
    });
    const rows = [];
    for await (const e of table.listEntities()) rows.push(JSON.stringify(e));
    expect(rows.join('\n')).not.toContain(token);
    expect(rows.join('\n')).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
  });

  it('lists tokens and tenants without values, and refuses bad expiries', async () => {
    await eventually(async () => {
      // last use is recorded in the background
      const { out } = await admin('token', 'list', 'contoso-hr');
      const row = out
        .split('\n')
        .find((l) => l.startsWith(tokenId))!
        .split('\t');
      expect(row).toEqual([
        tokenId,
        'table',
        expect.stringMatching(/^\d{4}-/),
        '-',
        expect.stringMatching(/^\d{4}-/),
        'yes',
      ]);
      expect(out).not.toContain(token);
    });
    const tenants = (await admin('tenant', 'list')).out;
    expect(tenants).toMatch(/^contoso-hr\t1 usable token\(s\)\tEntra: 0a1b2c3d/m);
    expect(tenants).toMatch(/^default\t1 usable token\(s\)\t\(not in the directory\)/m);
    expect(await admin('token', 'issue', 'contoso-hr', '--expires', '2001-01-01')).toMatchObject({
      code: 2,
      out: expect.stringContaining('in the past'),
    });
    expect(await admin('token', 'issue', 'contoso-hr', '--days', 'soon')).toMatchObject({ code: 2 });
  });

  it('revokes a token: refused once the cache lapses, other tokens unaffected', async () => {
    const second = (await admin('token', 'issue', 'contoso-hr', '--days', '90')).out.split('\n').pop()!;
    expect(await admin('token', 'revoke', 'contoso-hr', tokenId)).toMatchObject({ code: 0 });
    expect(await admin('token', 'revoke', 'contoso-hr', 'nope')).toMatchObject({
      code: 2,
      out: expect.stringContaining('no issued token'),
    });
    clock.advance(CACHE_LAPSES);
    expect((await get('contoso-hr', token)).status).toBe(401);
    expect((await get('contoso-hr', second)).status).toBe(200);
  });

  it('deletes a tenant with its data when asked', async () => {
    const fresh = (await admin('token', 'issue', 'contoso-hr')).out.split('\n').pop()!;
    clock.advance(READ_INTERVAL);
    const created = await request(
      `${s.host.url}/scim/contoso-hr/v2/Users`,
      'POST',
      { schemas: [U], userName: 'gone@contoso.com' },
      { Authorization: `Bearer ${fresh}` },
    );
    expect(created.status).toBe(201);
    const { code, out } = await admin('tenant', 'delete', 'contoso-hr', '--purge-data');
    expect(code).toBe(0);
    expect(out).toMatch(/deleted [1-9]\d* rows/);
    clock.advance(CACHE_LAPSES);
    expect((await get('contoso-hr', fresh)).status).toBe(401);
    expect((await admin('tenant', 'list')).out).not.toContain('contoso-hr');
    expect((await s.scim('GET', '/Users?count=1')).status).toBe(200); // the default tenant is untouched
  });

  it('prints usage for unknown commands', async () => {
    expect(await admin('frobnicate')).toMatchObject({ code: 2, out: expect.stringContaining('Usage') });
    expect(await admin('token', 'issue', 'acme', '--forever')).toMatchObject({
      code: 2,
      out: expect.stringContaining("Unknown option '--forever'"),
    });
    expect(s.logs.join('\n')).not.toContain(TOKEN);
  });
});
