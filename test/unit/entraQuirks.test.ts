import { JsonObject } from '../../shared/scim/document';
import { applyPatch, parsePatchRequest, PATCH_OP_SCHEMA } from '../../shared/scim/patch';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { toStoredResource } from '../../shared/scim/resourceInput';
import { scimErrorOf } from './expectScimError';
import { U, EU } from '../support/urns';

/**
 * One Entra form and one RFC form per quirk in shared/scim/entraQuirks/, always through the public entry points
 * (applyPatch, toStoredResource) with bodies as Entra sends them (docs/architecture.md#entra-quirks).
 */
const { user: userSchema, group: groupSchema } = buildSchemaRegistry([]);

const patchUser = (resource: JsonObject, ...Operations: unknown[]) =>
  applyPatch(resource, parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations }), userSchema);
const patchGroup = (resource: JsonObject, ...Operations: unknown[]) =>
  applyPatch(resource, parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations }), groupSchema);

const alice = (): JsonObject => ({
  userName: 'alice@contoso.com',
  active: true,
  name: { givenName: 'Alice', familyName: 'Smith' },
  emails: [{ type: 'home', value: 'alice@home.example' }],
  addresses: [{ type: 'home', locality: 'Springfield' }],
});

describe('stringBooleans: "True"/"False" strings for booleans', () => {
  test('Entra form: {"op":"Replace","path":"active","value":"False"} disables the user with a JSON boolean', () => {
    const out = patchUser(alice(), { op: 'Replace', path: 'active', value: 'False' });
    expect(out.active).toBe(false);
  });

  test('Entra form: "True" re-enables the user, in any case', () => {
    expect(patchUser({ ...alice(), active: false }, { op: 'Replace', path: 'active', value: 'True' }).active).toBe(
      true,
    );
    expect(patchUser({ ...alice(), active: false }, { op: 'Replace', path: 'active', value: 'tRUE' }).active).toBe(
      true,
    );
  });

  test('RFC form: {"op":"replace","path":"active","value":false} disables the user', () => {
    expect(patchUser(alice(), { op: 'replace', path: 'active', value: false }).active).toBe(false);
  });

  test('a string that is not a boolean is still 400 invalidValue naming active', () => {
    const e = scimErrorOf(() => patchUser(alice(), { op: 'Replace', path: 'active', value: 'No' }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('active');
  });

  test('Entra form in a create body: "active":"True" is stored as boolean true', () => {
    expect(toStoredResource({ schemas: [U], userName: 'u', active: 'True' }, userSchema).active).toBe(true);
  });

  test('RFC form in a create body: "active":true is stored as boolean true', () => {
    expect(toStoredResource({ schemas: [U], userName: 'u', active: true }, userSchema).active).toBe(true);
  });

  test('Entra form in a role filter path: roles[primary eq "True"].value creates a primary role with a boolean', () => {
    const out = patchUser(alice(), { op: 'Add', path: 'roles[primary eq "True"].value', value: 'Admin' });
    expect(out.roles).toEqual([{ primary: true, value: 'Admin' }]);
  });
});

describe('managerForms: manager as a string, an array or an object', () => {
  test('Entra observed form: a bare id string on the URN path becomes {"value": id}', () => {
    const out = patchUser(alice(), { op: 'add', path: `${EU}:manager`, value: 'mgr-1' });
    expect(out[EU]).toEqual({ manager: { value: 'mgr-1' } });
  });

  test('Entra documented form: [{"$ref","value"}] on path "manager" becomes one manager object', () => {
    const out = patchUser(alice(), {
      op: 'Add',
      path: 'manager',
      value: [{ $ref: 'https://host/scim/v2/Users/mgr-1', value: 'mgr-1' }],
    });
    expect(out[EU]).toEqual({ manager: { $ref: 'https://host/scim/v2/Users/mgr-1', value: 'mgr-1' } });
  });

  test('RFC form: {"value": id} on the URN path is stored as sent', () => {
    const out = patchUser(alice(), { op: 'replace', path: `${EU}:manager`, value: { value: 'mgr-1' } });
    expect(out[EU]).toEqual({ manager: { value: 'mgr-1' } });
  });

  test('a new manager replaces the old one whole, dropping the old $ref', () => {
    const start = { ...alice(), [EU]: { manager: { value: 'old', $ref: 'https://host/scim/v2/Users/old' } } };
    expect(patchUser(start, { op: 'Replace', path: `${EU}:manager`, value: 'new' })[EU]).toEqual({
      manager: { value: 'new' },
    });
  });

  test.each([
    ['an empty string', ''],
    ['an empty array', []],
    ['an empty object', {}],
    ['an object with an empty value', { value: '' }],
  ])('Entra/validator form: Replace with %s removes the manager', (_what, value) => {
    const start = { ...alice(), [EU]: { manager: { value: 'mgr-1' } } };
    expect(patchUser(start, { op: 'Replace', path: `${EU}:manager`, value })).not.toHaveProperty(EU);
  });

  test('Replace with empty keeps the other enterprise attributes', () => {
    const start = { ...alice(), [EU]: { department: 'Sales', manager: { value: 'mgr-1' } } };
    expect(patchUser(start, { op: 'Replace', path: 'manager', value: '' })[EU]).toEqual({ department: 'Sales' });
  });

  test('RFC form: Remove with a path and no value removes the manager', () => {
    const start = { ...alice(), [EU]: { manager: { value: 'mgr-1' } } };
    expect(patchUser(start, { op: 'remove', path: `${EU}:manager` })).not.toHaveProperty(EU);
  });

  test('Entra form in a create body: "manager":"id" under the enterprise key is stored as {"value": id}', () => {
    const out = toStoredResource({ schemas: [U, EU], userName: 'u', [EU]: { manager: 'mgr-1' } }, userSchema);
    expect(out[EU]).toEqual({ manager: { value: 'mgr-1' } });
  });

  test('RFC form in a create body: "manager":{"value": id} is stored as sent', () => {
    const out = toStoredResource(
      { schemas: [U, EU], userName: 'u', [EU]: { manager: { value: 'mgr-1', displayName: 'Boss' } } },
      userSchema,
    );
    expect(out[EU]).toEqual({ manager: { value: 'mgr-1', displayName: 'Boss' } });
  });
});

describe('unqualified "manager" path (resourceSchema.ts)', () => {
  test('Entra form: path "manager" means the enterprise extension\'s manager', () => {
    const out = patchUser(alice(), { op: 'Add', path: 'manager', value: { value: 'mgr-1' } });
    expect(out[EU]).toEqual({ manager: { value: 'mgr-1' } });
    expect(out).not.toHaveProperty('manager');
  });

  test('RFC form: the URN-qualified path gives the same result', () => {
    const out = patchUser(alice(), { op: 'add', path: `${EU}:manager`, value: { value: 'mgr-1' } });
    expect(out).toEqual(patchUser(alice(), { op: 'Add', path: 'manager', value: { value: 'mgr-1' } }));
  });

  test('the unqualified name is case-insensitive and also works for sub-attributes', () => {
    const out = patchUser(alice(), { op: 'Replace', path: 'Manager.value', value: 'mgr-2' });
    expect(out[EU]).toEqual({ manager: { value: 'mgr-2' } });
  });

  test('an unqualified core attribute still resolves to the core schema', () => {
    expect(userSchema.resolve({ attr: 'displayName' })).toEqual({
      urn: undefined,
      def: expect.objectContaining({ name: 'displayName' }),
    });
    expect(userSchema.resolve({ attr: 'manager' }).urn).toBe(EU);
  });
});

describe('pathlessReplace: a value object keyed by attribute paths', () => {
  const entraBody = {
    op: 'replace',
    value: { displayName: 'x', 'name.givenName': 'y', [`${EU}:employeeNumber`]: '7' },
  };

  test('Entra form: dotted and URN-qualified keys each set their attribute', () => {
    const out = patchUser(alice(), entraBody);
    expect(out.displayName).toBe('x');
    expect(out.name).toEqual({ givenName: 'y', familyName: 'Smith' });
    expect(out[EU]).toEqual({ employeeNumber: '7' });
    // The path keys are applied, not stored as literal keys.
    expect(Object.keys(out).sort()).toEqual(
      [EU, 'active', 'displayName', 'emails', 'addresses', 'name', 'userName'].sort(),
    );
  });

  test('RFC form: nested objects under the attribute and the extension URN give the same result', () => {
    const rfc = { op: 'replace', value: { displayName: 'x', name: { givenName: 'y' }, [EU]: { employeeNumber: '7' } } };
    expect(patchUser(alice(), rfc)).toEqual(patchUser(alice(), entraBody));
  });

  test('Entra form: the work email still arrives as its own pathed operation in the same request', () => {
    const out = patchUser(
      alice(),
      { op: 'replace', value: { displayName: 'x', 'name.familyName': 'z' } },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@contoso.com' },
    );
    expect(out.name).toEqual({ givenName: 'Alice', familyName: 'z' });
    expect(out.emails).toEqual([
      { type: 'home', value: 'alice@home.example' },
      { type: 'work', value: 'x@contoso.com' },
    ]);
  });

  test('an unknown key in a path-less value is 400 invalidPath naming it', () => {
    const e = scimErrorOf(() => patchUser(alice(), { op: 'replace', value: { 'name.nickname': 'x' } }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidPath']);
    expect(e.detail).toContain('nickname');
  });
});

describe('removeWithValueList: Remove with a value list removes only those values', () => {
  const team = (): JsonObject => ({
    displayName: 'Team',
    members: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }],
  });

  test('Entra form: {"op":"Remove","path":"members","value":[{"$ref":null,"value":"u2"}]} removes only u2', () => {
    const out = patchGroup(team(), { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u2' }] });
    expect(out.members).toEqual([{ value: 'u1' }, { value: 'u3' }]);
  });

  test('Entra form: several members in one value list are all removed', () => {
    const out = patchGroup(team(), {
      op: 'Remove',
      path: 'members',
      value: [
        { $ref: null, value: 'u1' },
        { $ref: null, value: 'u3' },
      ],
    });
    expect(out.members).toEqual([{ value: 'u2' }]);
  });

  test('RFC form: {"op":"remove","path":"members[value eq \\"u2\\"]"} removes only u2', () => {
    expect(patchGroup(team(), { op: 'remove', path: 'members[value eq "u2"]' }).members).toEqual([
      { value: 'u1' },
      { value: 'u3' },
    ]);
  });

  test('Entra form on emails: {"op":"Remove","path":"emails","value":[{"value":"a@x.com"}]} removes only that element', () => {
    const start = {
      userName: 'u',
      emails: [
        { type: 'work', value: 'a@x.com' },
        { type: 'home', value: 'b@x.com' },
      ],
    };
    const out = patchUser(start, { op: 'Remove', path: 'emails', value: [{ value: 'a@x.com' }] });
    expect(out.emails).toEqual([{ type: 'home', value: 'b@x.com' }]);
  });

  test('RFC form on emails: emails[value eq "a@x.com"] removes only that element', () => {
    const start = {
      userName: 'u',
      emails: [
        { type: 'work', value: 'a@x.com' },
        { type: 'home', value: 'b@x.com' },
      ],
    };
    expect(patchUser(start, { op: 'remove', path: 'emails[value eq "a@x.com"]' }).emails).toEqual([
      { type: 'home', value: 'b@x.com' },
    ]);
  });

  test('removing a member that is not in the group leaves the group unchanged', () => {
    expect(patchGroup(team(), { op: 'Remove', path: 'members', value: [{ value: 'u9' }] }).members).toEqual(
      team().members,
    );
  });

  test('removing every listed member leaves no members attribute', () => {
    const out = patchGroup(team(), {
      op: 'Remove',
      path: 'members',
      value: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }],
    });
    expect(out).not.toHaveProperty('members');
  });
});

describe('valueFilterUpsert: Add/Replace on a value filter creates the element when missing', () => {
  test('Entra form: Replace on emails[type eq "work"].value creates the work email when missing', () => {
    const out = patchUser(alice(), {
      op: 'Replace',
      path: 'emails[type eq "work"].value',
      value: 'updatedEmail@contoso.com',
    });
    expect(out.emails).toEqual([
      { type: 'home', value: 'alice@home.example' },
      { type: 'work', value: 'updatedEmail@contoso.com' },
    ]);
  });

  test('Entra form: Add on phoneNumbers[type eq "mobile"].value creates the first mobile number', () => {
    const out = patchUser(
      { userName: 'u' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '55555555555' },
    );
    expect(out.phoneNumbers).toEqual([{ type: 'mobile', value: '55555555555' }]);
  });

  test('Entra form: Replace on addresses[type eq "work"].locality creates the work address', () => {
    const out = patchUser(alice(), { op: 'Replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' });
    expect(out.addresses).toEqual([
      { type: 'home', locality: 'Springfield' },
      { type: 'work', locality: 'Redmond' },
    ]);
  });

  test('Entra form: a capitalised sub-attribute (emails[type eq "other"].Value) is stored in schema spelling', () => {
    const out = patchUser({ userName: 'u' }, { op: 'Add', path: 'emails[type eq "other"].Value', value: 'o@x.com' });
    expect(out.emails).toEqual([{ type: 'other', value: 'o@x.com' }]);
  });

  test('RFC form: Replace on emails[type eq "work"].value changes the existing work email in place', () => {
    const start = {
      ...alice(),
      emails: [
        { type: 'work', value: 'old@contoso.com', primary: true },
        { type: 'home', value: 'h@x.com' },
      ],
    };
    const out = patchUser(start, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' });
    expect(out.emails).toEqual([
      { type: 'work', value: 'new@contoso.com', primary: true },
      { type: 'home', value: 'h@x.com' },
    ]);
  });

  test('RFC form: Replace on addresses[type eq "work"].locality keeps the address\'s other parts', () => {
    const start = { userName: 'u', addresses: [{ type: 'work', streetAddress: '1 Way', locality: 'Old' }] };
    const out = patchUser(start, { op: 'replace', path: 'addresses[type eq "work"].locality', value: 'Redmond' });
    expect(out.addresses).toEqual([{ type: 'work', streetAddress: '1 Way', locality: 'Redmond' }]);
  });

  test('a filter that is not a plain "eq" conjunction cannot describe an element: 400 noTarget', () => {
    const e = scimErrorOf(() =>
      patchUser(alice(), { op: 'Replace', path: 'emails[type eq "work" or type eq "other"].value', value: 'x@y.com' }),
    );
    expect([e.status, e.scimType]).toEqual([400, 'noTarget']);
  });
});

describe('create-body quirks (resourceInput.ts)', () => {
  /** Entra's create body (docs/architecture.md#entra-quirks), plus legacy nulls and odd schema URIs. */
  const entraCreate = {
    schemas: [U, EU, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7894b6e5e0d5',
    userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    active: true,
    emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };

  test("Entra's create body from the docs is accepted and stored as sent, without meta", () => {
    const { roles, ...out } = toStoredResource(entraCreate, userSchema);
    expect(out).toEqual({
      externalId: entraCreate.externalId,
      userName: entraCreate.userName,
      active: true,
      emails: entraCreate.emails,
      name: entraCreate.name,
    });
    // RFC 7643 §2.5: an empty array and an unassigned attribute are the same state.
    expect(roles ?? []).toEqual([]);
  });

  test('Entra form: null attribute values are treated as absent', () => {
    const out = toStoredResource(
      {
        schemas: [U],
        userName: 'u',
        addresses: null,
        title: null,
        name: { givenName: null, familyName: 'F' },
        [EU]: null,
      },
      userSchema,
    );
    expect(out).toEqual({ userName: 'u', name: { familyName: 'F' } });
  });

  test('RFC form: omitted attributes are absent', () => {
    expect(toStoredResource({ schemas: [U], userName: 'u', name: { familyName: 'F' } }, userSchema)).toEqual({
      userName: 'u',
      name: { familyName: 'F' },
    });
  });

  test('Entra form: unknown schema URIs in "schemas" are ignored', () => {
    const out = toStoredResource(
      { schemas: [U, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User'], userName: 'u' },
      userSchema,
    );
    expect(out).toEqual({ userName: 'u' });
  });

  test('Entra form: the ADSCIM group schema URI is ignored on a group', () => {
    const out = toStoredResource(
      {
        schemas: [
          'urn:ietf:params:scim:schemas:core:2.0:Group',
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
        ],
        externalId: 'g-obj',
        displayName: 'Team',
        meta: { resourceType: 'Group' },
      },
      groupSchema,
    );
    expect(out).toEqual({ externalId: 'g-obj', displayName: 'Team' });
  });

  test('Entra form: a custom extension used without being listed in "schemas" is accepted', () => {
    const ext = 'urn:ietf:params:scim:schemas:extension:Spoke:2.0:User';
    const schema = buildSchemaRegistry([
      {
        id: ext,
        resourceType: 'User',
        attributes: [
          {
            name: 'badge',
            type: 'string',
            multiValued: false,
            required: false,
            caseExact: false,
            mutability: 'readWrite',
            returned: 'default',
            uniqueness: 'none',
          },
        ],
      },
    ]).user;
    expect(toStoredResource({ schemas: [U], userName: 'u', [ext]: { badge: 'B1' } }, schema)[ext]).toEqual({
      badge: 'B1',
    });
  });

  test('RFC form: known schema URIs only', () => {
    expect(toStoredResource({ schemas: [U, EU], userName: 'u', [EU]: { department: 'D' } }, userSchema)).toEqual({
      userName: 'u',
      [EU]: { department: 'D' },
    });
  });

  test('Entra form: server-owned meta in the body is ignored', () => {
    const out = toStoredResource(
      { schemas: [U], userName: 'u', meta: { resourceType: 'User', created: '2000-01-01T00:00:00Z' } },
      userSchema,
    );
    expect(out).not.toHaveProperty('meta');
  });

  test('server-owned id and groups in the body are ignored (RFC 7643 §2.2)', () => {
    const out = toStoredResource(
      { schemas: [U], id: 'client-chosen', userName: 'u', groups: [{ value: 'g1' }] },
      userSchema,
    );
    expect(out).toEqual({ userName: 'u' });
  });

  test('Entra form: "roles":[] is accepted and adds no role', () => {
    const out = toStoredResource({ schemas: [U], userName: 'u', roles: [] }, userSchema);
    // RFC 7643 §2.5: an empty array and an unassigned attribute are the same state.
    expect(out.roles ?? []).toEqual([]);
    expect(Object.keys(out).filter((k) => k !== 'roles')).toEqual(['userName']);
  });

  test('RFC form: roles with values are stored as sent', () => {
    const out = toStoredResource(
      { schemas: [U], userName: 'u', roles: [{ value: 'Admin', primary: 'True' }] },
      userSchema,
    );
    expect(out.roles).toEqual([{ value: 'Admin', primary: true }]);
  });

  test("Entra's AppRoleAssignmentsComplex role value (a JSON-encoded string) is kept verbatim", () => {
    const value = '{"id":"8d3e1c5a","value":"Admin","displayName":"Admin"}';
    expect(patchUser(alice(), { op: 'Add', path: 'roles', value: [{ value }] }).roles).toEqual([{ value }]);
  });
});
