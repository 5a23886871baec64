import { runAdmin } from '../../cli/admin';
import { FakeKeyVault, startFakeKeyVault } from '../../tools/fakes/fakeKeyVault';
import { KeyVaultTokenSource } from '../../shared/auth/keyVaultTokens';
import { secretClient } from '../../shared/auth/keyVaultClient';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { TestClock } from '../support/testClock';

/** The service runs on a clock the test moves: "five minutes later" takes no time. Tokens are cached 300 s. */
const clock = new TestClock();
const CACHE_LAPSES = 300_001;
/** An unknown token re-reads its tenant's tokens at most every 5 s; a moment later a fresh token is found at once. */
const READ_INTERVAL = 5_000;

let vault: FakeKeyVault;
let s: TestServer;
beforeAll(async () => {
  vault = await startFakeKeyVault();
  s = await startTestServer({ SCIM_KEY_VAULT_URL: vault.url }, { clock });
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

const acme = (token: string) =>
  request(`${s.host.url}/scim/acme/v2/Users?count=1`, 'GET', undefined, { Authorization: `Bearer ${token}` });

/** Waits (in real time, briefly) until `condition` holds: for requests under way and writes made in the background. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await condition()); await new Promise((ok) => setTimeout(ok, 20))) {
    if (Date.now() - started > 5_000) throw new Error('condition not met within 5 s');
  }
}

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
    await until(() => statuses.length >= 10);
    const next = await issue('acme');
    clock.advance(READ_INTERVAL); // pasted into Entra a few seconds later: its very next request uses it
    token = next.value;
    const switched = statuses.length;
    await until(() => statuses.length >= switched + 10);
    await admin('token', 'revoke', 'acme', current.id);
    clock.advance(CACHE_LAPSES);
    const lapsed = statuses.length;
    await until(() => statuses.length >= lapsed + 10);
    running = false;
    await entra;
    expect(statuses.filter((st) => st !== 200)).toEqual([]);
    clock.advance(READ_INTERVAL);
    expect((await acme(current.value)).status).toBe(401);
    expect((await acme(next.value)).status).toBe(200);
    current = next;
  });

  it('lists tokens with expiry and last use, never their values', async () => {
    await admin('token', 'issue', 'acme', '--days', '30');
    const listing = async () => (await admin('token', 'list', 'acme')).join('\n');
    const rowOf = (out: string) =>
      out
        .split('\n')
        .find((l) => l.startsWith(current.id))!
        .split('\t');
    await until(async () => /^\d{4}-\d\d-\d\dT/.test(rowOf(await listing())[4])); // last use is written in the background
    const out = await listing();
    expect(rowOf(out)[1]).toBe('key-vault');
    expect(out).toMatch(new RegExp(`\\t${new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)}T`)); // the 30-day token's expiry
    expect(out).not.toContain(current.value);
  });

  it('refuses an expired token', async () => {
    const expiredValue = 'acme-expired-0123456789abcdef012345';
    await new KeyVaultTokenSource(secretClient(vault.url)).issue('acme', expiredValue, new Date(Date.now() - 1_000));
    clock.advance(READ_INTERVAL);
    expect((await acme(expiredValue)).status).toBe(401);
    expect((await acme(current.value)).status).toBe(200);
  });

  it('lets a flood of bad tokens cost at most one Key Vault read per interval', async () => {
    const reads = () => vault.requests.listVersions ?? 0; // one tenant read lists its versions, page by page
    clock.advance(READ_INTERVAL);
    const first = reads();
    expect((await acme('one-guess-0123456789abcdef')).status).toBe(401);
    const perRead = reads() - first;
    clock.advance(READ_INTERVAL);
    const before = reads();
    let done = false;
    const flood = Promise.all(
      Array.from({ length: 40 }, (_, i) => acme(`guessed-token-${i}-0123456789abcdef`)),
    ).finally(() => (done = true));
    let intervals = 0;
    while (!done) {
      // guesses arriving after a read wait for the next interval; each advance lets one more read begin
      await Promise.race([flood, new Promise((ok) => setTimeout(ok, 20))]);
      if (!done && clock.waiting) {
        clock.advance(READ_INTERVAL);
        intervals++;
      }
    }
    expect((await flood).every((r) => r.status === 401)).toBe(true);
    expect(reads() - before).toBeLessThanOrEqual(perRead * (1 + intervals)); // one read at the start of each interval
    expect(1 + intervals).toBeLessThan(40); // guesses share reads
  });

  it('keeps cached tokens working through a Key Vault outage and answers unknown tokens 503 with Retry-After', async () => {
    expect((await acme(current.value)).status).toBe(200);
    vault.outage = true;
    try {
      clock.advance(CACHE_LAPSES); // the cache is stale now; the vault cannot be read
      expect((await acme(current.value)).status).toBe(200);
      const unknown = await acme('never-issued-token-0123456789abcdef');
      expect(unknown.status).toBe(503);
      expect(unknown.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(unknown.body.detail).toMatch(/temporarily unreachable/);
      expect(unknown.text).not.toMatch(/RestError|127\.0\.0\.1/); // the cause is for the log only
      expect(s.logs.join('\n')).toMatch(/503 The token store is temporarily unreachable.*Cause: RestError .*503/);
      const otherTenant = await request(`${s.host.url}/scim/globex/v2/Users`, 'GET', undefined, {
        Authorization: `Bearer ${current.value}`,
      });
      expect(otherTenant.status).toBe(503);
    } finally {
      vault.outage = false;
    }
    clock.advance(READ_INTERVAL);
    expect((await acme('never-issued-token-0123456789abcdef')).status).toBe(401);
  });

  it("stops accepting a deleted tenant's tokens", async () => {
    await admin('tenant', 'delete', 'acme');
    clock.advance(CACHE_LAPSES);
    expect((await acme(current.value)).status).toBe(401);
  });

  it('never logs a token', () => {
    expect(s.logs.join('\n')).not.toContain(current.value);
  });
});
