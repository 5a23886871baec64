import { parseFilter } from '../../shared/scim/filter';
import { JsonObject } from '../../shared/scim/document';
import { indexKeysOf, planQuery, QueryPlan } from '../../shared/scim/queryPlan';
import { TABLE_LAYOUT } from '../../shared/store/tableLayout';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { EU } from '../support/urns';

const { user: userSchema, group: groupSchema } = buildSchemaRegistry([]);

/** The plan in a comparable form: the index by name instead of the IndexDef object. */
const plan = (filter: string | undefined, schema = userSchema) => {
  const p: QueryPlan = planQuery(
    filter === undefined ? undefined : parseFilter(filter),
    schema,
    TABLE_LAYOUT[schema.name],
  );
  return p;
};

describe('users', () => {
  test('no filter scans', () => {
    expect(plan(undefined)).toEqual({ kind: 'scan', where: [] });
  });

  test('id eq is a point read with the id exactly as given', () => {
    expect(plan('id eq "AbC-123"')).toEqual({ kind: 'id', id: 'AbC-123' });
  });

  test('userName eq uses the unique userName index with a lower-cased key', () => {
    expect(plan('userName eq "Test_User@Contoso.COM"')).toEqual({
      kind: 'index',
      index: 'userName',
      key: 'test_user@contoso.com',
    });
  });

  test('the attribute name and operator are matched case-insensitively', () => {
    expect(plan('USERNAME EQ "X"')).toEqual({ kind: 'index', index: 'userName', key: 'x' });
  });

  test('externalId eq uses the externalId index with the exact key', () => {
    expect(plan('externalId eq "AbC"')).toEqual({ kind: 'index', index: 'externalId', key: 'AbC' });
  });

  test('an unquoted externalId (externalId eq jyoung) uses the index', () => {
    expect(plan('externalId eq jyoung')).toEqual({ kind: 'index', index: 'externalId', key: 'jyoung' });
  });

  test('an unquoted number is looked up as its text', () => {
    expect(plan('externalId eq 12345')).toEqual({ kind: 'index', index: 'externalId', key: '12345' });
  });

  test('Entra\'s emails[type eq "work"].value eq filter uses the email index with a lower-cased key', () => {
    expect(plan('emails[type eq "work"].value eq "Alice@Contoso.com"')).toEqual({
      kind: 'index',
      index: 'email',
      key: 'alice@contoso.com',
    });
  });

  test('emails.value eq and emails[value eq] also use the email index', () => {
    expect(plan('emails.value eq "a@x.com"')).toEqual({ kind: 'index', index: 'email', key: 'a@x.com' });
    expect(plan('emails[value eq "a@x.com"]')).toEqual({ kind: 'index', index: 'email', key: 'a@x.com' });
  });

  test('a conjunction with one indexable term uses that index', () => {
    expect(plan('title eq "x" and externalId eq "E1"')).toEqual({ kind: 'index', index: 'externalId', key: 'E1' });
    expect(plan('active eq true and userName eq "U"')).toEqual({ kind: 'index', index: 'userName', key: 'u' });
  });

  test("Entra's manager check (id and manager) is a point read on the id", () => {
    expect(plan('id eq "u1" and manager eq "m1"')).toEqual({ kind: 'id', id: 'u1' });
  });

  test('a conjunction with an "or" inside still uses the index of its other term', () => {
    expect(plan('(title eq "a" or title eq "b") and userName eq "U"')).toEqual({
      kind: 'index',
      index: 'userName',
      key: 'u',
    });
  });

  test.each([
    ['an "or" of indexable terms', 'userName eq "a" or userName eq "b"'],
    ['"ne"', 'userName ne "a"'],
    ['"sw"', 'userName sw "a"'],
    ['"co" on an email', 'emails[type eq "work"].value co "a"'],
    ['"pr"', 'userName pr'],
    ['"not"', 'not (userName eq "a")'],
    ['an attribute without an index or column', 'nickName eq "a"'],
    ['an extension attribute', `${EU}:employeeNumber eq "7"`],
    ['an email filter without a value comparison', 'emails[type eq "work"]'],
    ['a null value', 'userName eq null'],
    ['a non-string id', 'id eq 42'],
    ['a value path combined with "or" inside', 'emails[type eq "work" or value eq "a@x.com"]'],
    ['an empty userName (no resource writes an empty key)', 'userName eq ""'],
    ['an empty externalId', 'externalId eq ""'],
    ['an empty work email', 'emails[type eq "work"].value eq ""'],
  ])('%s scans', (_what, filter) => {
    expect(plan(filter)).toEqual({ kind: 'scan', where: [] });
  });
});

describe('push-down of comparisons on typed columns', () => {
  test('a scan lets Table Storage test the conjuncts it can answer exactly, values folded and normalised', () => {
    expect(
      plan('active eq true and title gt "M" and meta.lastModified ge "2026-01-01T01:00:00+01:00" and nickName co "x"'),
    ).toEqual({
      kind: 'scan',
      where: [
        { column: 'active', op: 'eq', value: true },
        { column: 'title', op: 'gt', value: 'm' },
        { column: 'meta.lastModified', op: 'ge', value: '2026-01-01T00:00:00.000Z' },
      ],
    });
  });

  test('accepts Entra-style string booleans and URN-qualified core paths', () => {
    expect(plan('active eq "False"')).toEqual({ kind: 'scan', where: [{ column: 'active', op: 'eq', value: false }] });
    expect(plan('urn:ietf:params:scim:schemas:core:2.0:User:displayName eq "Ann"')).toEqual({
      kind: 'scan',
      where: [{ column: 'displayName', op: 'eq', value: 'ann' }],
    });
  });

  test.each([
    ['ne (a missing column would not match in OData)', 'title ne "x"'],
    ['pr', 'title pr'],
    ['substring operators', 'title sw "x"'],
    ['ordering on a boolean', 'active eq "maybe"'],
    ['a dateTime beyond four-digit years', 'meta.created gt "+012345-01-01T00:00:00Z"'],
    ['a comparison under or', 'title eq "a" or active eq true'],
    ['a comparison under not', 'not (title eq "a")'],
    ['null', 'title eq null'],
  ])('keeps %s in memory', (_what, filter) => {
    expect(plan(filter)).toEqual({ kind: 'scan', where: [] });
  });

  test('keeps quotes and "or" inside values as data', () => {
    expect(plan('title eq "x\' or RowKey ne \'"')).toEqual({
      kind: 'scan',
      where: [{ column: 'title', op: 'eq', value: "x' or rowkey ne '" }],
    });
  });
});

describe('groups', () => {
  test("Entra's displayName eq probe uses the unique displayName index with a lower-cased key", () => {
    expect(plan('displayName eq "Sales Team"', groupSchema)).toEqual({
      kind: 'index',
      index: 'displayName',
      key: 'sales team',
    });
  });

  test('externalId eq uses the group externalId index', () => {
    expect(plan('externalId eq "Obj-1"', groupSchema)).toEqual({ kind: 'index', index: 'externalId', key: 'Obj-1' });
  });

  test('userName is not a group index', () => {
    expect(plan('userName eq "x"', groupSchema)).toEqual({ kind: 'scan', where: [] });
  });

  test.each([
    'members.value eq "u1"',
    'members eq "u1"',
    'members[value eq "u1"]',
    'displayName sw "S" and MEMBERS.VALUE eq "u1"',
  ])('%s reads the member → group rows instead of scanning', (filter) => {
    expect(plan(filter, groupSchema)).toEqual({ kind: 'memberOf', memberId: 'u1' });
  });

  test('a member filter that is not a plain eq on value still scans', () => {
    expect(plan('members.value eq "u1" or displayName eq "x"', groupSchema)).toEqual({ kind: 'scan', where: [] });
    expect(plan('members[value eq "u1" or value eq "u2"]', groupSchema)).toEqual({ kind: 'scan', where: [] });
  });

  test('an id conjunct stays the cheapest plan', () => {
    expect(plan('id eq "g1" and members.value eq "u1"', groupSchema)).toEqual({ kind: 'id', id: 'g1' });
  });

  test('members.value is not a user index', () => {
    expect(plan('members.value eq "u1"', userSchema).kind).not.toBe('memberOf');
  });
});

describe('index keys written for a resource', () => {
  const spec = (type: 'User' | 'Group', name: string) => TABLE_LAYOUT[type].indexes.find((i) => i.name === name)!;
  const index = (type: 'User' | 'Group', name: string) => ({
    unique: spec(type, name).unique,
    keys: (doc: JsonObject) => indexKeysOf(spec(type, name), doc),
  });

  test('userName and group displayName keys are lower-cased and unique indexes', () => {
    expect(index('User', 'userName').keys({ userName: 'Alice@X.com' })).toEqual(['alice@x.com']);
    expect(index('User', 'userName').unique).toBe(true);
    expect(index('Group', 'displayName').keys({ displayName: 'Team A' })).toEqual(['team a']);
    expect(index('Group', 'displayName').unique).toBe(true);
  });

  test('externalId keys keep their case and are not unique', () => {
    expect(index('User', 'externalId').keys({ externalId: 'AbC' })).toEqual(['AbC']);
    expect(index('User', 'externalId').unique).toBe(false);
  });

  test('email keys are every distinct email, lower-cased', () => {
    expect(
      index('User', 'email').keys({
        emails: [{ value: 'A@x.com' }, { value: 'a@X.com' }, { value: 'b@x.com' }, { type: 'work' }],
      }),
    ).toEqual(['a@x.com', 'b@x.com']);
  });

  test('a resource without the attribute contributes no key', () => {
    expect(index('User', 'externalId').keys({ userName: 'u' })).toEqual([]);
    expect(index('User', 'email').keys({ userName: 'u' })).toEqual([]);
  });

  test('the key a filter looks up is the key the matching resource wrote', () => {
    const doc = { userName: 'Bob@X.com', externalId: 'Ext-1', emails: [{ type: 'work', value: 'Bob.Work@X.com' }] };
    for (const [filter, name] of [
      ['userName eq "BOB@x.COM"', 'userName'],
      ['externalId eq "Ext-1"', 'externalId'],
      ['emails[type eq "work"].value eq "bob.work@x.com"', 'email'],
    ] as const) {
      const p = planQuery(parseFilter(filter), userSchema, TABLE_LAYOUT.User);
      expect(p.kind).toBe('index');
      if (p.kind === 'index') {
        expect(p.index).toBe(name);
        expect(index('User', name).keys(doc)).toContain(p.key);
      }
    }
  });
});
