import { parsePatchRequest } from '../../shared/scim/patch';
import { memberIds, splitGroupPatch } from '../../shared/scim/memberPatch';
import { scimErrorOf } from './expectScimError';
import { PO } from '../support/urns';

const expectScimError = (fn: () => unknown, status: number, scimType: string) => {
  const e = scimErrorOf(fn);
  expect([e.status, e.scimType]).toEqual([status, scimType]);
  return e;
};

const split = (...Operations: unknown[]) => {
  const { documentOps, delta } = splitGroupPatch(parsePatchRequest({ schemas: [PO], Operations }));
  return {
    documentOps,
    clear: delta.clear,
    add: [...delta.add].sort(),
    remove: [...delta.remove].sort(),
    removeWhere: delta.removeWhere.length,
  };
};

describe('splitting a group PATCH into document operations and a membership delta', () => {
  test('Entra adds several members in one Add, with "$ref": null', () => {
    expect(
      split({
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: 'a' },
          { $ref: null, value: 'b' },
        ],
      }),
    ).toEqual({ documentOps: [], clear: false, add: ['a', 'b'], remove: [], removeWhere: 0 });
  });

  test("Entra's Remove with a value list removes only the listed members", () => {
    expect(split({ op: 'Remove', path: 'members', value: [{ value: 'a' }] })).toMatchObject({
      clear: false,
      remove: ['a'],
      add: [],
    });
  });

  test('the RFC form members[value eq "…"] removes that member; "or" of eqs removes each', () => {
    expect(split({ op: 'remove', path: 'members[value eq "a"]' })).toMatchObject({ remove: ['a'], clear: false });
    expect(split({ op: 'remove', path: 'members[value eq "a" or value eq "b"]' })).toMatchObject({
      remove: ['a', 'b'],
    });
  });

  test('other member filters are kept to be resolved against the rows', () => {
    expect(split({ op: 'remove', path: 'members[type eq "Group"]' })).toMatchObject({ remove: [], removeWhere: 1 });
  });

  test('remove without a value or filter clears, and replace is a set', () => {
    expect(split({ op: 'remove', path: 'members' })).toMatchObject({ clear: true, add: [] });
    expect(split({ op: 'replace', path: 'members', value: [{ value: 'c' }] })).toMatchObject({
      clear: true,
      add: ['c'],
    });
  });

  test('operations fold in order: add then remove of the same member cancels', () => {
    expect(
      split(
        { op: 'add', path: 'members', value: [{ value: 'a' }] },
        { op: 'remove', path: 'members', value: [{ value: 'a' }] },
      ),
    ).toMatchObject({ add: [], remove: ['a'] });
    expect(
      split({ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: 'b' }] }),
    ).toMatchObject({ clear: true, add: ['b'] });
  });

  test('other attributes stay document operations, also inside a path-less value', () => {
    const r = split(
      { op: 'Replace', path: 'displayName', value: 'New' },
      { op: 'replace', value: { displayName: 'X', members: [{ value: 'm' }] } },
    );
    expect(r.documentOps).toEqual([
      { op: 'replace', path: 'displayName', value: 'New' },
      { op: 'replace', value: { displayName: 'X' } },
    ]);
    expect(r).toMatchObject({ clear: true, add: ['m'] });
  });

  test('a URN-qualified members path is the same attribute', () => {
    expect(
      split({ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:members', value: [{ value: 'a' }] }),
    ).toMatchObject({ add: ['a'] });
  });

  test('changing a member through a sub-attribute path is refused with invalidPath', () => {
    expectScimError(
      () => split({ op: 'replace', path: 'members[value eq "a"].display', value: 'x' }),
      400,
      'invalidPath',
    );
    expectScimError(() => split({ op: 'add', path: 'members.value', value: 'a' }), 400, 'invalidPath');
  });
});

describe('member values', () => {
  test('accepts objects with value and bare ids', () => {
    expect(memberIds([{ value: 'a', $ref: null }, 'b'])).toEqual(['a', 'b']);
    expect(memberIds({ value: 'c' })).toEqual(['c']);
  });

  test('refuses a member without a value with 400 invalidValue naming its position', () => {
    const e = expectScimError(() => memberIds([{ value: 'a' }, { display: 'x' }]), 400, 'invalidValue');
    expect(e.detail).toContain('members[1]');
  });
});
