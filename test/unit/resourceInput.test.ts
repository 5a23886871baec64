import { toRepresentation } from '../../shared/scim/representation';
import { applyPatch, parsePatchRequest, PATCH_OP_SCHEMA } from '../../shared/scim/patch';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { toStoredResource } from '../../shared/scim/resourceInput';
import { extensionConfigSchema } from '../../shared/scim/schemaDefinitions';
import { scimErrorOf } from './expectScimError';
import { U, G, EU, SPOKE } from '../support/urns';

const { user: userSchema, group: groupSchema } = buildSchemaRegistry([]);

describe('values are stored exactly as sent', () => {
  test('a phone number keeps its exact digits', () => {
    const out = toStoredResource(
      { schemas: [U], userName: 'u', phoneNumbers: [{ type: 'work', value: '55555555555' }] },
      userSchema,
    );
    expect(out.phoneNumbers).toEqual([{ type: 'work', value: '55555555555' }]);
  });

  test('odd spacing, case and punctuation are not normalised', () => {
    const body = {
      schemas: [U],
      userName: '  Mixed.Case@Contoso.COM ',
      displayName: 'Anne  -  Marie ',
      name: { formatted: ' A\tB ' },
    };
    expect(toStoredResource(body, userSchema)).toEqual({
      userName: '  Mixed.Case@Contoso.COM ',
      displayName: 'Anne  -  Marie ',
      name: { formatted: ' A\tB ' },
    });
  });

  test('attribute names are stored in schema spelling whatever the client sent', () => {
    const out = toStoredResource(
      { schemas: [U], USERNAME: 'u', DisplayName: 'D', Emails: [{ Value: 'a@x.com', TYPE: 'work' }] },
      userSchema,
    );
    expect(out).toEqual({ userName: 'u', displayName: 'D', emails: [{ value: 'a@x.com', type: 'work' }] });
  });

  test('enterprise attributes are stored under the extension URN', () => {
    const out = toStoredResource(
      { schemas: [U, EU], userName: 'u', [EU]: { employeeNumber: '0042', department: 'R&D' } },
      userSchema,
    );
    expect(out).toEqual({ userName: 'u', [EU]: { employeeNumber: '0042', department: 'R&D' } });
  });

  test('a flat URN-qualified key is stored under the extension URN', () => {
    const out = toStoredResource({ schemas: [U], userName: 'u', [`${EU}:department`]: 'Sales' }, userSchema);
    expect(out).toEqual({ userName: 'u', [EU]: { department: 'Sales' } });
  });

  test('the extension URN key is matched case-insensitively and stored in its declared spelling', () => {
    const out = toStoredResource(
      { schemas: [U], userName: 'u', [EU.toLowerCase()]: { Department: 'Sales' } },
      userSchema,
    );
    expect(out).toEqual({ userName: 'u', [EU]: { department: 'Sales' } });
  });

  test('the password is stored (it is writeOnly, not readOnly)', () => {
    expect(toStoredResource({ schemas: [U], userName: 'u', password: 'p@ss' }, userSchema).password).toBe('p@ss');
  });

  test('a group with members is stored, ignoring "$ref": null', () => {
    const out = toStoredResource(
      { schemas: [G], displayName: 'Team', members: [{ $ref: null, value: 'u1' }] },
      groupSchema,
    );
    expect(out).toEqual({ displayName: 'Team', members: [{ value: 'u1' }] });
  });
});

describe('wrong types are 400 invalidValue naming the attribute', () => {
  test.each([
    ['a number for userName', { userName: 5 }, '"userName" must be a string'],
    ['a string that is not a boolean for active', { userName: 'u', active: 'maybe' }, '"active" must be a boolean'],
    ['a number for active', { userName: 'u', active: 1 }, '"active" must be a boolean'],
    ['an array for a single-valued attribute', { userName: 'u', title: ['a'] }, '"title" is single-valued'],
    ['a string for a complex attribute', { userName: 'u', name: 'Alice' }, '"name" must be an object'],
    [
      'a number inside a complex attribute',
      { userName: 'u', name: { givenName: 7 } },
      '"name.givenName" must be a string',
    ],
    [
      'a string element in a multi-valued complex attribute',
      { userName: 'u', emails: ['a@x.com'] },
      '"emails[0]" must be an object',
    ],
    [
      'a bad element after a good one',
      { userName: 'u', emails: [{ value: 'a' }, { value: 2 }] },
      '"emails[1].value" must be a string',
    ],
    [
      'an unknown sub-attribute',
      { userName: 'u', emails: [{ value: 'a', kind: 'work' }] },
      '"emails[0]" has no sub-attribute "kind"',
    ],
    [
      'a non-boolean primary',
      { userName: 'u', emails: [{ value: 'a', primary: 'yes' }] },
      '"emails[0].primary" must be a boolean',
    ],
    ['a non-object for the enterprise extension', { userName: 'u', [EU]: 'Sales' }, `"${EU}" must be an object`],
    [
      'a wrong type inside the enterprise extension',
      { userName: 'u', [EU]: { department: 3 } },
      `"${EU}:department" must be a string`,
    ],
  ])('%s', (_what, attrs, detail) => {
    const e = scimErrorOf(() => toStoredResource({ schemas: [U], ...attrs }, userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain(detail);
  });

  test('two primary emails are 400 invalidValue', () => {
    const body = {
      schemas: [U],
      userName: 'u',
      emails: [
        { value: 'a', primary: true },
        { value: 'b', primary: true },
      ],
    };
    const e = scimErrorOf(() => toStoredResource(body, userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('emails');
  });

  test('a custom integer attribute rejects a fraction and a dateTime rejects a non-date', () => {
    const ext = 'urn:ietf:params:scim:schemas:extension:Acme:2.0:User';
    const schema = buildSchemaRegistry(
      extensionConfigSchema.parse([
        {
          id: ext,
          attributes: [
            { name: 'level', type: 'integer' },
            { name: 'hired', type: 'dateTime' },
          ],
        },
      ]),
    ).user;
    expect(
      toStoredResource({ userName: 'u', [ext]: { level: 3, hired: '2024-01-31T09:00:00Z' } }, schema)[ext],
    ).toEqual({ level: 3, hired: '2024-01-31T09:00:00Z' });
    expect(scimErrorOf(() => toStoredResource({ userName: 'u', [ext]: { level: 3.5 } }, schema)).detail).toContain(
      `"${ext}:level" must be an integer`,
    );
    expect(scimErrorOf(() => toStoredResource({ userName: 'u', [ext]: { hired: 'soon' } }, schema)).detail).toContain(
      `"${ext}:hired" must be an xsd:dateTime`,
    );
  });
});

describe('required attributes and body shape', () => {
  test('a user without userName is 400 invalidValue naming userName', () => {
    const e = scimErrorOf(() => toStoredResource({ schemas: [U], displayName: 'x' }, userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('"userName" is required');
  });

  test('an empty or null userName counts as missing', () => {
    expect(scimErrorOf(() => toStoredResource({ schemas: [U], userName: '' }, userSchema)).detail).toContain(
      '"userName" is required',
    );
    expect(scimErrorOf(() => toStoredResource({ schemas: [U], userName: null }, userSchema)).detail).toContain(
      '"userName" is required',
    );
  });

  test('a group without displayName is 400 invalidValue naming displayName', () => {
    const e = scimErrorOf(() => toStoredResource({ schemas: [G], externalId: 'x' }, groupSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain('"displayName" is required');
  });

  test.each([
    ['an array', []],
    ['a string', 'user'],
    ['null', null],
  ])('a body that is %s is 400 invalidSyntax', (_what, body) => {
    const e = scimErrorOf(() => toStoredResource(body, userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidSyntax']);
  });

  test('"schemas" that is not an array of strings is 400 invalidSyntax', () => {
    expect(scimErrorOf(() => toStoredResource({ schemas: U, userName: 'u' }, userSchema)).scimType).toBe(
      'invalidSyntax',
    );
    expect(scimErrorOf(() => toStoredResource({ schemas: [1], userName: 'u' }, userSchema)).scimType).toBe(
      'invalidSyntax',
    );
  });

  test('a body without "schemas" is accepted (Entra does not always list every schema)', () => {
    expect(toStoredResource({ userName: 'u' }, userSchema)).toEqual({ userName: 'u' });
  });
});

describe('unknown attributes', () => {
  test.each([
    ['a core-level unknown', { favouriteColour: 'blue' }, 'favouriteColour'],
    ['an unknown enterprise attribute', { [EU]: { shoeSize: '9' } }, `${EU}:shoeSize`],
    ['an undeclared extension URN', { [SPOKE]: { startDate: '2024-01-01' } }, SPOKE],
    ['an undeclared flat extension key', { [`${SPOKE}:startDate`]: '2024-01-01' }, `${SPOKE}:startDate`],
  ])('%s is dropped and reported by name, and the rest is kept', (_what, attrs, name) => {
    const ignored: string[] = [];
    expect(toStoredResource({ schemas: [U], userName: 'u', title: 'T', ...attrs }, userSchema, ignored)).toEqual({
      userName: 'u',
      title: 'T',
    });
    expect(ignored).toEqual([name]);
  });
});

describe('a custom extension declared in SCIM_EXTENSIONS', () => {
  // As config.ts parses SCIM_EXTENSIONS: attributeSchema's defaults fill multiValued, required, mutability, ….
  const registry = buildSchemaRegistry(
    extensionConfigSchema.parse([
      { id: SPOKE, resourceType: 'User', attributes: [{ name: 'startDate', type: 'string' }] },
    ]),
  );
  const schema = registry.user;
  const meta = { id: 'u1', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-01T00:00:00Z', version: 'W/"1"' };

  test('the declared attribute gets RFC 7643 defaults', () => {
    expect(schema.resolve({ urn: SPOKE, attr: 'startDate' }).def).toEqual({
      name: 'startDate',
      type: 'string',
      multiValued: false,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    });
    expect(schema.extension(SPOKE)?.name).toBe('SpokeCustom');
  });

  test('is accepted on create without being listed in "schemas", and round-trips', () => {
    const stored = toStoredResource({ schemas: [U, EU], userName: 'u', [SPOKE]: { startDate: '2024-05-01' } }, schema);
    expect(stored).toEqual({ userName: 'u', [SPOKE]: { startDate: '2024-05-01' } });
    const out = toRepresentation(stored, meta, schema, 'https://h/scim');
    expect(out.schemas).toEqual([U, SPOKE]);
    expect(out[SPOKE]).toEqual({ startDate: '2024-05-01' });
  });

  test("is patched through Entra's URN-qualified path", () => {
    const ops = parsePatchRequest({
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'Add', path: `${SPOKE}:startDate`, value: '2024-06-01' }],
    });
    expect(applyPatch({ userName: 'u' }, ops, schema)).toEqual({ userName: 'u', [SPOKE]: { startDate: '2024-06-01' } });
  });

  test('an undeclared attribute under the declared URN is still rejected', () => {
    const ignored: string[] = [];
    expect(toStoredResource({ userName: 'u', [SPOKE]: { endDate: 'x' } }, schema, ignored)).toEqual({ userName: 'u' });
    expect(ignored).toEqual([`${SPOKE}:endDate`]);
  });

  test('a group extension does not apply to users', () => {
    const groupExt = 'urn:ietf:params:scim:schemas:extension:Team:2.0:Group';
    const reg = buildSchemaRegistry(
      extensionConfigSchema.parse([
        { id: groupExt, resourceType: 'Group', attributes: [{ name: 'costCode', type: 'string' }] },
      ]),
    );
    expect(toStoredResource({ displayName: 'T', [groupExt]: { costCode: 'C1' } }, reg.group)).toEqual({
      displayName: 'T',
      [groupExt]: { costCode: 'C1' },
    });
    const ignored: string[] = [];
    expect(toStoredResource({ userName: 'u', [groupExt]: { costCode: 'C1' } }, reg.user, ignored)).toEqual({
      userName: 'u',
    });
    expect(ignored).toEqual([groupExt]);
  });
});
