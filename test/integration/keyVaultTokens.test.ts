import { KeyVaultTokenSource } from '../../shared/auth/keyVaultTokens';
import { StoredToken, tokenDigest } from '../../shared/auth/tokenSource';
import { FakeKeyVault, FakeKeyVaultOptions, startFakeKeyVault } from '../../tools/fakes/fakeKeyVault';
import { secretClient } from '../../shared/auth/keyVaultClient';

const hex = (b: Buffer) => b.toString('hex');
const enabledDigests = (tokens: StoredToken[]) =>
  tokens
    .filter((t) => t.enabled)
    .map((t) => hex(t.digest))
    .sort();
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** Starts a fake vault and a source reading it through the real SecretClient; stopped after the describe block. */
function vaultFixture(options?: FakeKeyVaultOptions, readTimeoutMs?: number) {
  const ctx = {} as { vault: FakeKeyVault; source: KeyVaultTokenSource };
  beforeAll(async () => {
    ctx.vault = await startFakeKeyVault(options);
    ctx.source = new KeyVaultTokenSource(secretClient(ctx.vault.url), undefined, readTimeoutMs);
  });
  afterAll(() => ctx.vault.close());
  return ctx;
}

describe('Secret Tokens in Key Vault (real SecretClient against the fake vault)', () => {
  const ctx = vaultFixture();

  it('keeps each token as a version of the tenant secret, with its expiry', async () => {
    const expires = new Date(Date.now() + 30 * 86_400_000);
    const first = await ctx.source.issue('acme', 'acme-first-0123456789abcdef');
    const second = await ctx.source.issue('acme', 'acme-second-0123456789abcdef', expires);
    const tokens = await ctx.source.tokens('acme');
    expect(enabledDigests(tokens)).toEqual(
      [tokenDigest('acme-first-0123456789abcdef'), tokenDigest('acme-second-0123456789abcdef')].map(hex).sort(),
    );
    // Key Vault keeps times in whole seconds.
    expect(tokens.find((t) => t.id === second.id)?.expires?.getTime()).toBe(
      Math.floor(expires.getTime() / 1000) * 1000,
    );
    expect(tokens.find((t) => t.id === first.id)?.expires).toBeUndefined();
    expect(tokens.every((t) => t.created instanceof Date)).toBe(true);
    expect(second).toMatchObject({ enabled: true, digest: tokenDigest('acme-second-0123456789abcdef') });
  });

  it('revokes a token by disabling its version, and never reads a revoked value again', async () => {
    const old = await ctx.source.issue('globex', 'globex-old-0123456789abcdef');
    await ctx.source.issue('globex', 'globex-new-0123456789abcdef');
    expect(await ctx.source.revoke('globex', old.id)).toBe(true);
    const gets = ctx.vault.requests.get ?? 0;
    const tokens = await ctx.source.tokens('globex');
    expect(ctx.vault.requests.get - gets).toBe(1);
    expect(tokens.find((t) => t.id === old.id)).toMatchObject({ enabled: false, digest: Buffer.alloc(0) });
    expect(enabledDigests(tokens)).toEqual([hex(tokenDigest('globex-new-0123456789abcdef'))]);
  });

  it('answers false when revoking a version that does not exist', async () => {
    expect(await ctx.source.revoke('globex', 'ffffffffffffffffffffffffffffffff')).toBe(false);
    expect(await ctx.source.revoke('nobody', 'ffffffffffffffffffffffffffffffff')).toBe(false);
    expect(await ctx.source.revoke('globex', '')).toBe(false);
  });

  it('returns an expired version with its past expiry, leaving validity to the caller', async () => {
    const expired = await ctx.source.issue('initech', 'initech-expired-0123456789', new Date(Date.now() - 60_000));
    const [token] = await ctx.source.tokens('initech');
    expect(token).toMatchObject({ id: expired.id, enabled: true, digest: tokenDigest('initech-expired-0123456789') });
    expect(token.expires!.getTime()).toBeLessThan(Date.now());
  });

  it('counts a version that is not active yet (notBefore) as disabled, without reading it', async () => {
    await secretClient(ctx.vault.url).setSecret('scim-tenant-hooli', 'hooli-later-0123456789abcdef', {
      notBefore: new Date(Date.now() + 3_600_000),
      contentType: 'scim-secret-token',
      tags: { purpose: 'scim-secret-token' },
    });
    const gets = ctx.vault.requests.get ?? 0;
    expect(await ctx.source.tokens('hooli')).toEqual([
      expect.objectContaining({ enabled: false, digest: Buffer.alloc(0) }),
    ]);
    expect((ctx.vault.requests.get ?? 0) - gets).toBe(0);
  });

  it('answers an unknown tenant with no tokens', async () => {
    expect(await ctx.source.tokens('nobody')).toEqual([]);
  });

  it('lists tenants across list pages, ignoring secrets that are not Secret Tokens', async () => {
    for (const t of ['t1', 't2', 't3']) await ctx.source.issue(t, `${t}-token-0123456789abcdef`);
    const client = secretClient(ctx.vault.url);
    await client.setSecret('database-password', 'not-a-token');
    await client.setSecret('scim-tenant-untagged', 'set-by-hand');
    const lists = ctx.vault.requests.list ?? 0;
    expect((await ctx.source.tenants()).sort()).toEqual(['acme', 'globex', 'hooli', 'initech', 't1', 't2', 't3']);
    expect(ctx.vault.requests.list - lists).toBe(5); // 9 secrets, 2 per page: the SDK followed nextLink
  });

  it('removes a tenant and frees its name for a new tenant of the same id', async () => {
    await ctx.source.removeTenant('t2');
    expect(await ctx.source.tenants()).not.toContain('t2');
    expect(await ctx.source.tokens('t2')).toEqual([]);
    expect(ctx.vault.requests.purge).toBe(1);
    await ctx.source.issue('t2', 't2-again-0123456789abcdef');
    expect(await ctx.source.tokens('t2')).toHaveLength(1);
  });

  it('treats removing an unknown tenant as done', async () => {
    await expect(ctx.source.removeTenant('nobody')).resolves.toBeUndefined();
  });

  it('fails fast while the vault is down', async () => {
    ctx.vault.outage = true;
    const started = Date.now();
    try {
      await expect(ctx.source.tokens('acme')).rejects.toMatchObject({ statusCode: 503 });
    } finally {
      ctx.vault.outage = false;
    }
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await ctx.source.tokens('acme')).toHaveLength(2);
  });
});

describe('removing a tenant when Key Vault deletes and purges in the background', () => {
  const ctx = vaultFixture({ deletionMs: 600 });

  it('waits for the deletion before purging, and the name is free once the purge has finished', async () => {
    await ctx.source.issue('acme', 'acme-token-0123456789abcdef');
    await ctx.source.removeTenant('acme'); // purging before the deletion finished would be refused with 409
    expect(ctx.vault.requests.getDeleted).toBeGreaterThan(1); // the SDK poller asked until the deleted secret appeared
    expect(ctx.vault.requests.purge).toBe(1);
    await expect(ctx.source.issue('acme', 'acme-again-0123456789abcdef')).rejects.toMatchObject({ statusCode: 409 });
    await sleep(700);
    await ctx.source.issue('acme', 'acme-again-0123456789abcdef');
    expect(enabledDigests(await ctx.source.tokens('acme'))).toEqual([hex(tokenDigest('acme-again-0123456789abcdef'))]);
  });
});

describe('removing a tenant from a vault with purge protection', () => {
  const ctx = vaultFixture({ purgeProtection: true });

  it('leaves the secret soft-deleted: no tokens, but the name stays reserved', async () => {
    await ctx.source.issue('acme', 'acme-token-0123456789abcdef');
    await ctx.source.removeTenant('acme');
    expect(await ctx.source.tokens('acme')).toEqual([]);
    expect(await ctx.source.tenants()).toEqual([]);
    await expect(ctx.source.issue('acme', 'acme-again-0123456789abcdef')).rejects.toMatchObject({ statusCode: 409 });
  });
});

describe('a vault that accepts connections but never answers', () => {
  const ctx = vaultFixture(undefined, 300);

  it('gives up reading tokens after the read timeout', async () => {
    await ctx.source.issue('acme', 'acme-token-0123456789abcdef');
    ctx.vault.latencyMs = 60_000;
    const started = Date.now();
    await expect(ctx.source.tokens('acme')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
