import { SignJWT } from 'jose';
import { EntraJwtVerifier, KeySetUnavailable, looksLikeJwt } from '../../shared/auth/entraJwt';
import { entraToken, KeySetServer, SigningKey, signingKey, startKeySetServer } from '../../tools/fakes/fakeEntraKeys';

const TID = '11111111-2222-3333-4444-555555555555';
const OTHER_TID = '99999999-8888-7777-6666-555555555555';

let key1: SigningKey;
let key2: SigningKey;
let jwks: KeySetServer;
beforeAll(async () => {
  [key1, key2] = await Promise.all([signingKey('key-1'), signingKey('key-2')]);
  jwks = await startKeySetServer([key1]);
});
afterAll(() => jwks.close());

const now = () => Math.floor(Date.now() / 1000);

describe('EntraJwtVerifier', () => {
  it('accepts a token Entra would send for an allowed tenant', async () => {
    const v = new EntraJwtVerifier(jwks.url);
    expect(await v.verify(await entraToken(key1, TID), [TID])).toBe(true);
  });

  it.each([
    ['another Entra tenant', (k: SigningKey) => entraToken(k, OTHER_TID)],
    ['a wrong audience', (k: SigningKey) => entraToken(k, TID, { aud: 'https://graph.microsoft.com' })],
    ['a v2 issuer', (k: SigningKey) => entraToken(k, TID, { iss: `https://login.microsoftonline.com/${TID}/v2.0` })],
    ['a tid that disagrees with the issuer', (k: SigningKey) => entraToken(k, TID, { tid: OTHER_TID })],
    ['an expiry beyond the skew', (k: SigningKey) => entraToken(k, TID, { exp: now() - 120 })],
    ['a not-before beyond the skew', (k: SigningKey) => entraToken(k, TID, { nbf: now() + 120 })],
    ['no expiry', (k: SigningKey) => entraToken(k, TID, { exp: undefined })],
  ])('refuses %s', async (_name, make) => {
    const v = new EntraJwtVerifier(jwks.url);
    expect(await v.verify(await make(key1), [TID])).toBe(false);
  });

  it('allows a small clock skew on exp and nbf', async () => {
    const v = new EntraJwtVerifier(jwks.url);
    expect(await v.verify(await entraToken(key1, TID, { exp: now() - 30 }), [TID])).toBe(true);
    expect(await v.verify(await entraToken(key1, TID, { nbf: now() + 30 }), [TID])).toBe(true);
  });

  it('refuses a forged signature, an unsigned token and a symmetric one', async () => {
    const v = new EntraJwtVerifier(jwks.url);
    const forged = await entraToken({ ...key2, kid: key1.kid }, TID); // names key-1 but signed by another key
    expect(await v.verify(forged, [TID])).toBe(false);
    const [, payload] = (await entraToken(key1, TID)).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect(await v.verify(none, [TID])).toBe(false);
    const hs = await new SignJWT({
      iss: `https://sts.windows.net/${TID}/`,
      aud: '8adf8e6e-67b2-4cf2-a259-e3dc5476c621',
      exp: now() + 60,
    })
      .setProtectedHeader({ alg: 'HS256', kid: key1.kid })
      .sign(Buffer.from(JSON.stringify(key1.publicJwk)));
    expect(await v.verify(hs, [TID])).toBe(false);
  });

  it('refuses everything for a tenant that allows no Entra tenant, without fetching keys', async () => {
    const v = new EntraJwtVerifier(jwks.url);
    const before = jwks.fetches;
    expect(await v.verify(await entraToken(key1, TID), [])).toBe(false);
    expect(jwks.fetches).toBe(before);
  });

  it('follows a key rollover: a new kid refetches the key set, a flood of unknown kids does not', async () => {
    jwks.keys = [key1];
    const v = new EntraJwtVerifier(jwks.url, 0);
    expect(await v.verify(await entraToken(key1, TID), [TID])).toBe(true);
    jwks.keys = [key1, key2];
    expect(await v.verify(await entraToken(key2, TID), [TID])).toBe(true);

    const cooled = new EntraJwtVerifier(jwks.url, 60_000);
    expect(await cooled.verify(await entraToken(key1, TID), [TID])).toBe(true);
    const fetches = jwks.fetches;
    const unknown = await entraToken({ ...key2, kid: 'made-up' }, TID);
    for (let i = 0; i < 20; i++) expect(await cooled.verify(unknown, [TID])).toBe(false);
    expect(jwks.fetches - fetches).toBeLessThanOrEqual(1);
    jwks.keys = [key1];
  });

  it('reports an unreachable key set as unavailable rather than as a bad token', async () => {
    const v = new EntraJwtVerifier(jwks.url);
    jwks.down = true;
    try {
      await expect(v.verify(await entraToken(key1, TID), [TID])).rejects.toBeInstanceOf(KeySetUnavailable);
    } finally {
      jwks.down = false;
    }
    const nowhere = new EntraJwtVerifier('http://127.0.0.1:1/keys');
    await expect(nowhere.verify(await entraToken(key1, TID), [TID])).rejects.toBeInstanceOf(KeySetUnavailable);
  });

  it('remembers a verified token until it expires, still only for the Entra tenants allowed', async () => {
    const v = new EntraJwtVerifier(jwks.url);
    const token = await entraToken(key1, TID);
    expect(await v.verify(token, [TID])).toBe(true);
    jwks.down = true; // a second verification would need the key set again if it were not remembered
    try {
      expect(await v.verify(token, [TID])).toBe(true);
      expect(await v.verify(token, [OTHER_TID])).toBe(false);
    } finally {
      jwks.down = false;
    }
    const expired = await entraToken(key1, TID, { exp: now() - 61 });
    expect(await v.verify(expired, [TID])).toBe(false);
  });

  it('tells JWTs from opaque Secret Tokens', async () => {
    expect(looksLikeJwt(await entraToken(key1, TID))).toBe(true);
    expect(looksLikeJwt('test-token-0123456789abcdef0123456789')).toBe(false);
    expect(looksLikeJwt('eyJ.only-two')).toBe(false);
  });
});
