import { runAdmin } from '../../tools/admin';
import { FakeKeyVault, startFakeKeyVault } from '../../tools/fakeKeyVault';
import { KeyVaultTokenSource } from '../../shared/auth/keyVaultTokens';
import { secretClient } from '../../shared/auth/keyVaultClient';
import { request, startTestServer, TestServer } from '../support/scimServer';

let vault: FakeKeyVault;
let s: TestServer;
beforeAll(async () => {
  vault = await startFakeKeyVault();
  s = await startTestServer({ SCIM_KEY_VAULT_URL: vault.url, SCIM_TOKEN_CACHE_SECONDS: '1' });
});
afterAll(async () => {
  await s.close();
  await vault.close();
});

/** Runs the admin command line in-process with the server's settings; returns its output lines. */
async function admin(...argv: string[]): Promise<string[]> {
  const out: string[] = [];
  const code = await runAdmin(argv, process.env, (line) => out.push(line));
  if (code !== 0) throw new Error(`admin ${argv.join(' ')} → ${code}: ${out.join('\n')}`);
  return out;
}

async function issue(tenant: string): Promise<{ id: string; value: string }> {
  const out = await admin('token', 'issue', tenant);
  return { id: /issued token (\S+)/.exec(out[0])![1], value: out[out.length - 1] };
}

const acme = (token: string) => request(`${s.host.url}/scim/acme/v2/Users?count=1`, 'GET', undefined, { Authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe('Secret Tokens in Key Vault, end to end', () => {
  let current: { id: string; value: string };

  beforeAll(async () => {
    await admin('tenant', 'create', 'acme');
    current = await issue('acme');
  });

  it('rotates without a single failed request: issue, switch, revoke the old one', async () => {
    let token = current.value;
    const statuses: number[] = [];
    let running = true;
    const entra = (async () => {
      while (running) statuses.push((await acme(token)).status);
    })();
    await sleep(300);
    const next = await issue('acme');
    token = next.value; // pasted into Entra: the very next request uses it
    await sleep(300);
    await admin('token', 'revoke', 'acme', current.id);
    await sleep(1_500); // past SCIM_TOKEN_CACHE_SECONDS
    running = false;
    await entra;
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((st) => st !== 200)).toEqual([]);
    expect((await acme(current.value)).status).toBe(401);
    expect((await acme(next.value)).status).toBe(200);
    current = next;
  });

  it('lists tokens with expiry and last use, never their values', async () => {
    await admin('token', 'issue', 'acme', '--days', '30');
    await sleep(200); // last use is written in the background
    const out = (await admin('token', 'list', 'acme')).join('\n');
    expect(out).toContain(current.id);
    const row = out.split('\n').find((l) => l.startsWith(current.id))!.split('\t');
    expect(row[1]).toBe('key-vault');
    expect(row[4]).toMatch(/^\d{4}-\d\d-\d\dT/); // last used
    expect(out).toMatch(new RegExp(`\\t${new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)}T`)); // the 30-day token's expiry
    expect(out).not.toContain(current.value);
  });

  it('refuses an expired token', async () => {
    const expiredValue = 'acme-expired-0123456789abcdef012345';
    await new KeyVaultTokenSource(secretClient(vault.url)).issue('acme', expiredValue, new Date(Date.now() - 1_000));
    await sleep(1_100);
    expect((await acme(expiredValue)).status).toBe(401);
    expect((await acme(current.value)).status).toBe(200);
  });

  it('lets a flood of bad tokens cost at most one Key Vault read per interval', async () => {
    await acme(current.value);
    const before = vault.requests.listVersions ?? 0;
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => acme(`guessed-token-${i}-0123456789abcdef`)));
    const intervals = Math.ceil((Date.now() - started) / 1_000); // SCIM_TOKEN_CACHE_SECONDS caps the interval at 1 s here
    expect(replies.every((r) => r.status === 401)).toBe(true);
    expect((vault.requests.listVersions ?? 0) - before).toBeLessThanOrEqual(1 + intervals); // one read at the start of each interval
    expect(intervals).toBeLessThanOrEqual(3);
  });

  it('keeps cached tokens working through a Key Vault outage and answers unknown tokens 503 with Retry-After', async () => {
    expect((await acme(current.value)).status).toBe(200);
    vault.outage = true;
    try {
      await sleep(1_100); // the cache is stale now; the vault cannot be read
      expect((await acme(current.value)).status).toBe(200);
      const unknown = await acme('never-issued-token-0123456789abcdef');
      expect(unknown.status).toBe(503);
      expect(unknown.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(unknown.body.detail).toMatch(/temporarily unreachable/);
      expect(unknown.text).not.toMatch(/RestError|127\.0\.0\.1/); // the cause is for the log only
      expect(s.logs.join('\n')).toMatch(/503 The token store is temporarily unreachable.*Cause: RestError .*503/);
      const otherTenant = await request(`${s.host.url}/scim/globex/v2/Users`, 'GET', undefined, { Authorization: `Bearer ${current.value}` });
      expect(otherTenant.status).toBe(503);
    } finally {
      vault.outage = false;
    }
    await sleep(1_100);
    expect((await acme('never-issued-token-0123456789abcdef')).status).toBe(401);
  });

  it('stops accepting a deleted tenant\'s tokens', async () => {
    await admin('tenant', 'delete', 'acme');
    await sleep(1_100);
    expect((await acme(current.value)).status).toBe(401);
  });

  it('never logs a token', () => {
    expect(s.logs.join('\n')).not.toContain(current.value);
  });
});
