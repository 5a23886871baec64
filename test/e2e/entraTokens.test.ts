import { request, startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { entraToken, KeySetServer, SigningKey, signingKey, startKeySetServer } from '../../tools/fakes/fakeEntraKeys';

const ENTRA_TID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const OTHER_TID = 'fedcba98-7654-4321-8fed-cba987654321';

let s: TestServer;
let jwks: KeySetServer;
let key: SigningKey;
beforeAll(async () => {
  key = await signingKey('entra-key-1');
  jwks = await startKeySetServer([key]);
  s = await startTestServer({
    SCIM_ENTRA_TENANTS: JSON.stringify({ default: ENTRA_TID }),
    SCIM_ENTRA_JWKS_URL: jwks.url,
    SCIM_TENANT_TOKENS: JSON.stringify({ acme: 'acme-token-0123456789abcdef0123456789' }),
  });
});
afterAll(async () => {
  await s.close();
  await jwks.close();
});

const withJwt = (jwt: string, base = `${s.host.url}/scim/v2`) =>
  request(`${base}/Users?count=1`, 'GET', undefined, { Authorization: `Bearer ${jwt}` });

describe('Entra-issued tokens (Secret Token left blank in Entra)', () => {
  it("answers 503 (first, before the key set is cached) with Retry-After, not 401, when Entra's key set cannot be fetched", async () => {
    jwks.down = true;
    try {
      const r = await withJwt(await entraToken(key, ENTRA_TID)); // first of the file: the key set is not cached yet
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      jwks.down = false;
    }
  });

  it('accepts a token from the configured Entra tenant next to the Secret Token', async () => {
    expect((await withJwt(await entraToken(key, ENTRA_TID))).status).toBe(200);
    expect((await s.scim('GET', '/Users?count=1')).status).toBe(200);
  });

  it('refuses wrong issuer, audience, Entra tenant, signature and expiry with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await signingKey('entra-key-1');
    const refused = [
      await entraToken(key, OTHER_TID),
      await entraToken(key, ENTRA_TID, { iss: 'https://sts.example.com/' }),
      await entraToken(key, ENTRA_TID, { aud: 'api://someone-else' }),
      await entraToken(other, ENTRA_TID),
      await entraToken(key, ENTRA_TID, { exp: now - 600 }),
      await entraToken(key, ENTRA_TID, { nbf: now + 600 }),
    ];
    for (const jwt of refused) {
      const r = await withJwt(jwt);
      expect(r.status).toBe(401);
      expect(r.body.detail).toMatch(/bearer token/i);
    }
  });

  it('is accepted only by tenants configured for it', async () => {
    expect((await withJwt(await entraToken(key, ENTRA_TID), `${s.host.url}/scim/acme/v2`)).status).toBe(401);
  });

  it('never logs a token', () => {
    expect(s.logs.join('\n')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(s.logs.join('\n')).not.toContain(TOKEN);
  });
});
