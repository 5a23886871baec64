import fc from 'fast-check';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { attributeSchema } from '../../shared/scim/schemaDefinitions';
import { parseSort, sortBy, sortKey } from '../../shared/scim/sort';
import { JsonObject } from '../../shared/scim/document';
import { scimErrorOf } from './expectScimError';
import { EU, SPOKE } from '../support/urns';

const { user, group } = buildSchemaRegistry([
  {
    id: SPOKE,
    resourceType: 'User',
    attributes: [
      attributeSchema.parse({ name: 'badgeNumber', type: 'integer' }),
      attributeSchema.parse({ name: 'contractor', type: 'boolean' }),
    ],
  },
]);

const users: JsonObject[] = [
  {
    id: 'u1',
    userName: 'bob',
    externalId: 'B-2',
    name: { familyName: 'Zed' },
    emails: [{ value: 'b@x.com' }, { value: 'a@x.com', primary: true }],
    meta: { lastModified: '2026-01-02T00:00:00+01:00' },
  },
  {
    id: 'u2',
    userName: 'Alice',
    externalId: 'a-1',
    name: { familyName: 'young' },
    emails: [{ value: 'z@x.com' }],
    meta: { lastModified: '2026-01-01T23:30:00Z' },
    [EU]: { employeeNumber: '10' },
  },
  {
    id: 'u3',
    userName: 'carol',
    externalId: 'A-3',
    meta: { lastModified: '2026-01-01T22:00:00.5Z' },
    [EU]: { employeeNumber: '9' },
  },
  { id: 'u0', userName: 'alice2', meta: { lastModified: '2026-01-01T22:00:00.500000Z' } },
];

const order = (by: string, dir?: string, items = users, schema = user) => {
  const spec = parseSort(by, dir, schema)!;
  return sortBy(
    items,
    spec,
    (u) => sortKey(u, spec),
    (u) => u.id as string,
  ).map((u) => u.id);
};

describe('sortBy / sortOrder (RFC 7644 §3.4.2.3)', () => {
  it('sorts a case-insensitive string ignoring case, ascending by default, and accepts any case of the names', () => {
    expect(order('userName')).toEqual(['u2', 'u0', 'u1', 'u3']);
    expect(order('USERNAME', 'Descending')).toEqual(['u3', 'u1', 'u0', 'u2']);
  });

  it('sorts a caseExact string by code unit (externalId)', () => {
    expect(order('externalId')).toEqual(['u3', 'u1', 'u2', 'u0']); // "A-3" < "B-2" < "a-1", missing last
  });

  it('puts resources without a value last when ascending and first when descending', () => {
    expect(order('name.familyName')).toEqual(['u2', 'u1', 'u0', 'u3']); // "young" < "Zed" (case folded), then the missing by id
    expect(order('name.familyName', 'descending')).toEqual(['u0', 'u3', 'u1', 'u2']);
  });

  it('sorts dateTimes as instants, whatever their offset or fraction digits, ties broken by id', () => {
    // u1 is 2026-01-01T23:00Z, u2 23:30Z, u0 and u3 both 22:00:00.5Z
    expect(order('meta.lastModified')).toEqual(['u0', 'u3', 'u1', 'u2']);
    expect(order('meta.lastModified', 'descending')).toEqual(['u2', 'u1', 'u0', 'u3']);
  });

  it('sorts a multi-valued attribute by its primary value, else its first', () => {
    expect(order('emails')).toEqual(['u1', 'u2', 'u0', 'u3']); // a@ (primary) < z@, then missing by id
    expect(order('emails.value', 'descending')).toEqual(['u0', 'u3', 'u2', 'u1']);
  });

  it('sorts a stored object where the schema says string (data that no longer fits it) as missing', () => {
    const stale = [
      { id: 's1', title: { text: 'a' } },
      { id: 's2', title: 'b' },
    ];
    expect(order('title', undefined, stale)).toEqual(['s2', 's1']);
  });

  it('sorts integers numerically and booleans false before true', () => {
    const people = [
      { id: 'p1', [SPOKE]: { badgeNumber: 10, contractor: true } },
      { id: 'p2', [SPOKE]: { badgeNumber: 9, contractor: false } },
      { id: 'p3', [SPOKE]: { badgeNumber: 100 } },
    ];
    expect(order(`${SPOKE}:badgeNumber`, undefined, people)).toEqual(['p2', 'p1', 'p3']);
    expect(order('badgeNumber', 'descending', people)).toEqual(['p3', 'p1', 'p2']);
    expect(order('contractor', undefined, people)).toEqual(['p2', 'p1', 'p3']);
  });

  it('resolves URN-qualified and extension attributes; extension strings sort as strings', () => {
    expect(order(`${EU}:employeeNumber`)).toEqual(['u2', 'u3', 'u0', 'u1']); // "10" < "9"
    expect(order('urn:ietf:params:scim:schemas:core:2.0:User:userName')).toEqual(order('userName'));
  });

  it('rejects an unknown attribute, a complex one without sub-attribute, and a bad order, naming them', () => {
    expect(scimErrorOf(() => parseSort('shoeSize', undefined, user))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
      detail: expect.stringContaining('shoeSize'),
    });
    expect(scimErrorOf(() => parseSort('name', undefined, user))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
      detail: expect.stringContaining('name.'),
    });
    expect(scimErrorOf(() => parseSort('name.nickname', undefined, user))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
      detail: expect.stringContaining('nickname'),
    });
    expect(scimErrorOf(() => parseSort('userName', 'upwards', user))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringContaining('upwards'),
    });
    expect(scimErrorOf(() => parseSort(undefined, 'upwards', user))).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
    });
    expect(scimErrorOf(() => parseSort('userName', undefined, group))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
    });
  });

  it('ignores a valid sortOrder without sortBy', () => {
    expect(parseSort(undefined, 'descending', user)).toBeUndefined();
  });

  it('orders any users totally: keys monotone, missing values at the end the order puts them, ties by id', () => {
    const someUsers = fc.uniqueArray(
      fc.record(
        {
          id: fc.stringMatching(/^[a-f0-9]{1,4}$/),
          userName: fc.option(fc.constantFrom('a', 'A', 'b', 'B', 'é', 'Z', ''), { nil: undefined }),
          emails: fc.array(fc.record({ value: fc.constantFrom('x@a', 'X@A', 'y@b'), primary: fc.boolean() }), {
            maxLength: 3,
          }),
        },
        { requiredKeys: ['id'] },
      ),
      { selector: (u) => u.id, maxLength: 12 },
    );
    fc.assert(
      fc.property(
        someUsers,
        fc.constantFrom('userName', 'emails', 'emails.value'),
        fc.boolean(),
        (items, by, descending) => {
          const spec = parseSort(by, descending ? 'descending' : undefined, user)!;
          const sorted = sortBy(
            items as JsonObject[],
            spec,
            (u) => sortKey(u, spec),
            (u) => u.id as string,
          );
          expect(sorted.map((u) => u.id).sort()).toEqual(items.map((u) => u.id).sort());
          for (let i = 1; i < sorted.length; i++) {
            const [a, b] = [sortKey(sorted[i - 1], spec), sortKey(sorted[i], spec)];
            if (a === b) expect((sorted[i - 1].id as string) < (sorted[i].id as string)).toBe(true);
            else if (a === undefined) expect(descending).toBe(true);
            else if (b === undefined) expect(descending).toBe(false);
            else expect(descending ? a > b : a < b).toBe(true);
          }
        },
      ),
      { numRuns: 500, seed: 3442 },
    );
  });
});
