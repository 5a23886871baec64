import { JsonObject } from '../../shared/scim/document';
import { parseProjection, ResourceMeta, toRepresentation } from '../../shared/scim/representation';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { extensionConfigSchema } from '../../shared/scim/schemaDefinitions';
import { scimErrorOf } from './expectScimError';
import { U, G, EU } from '../support/urns';

const BASE = 'https://scim.example.net/api/scim/v2';
const { user: userSchema, group: groupSchema } = buildSchemaRegistry([]);

const meta: ResourceMeta = {
  id: 'u-123',
  created: '2024-01-10T08:00:00Z',
  lastModified: '2024-03-01T12:30:00Z',
  version: 'W/"3"',
};

const stored = (): JsonObject => ({
  userName: 'alice@contoso.com',
  externalId: 'alice',
  displayName: 'Alice',
  active: true,
  password: 'hunter2',
  name: { givenName: 'Alice', familyName: 'Smith' },
  emails: [{ type: 'work', value: 'alice@contoso.com', primary: true }],
  [EU]: { department: 'Sales', manager: { value: 'm-1' } },
});

/** toRepresentation with `attributes` / `excludedAttributes` given as the query-string text. */
const represent = (attributes?: string, excluded?: string, doc: JsonObject = stored()) =>
  toRepresentation(doc, meta, userSchema, BASE, parseProjection(attributes, excluded));

describe('the default representation', () => {
  test('returns schemas, id, the stored attributes and meta', () => {
    expect(represent()).toEqual({
      schemas: [U, EU],
      id: 'u-123',
      externalId: 'alice',
      userName: 'alice@contoso.com',
      displayName: 'Alice',
      active: true,
      name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [{ type: 'work', value: 'alice@contoso.com', primary: true }],
      [EU]: { department: 'Sales', manager: { value: 'm-1' } },
      meta: {
        resourceType: 'User',
        created: '2024-01-10T08:00:00Z',
        lastModified: '2024-03-01T12:30:00Z',
        location: `${BASE}/Users/u-123`,
        version: 'W/"3"',
      },
    });
  });

  test('password is never returned', () => {
    expect(represent()).not.toHaveProperty('password');
  });

  test('password is not returned even when asked for', () => {
    expect(represent('password,userName')).toEqual({ schemas: [U], id: 'u-123', userName: 'alice@contoso.com' });
  });

  test('the enterprise URN is listed in schemas only when the user has enterprise attributes', () => {
    const doc = stored();
    delete doc[EU];
    const out = represent(undefined, undefined, doc);
    expect(out.schemas).toEqual([U]);
    expect(out).not.toHaveProperty(EU);
  });

  test('meta.location is built from the base URL, the endpoint and the id', () => {
    expect((represent().meta as JsonObject).location).toBe('https://scim.example.net/api/scim/v2/Users/u-123');
    const group = toRepresentation({ displayName: 'Team' }, { ...meta, id: 'g-9' }, groupSchema, BASE);
    expect((group.meta as JsonObject).location).toBe('https://scim.example.net/api/scim/v2/Groups/g-9');
    expect((group.meta as JsonObject).resourceType).toBe('Group');
  });

  test("a client id or meta in the stored document cannot override the server's", () => {
    const out = represent(undefined, undefined, { ...stored(), id: 'forged', meta: { location: 'https://evil' } });
    expect(out.id).toBe('u-123');
    expect((out.meta as JsonObject).location).toBe(`${BASE}/Users/u-123`);
  });

  test('values come back exactly as stored', () => {
    const doc = {
      userName: 'u',
      phoneNumbers: [{ type: 'work', value: '55555555555' }],
      displayName: '  Odd   Spacing ',
    };
    const out = represent(undefined, undefined, doc);
    expect(out.phoneNumbers).toEqual([{ type: 'work', value: '55555555555' }]);
    expect(out.displayName).toBe('  Odd   Spacing ');
  });
});

describe('attributes=', () => {
  test('returns only the named attributes, plus id and schemas', () => {
    expect(represent('userName,active')).toEqual({
      schemas: [U],
      id: 'u-123',
      userName: 'alice@contoso.com',
      active: true,
    });
  });

  test('attribute names are case-insensitive', () => {
    expect(represent('USERNAME')).toEqual({ schemas: [U], id: 'u-123', userName: 'alice@contoso.com' });
  });

  test('a sub-attribute returns only that part of the complex attribute', () => {
    expect(represent('name.givenName')).toEqual({ schemas: [U], id: 'u-123', name: { givenName: 'Alice' } });
  });

  test('a sub-attribute of a multi-valued attribute is picked from every element', () => {
    const doc = {
      ...stored(),
      emails: [
        { type: 'work', value: 'a@x.com' },
        { type: 'home', value: 'b@x.com' },
      ],
    };
    expect(represent('emails.value', undefined, doc).emails).toEqual([{ value: 'a@x.com' }, { value: 'b@x.com' }]);
  });

  test('elements without the requested sub-attribute are left out, not returned as {}', () => {
    const doc = {
      ...stored(),
      emails: [
        { type: 'work', value: 'a@x.com', display: 'Work' },
        { type: 'home', value: 'b@x.com' },
      ],
    };
    expect(represent('emails.display', undefined, doc).emails).toEqual([{ display: 'Work' }]);
    expect(represent('emails.display')).toEqual({ schemas: [U], id: 'u-123' });
  });

  test('a complex attribute without sub-attribute returns it whole', () => {
    expect(represent('name').name).toEqual({ givenName: 'Alice', familyName: 'Smith' });
  });

  test('the extension URN returns the whole extension and lists it in schemas', () => {
    expect(represent(EU)).toEqual({
      schemas: [U, EU],
      id: 'u-123',
      [EU]: { department: 'Sales', manager: { value: 'm-1' } },
    });
  });

  test('a URN-qualified extension attribute returns only that attribute', () => {
    expect(represent(`${EU}:department`)).toEqual({ schemas: [U, EU], id: 'u-123', [EU]: { department: 'Sales' } });
  });

  test('the unqualified "manager" means the enterprise manager', () => {
    expect(represent('manager')).toEqual({ schemas: [U, EU], id: 'u-123', [EU]: { manager: { value: 'm-1' } } });
  });

  test('meta is returned only when asked for', () => {
    expect(represent('userName')).not.toHaveProperty('meta');
    expect(represent('meta').meta).toEqual(expect.objectContaining({ location: `${BASE}/Users/u-123` }));
  });

  test('an unknown attribute name is ignored', () => {
    expect(represent('nonsense,userName')).toEqual({ schemas: [U], id: 'u-123', userName: 'alice@contoso.com' });
  });
});

describe('excludedAttributes=', () => {
  test('leaves out the named attributes and keeps the rest', () => {
    const out = represent(undefined, 'emails,displayName');
    expect(out).not.toHaveProperty('emails');
    expect(out).not.toHaveProperty('displayName');
    expect(out.userName).toBe('alice@contoso.com');
    expect(out.meta).toBeDefined();
  });

  test('a sub-attribute leaves out only that sub-attribute', () => {
    expect(represent(undefined, 'name.givenName').name).toEqual({ familyName: 'Smith' });
  });

  test('excluding the only sub-attribute an element has leaves that element out', () => {
    const doc = { ...stored(), phoneNumbers: [{ value: '1' }, { value: '2', type: 'work' }] };
    expect(represent(undefined, 'phoneNumbers.value', doc).phoneNumbers).toEqual([{ type: 'work' }]);
  });

  test('the extension URN leaves out the extension and its schemas entry', () => {
    const out = represent(undefined, EU);
    expect(out).not.toHaveProperty(EU);
    expect(out.schemas).toEqual([U]);
  });

  test('a URN-qualified extension attribute leaves out only that attribute', () => {
    expect(represent(undefined, `${EU}:manager`)[EU]).toEqual({ department: 'Sales' });
  });

  test('id and schemas are returned even when excluded', () => {
    const out = represent(undefined, 'id,schemas,userName');
    expect(out.id).toBe('u-123');
    expect(out.schemas).toEqual([U, EU]);
    expect(out).not.toHaveProperty('userName');
  });

  test("Entra's excludedAttributes=members returns a group without members", () => {
    const group = { displayName: 'Team', externalId: 'g-obj', members: [{ value: 'u1' }] };
    expect(
      toRepresentation(group, { ...meta, id: 'g-1' }, groupSchema, BASE, parseProjection(null, 'members')),
    ).toEqual({
      schemas: [G],
      id: 'g-1',
      externalId: 'g-obj',
      displayName: 'Team',
      meta: expect.objectContaining({ resourceType: 'Group', location: `${BASE}/Groups/g-1` }),
    });
  });
});

describe('parseProjection', () => {
  test('splits and trims a comma-separated list', () => {
    expect(parseProjection(' userName , name.givenName ,', null)).toEqual({
      attributes: [{ attr: 'userName' }, { attr: 'name', sub: 'givenName' }],
      excludedAttributes: undefined,
    });
  });

  test('empty or missing parameters mean no projection', () => {
    expect(parseProjection('', '  ')).toEqual({ attributes: undefined, excludedAttributes: undefined });
    expect(parseProjection(undefined, null)).toEqual({ attributes: undefined, excludedAttributes: undefined });
  });

  test('an entry that is not an attribute path is 400 invalidValue naming it', () => {
    const e = scimErrorOf(() => parseProjection('userName,a.b.c', null));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('a.b.c');
  });
});

describe('custom extensions', () => {
  test('a custom extension is represented under its URN and listed in schemas', () => {
    const ext = 'urn:ietf:params:scim:schemas:extension:SpokeCustom:2.0:User';
    const schema = buildSchemaRegistry(
      extensionConfigSchema.parse([
        { id: ext, resourceType: 'User', attributes: [{ name: 'startDate', type: 'string' }] },
      ]),
    ).user;
    const out = toRepresentation({ userName: 'u', [ext]: { startDate: '2024-05-01' } }, meta, schema, BASE);
    expect(out.schemas).toEqual([U, ext]);
    expect(out[ext]).toEqual({ startDate: '2024-05-01' });
  });
});
