import { KeyVaultTokenSource } from '../../shared/auth/keyVaultTokens';
import { secretClient } from '../../shared/auth/keyVaultClient';
import { tokenDigest } from '../../shared/auth/tokenSource';
import { FakeKeyVault, startFakeKeyVault } from '../../tools/fakeKeyVault';

let vault: FakeKeyVault;
let source: KeyVaultTokenSource;
beforeAll(async () => {
  vault = await startFakeKeyVault();
  source = new KeyVaultTokenSource(secretClient(vault.url));
});
afterAll(() => vault.close());

const digests = (ts: { digest: Buffer; enabled: boolean }[]) => ts.filter((t) => t.enabled).map((t) => t.digest.toString('hex')).sort();

describe('Secret Tokens in Key Vault (real SecretClient against the fake Key Vault protocol)', () => {
  it('holds several tokens per tenant as versions of one secret, with their expiry', async () => {
    const expires = new Date(Date.now() + 30 * 86_400_000);
    const first = await source.issue('acme', 'acme-first-0123456789abcdef');
    const second = await source.issue('acme', 'acme-second-0123456789abcdef', expires);
    const tokens = await source.tokens('acme');
    expect(digests(tokens)).toEqual([tokenDigest('acme-first-0123456789abcdef'), tokenDigest('acme-second-0123456789abcdef')].map((d) => d.toString('hex')).sort());
    expect(tokens.find((t) => t.id === second.id)?.expires?.toISOString()).toBe(new Date(Math.floor(expires.getTime() / 1000) * 1000).toISOString());
    expect(tokens.find((t) => t.id === first.id)?.expires).toBeUndefined();
    expect(tokens.every((t) => t.created instanceof Date)).toBe(true);
  });

  it('revokes a token by disabling its version, and never reads a revoked value again', async () => {
    const old = await source.issue('globex', 'globex-old-0123456789abcdef');
    await source.issue('globex', 'globex-new-0123456789abcdef');
    expect(await source.revoke('globex', old.id)).toBe(true);
    const gets = vault.requests.get ?? 0;
    const tokens = await source.tokens('globex');
    expect(vault.requests.get - gets).toBe(1);
    expect(tokens.find((t) => t.id === old.id)).toMatchObject({ enabled: false, digest: Buffer.alloc(0) });
    expect(digests(tokens)).toEqual([tokenDigest('globex-new-0123456789abcdef').toString('hex')]);
    expect(await source.revoke('globex', 'no-such-version')).toBe(false);
  });

  it('lists an expired version without reading its value', async () => {
    const expired = await source.issue('initech', 'initech-expired-0123456789', new Date(Date.now() - 60_000));
    const gets = vault.requests.get ?? 0;
    const [token] = await source.tokens('initech');
    expect(token).toMatchObject({ id: expired.id, enabled: true, digest: Buffer.alloc(0) });
    expect(token.expires!.getTime()).toBeLessThan(Date.now());
    expect((vault.requests.get ?? 0) - gets).toBe(0);
  });

  it('answers an unknown tenant with no tokens', async () => {
    expect(await source.tokens('nobody')).toEqual([]);
  });

  it('lists tenants across paged results, and removes a tenant for good', async () => {
    for (const t of ['t1', 't2', 't3']) await source.issue(t, `${t}-token-0123456789abcdef`);
    const lists = vault.requests.list ?? 0;
    expect((await source.tenants()).sort()).toEqual(['acme', 'globex', 'initech', 't1', 't2', 't3']);
    expect(vault.requests.list - lists).toBeGreaterThan(1); // the fake pages by 2: the SDK followed nextLink
    await source.removeTenant('t2');
    expect((await source.tenants()).sort()).toEqual(['acme', 'globex', 'initech', 't1', 't3']);
    expect(await source.tokens('t2')).toEqual([]);
    await source.issue('t2', 't2-again-0123456789abcdef'); // purged, so the name is free again
    expect(await source.tokens('t2')).toHaveLength(1);
  });

  it('fails fast when the vault is unreachable', async () => {
    vault.outage = true;
    const started = Date.now();
    try {
      await expect(source.tokens('acme')).rejects.toMatchObject({ statusCode: 503 });
    } finally {
      vault.outage = false;
    }
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
