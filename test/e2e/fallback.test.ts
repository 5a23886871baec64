import { request, startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { ERR } from '../support/urns';

/** Every answer under /scim is SCIM, also where no endpoint matches (RFC 7644 §3.12). */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const auth = { Authorization: `Bearer ${TOKEN}` };

function expectScimError(
  res: { status: number; headers: Headers; body: Record<string, unknown>; text: string },
  status: number,
) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/scim+json');
  expect(res.body).toMatchObject({ schemas: [ERR], status: String(status), detail: expect.any(String) });
  expect(res.body.scimType).toBeUndefined();
}

describe('paths no endpoint serves', () => {
  it.each([
    '/nope',
    '/Users/a/b',
    '/Users/.search/x',
    '/Groups/a/members',
    '/ServiceProviderConfig/x',
    '/Schemas/a/b',
    '',
    '/',
  ])('answers GET %s with a SCIM 404, for the default and a named tenant', async (path) => {
    for (const base of [s.base, `${s.host.url}/scim/acme/v2`]) {
      const res = await request(`${base}${path}`, 'GET', undefined, base === s.base ? auth : {});
      if (base === s.base) {
        expectScimError(res, 404);
        expect(res.body.detail).toMatch(/no SCIM endpoint.*\/Users, \/Groups/);
      } else {
        expectScimError(res, 401); // acme has no token here: authentication comes first
      }
    }
  });

  it('authenticates first, so nobody without a token can map paths or tenants', async () => {
    for (const path of ['/nope', '/Users/a/b', '/Me', '/Bulk']) {
      const anonymous = await request(`${s.base}${path}`, 'GET');
      expectScimError(anonymous, 401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    // An unknown path on an unknown tenant reads exactly like a real endpoint there (two tenants: one read each).
    const unknownPath = await request(`${s.host.url}/scim/initech/v2/nope`, 'GET', undefined, auth);
    const realEndpoint = await request(`${s.host.url}/scim/globex/v2/Users`, 'GET', undefined, auth);
    expect([unknownPath.status, unknownPath.body.detail]).toEqual([401, realEndpoint.body.detail]);
  });

  it("answers a path that is no tenant's SCIM base with a SCIM 404 that shows the Tenant URL form", async () => {
    for (const path of ['/scim', '/scim/Users', '/scim/acme/v1/Users', '/scim/Bad_Tenant/x']) {
      const res = await request(`${s.host.url}${path}`, 'GET');
      expectScimError(res, 404);
      expect(res.body.detail).toMatch(/Tenant URL is https:\/\/<host>\/scim\/v2/);
    }
  });

  it('answers /Me and /Bulk with 501 Not Implemented (RFC 7644 §3.11, §3.7)', async () => {
    for (const [method, path] of [
      ['GET', '/Me'],
      ['PATCH', '/Me'],
      ['POST', '/Bulk'],
      ['GET', '/bulk/x'],
    ]) {
      const res = await s.scim(method, path, method === 'GET' ? undefined : {});
      expectScimError(res, 501);
      expect(res.body.detail).toMatch(/not supported/);
    }
  });
});

describe('methods an endpoint does not serve', () => {
  it.each([
    ['POST', '/ServiceProviderConfig', 'GET'],
    ['DELETE', '/Schemas', 'GET'],
    ['PUT', '/ResourceTypes/User', 'GET'],
    ['GET', '/.search', 'POST'],
    ['PATCH', '/.search', 'POST'],
    ['OPTIONS', '/Users', 'GET, POST'],
    ['HEAD', '/Users/.search', 'POST'],
    ['OPTIONS', '/Groups/abc', 'GET, PUT, PATCH, DELETE'],
  ])('answers %s %s with a SCIM 405 and Allow: %s', async (method, path, allow) => {
    const res = await s.scim(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    if (method !== 'HEAD') expectScimError(res, 405);
  });
});

describe('malformed URLs', () => {
  it.each(['/Users/%zz', '/Users/%E0%A4%A', '/%', '/Users?filter=userName%20eq%20%22a%ZZ%22', '/Users/%FF'])(
    'answers %s with a SCIM 400, not a 500',
    async (path) => {
      const res = await s.scim('GET', path);
      expectScimError(res, 400);
      expect(res.body.detail).toMatch(/%25/);
    },
  );

  it('still serves a literal % sent as %25', async () => {
    expect((await s.scim('GET', '/Users/50%25')).status).toBe(404);
  });
});
