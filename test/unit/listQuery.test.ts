import {
  decodeCursor,
  encodeCursor,
  listQueryFromSearch,
  listQueryFromUrl,
  queryFingerprint,
} from '../../shared/scim/listQuery';
import { MAX_PAGE_SIZE } from '../../shared/scim/listResponse';
import { scimErrorOf } from './expectScimError';

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

describe('listQueryFromUrl', () => {
  test('reads every RFC 7644 list parameter', () => {
    const q = listQueryFromUrl(
      new URLSearchParams(
        'filter=userName eq "a"&sortBy=userName&sortOrder=descending&attributes=userName,emails&startIndex=3&count=7',
      ),
    );
    expect(q).toMatchObject({
      filterText: 'userName eq "a"',
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 3,
      count: 7,
      cursor: undefined,
    });
    expect(q.filter).toMatchObject({ kind: 'compare', op: 'eq', value: 'a' });
    expect(q.projection.attributes?.map((p) => p.attr)).toEqual(['userName', 'emails']);
  });

  test('a bare `cursor` asks for cursor paging from the first page (RFC 9865)', () => {
    expect(listQueryFromUrl(new URLSearchParams('cursor&count=5')).cursor).toBe('');
    expect(listQueryFromUrl(new URLSearchParams('count=5')).cursor).toBeUndefined();
  });

  test('a malformed filter is 400 invalidFilter', () => {
    expect(scimErrorOf(() => listQueryFromUrl(new URLSearchParams('filter=userName eq'))).scimType).toBe(
      'invalidFilter',
    );
  });
});

describe('listQueryFromSearch', () => {
  test('reads a SearchRequest body with lists, numbers and any-case names', () => {
    const q = listQueryFromSearch({
      schemas: [SEARCH],
      ATTRIBUTES: ['userName'],
      excludedAttributes: 'title',
      Filter: 'title pr',
      startIndex: 2,
      COUNT: '4',
      sortBy: 'title',
    });
    expect(q).toMatchObject({ filterText: 'title pr', startIndex: 2, count: 4, sortBy: 'title' });
    expect(q.projection.attributes?.map((p) => p.attr)).toEqual(['userName']);
    expect(q.projection.excludedAttributes?.map((p) => p.attr)).toEqual(['title']);
  });

  test('treats null members as absent and clamps count like the URL form', () => {
    expect(listQueryFromSearch({ schemas: [SEARCH], filter: null, count: MAX_PAGE_SIZE * 10 })).toMatchObject({
      filter: undefined,
      count: MAX_PAGE_SIZE,
    });
  });

  test.each([
    ['a body that is not an object', [1, 2]],
    ['a filter that is not a string', { schemas: [SEARCH], filter: { op: 'eq' } }],
    ['schemas without the SearchRequest URN', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }],
  ])('refuses %s with 400 invalidSyntax', (_, body) => {
    const e = scimErrorOf(() => listQueryFromSearch(body));
    expect([e.status, e.scimType]).toEqual([400, 'invalidSyntax']);
  });
});

describe('cursors', () => {
  const q = listQueryFromUrl(new URLSearchParams('filter=title eq "x"'));
  const fp = queryFingerprint('User', q);

  test('round-trip a position, URL-safe', () => {
    for (const position of [{ after: 'b0c8-\'"~' }, { offset: 300 }]) {
      const text = encodeCursor(position, fp);
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(text, fp)).toEqual(position);
    }
  });

  test('an empty cursor is the first page', () => {
    expect(decodeCursor('', fp)).toBeUndefined();
  });

  test('the fingerprint depends on the scope, filter and sort, not on paging or projection', () => {
    const same = listQueryFromUrl(new URLSearchParams('filter=title eq "x"&count=3&attributes=title&startIndex=9'));
    expect(queryFingerprint('User', same)).toBe(fp);
    expect(queryFingerprint('Group', q)).not.toBe(fp);
    expect(queryFingerprint('User', listQueryFromUrl(new URLSearchParams('filter=title eq "y"')))).not.toBe(fp);
    expect(
      queryFingerprint('User', listQueryFromUrl(new URLSearchParams('filter=title eq "x"&sortBy=title'))),
    ).not.toBe(fp);
  });

  test.each([
    ["another query's cursor", () => encodeCursor({ offset: 1 }, 'other')],
    ['not base64url', () => 'a+b/c='],
    ['base64url of something else', () => Buffer.from('hello').toString('base64url')],
    ['a negative offset', () => Buffer.from(JSON.stringify({ q: fp, offset: -1 })).toString('base64url')],
    ['extra members', () => Buffer.from(JSON.stringify({ q: fp, offset: 1, admin: true })).toString('base64url')],
  ])('refuses %s with 400 invalidCursor', (_, make) => {
    const e = scimErrorOf(() => decodeCursor(make(), fp));
    expect([e.status, e.scimType]).toEqual([400, 'invalidCursor']);
  });
});
