import { Authenticator, AuthenticatorOptions } from '../../shared/auth/authenticator';
import { TenantCredentials } from '../../shared/auth/tenantCredentials';
import { StoredToken, tokenDigest } from '../../shared/auth/tokenSource';
import { ScimError } from '../../shared/scim/errors';
import { TestClock } from '../support/testClock';

const token = (id: string, value: string, extra: Partial<StoredToken> = {}): StoredToken => ({
  id,
  digest: tokenDigest(value),
  enabled: true,
  ...extra,
});

/** A token store the test controls: its contents, whether it is reachable, how slow (on `clock`), how often read. */
function store(initial: Record<string, StoredToken[]>, clock = new TestClock()) {
  const s = {
    tokens: initial,
    down: false,
    loads: 0,
    delayMs: 0,
    load: async (tenant: string): Promise<TenantCredentials> => {
      s.loads++;
      if (s.delayMs) await clock.sleep(s.delayMs);
      if (s.down) throw new Error('vault unreachable');
      return { tokens: s.tokens[tenant] ?? [], entraTenantIds: [] };
    },
  };
  return s;
}

const clock = () => new TestClock();

const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ScimError) return e.status;
    throw e;
  }
};

function authenticator(s: ReturnType<typeof store>, c: TestClock, options: Partial<AuthenticatorOptions> = {}) {
  return new Authenticator(s.load, undefined, { cacheMs: 300_000, minReloadMs: 20, clock: c, ...options });
}

describe('Authenticator', () => {
  it("accepts a tenant's token, and answers the same 401 for a wrong token, another tenant's token and an unknown tenant", async () => {
    const s = store({ acme: [token('a1', 'acme-token-0123456789')], globex: [token('g1', 'globex-token-0123456789')] });
    const auth = authenticator(s, clock());
    expect(await statusOf(auth.authenticate('acme', 'acme-token-0123456789'))).toBe(200);
    const errors = await Promise.all([
      auth.authenticate('acme', 'globex-token-0123456789').catch((e) => e),
      auth.authenticate('acme', 'wrong-token-0123456789').catch((e) => e),
      auth.authenticate('initech', 'acme-token-0123456789').catch((e) => e),
      auth.authenticate('acme', undefined).catch((e) => e),
    ]);
    for (const e of errors) expect([e.status, e.detail, e.headers]).toEqual([401, errors[0].detail, errors[0].headers]);
  });

  it('reads the store once while cached, and finds a freshly issued token on its first use (rotation)', async () => {
    const s = store({ acme: [token('old', 'old-token-0123456789')] });
    const c = clock();
    const auth = authenticator(s, c);
    for (let i = 0; i < 5; i++) expect(await statusOf(auth.authenticate('acme', 'old-token-0123456789'))).toBe(200);
    expect(s.loads).toBe(1);
    c.advance(20_000);
    s.tokens.acme = [...s.tokens.acme, token('new', 'new-token-0123456789')];
    expect(await statusOf(auth.authenticate('acme', 'new-token-0123456789'))).toBe(200);
    expect(await statusOf(auth.authenticate('acme', 'old-token-0123456789'))).toBe(200);
    s.tokens.acme = [token('old', 'old-token-0123456789', { enabled: false }), token('new', 'new-token-0123456789')];
    c.advance(300_001); // the cache lapses: the revoked token is refused from now on
    expect(await statusOf(auth.authenticate('acme', 'old-token-0123456789'))).toBe(401);
    expect(await statusOf(auth.authenticate('acme', 'new-token-0123456789'))).toBe(200);
  });

  it('refuses expired and disabled tokens even when cached', async () => {
    const c = clock();
    const s = store({
      acme: [
        token('e', 'expiring-token-0123456789', { expires: new Date(c.now() + 5_000) }),
        token('d', 'disabled-token-0123456789', { enabled: false }),
      ],
    });
    const auth = authenticator(s, c);
    expect(await statusOf(auth.authenticate('acme', 'expiring-token-0123456789'))).toBe(200);
    c.advance(5_000);
    expect(await statusOf(auth.authenticate('acme', 'expiring-token-0123456789'))).toBe(401);
    expect(await statusOf(auth.authenticate('acme', 'disabled-token-0123456789'))).toBe(401);
  });

  it('lets a flood of bad tokens cost one store read per interval, holding only the request that waits for it', async () => {
    const c = clock();
    const s = store({ acme: [token('a', 'acme-token-0123456789')] }, c);
    s.delayMs = 20;
    const auth = authenticator(s, c, { minReloadMs: 60_000 });
    // Nothing read yet: every request needs the tenant's tokens, so all share the one read in flight.
    const flood = Promise.all(
      Array.from({ length: 50 }, (_, i) => statusOf(auth.authenticate('acme', `guess-${i}-0123456789`))),
    );
    await c.untilWaiting();
    c.advance(20); // the store answers
    expect((await flood).every((st) => st === 401)).toBe(true);
    expect(s.loads).toBe(1);
    // Read moments ago: every guess is refused at once, the clock never moving, nothing read.
    const again = await Promise.all(
      Array.from({ length: 50 }, (_, i) => statusOf(auth.authenticate('acme', `guess-again-${i}`))),
    );
    expect(again.every((st) => st === 401)).toBe(true);
    expect(s.loads).toBe(1);
    // The interval has passed: the first guess re-reads and waits for that read alone; the rest are refused at once.
    c.advance(60_000);
    s.delayMs = 3_000; // a slow read, so the test sees who waits for it
    let answered = 0;
    const first = statusOf(auth.authenticate('acme', 'guess-late-0')).finally(() => answered++);
    const rest = await Promise.all(
      Array.from({ length: 49 }, (_, i) => statusOf(auth.authenticate('acme', `guess-late-${i + 1}`))),
    );
    expect(rest.every((st) => st === 401)).toBe(true);
    await c.untilWaiting();
    expect([answered, s.loads]).toEqual([0, 2]);
    c.advance(3_000);
    expect(await first).toBe(401);
  });

  it('lets concurrent requests of a tenant not read yet share one read, so a cold instance refuses no valid token', async () => {
    const c = clock();
    const s = store({ acme: [token('a', 'acme-token-0123456789')] }, c);
    s.delayMs = 3_000;
    const auth = authenticator(s, c, { minReloadMs: 60_000 });
    const burst = Promise.all(
      Array.from({ length: 20 }, () => statusOf(auth.authenticate('acme', 'acme-token-0123456789'))),
    );
    await c.untilWaiting();
    c.advance(3_000);
    expect(await burst).toEqual(Array(20).fill(200));
    expect(s.loads).toBe(1);
  });

  it('finds a token issued after the last read on its first use, or on the retry once the interval has passed', async () => {
    const c = clock();
    const s = store({ acme: [token('old', 'old-token-0123456789')] }, c);
    const auth = authenticator(s, c, { minReloadMs: 5_000 });
    expect(await statusOf(auth.authenticate('acme', 'old-token-0123456789'))).toBe(200);
    c.advance(5_000);
    s.tokens.acme = [...s.tokens.acme, token('new', 'new-token-0123456789')];
    expect(await statusOf(auth.authenticate('acme', 'new-token-0123456789'))).toBe(200); // first use: a read
    expect(s.loads).toBe(2);
    s.tokens.acme = [...s.tokens.acme, token('newer', 'newer-token-0123456789')];
    expect(await statusOf(auth.authenticate('acme', 'newer-token-0123456789'))).toBe(401); // read moments ago
    c.advance(5_000);
    expect(await statusOf(auth.authenticate('acme', 'newer-token-0123456789'))).toBe(200); // Entra's retry
    expect(s.loads).toBe(3);
  });

  it('answers 503, not 401, to a token it cannot check because the last read failed', async () => {
    const s = store({ acme: [token('a', 'acme-token-0123456789')] });
    const c = clock();
    const auth = authenticator(s, c, { minReloadMs: 5_000 });
    expect(await statusOf(auth.authenticate('acme', 'acme-token-0123456789'))).toBe(200);
    c.advance(5_000);
    s.down = true;
    expect(await statusOf(auth.authenticate('acme', 'rotated-token-0123456789'))).toBe(503);
    expect(await statusOf(auth.authenticate('acme', 'rotated-token-0123456789'))).toBe(503); // at once, nothing read
    expect(s.loads).toBe(2);
    expect(await statusOf(auth.authenticate('acme', 'acme-token-0123456789'))).toBe(200);
  });

  it('caps store reads across guessed tenant names, answering 503 beyond the budget', async () => {
    const s = store({});
    const auth = authenticator(s, clock(), { reloadsPerSecond: 5 });
    const statuses = [];
    for (let i = 0; i < 20; i++)
      statuses.push(await statusOf(auth.authenticate(`guess-${i}`, 'some-token-0123456789')));
    expect(s.loads).toBe(5);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([503]));
  });

  it('keeps cached tokens working through a store outage and answers 503 with Retry-After for unknown ones', async () => {
    const s = store({ acme: [token('a', 'acme-token-0123456789')] });
    const c = clock();
    const auth = authenticator(s, c);
    expect(await statusOf(auth.authenticate('acme', 'acme-token-0123456789'))).toBe(200);
    s.down = true;
    c.advance(400_000); // past the cache: the reload fails, the stale entry still answers for known tokens
    expect(await statusOf(auth.authenticate('acme', 'acme-token-0123456789'))).toBe(200);
    const unknown = await auth.authenticate('acme', 'rotated-token-0123456789').catch((e: ScimError) => e);
    expect(unknown).toMatchObject({ status: 503, headers: { 'Retry-After': expect.stringMatching(/^\d+$/) } });
    expect(await statusOf(auth.authenticate('globex', 'globex-token-0123456789'))).toBe(503);
    s.down = false;
    c.advance(10_000);
    expect(await statusOf(auth.authenticate('acme', 'rotated-token-0123456789'))).toBe(401);
  });

  it('does not make a request wait long for a slow store when a stale entry can answer', async () => {
    const c = clock();
    const s = store({ acme: [token('a', 'acme-token-0123456789')] }, c);
    const auth = authenticator(s, c);
    await auth.authenticate('acme', 'acme-token-0123456789');
    s.delayMs = 3_000;
    c.advance(400_000);
    const answer = statusOf(auth.authenticate('acme', 'acme-token-0123456789'));
    await c.untilWaiting(2); // the slow read, and the request's patience with it
    c.advance(2_000); // patience ends before the read does: the stale entry answers
    expect(await answer).toBe(200);
    expect(s.loads).toBe(2); // the first read, and the slow one still under way
    c.advance(1_000); // the read finishes
  });

  it('reports which token was used, for "last used"', async () => {
    const used: string[] = [];
    const s = store({ acme: [token('a1', 'first-token-0123456789'), token('a2', 'second-token-0123456789')] });
    const auth = authenticator(s, clock(), { onUsed: (tenant, id) => used.push(`${tenant}/${id}`) });
    await auth.authenticate('acme', 'second-token-0123456789');
    expect(used).toEqual(['acme/a2']);
  });
});

describe('tokens declared in settings', () => {
  it('are accepted without reading the store, even while it is down', async () => {
    const s = store({});
    s.down = true;
    const auth = authenticator(s, clock(), {
      declared: (tenant) => (tenant === 'acme' ? [token('setting-1', 'declared-secret')] : []),
    });
    expect(await statusOf(auth.authenticate('acme', 'declared-secret'))).toBe(200);
    expect(s.loads).toBe(0);
    // Anything else still goes to the store, whose outage makes it 503, never 401.
    expect(await statusOf(auth.authenticate('acme', 'other-token'))).toBe(503);
    expect(await statusOf(auth.authenticate('other', 'declared-secret'))).toBe(503);
    expect(s.loads).toBeGreaterThan(0);
  });
});
