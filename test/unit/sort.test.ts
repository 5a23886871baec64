import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { parseSort, sortBy, sortKey } from '../../shared/scim/sort';
import { Json } from '../../shared/scim/filterEvaluation';
import { scimErrorOf } from './expectScimError';
import { EU } from '../support/urns';

const { user, group } = buildSchemaRegistry([]);

const users: Json[] = [
  { id: 'u1', userName: 'bob', externalId: 'B-2', name: { familyName: 'Zed' }, emails: [{ value: 'b@x.com' }, { value: 'a@x.com', primary: true }], meta: { lastModified: '2026-01-02T00:00:00+01:00' } },
  { id: 'u2', userName: 'Alice', externalId: 'a-1', name: { familyName: 'young' }, emails: [{ value: 'z@x.com' }], meta: { lastModified: '2026-01-01T23:30:00Z' }, [EU]: { employeeNumber: '10' } },
  { id: 'u3', userName: 'carol', externalId: 'A-3', meta: { lastModified: '2026-01-01T22:00:00.5Z' }, [EU]: { employeeNumber: '9' } },
  { id: 'u0', userName: 'alice2', meta: { lastModified: '2026-01-01T22:00:00.5Z' } },
];

const order = (by: string, dir?: string, schema = user, items = users) => {
  const spec = parseSort(by, dir, schema)!;
  return sortBy(items, spec, (u) => sortKey(u, spec), (u) => String(u.id)).map((u) => u.id);
};

describe('sortBy / sortOrder (RFC 7644 §3.4.2.3)', () => {
  it('sorts a case-insensitive string ignoring case, ascending by default', () => {
    expect(order('userName')).toEqual(['u2', 'u0', 'u1', 'u3']);
    expect(order('USERNAME', 'Descending')).toEqual(['u3', 'u1', 'u0', 'u2']);
  });

  it('sorts a caseExact string by code point (externalId)', () => {
    expect(order('externalId')).toEqual(['u3', 'u1', 'u2', 'u0']); // "A-3" < "B-2" < "a-1", missing last
  });

  it('puts resources without a value last when ascending and first when descending', () => {
    expect(order('name.familyName')).toEqual(['u2', 'u1', 'u0', 'u3']); // "young" < "Zed" (case folded), then the missing by id
    expect(order('name.familyName', 'descending')).toEqual(['u0', 'u3', 'u1', 'u2']);
  });

  it('sorts dateTimes as instants, whatever their offset or precision, ties broken by id', () => {
    // u1 is 2026-01-01T23:00Z, u2 23:30Z, u0 and u3 both 22:00:00.5Z
    expect(order('meta.lastModified')).toEqual(['u0', 'u3', 'u1', 'u2']);
    expect(order('meta.lastModified', 'descending')).toEqual(['u2', 'u1', 'u0', 'u3']);
  });

  it('sorts a multi-valued attribute by its primary value, else its first', () => {
    expect(order('emails')).toEqual(['u1', 'u2', 'u0', 'u3']); // a@ (primary) < z@, then missing by id
    expect(order('emails.value', 'descending')).toEqual(['u0', 'u3', 'u2', 'u1']);
  });

  it('resolves URN-qualified and extension attributes', () => {
    expect(order(`${EU}:employeeNumber`)).toEqual(['u2', 'u3', 'u0', 'u1']); // strings: "10" < "9"
    expect(order('urn:ietf:params:scim:schemas:core:2.0:User:userName')).toEqual(order('userName'));
  });

  it('rejects an unknown attribute, a complex one without sub-attribute, and a bad order, naming them', () => {
    expect(scimErrorOf(() => parseSort('shoeSize', undefined, user))).toMatchObject({ status: 400, scimType: 'invalidPath', detail: expect.stringContaining('shoeSize') });
    expect(scimErrorOf(() => parseSort('name', undefined, user))).toMatchObject({ status: 400, scimType: 'invalidPath', detail: expect.stringContaining('name.') });
    expect(scimErrorOf(() => parseSort('userName', 'upwards', user))).toMatchObject({ status: 400, scimType: 'invalidValue', detail: expect.stringContaining('upwards') });
    expect(scimErrorOf(() => parseSort('userName', undefined, group))).toMatchObject({ status: 400, scimType: 'invalidPath' });
  });

  it('ignores sortOrder without sortBy', () => {
    expect(parseSort(undefined, 'descending', user)).toBeUndefined();
  });
});
