import { startTestServer, TestServer } from '../support/scimServer';
import { SPOKE } from '../support/urns';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    SCIM_EXTENSIONS: JSON.stringify([
      { id: SPOKE, resourceType: 'User', attributes: [{ name: 'startDate', type: 'string' }] },
    ]),
  });
});
afterAll(async () => {
  await s.close();
});

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
  // A strict client (python-scim's scim2-models) refuses members and schema URNs it cannot resolve.
  expect(res.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
  expect(Object.keys(res.body).filter((k) => k.startsWith('urn:'))).toEqual([]);
});

it('names in every `schemas` list and every resource type only schemas that /Schemas serves or RFC 7643 defines for discovery', async () => {
  const discoveryUrns = ['ServiceProviderConfig', 'ResourceType', 'Schema'].map(
    (n) => `urn:ietf:params:scim:schemas:core:2.0:${n}`,
  );
  const listUrn = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
  const [spc, types, schemas] = await Promise.all(
    ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas'].map(async (p) => (await s.scim('GET', p)).body),
  );
  const served = new Set<string>(schemas.Resources.map((r: { id: string }) => r.id));
  const named = [
    ...spc.schemas,
    ...types.schemas,
    ...schemas.schemas,
    ...types.Resources.flatMap((t: { schemas: string[]; schema: string; schemaExtensions: { schema: string }[] }) => [
      ...t.schemas,
      t.schema,
      ...t.schemaExtensions.map((e) => e.schema),
    ]),
    ...schemas.Resources.flatMap((r: { schemas: string[] }) => r.schemas),
  ];
  const unresolvable = named.filter(
    (urn: string) => !served.has(urn) && !discoveryUrns.includes(urn) && urn !== listUrn,
  );
  expect(unresolvable).toEqual([]);
});

it('lists User and Group in /ResourceTypes with their extensions, and serves each by id', async () => {
  const res = await s.scim('GET', '/ResourceTypes');
  expect(res.body.totalResults).toBe(2);
  const user = res.body.Resources.find((r: { id: string }) => r.id === 'User');
  expect(user).toMatchObject({ endpoint: '/Users', schema: 'urn:ietf:params:scim:schemas:core:2.0:User' });
  expect(user.schemaExtensions.map((e: { schema: string }) => e.schema)).toEqual([
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    SPOKE,
  ]);
  expect((await s.scim('GET', '/ResourceTypes/User')).body.id).toBe('User');
  expect((await s.scim('GET', '/ResourceTypes/Printer')).status).toBe(404);
});

it('describes core, enterprise, group and configured extension schemas in /Schemas', async () => {
  const res = await s.scim('GET', '/Schemas');
  const ids = res.body.Resources.map((r: { id: string }) => r.id);
  expect(ids).toEqual(
    expect.arrayContaining([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      SPOKE,
    ]),
  );
  const user = (await s.scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User')).body;
  const userName = user.attributes.find((a: { name: string }) => a.name === 'userName');
  expect(userName).toEqual(
    expect.objectContaining({
      type: 'string',
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    }),
  );
  expect(JSON.stringify(user)).not.toContain('null');
  const valueOf = (name: string) =>
    user.attributes
      .find((a: { name: string }) => a.name === name)
      .subAttributes.find((a: { name: string }) => a.name === 'value');
  expect(valueOf('photos')).toMatchObject({ type: 'reference', referenceTypes: ['external'] }); // RFC 7643 §8.7.1
  expect(valueOf('x509Certificates')).toMatchObject({ type: 'binary', caseExact: true });
});

it('stores and returns a configured custom extension attribute, and filters on it', async () => {
  const created = await s.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], // Entra does not list the custom URN (docs/operations.md#custom-attributes)
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

const schemaById = async (id: string) => (await s.scim('GET', `/Schemas/${id}`)).body as SchemaDoc;
interface AttrDoc {
  name: string;
  type: string;
  multiValued: boolean;
  mutability: string;
  returned: string;
  canonicalValues?: string[];
  subAttributes?: AttrDoc[];
}
interface SchemaDoc {
  id: string;
  attributes: AttrDoc[];
}
const named = (attrs: AttrDoc[] | undefined, name: string) =>
  attrs?.find((a) => a.name.toLowerCase() === name.toLowerCase());

it('gives every `type` sub-attribute the canonical values of RFC 7643 §4.1.2 and §8.7.1', async () => {
  const user = await schemaById('urn:ietf:params:scim:schemas:core:2.0:User');
  const typeValues = (attr: string) => named(named(user.attributes, attr)?.subAttributes, 'type')?.canonicalValues;
  expect(typeValues('emails')).toEqual(['work', 'home', 'other']);
  expect(typeValues('phoneNumbers')).toEqual(['work', 'home', 'mobile', 'fax', 'pager', 'other']);
  expect(typeValues('addresses')).toEqual(['work', 'home', 'other']);
  expect(typeValues('ims')).toEqual(['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']);
  expect(typeValues('photos')).toEqual(['photo', 'thumbnail']);
  for (const free of ['entitlements', 'roles', 'x509Certificates']) expect(typeValues(free)).toEqual([]);
  const withType = user.attributes.filter((a) => named(a.subAttributes, 'type'));
  for (const a of withType)
    expect({ attr: a.name, canonicalValues: typeValues(a.name) }).toEqual({
      attr: a.name,
      canonicalValues: expect.any(Array),
    });
});

it("lists externalId in the User and Group schemas as the client's own, case-exact, read-write attribute", async () => {
  for (const id of ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group']) {
    const externalId = named((await schemaById(id)).attributes, 'externalId');
    expect(externalId).toMatchObject({
      type: 'string',
      multiValued: false,
      caseExact: true,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
  }
});

it('treats externalId, now listed in the schema, exactly as before: returned once, projected, filtered and patched', async () => {
  const externalId = `ext-${Date.now()}`;
  const created = await s.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `${externalId}@contoso.com`,
    externalId,
  });
  expect(created.text.match(/"externalId"/g)).toHaveLength(1);
  const id = created.body.id;
  expect((await s.scim('GET', `/Users/${id}?attributes=userName`)).body.externalId).toBeUndefined();
  expect((await s.scim('GET', `/Users/${id}?excludedAttributes=externalId`)).body.externalId).toBeUndefined();
  expect((await s.scim('GET', `/Users/${id}?attributes=externalId`)).body).toMatchObject({ id, externalId });
  expect((await s.scim('GET', `/Users?filter=externalId eq "${externalId}"`)).body.totalResults).toBe(1);
  expect((await s.scim('GET', `/Users?filter=externalId eq "${externalId.toUpperCase()}"`)).body.totalResults).toBe(0); // caseExact
  const patched = await s.scim('PATCH', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'Replace', path: 'externalId', value: `${externalId}-2` }],
  });
  expect(patched.body.externalId).toBe(`${externalId}-2`);
  const group = await s.scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: `G ${externalId}`,
    externalId,
  });
  expect(
    (await s.scim('GET', `/Groups?filter=externalId eq "${externalId}"&excludedAttributes=members`)).body.Resources.map(
      (g: { id: string }) => g.id,
    ),
  ).toEqual([group.body.id]);
});

/**
 * The target attributes of Entra's default mappings for a non-gallery SCIM app, as Entra writes them (the
 * "Default user attribute mapping" and "Default group attribute mapping" tables of
 * https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups, and the
 * attributes the portal's default customappsso mapping adds: name.formatted, the other work address fields,
 * preferredLanguage). A client that discovers the schema must find each of them.
 */
const ENTRA_USER_TARGETS = [
  'userName',
  'active',
  'displayName',
  'title',
  'preferredLanguage',
  'externalId',
  'emails[type eq "work"].value',
  'emails[type eq "other"].Value',
  'name.givenName',
  'name.familyName',
  'name.formatted',
  'addresses[type eq "work"].formatted',
  'addresses[type eq "work"].streetAddress',
  'addresses[type eq "work"].locality',
  'addresses[type eq "work"].region',
  'addresses[type eq "work"].postalCode',
  'addresses[type eq "work"].country',
  'addresses[type eq "other"].Formatted',
  'phoneNumbers[type eq "work"].value',
  'phoneNumbers[type eq "mobile"].value',
  'phoneNumbers[type eq "fax"].value',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
];
const ENTRA_GROUP_TARGETS = ['displayName', 'externalId', 'members'];

/** Why an Entra target path cannot be found in the served schemas, or undefined when it can. */
function undiscoverable(path: string, core: SchemaDoc, extensions: SchemaDoc[]): string | undefined {
  const ext = extensions.find((e) => path.toLowerCase().startsWith(`${e.id.toLowerCase()}:`));
  const [attrs, rest] = ext ? [ext.attributes, path.slice(ext.id.length + 1)] : [core.attributes, path];
  const m = /^(\w+)(?:\[type eq "(\w+)"\])?(?:\.(\w+))?$/.exec(rest);
  if (!m) return 'not a path form this walk knows';
  const [, name, type, sub] = m;
  const attr = named(attrs, name);
  if (!attr) return `no attribute "${name}"`;
  if (attr.mutability === 'readOnly') return `"${name}" is read-only`;
  if (type !== undefined) {
    const canonical = named(attr.subAttributes, 'type')?.canonicalValues ?? [];
    if (!attr.multiValued || !canonical.includes(type)) return `"${name}.type" does not offer "${type}"`;
  }
  if (sub !== undefined && !named(attr.subAttributes, sub)) return `"${name}" has no sub-attribute "${sub}"`;
  return undefined;
}

it("makes every attribute of Entra's default user and group mappings discoverable by its Entra path", async () => {
  const [user, enterprise, group] = await Promise.all(
    [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ].map(schemaById),
  );
  const missing = [
    ...ENTRA_USER_TARGETS.map((p) => [p, undiscoverable(p, user, [enterprise])]),
    ...ENTRA_GROUP_TARGETS.map((p) => [p, undiscoverable(p, group, [])]),
  ].filter(([, why]) => why);
  expect(missing).toEqual([]);
  // The walk itself refuses what is not there.
  expect(undiscoverable('phoneNumbers[type eq "satellite"].value', user, [enterprise])).toBeDefined();
  expect(
    undiscoverable('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:badge', user, [enterprise]),
  ).toBeDefined();
  expect(undiscoverable('groups', user, [enterprise])).toBeDefined();
});
