import { startTestServer, TestServer } from '../support/scimServer';
import { SPOKE } from '../support/urns';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    SCIM_EXTENSIONS: JSON.stringify([{ id: SPOKE, resourceType: 'User', attributes: [{ name: 'startDate', type: 'string' }] }]),
  });
});
afterAll(async () => { await s.close(); });

it('advertises honest capabilities in /ServiceProviderConfig', async () => {
  const res = await s.scim('GET', '/ServiceProviderConfig');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    patch: { supported: true },
    bulk: { supported: false },
    filter: { supported: true },
    etag: { supported: true },
    sort: { supported: true },
    changePassword: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken' }],
  });
  // RFC 7643 §3: every extension the document carries is named in `schemas`.
  const extensions = Object.keys(res.body).filter((k) => k.startsWith('urn:'));
  expect(extensions.length).toBeGreaterThan(0);
  expect(res.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig', ...extensions]);
});

it('lists User and Group in /ResourceTypes with their extensions, and serves each by id', async () => {
  const res = await s.scim('GET', '/ResourceTypes');
  expect(res.body.totalResults).toBe(2);
  const user = res.body.Resources.find((r: { id: string }) => r.id === 'User');
  expect(user).toMatchObject({ endpoint: '/Users', schema: 'urn:ietf:params:scim:schemas:core:2.0:User' });
  expect(user.schemaExtensions.map((e: { schema: string }) => e.schema)).toEqual(['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', SPOKE]);
  expect((await s.scim('GET', '/ResourceTypes/User')).body.id).toBe('User');
  expect((await s.scim('GET', '/ResourceTypes/Printer')).status).toBe(404);
});

it('describes core, enterprise, group and configured extension schemas in /Schemas', async () => {
  const res = await s.scim('GET', '/Schemas');
  const ids = res.body.Resources.map((r: { id: string }) => r.id);
  expect(ids).toEqual(expect.arrayContaining([
    'urn:ietf:params:scim:schemas:core:2.0:User',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    'urn:ietf:params:scim:schemas:core:2.0:Group',
    SPOKE,
  ]));
  const user = (await s.scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User')).body;
  const userName = user.attributes.find((a: { name: string }) => a.name === 'userName');
  expect(userName).toEqual(expect.objectContaining({ type: 'string', required: true, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server' }));
  expect(JSON.stringify(user)).not.toContain('null');
  const valueOf = (name: string) => user.attributes.find((a: { name: string }) => a.name === name).subAttributes.find((a: { name: string }) => a.name === 'value');
  expect(valueOf('photos')).toMatchObject({ type: 'reference', referenceTypes: ['external'] }); // RFC 7643 §8.7.1
  expect(valueOf('x509Certificates')).toMatchObject({ type: 'binary', caseExact: true });
});

it('stores and returns a configured custom extension attribute, and filters on it', async () => {
  const created = await s.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], // Entra does not list the custom URN (spec §(b)6)
    userName: 'spoke.user',
    [SPOKE]: { startDate: '2026-12-01' },
  });
  expect(created.status).toBe(201);
  expect(created.body.schemas).toContain(SPOKE);
  expect(created.body[SPOKE]).toEqual({ startDate: '2026-12-01' });
  const patched = await s.scim('PATCH', `/Users/${created.body.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Add', path: `${SPOKE}:startDate`, value: '2027-01-04' }],
  });
  expect(patched.body[SPOKE].startDate).toBe('2027-01-04');
  const found = await s.scim('GET', `/Users?filter=${encodeURIComponent(`${SPOKE}:startDate eq "2027-01-04"`)}`);
  expect(found.body.totalResults).toBe(1);
});
