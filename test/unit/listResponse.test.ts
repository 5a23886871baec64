import {
  DEFAULT_PAGE_SIZE,
  LIST_RESPONSE_SCHEMA,
  listResponse,
  MAX_PAGE_SIZE,
  parsePaging,
} from '../../shared/scim/listResponse';
import { scimErrorOf } from './expectScimError';

describe('parsePaging', () => {
  test('without parameters, startIndex is 1 and count is the default page size', () => {
    expect(parsePaging()).toEqual({ startIndex: 1, count: DEFAULT_PAGE_SIZE });
    expect(parsePaging(null, null)).toEqual({ startIndex: 1, count: DEFAULT_PAGE_SIZE });
  });

  test('empty or blank parameters are treated as absent', () => {
    expect(parsePaging('', '  ')).toEqual({ startIndex: 1, count: DEFAULT_PAGE_SIZE });
  });

  test('the default page size is within the maximum', () => {
    expect(DEFAULT_PAGE_SIZE).toBeLessThanOrEqual(MAX_PAGE_SIZE);
  });

  test("the validator's startIndex=N&count=5 is echoed as given", () => {
    expect(parsePaging('6', '5')).toEqual({ startIndex: 6, count: 5 });
  });

  test('startIndex below 1 is treated as 1', () => {
    expect(parsePaging('0', '5').startIndex).toBe(1);
    expect(parsePaging('-10', '5').startIndex).toBe(1);
  });

  test('a negative count is treated as 0', () => {
    expect(parsePaging('1', '-1').count).toBe(0);
  });

  test('count=0 is kept (only totalResults is wanted)', () => {
    expect(parsePaging('1', '0').count).toBe(0);
  });

  test('count above the maximum is clamped to MAX_PAGE_SIZE', () => {
    expect(parsePaging('1', String(MAX_PAGE_SIZE + 1)).count).toBe(MAX_PAGE_SIZE);
    expect(parsePaging('1', '99999999999999999999').count).toBe(MAX_PAGE_SIZE);
    expect(parsePaging('1', String(MAX_PAGE_SIZE)).count).toBe(MAX_PAGE_SIZE);
  });

  test('surrounding whitespace is allowed', () => {
    expect(parsePaging(' 3 ', ' 7 ')).toEqual({ startIndex: 3, count: 7 });
  });

  test.each([
    ['startIndex', 'abc', null],
    ['startIndex', '1.5', null],
    ['startIndex', '1e2', null],
    ['count', null, 'ten'],
    ['count', null, '2.0'],
    ['count', null, '0x10'],
  ])('a non-integer %s is 400 invalidValue naming it', (name, startIndex, count) => {
    const e = scimErrorOf(() => parsePaging(startIndex, count));
    expect([e.status, e.scimType]).toEqual([400, 'invalidValue']);
    expect(e.detail).toContain(`"${name}" must be an integer`);
  });
});

describe('listResponse', () => {
  test('builds an RFC 7644 ListResponse whose itemsPerPage is the page length', () => {
    expect(listResponse([{ id: 'a' }, { id: 'b' }], 7, { startIndex: 3 })).toEqual({
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 7,
      startIndex: 3,
      itemsPerPage: 2,
      Resources: [{ id: 'a' }, { id: 'b' }],
    });
  });

  test("Entra's probe answer: an empty list with totalResults 0 and startIndex 1", () => {
    expect(listResponse([], 0, { startIndex: 1 })).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });
});
