import { parseFilter } from '../../shared/scim/filter';
import { JsonObject } from '../../shared/scim/document';
import { elementMatches, matches, validateFilter } from '../../shared/scim/filterEvaluation';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { extensionConfigSchema } from '../../shared/scim/schemaDefinitions';
import { scimErrorOf } from './expectScimError';
import { EU } from '../support/urns';

const registry = buildSchemaRegistry([]);
const userSchema = registry.user;
const groupSchema = registry.group;

/** A stored user as resourceEndpoint hands it to matches(): the document plus server-owned id and meta. */
const user: JsonObject = {
  id: 'a1B2-c3',
  userName: 'Test_User_Alice@Contoso.com',
  externalId: 'AliceExt',
  displayName: 'Alice Smith',
  title: 'Engineer',
  active: true,
  name: { givenName: 'Alice', familyName: 'Smith' },
  emails: [
    { type: 'home', value: 'alice@home.example', primary: false },
    { type: 'work', value: 'Alice@Contoso.com', primary: true },
  ],
  phoneNumbers: [{ type: 'mobile', value: '55555555555' }],
  roles: [{ value: 'admin', primary: true }],
  [EU]: { department: 'Sales', employeeNumber: '701', manager: { value: 'Mgr-1' } },
  meta: {
    resourceType: 'User',
    created: '2024-01-10T08:00:00Z',
    lastModified: '2024-03-01T12:30:00Z',
    version: 'W/"1"',
  },
};

/** Parses, validates and evaluates, as the list endpoint does. */
const hit = (filter: string, resource: JsonObject = user) => {
  const f = parseFilter(filter);
  validateFilter(f, userSchema);
  return matches(f, resource, userSchema);
};

describe('string comparison and case sensitivity', () => {
  test('userName matches case-insensitively (caseExact false)', () => {
    expect(hit('userName eq "test_user_alice@contoso.com"')).toBe(true);
    expect(hit('userName eq "TEST_USER_ALICE@CONTOSO.COM"')).toBe(true);
  });

  test('userName with a different value does not match', () => {
    expect(hit('userName eq "bob@contoso.com"')).toBe(false);
  });

  test('externalId matches case-exactly', () => {
    expect(hit('externalId eq "AliceExt"')).toBe(true);
    expect(hit('externalId eq "aliceext"')).toBe(false);
  });

  test('an unquoted externalId value (externalId eq jyoung) matches', () => {
    expect(hit('externalId eq AliceExt')).toBe(true);
  });

  test('a complex attribute without a value sub-attribute matches no text, not through "[object Object]"', () => {
    expect(hit('name co "object"')).toBe(false);
    expect(hit('name eq "[object Object]"')).toBe(false);
    expect(hit('name.familyName co "mit"')).toBe(true);
  });

  test('id matches case-exactly', () => {
    expect(hit('id eq "a1B2-c3"')).toBe(true);
    expect(hit('id eq "A1b2-C3"')).toBe(false);
  });

  test('attribute names in filters are case-insensitive', () => {
    expect(hit('USERNAME eq "test_user_alice@contoso.com"')).toBe(true);
    expect(hit('NAME.GIVENNAME eq "alice"')).toBe(true);
  });

  test('co, sw and ew on a case-insensitive attribute ignore case', () => {
    expect(hit('displayName co "CE SM"')).toBe(true);
    expect(hit('displayName sw "alice"')).toBe(true);
    expect(hit('displayName ew "SMITH"')).toBe(true);
    expect(hit('displayName sw "Smith"')).toBe(false);
  });

  test('co on a case-exact attribute respects case', () => {
    expect(hit('externalId co "Ext"')).toBe(true);
    expect(hit('externalId co "ext"')).toBe(false);
  });

  test('gt, ge, lt and le compare strings lexically', () => {
    expect(hit('title gt "Doctor"')).toBe(true);
    expect(hit('title lt "Doctor"')).toBe(false);
    expect(hit('title ge "engineer"')).toBe(true);
    expect(hit('title le "engineer"')).toBe(true);
    expect(hit('title lt "engineer"')).toBe(false);
  });

  test('a sub-attribute of a single-valued complex attribute is compared', () => {
    expect(hit('name.familyName eq "smith"')).toBe(true);
    expect(hit('name.familyName eq "Jones"')).toBe(false);
  });

  test('the core schema URN may qualify a core attribute', () => {
    expect(hit('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "test_user_alice@contoso.com"')).toBe(true);
  });

  test('a URN-qualified enterprise attribute is read from the extension', () => {
    expect(hit(`${EU}:department eq "sales"`)).toBe(true);
    expect(hit(`${EU}:employeeNumber eq "702"`)).toBe(false);
  });

  test('an attribute the resource does not have matches nothing', () => {
    expect(hit('nickName eq "x"')).toBe(false);
    expect(hit('nickName co ""')).toBe(false);
  });
});

describe('multi-valued and value-path filters', () => {
  test('Entra\'s emails[type eq "work"].value eq filter matches the work email, ignoring case', () => {
    expect(hit('emails[type eq "work"].value eq "alice@contoso.com"')).toBe(true);
  });

  test('the type and value must hold for the same element', () => {
    // alice@home.example exists, but as the home email.
    expect(hit('emails[type eq "work"].value eq "alice@home.example"')).toBe(false);
  });

  test('a value path without a sub-attribute tests each element', () => {
    expect(hit('emails[type eq "home" and value co "@home."]')).toBe(true);
    expect(hit('emails[type eq "other"]')).toBe(false);
  });

  test('a multi-valued complex attribute without a sub-attribute compares its "value"', () => {
    expect(hit('emails eq "alice@home.example"')).toBe(true);
    expect(hit('emails co "contoso"')).toBe(true);
    expect(hit('emails eq "home"')).toBe(false);
  });

  test('a multi-valued sub-attribute matches when any element matches', () => {
    expect(hit('emails.type eq "work"')).toBe(true);
    expect(hit('phoneNumbers.value eq "55555555555"')).toBe(true);
    expect(hit('phoneNumbers.type eq "fax"')).toBe(false);
  });

  test('Entra\'s roles[primary eq "True"] form matches a stored boolean primary', () => {
    expect(hit('roles[primary eq "True"]')).toBe(true);
    expect(hit('roles[primary eq false]')).toBe(false);
  });

  test('a value path on a user without that attribute matches nothing', () => {
    expect(hit('emails[type eq "work"].value eq "x"', { userName: 'u' })).toBe(false);
  });

  test("Entra's manager reference check (id and manager) compares the manager's value", () => {
    expect(hit('id eq "a1B2-c3" and manager eq "Mgr-1"')).toBe(true);
    // manager.value is case-exact: it is a resource id.
    expect(hit('id eq "a1B2-c3" and manager eq "mgr-1"')).toBe(false);
  });

  test('elementMatches tests a single element against a value filter', () => {
    const emails = userSchema.resolve({ attr: 'emails' }).def;
    const f = parseFilter('type eq "work" and primary eq true');
    expect(elementMatches(f, { type: 'WORK', value: 'a', primary: true }, emails, userSchema)).toBe(true);
    expect(elementMatches(f, { type: 'work', value: 'a', primary: false }, emails, userSchema)).toBe(false);
  });
});

describe('booleans, numbers and dates', () => {
  test('active eq true / false compares the stored boolean', () => {
    expect(hit('active eq true')).toBe(true);
    expect(hit('active eq false')).toBe(false);
    expect(hit('active eq false', { ...user, active: false })).toBe(true);
    expect(hit('active eq true', { ...user, active: false })).toBe(false);
  });

  test('a quoted "True"/"false" compares like the boolean', () => {
    expect(hit('active eq "True"')).toBe(true);
    expect(hit('active eq "false"', { ...user, active: false })).toBe(true);
  });

  test('active ne true matches an inactive user', () => {
    expect(hit('active ne true', { ...user, active: false })).toBe(true);
    expect(hit('active ne true')).toBe(false);
  });

  test.each(['gt', 'ge', 'lt', 'le', 'co', 'sw', 'ew'])(
    '"%s" on a boolean is rejected as invalidFilter, whatever the data',
    (op) => {
      const f = parseFilter(`active ${op} true`);
      const e = scimErrorOf(() => validateFilter(f, userSchema));
      expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
      expect(e.detail).toContain('active');
    },
  );

  test('"gt" on a boolean inside a value path is rejected too', () => {
    const e = scimErrorOf(() => validateFilter(parseFilter('roles[primary gt true]'), userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain('primary');
  });

  test('"gt" on a binary attribute is rejected as invalidFilter', () => {
    const e = scimErrorOf(() => validateFilter(parseFilter('x509Certificates gt "MIIC"'), userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
  });

  test('matches() rejects "gt" on a boolean even for a user without that attribute', () => {
    const e = scimErrorOf(() => matches(parseFilter('active gt true'), { userName: 'u' }, userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
  });

  test('"co" on a dateTime is rejected as invalidFilter', () => {
    const e = scimErrorOf(() => validateFilter(parseFilter('meta.created co "2024"'), userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
  });

  test('meta.lastModified gt compares as a dateTime, not as text', () => {
    // As text "2024-03-01T12:30:00Z" < "2024-03-01T13:00:00+02:00", but as an instant it is later.
    expect(hit('meta.lastModified gt "2024-03-01T13:00:00+02:00"')).toBe(true);
    expect(hit('meta.lastModified lt "2024-02-01T00:00:00Z"')).toBe(false);
    expect(hit('meta.created ge "2024-01-10T08:00:00Z"')).toBe(true);
  });

  test('a dateTime comparison with a value that is not a date is invalidFilter, whatever the data', () => {
    const f = parseFilter('meta.lastModified gt "yesterday"');
    const e = scimErrorOf(() => validateFilter(f, userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain('yesterday');
  });

  test('an integer attribute of a custom extension compares numerically', () => {
    const ext = 'urn:ietf:params:scim:schemas:extension:Acme:2.0:User';
    const schema = buildSchemaRegistry(
      extensionConfigSchema.parse([{ id: ext, attributes: [{ name: 'level', type: 'integer' }] }]),
    ).user;
    const f = parseFilter('level gt 9');
    validateFilter(f, schema);
    expect(matches(f, { userName: 'u', [ext]: { level: 10 } }, schema)).toBe(true);
    // As strings "10" < "9"; numerically it is greater.
    expect(matches(parseFilter('level lt 9'), { userName: 'u', [ext]: { level: 10 } }, schema)).toBe(false);
  });
});

describe('presence and negation', () => {
  test('pr matches an attribute with a value', () => {
    expect(hit('title pr')).toBe(true);
    expect(hit('nickName pr')).toBe(false);
  });

  test('pr treats an empty string and an empty list as absent', () => {
    expect(hit('title pr', { ...user, title: '' })).toBe(false);
    expect(hit('emails pr', { ...user, emails: [] })).toBe(false);
    expect(hit('emails pr')).toBe(true);
  });

  test('pr on a boolean false is present', () => {
    expect(hit('active pr', { ...user, active: false })).toBe(true);
  });

  test('pr on a complex attribute and on its sub-attribute', () => {
    expect(hit('name pr')).toBe(true);
    expect(hit('name.middleName pr')).toBe(false);
    expect(hit(`${EU}:manager pr`)).toBe(true);
    expect(hit('manager pr', { userName: 'u' })).toBe(false);
  });

  test('not() inverts its expression', () => {
    expect(hit('not (userName eq "bob")')).toBe(true);
    expect(hit('not (userName eq "test_user_alice@contoso.com")')).toBe(false);
  });

  test('and / or combine as expected', () => {
    expect(hit('userName eq "bob" or externalId eq "AliceExt"')).toBe(true);
    expect(hit('userName eq "bob" and externalId eq "AliceExt"')).toBe(false);
    expect(hit('(userName eq "bob" or title pr) and active eq true')).toBe(true);
  });
});

describe('filters are validated against the schema', () => {
  test.each([
    ['an unknown attribute', 'foo eq "x"', 'foo'],
    ['an unknown sub-attribute', 'name.nickname eq "x"', 'name.nickname'],
    ['an unknown extension schema', 'urn:ietf:params:scim:schemas:extension:Nope:2.0:User:dept eq "x"', 'dept'],
    ['an attribute the extension lacks', `${EU}:userName eq "x"`, 'userName'],
    ['an unknown attribute inside a value path', 'emails[kind eq "work"]', 'kind'],
    ['an unknown sub-attribute after a value path', 'emails[type eq "work"].address eq "x"', 'address'],
    ['a group attribute on users', 'members eq "x"', 'members'],
  ])('%s is 400 invalidFilter naming it', (_what, text, name) => {
    const e = scimErrorOf(() => validateFilter(parseFilter(text), userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain(name);
  });

  test('a value path on a simple attribute is invalidFilter', () => {
    const e = scimErrorOf(() => validateFilter(parseFilter('userName[value eq "x"]'), userSchema));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain('userName');
  });

  test("Entra's user and group matching filters are all valid", () => {
    for (const f of [
      'userName eq "x"',
      'externalId eq "x"',
      'emails[type eq "work"].value eq "x"',
      'id eq "x" and manager eq "y"',
    ]) {
      expect(() => validateFilter(parseFilter(f), userSchema)).not.toThrow();
    }
    expect(() => validateFilter(parseFilter('displayName eq "x"'), groupSchema)).not.toThrow();
  });

  test('group displayName matches case-insensitively and members by value', () => {
    const group = { id: 'g1', displayName: 'Sales Team', members: [{ value: 'u1' }, { value: 'u2' }] };
    expect(matches(parseFilter('displayName eq "sales team"'), group, groupSchema)).toBe(true);
    expect(matches(parseFilter('members[value eq "u2"]'), group, groupSchema)).toBe(true);
    expect(matches(parseFilter('members[value eq "U2"]'), group, groupSchema)).toBe(false);
  });
});
