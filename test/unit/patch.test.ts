import { JsonObject } from '../../shared/scim/document';
import { applyPatch, parsePatchRequest, PATCH_OP_SCHEMA, PatchOperation } from '../../shared/scim/patch';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { scimErrorOf } from './expectScimError';
import { EU } from '../support/urns';

const { user: userSchema, group: groupSchema } = buildSchemaRegistry([]);

const body = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });
/** Parses a PatchOp body and applies it to a user, as the PATCH endpoint does. */
const patchUser = (resource: JsonObject, ...ops: unknown[]) =>
  applyPatch(resource, parsePatchRequest(body(...ops)), userSchema);

const base = (): JsonObject => ({
  userName: 'alice@contoso.com',
  externalId: 'alice',
  displayName: 'Alice',
  active: true,
  name: { givenName: 'Alice', familyName: 'Smith' },
  emails: [
    { type: 'work', value: 'alice@contoso.com', primary: true },
    { type: 'home', value: 'alice@home.example' },
  ],
  [EU]: { department: 'Sales' },
});

describe('parsePatchRequest', () => {
  test('a valid PatchOp body yields its operations with lower-cased op names', () => {
    const ops = parsePatchRequest(
      body(
        { op: 'Replace', path: 'active', value: false },
        { op: 'ADD', path: 'title', value: 'x' },
        { op: 'remove', path: 'nickName' },
      ),
    );
    expect(ops).toEqual([
      { op: 'replace', path: 'active', value: false },
      { op: 'add', path: 'title', value: 'x' },
      { op: 'remove', path: 'nickName' },
    ]);
  });

  test('the PatchOp schema URN is recognised case-insensitively', () => {
    expect(
      parsePatchRequest({ schemas: [PATCH_OP_SCHEMA.toUpperCase()], Operations: [{ op: 'remove', path: 'title' }] }),
    ).toHaveLength(1);
  });

  test.each([
    ['missing schemas', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'schemas'],
    [
      'schemas without the PatchOp URN',
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        Operations: [{ op: 'add', path: 'title', value: 'x' }],
      },
      'schemas',
    ],
    ['missing Operations', { schemas: [PATCH_OP_SCHEMA] }, 'Operations'],
    ['an empty Operations array', { schemas: [PATCH_OP_SCHEMA], Operations: [] }, 'Operations'],
    ['Operations that is not an array', { schemas: [PATCH_OP_SCHEMA], Operations: { op: 'add' } }, 'Operations'],
    ['an unknown op', body({ op: 'move', path: 'title', value: 'x' }), 'Operations.0.op'],
    ['an op that is not a string', body({ op: 1, path: 'title' }), 'Operations.0.op'],
    ['an empty path', body({ op: 'remove', path: '' }), 'Operations.0.path'],
    ['a body that is not an object', 'not json', 'body'],
  ])('%s is 400 invalidSyntax naming the problem', (_what, input, where) => {
    const e = scimErrorOf(() => parsePatchRequest(input));
    expect([e.status, e.scimType]).toEqual([400, 'invalidSyntax']);
    expect(e.detail).toContain(`Invalid PatchOp: ${where}`);
  });
});

describe('add', () => {
  test('add on a single-valued attribute sets it', () => {
    expect(patchUser(base(), { op: 'add', path: 'nickName', value: 'Babs' }).nickName).toBe('Babs');
  });

  test('add on a single-valued attribute that has a value replaces it', () => {
    expect(patchUser(base(), { op: 'add', path: 'displayName', value: 'Al' }).displayName).toBe('Al');
  });

  test('add on a multi-valued attribute appends the new values', () => {
    const out = patchUser(base(), { op: 'add', path: 'phoneNumbers', value: [{ type: 'work', value: '1' }] });
    expect(out.phoneNumbers).toEqual([{ type: 'work', value: '1' }]);
    const more = patchUser(base(), { op: 'add', path: 'emails', value: [{ type: 'other', value: 'a@other.example' }] });
    expect(more.emails).toEqual([...(base().emails as JsonObject[]), { type: 'other', value: 'a@other.example' }]);
  });

  test('adding a value that is already there does not duplicate it', () => {
    const out = patchUser(base(), {
      op: 'add',
      path: 'emails',
      value: [{ type: 'home', value: 'alice@home.example' }],
    });
    expect(out.emails).toEqual(base().emails);
  });

  test('add on a complex attribute merges the given sub-attributes', () => {
    const out = patchUser(base(), { op: 'add', path: 'name', value: { middleName: 'J' } });
    expect(out.name).toEqual({ givenName: 'Alice', familyName: 'Smith', middleName: 'J' });
  });

  test('add without a path merges each attribute of the value object', () => {
    const out = patchUser(base(), {
      op: 'add',
      value: { title: 'CEO', name: { honorificPrefix: 'Dr' }, phoneNumbers: [{ type: 'mobile', value: '2' }] },
    });
    expect(out.title).toBe('CEO');
    expect(out.name).toEqual({ givenName: 'Alice', familyName: 'Smith', honorificPrefix: 'Dr' });
    expect(out.phoneNumbers).toEqual([{ type: 'mobile', value: '2' }]);
  });

  test('add on a sub-attribute path sets just that sub-attribute', () => {
    const out = patchUser({ userName: 'u' }, { op: 'add', path: 'name.givenName', value: 'Bo' });
    expect(out.name).toEqual({ givenName: 'Bo' });
  });

  test('add on an extension attribute creates the extension object', () => {
    const out = patchUser({ userName: 'u' }, { op: 'add', path: `${EU}:employeeNumber`, value: '7' });
    expect(out[EU]).toEqual({ employeeNumber: '7' });
  });

  test('add with the extension URN as path merges its attributes', () => {
    const out = patchUser(base(), { op: 'add', path: EU, value: { employeeNumber: '7' } });
    expect(out[EU]).toEqual({ department: 'Sales', employeeNumber: '7' });
  });

  test.each([
    ['a string', { op: 'add', path: EU, value: 'Sales' }],
    ['no value', { op: 'add', path: EU }],
    ['null in a path-less value', { op: 'replace', value: { [EU]: null } }],
    ['an array', { op: 'replace', path: EU, value: [{ department: 'x' }] }],
  ])('the extension URN as path with %s is 400 invalidValue, not a crash', (_what, op) => {
    const e = scimErrorOf(() => patchUser(base(), op));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain(EU);
  });

  test('add without a value is 400 invalidValue', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'add', path: 'title' }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('title');
  });

  test('add without a path and with a non-object value is 400 invalidValue', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'add', value: 'x' }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
  });
});

describe('replace', () => {
  test('replace on a single-valued attribute sets it', () => {
    expect(patchUser(base(), { op: 'replace', path: 'userName', value: '5b50@testuser.com' }).userName).toBe(
      '5b50@testuser.com',
    );
  });

  test('replace on a sub-attribute path changes only that sub-attribute', () => {
    const out = patchUser(base(), { op: 'replace', path: 'name.familyName', value: 'updatedFamilyName' });
    expect(out.name).toEqual({ givenName: 'Alice', familyName: 'updatedFamilyName' });
  });

  test('replace on a complex attribute keeps sub-attributes not in the value (RFC 7644 §3.5.2.3)', () => {
    const out = patchUser(base(), { op: 'replace', path: 'name', value: { familyName: 'Jones' } });
    expect(out.name).toEqual({ givenName: 'Alice', familyName: 'Jones' });
  });

  test('replace on a multi-valued attribute replaces all its values', () => {
    const out = patchUser(base(), {
      op: 'replace',
      path: 'emails',
      value: [{ type: 'work', value: 'new@contoso.com' }],
    });
    expect(out.emails).toEqual([{ type: 'work', value: 'new@contoso.com' }]);
  });

  test('replace with a value filter and sub-attribute changes only the matching element', () => {
    const out = patchUser(base(), {
      op: 'replace',
      path: 'emails[type eq "work"].value',
      value: 'updated@contoso.com',
    });
    expect(out.emails).toEqual([
      { type: 'work', value: 'updated@contoso.com', primary: true },
      { type: 'home', value: 'alice@home.example' },
    ]);
  });

  test('replace with a value filter and no sub-attribute replaces the matching element', () => {
    const out = patchUser(base(), {
      op: 'replace',
      path: 'emails[type eq "home"]',
      value: { type: 'home', value: 'new@home.example' },
    });
    expect(out.emails).toEqual([
      { type: 'work', value: 'alice@contoso.com', primary: true },
      { type: 'home', value: 'new@home.example' },
    ]);
  });

  test('add with a value filter merges into the matching element', () => {
    const out = patchUser(base(), { op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } });
    expect((out.emails as JsonObject[])[1]).toEqual({ type: 'home', value: 'alice@home.example', display: 'Home' });
  });

  test('a value filter matching several elements changes them all', () => {
    const out = patchUser(base(), { op: 'replace', path: 'emails[value co "alice"].display', value: 'A' });
    expect((out.emails as JsonObject[]).map((e) => e.display)).toEqual(['A', 'A']);
  });

  test('value filters use the whole filter language: and, or, not, case rules of the sub-attributes', () => {
    const three = (): JsonObject => ({
      ...base(),
      emails: [...(base().emails as JsonObject[]), { type: 'other', value: 'ALICE@Other.example' }],
    });
    const displays = (path: string) =>
      (patchUser(three(), { op: 'replace', path, value: 'X' }).emails as JsonObject[]).map((e) => e.display ?? '-');
    expect(displays('emails[type eq "work" and primary eq true].display')).toEqual(['X', '-', '-']);
    expect(displays('emails[type eq "home" or value ew "@other.example"].display')).toEqual(['-', 'X', 'X']);
    expect(displays('emails[not (type eq "work") and (value sw "alice@h" or primary pr)].display')).toEqual([
      '-',
      'X',
      '-',
    ]);
    expect(displays('EMAILS[TYPE EQ "WORK"].display')).toEqual(['X', '-', '-']); // names and keywords in any case; "type" is not case-exact
  });

  test('replace on a filter that matches nothing and describes no element is 400 noTarget', () => {
    const e = scimErrorOf(() =>
      patchUser(base(), { op: 'replace', path: 'emails[value co "nobody"].display', value: 'x' }),
    );
    expect([e.status, e.scimType]).toEqual([400, 'noTarget']);
  });

  test('replace without a path sets each attribute of the value object', () => {
    const out = patchUser(base(), { op: 'replace', value: { displayName: 'Al', active: false } });
    expect([out.displayName, out.active]).toEqual(['Al', false]);
  });

  test('attribute names in paths are case-insensitive and stored in schema spelling', () => {
    const out = patchUser(
      base(),
      { op: 'replace', path: 'NAME.FAMILYNAME', value: 'X' },
      { op: 'replace', path: 'DisplayName', value: 'Y' },
    );
    expect(out.name).toEqual({ givenName: 'Alice', familyName: 'X' });
    expect(out.displayName).toBe('Y');
    expect(out).not.toHaveProperty('DisplayName');
  });

  test('a core-URN-qualified path addresses the core attribute', () => {
    const out = patchUser(base(), {
      op: 'replace',
      path: 'urn:ietf:params:scim:schemas:core:2.0:User:displayName',
      value: 'Z',
    });
    expect(out.displayName).toBe('Z');
  });

  test('a sub-attribute path on a multi-valued attribute without a filter is 400 invalidPath for replace', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'replace', path: 'emails.value', value: 'x@y.com' }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidPath']);
    expect(e.detail).toContain('emails[type eq "work"].value');
  });

  test('operations apply in order', () => {
    const out = patchUser(
      base(),
      { op: 'replace', path: 'title', value: 'A' },
      { op: 'replace', path: 'title', value: 'B' },
    );
    expect(out.title).toBe('B');
  });
});

describe('remove', () => {
  test('remove of a single-valued attribute unassigns it', () => {
    expect(patchUser(base(), { op: 'remove', path: 'displayName' })).not.toHaveProperty('displayName');
  });

  test('remove of an attribute that is not set succeeds', () => {
    expect(patchUser(base(), { op: 'remove', path: 'nickName' })).toEqual(base());
  });

  test('remove of a sub-attribute keeps the rest of the complex attribute', () => {
    expect(patchUser(base(), { op: 'remove', path: 'name.givenName' }).name).toEqual({ familyName: 'Smith' });
  });

  test('removing the last sub-attribute unassigns the complex attribute', () => {
    const out = patchUser({ userName: 'u', name: { givenName: 'A' } }, { op: 'remove', path: 'name.givenName' });
    expect(out).not.toHaveProperty('name');
  });

  test('remove of a multi-valued attribute without a filter removes all values', () => {
    expect(patchUser(base(), { op: 'remove', path: 'emails' })).not.toHaveProperty('emails');
  });

  test('remove with a value filter removes only the matching elements', () => {
    const out = patchUser(base(), { op: 'remove', path: 'emails[type eq "home"]' });
    expect(out.emails).toEqual([{ type: 'work', value: 'alice@contoso.com', primary: true }]);
  });

  test('removing every element through a filter unassigns the attribute', () => {
    expect(patchUser(base(), { op: 'remove', path: 'emails[value co "alice"]' })).not.toHaveProperty('emails');
  });

  test('remove with a value filter and sub-attribute removes that sub-attribute from the matches only', () => {
    const out = patchUser(base(), { op: 'remove', path: 'emails[type eq "work"].primary' });
    expect(out.emails).toEqual([
      { type: 'work', value: 'alice@contoso.com' },
      { type: 'home', value: 'alice@home.example' },
    ]);
  });

  test('remove of a sub-attribute of a multi-valued attribute removes it from every element', () => {
    const out = patchUser(base(), { op: 'remove', path: 'emails.type' });
    expect(out.emails).toEqual([{ value: 'alice@contoso.com', primary: true }, { value: 'alice@home.example' }]);
  });

  test('remove of the last extension attribute drops the extension object', () => {
    expect(patchUser(base(), { op: 'remove', path: `${EU}:department` })).not.toHaveProperty(EU);
  });

  test('remove with the extension URN as path removes the whole extension', () => {
    expect(patchUser(base(), { op: 'remove', path: EU })).not.toHaveProperty(EU);
  });

  test('remove without a path is 400 noTarget', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'remove' }));
    expect([e.status, e.scimType]).toEqual([400, 'noTarget']);
  });

  test('remove of the required userName is 400 mutability (RFC 7644 §3.5.2.2)', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'remove', path: 'userName' }));
    expect([e.status, e.scimType]).toEqual([400, 'mutability']);
    expect(e.detail).toContain('userName');
  });

  test('replacing userName with an empty string is 400 mutability, as it unassigns a required attribute', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'replace', path: 'userName', value: '' }));
    expect([e.status, e.scimType]).toEqual([400, 'mutability']);
  });

  test('remove of the required group displayName is 400 mutability', () => {
    const ops = parsePatchRequest(body({ op: 'remove', path: 'displayName' }));
    const e = scimErrorOf(() => applyPatch({ displayName: 'G' }, ops, groupSchema));
    expect([e.status, e.scimType]).toEqual([400, 'mutability']);
  });
});

describe('paths that cannot be modified', () => {
  test.each([
    ['id', 'replace', 'x'],
    ['id', 'remove', undefined],
    ['meta', 'replace', { created: '2020-01-01T00:00:00Z' }],
    ['meta.lastModified', 'replace', '2020-01-01T00:00:00Z'],
    ['groups', 'add', [{ value: 'g1' }]],
    ['groups[value eq "g1"]', 'remove', undefined],
    [`${EU}:manager.displayName`, 'replace', 'Boss'],
  ])('%s (%s) is 400 mutability', (path, op, value) => {
    const e = scimErrorOf(() => patchUser(base(), { op, path, value }));
    expect([e.status, e.scimType]).toEqual([400, 'mutability']);
    expect(e.detail).toContain(path);
  });

  test('a read-only attribute inside a path-less value object is 400 mutability', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'replace', value: { id: 'other' } }));
    expect([e.status, e.scimType]).toEqual([400, 'mutability']);
  });

  test.each([
    ['an unknown attribute', 'foo'],
    ['an unknown sub-attribute', 'name.nickname'],
    ['an unknown extension', 'urn:ietf:params:scim:schemas:extension:Nope:2.0:User:x'],
    ['an attribute the extension lacks', `${EU}:title`],
    ['a malformed path', 'name.given.name'],
    ['a value filter on a simple attribute', 'title[value eq "x"]'],
    ['a value filter on a single-valued complex attribute', 'name[givenName eq "x"].familyName'],
    ['an unknown attribute in a value filter', 'emails[kind eq "work"].value'],
    ['an unknown sub-attribute after a value filter', 'emails[type eq "work"].address'],
    ['text after a value filter that is not a sub-attribute', 'emails[type eq "work"]value'],
    ['a sub-attribute before a value filter', 'name.givenName[value eq "x"]'],
  ])('%s is 400 invalidPath', (_what, path) => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'replace', path, value: 'x' }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidPath']);
  });

  test('a malformed value filter in a path is 400 invalidFilter (RFC 7644 §3.12: PATCH path filter)', () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'replace', path: 'emails[type eq].value', value: 'x' }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain('position');
  });

  test('an unknown attribute path names the attribute', () => {
    expect(scimErrorOf(() => patchUser(base(), { op: 'add', path: 'foo', value: 'x' })).detail).toContain('"foo"');
  });
});

describe('values are type-checked', () => {
  test.each([
    ['a number for a string', 'title', 5, 'title'],
    ['an object for a string', 'displayName', { a: 1 }, 'displayName'],
    ['a non-boolean for active', 'active', 'yes', 'active'],
    ['an array for a single-valued attribute', 'title', ['a', 'b'], 'title'],
    ['a string for a complex attribute', 'name', 'Alice', 'name'],
    ['an unknown sub-attribute in a value', 'name', { nickname: 'x' }, 'nickname'],
    ['a string for a multi-valued complex attribute', 'emails', 'a@b.c', 'emails'],
  ])('%s is 400 invalidValue naming the attribute', (_what, path, value, name) => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'replace', path, value }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain(name);
  });

  test("an attribute the extension lacks, in a value for the extension's URN, is 400 invalidValue (the path is valid)", () => {
    const e = scimErrorOf(() => patchUser(base(), { op: 'add', path: EU, value: { shoeSize: 9 } }));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('shoeSize');
  });

  test('two primary values in one operation are 400 invalidValue', () => {
    const e = scimErrorOf(() =>
      patchUser(base(), {
        op: 'replace',
        path: 'emails',
        value: [
          { value: 'a', primary: true },
          { value: 'b', primary: true },
        ],
      }),
    );
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('primary');
  });
});

describe('a "schemas" key in a value is tolerated, as in a POST body', () => {
  test.each([
    ['in a value for an extension URN', { op: 'add', path: EU, value: { schemas: [EU], department: 'Support' } }],
    [
      'in an extension object of a path-less value',
      { op: 'replace', value: { [EU]: { schemas: [EU], department: 'Support' } } },
    ],
    [
      'at the top of a path-less value',
      {
        op: 'replace',
        value: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', EU], [EU]: { department: 'Support' } },
      },
    ],
  ])('%s', (_where, op) => {
    const patched = patchUser(base(), op);
    expect(patched[EU]).toEqual({ department: 'Support' });
    expect(JSON.stringify(patched)).not.toContain('"schemas"');
  });
});

describe('atomicity', () => {
  test('the input resource is not modified by a successful patch', () => {
    const input = base();
    const snapshot = structuredClone(input);
    patchUser(
      input,
      { op: 'replace', path: 'name.familyName', value: 'X' },
      { op: 'add', path: 'emails', value: [{ value: 'n@x.com' }] },
      { op: 'remove', path: EU },
    );
    expect(input).toEqual(snapshot);
  });

  test('when a later operation fails, nothing of the earlier ones is applied to the input', () => {
    const input = base();
    const snapshot = structuredClone(input);
    const ops: PatchOperation[] = parsePatchRequest(
      body(
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'remove', path: 'emails[type eq "home"]' },
        { op: 'replace', path: 'name.givenName', value: 'Changed' },
        { op: 'replace', path: 'id', value: 'hijack' },
      ),
    );
    expect(() => applyPatch(input, ops, userSchema)).toThrow();
    expect(input).toEqual(snapshot);
  });
});

describe('primary uniqueness (RFC 7643 §2.4)', () => {
  test('adding a primary email makes the old primary non-primary', () => {
    const out = patchUser(base(), {
      op: 'add',
      path: 'emails',
      value: [{ type: 'other', value: 'new@x.com', primary: true }],
    });
    expect(out.emails).toEqual([
      { type: 'work', value: 'alice@contoso.com', primary: false },
      { type: 'home', value: 'alice@home.example' },
      { type: 'other', value: 'new@x.com', primary: true },
    ]);
  });

  test('making an earlier element primary through a value filter makes the later primary non-primary', () => {
    const start = {
      userName: 'u',
      emails: [
        { type: 'work', value: 'w@x.com' },
        { type: 'home', value: 'h@x.com', primary: true },
      ],
    };
    const out = patchUser(start, { op: 'replace', path: 'emails[type eq "work"].primary', value: true });
    expect(out.emails).toEqual([
      { type: 'work', value: 'w@x.com', primary: true },
      { type: 'home', value: 'h@x.com', primary: false },
    ]);
  });

  test('creating a primary element through a value filter makes the old primary non-primary', () => {
    const out = patchUser(base(), {
      op: 'add',
      path: 'emails[type eq "other"]',
      value: { value: 'o@x.com', primary: true },
    });
    expect(out.emails).toEqual([
      { type: 'work', value: 'alice@contoso.com', primary: false },
      { type: 'home', value: 'alice@home.example' },
      { type: 'other', value: 'o@x.com', primary: true },
    ]);
  });

  test('a patch that does not touch primary leaves it alone', () => {
    const out = patchUser(base(), { op: 'replace', path: 'emails[type eq "home"].value', value: 'h2@home.example' });
    expect((out.emails as JsonObject[]).map((e) => e.primary)).toEqual([true, undefined]);
  });
});

describe('groups', () => {
  const group = (): JsonObject => ({
    displayName: 'Team',
    members: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }],
  });
  const patchGroup = (g: JsonObject, ...ops: unknown[]) => applyPatch(g, parsePatchRequest(body(...ops)), groupSchema);

  test('renaming a group replaces displayName', () => {
    expect(patchGroup(group(), { op: 'Replace', path: 'displayName', value: 'New' }).displayName).toBe('New');
  });

  test('adding several members in one operation appends all of them, ignoring "$ref": null', () => {
    const out = patchGroup(group(), {
      op: 'Add',
      path: 'members',
      value: [
        { $ref: null, value: 'u4' },
        { $ref: null, value: 'u5' },
      ],
    });
    expect(out.members).toEqual([{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }, { value: 'u4' }, { value: 'u5' }]);
  });

  test('adding a member that is already there keeps one copy', () => {
    expect(patchGroup(group(), { op: 'add', path: 'members', value: [{ value: 'u2' }] }).members).toEqual(
      group().members,
    );
  });

  test('removing a member by filter keeps the others', () => {
    expect(patchGroup(group(), { op: 'remove', path: 'members[value eq "u2"]' }).members).toEqual([
      { value: 'u1' },
      { value: 'u3' },
    ]);
  });

  test('remove of members without a value clears the group', () => {
    expect(patchGroup(group(), { op: 'remove', path: 'members' })).not.toHaveProperty('members');
  });
});
