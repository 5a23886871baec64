import { Filter, parseAttrPath, parseFilter } from '../../shared/scim/filter';
import { scimErrorOf } from './expectScimError';
import { EU } from '../support/urns';

const cmp = (attr: string, op: string, value: unknown, extra: { urn?: string; sub?: string } = {}): Filter =>
  ({ kind: 'compare', path: { attr, ...extra }, op, value }) as Filter;

describe('comparison operators', () => {
  test.each(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])(
    '"%s" parses into a comparison with that operator',
    (op) => {
      expect(parseFilter(`title ${op} "x"`)).toEqual(cmp('title', op, 'x'));
    },
  );

  test('"pr" parses into a presence test with no value', () => {
    expect(parseFilter('title pr')).toEqual({ kind: 'present', path: { attr: 'title' } });
  });

  test('operators and logical keywords are case-insensitive (EQ, AND, Or, NOT, PR)', () => {
    expect(parseFilter('userName EQ "a" AND NOT (title PR) Or externalId Eq "b"')).toEqual({
      kind: 'or',
      left: {
        kind: 'and',
        left: cmp('userName', 'eq', 'a'),
        right: { kind: 'not', filter: { kind: 'present', path: { attr: 'title' } } },
      },
      right: cmp('externalId', 'eq', 'b'),
    });
  });

  test('the attribute name keeps the spelling the client used', () => {
    expect(parseFilter('USERNAME eq "x"')).toEqual(cmp('USERNAME', 'eq', 'x'));
  });

  test("Entra's probe filter parses into a userName equality", () => {
    expect(parseFilter('userName eq "3f4b2a4e-8f32-4b0e-9d7c-1c2d3e4f5a6b"')).toEqual(
      cmp('userName', 'eq', '3f4b2a4e-8f32-4b0e-9d7c-1c2d3e4f5a6b'),
    );
  });

  test('whitespace around tokens does not matter, including none before a quoted value', () => {
    expect(parseFilter('  userName   eq"x"  ')).toEqual(cmp('userName', 'eq', 'x'));
  });
});

describe('logical operators and grouping', () => {
  test('"and" binds tighter than "or"', () => {
    expect(parseFilter('title eq "a" or title eq "b" and userName eq "c"')).toEqual({
      kind: 'or',
      left: cmp('title', 'eq', 'a'),
      right: { kind: 'and', left: cmp('title', 'eq', 'b'), right: cmp('userName', 'eq', 'c') },
    });
  });

  test('"and" before "or" also groups the "and" first', () => {
    expect(parseFilter('title eq "a" and title eq "b" or userName eq "c"')).toEqual({
      kind: 'or',
      left: { kind: 'and', left: cmp('title', 'eq', 'a'), right: cmp('title', 'eq', 'b') },
      right: cmp('userName', 'eq', 'c'),
    });
  });

  test('parentheses override precedence', () => {
    expect(parseFilter('(title eq "a" or title eq "b") and userName eq "c"')).toEqual({
      kind: 'and',
      left: { kind: 'or', left: cmp('title', 'eq', 'a'), right: cmp('title', 'eq', 'b') },
      right: cmp('userName', 'eq', 'c'),
    });
  });

  test('a chain of "and" is left-associative', () => {
    expect(parseFilter('a eq 1 and b eq 2 and c eq 3')).toEqual({
      kind: 'and',
      left: { kind: 'and', left: cmp('a', 'eq', 1), right: cmp('b', 'eq', 2) },
      right: cmp('c', 'eq', 3),
    });
  });

  test('"not" negates a parenthesised expression', () => {
    expect(parseFilter('not (userName eq "x" or title pr)')).toEqual({
      kind: 'not',
      filter: { kind: 'or', left: cmp('userName', 'eq', 'x'), right: { kind: 'present', path: { attr: 'title' } } },
    });
  });

  test("Entra's manager reference check (id and manager) parses into a conjunction", () => {
    expect(parseFilter('id eq "u1" and manager eq "m1"')).toEqual({
      kind: 'and',
      left: cmp('id', 'eq', 'u1'),
      right: cmp('manager', 'eq', 'm1'),
    });
  });
});

describe('attribute paths', () => {
  test('a sub-attribute follows a dot', () => {
    expect(parseFilter('name.familyName eq "Jensen"')).toEqual(cmp('name', 'eq', 'Jensen', { sub: 'familyName' }));
  });

  test('a URN-qualified extension attribute is split on its last colon', () => {
    expect(parseFilter(`${EU}:department eq "x"`)).toEqual(cmp('department', 'eq', 'x', { urn: EU }));
  });

  test('a URN-qualified attribute may carry a sub-attribute', () => {
    expect(parseFilter(`${EU}:manager.value eq "m1"`)).toEqual(cmp('manager', 'eq', 'm1', { urn: EU, sub: 'value' }));
  });

  test('the core schema URN may qualify a core attribute', () => {
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"')).toEqual(
      cmp('userName', 'eq', 'x', { urn: 'urn:ietf:params:scim:schemas:core:2.0:User' }),
    );
  });

  test('parseAttrPath splits URN, attribute and sub-attribute', () => {
    expect(parseAttrPath(`${EU}:manager.value`)).toEqual({ urn: EU, attr: 'manager', sub: 'value' });
    expect(parseAttrPath('$ref')).toEqual({ attr: '$ref' });
  });

  test('parseAttrPath rejects a path with two dots as invalidPath', () => {
    const e = scimErrorOf(() => parseAttrPath('name.givenName.x'));
    expect([e.status, e.scimType]).toEqual([400, 'invalidPath']);
  });
});

describe('value paths', () => {
  test('a bracketed filter selects elements of a multi-valued attribute', () => {
    expect(parseFilter('emails[type eq "work" and value co "@x.com"]')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: { kind: 'and', left: cmp('type', 'eq', 'work'), right: cmp('value', 'co', '@x.com') },
    });
  });

  test('Entra\'s emails[type eq "work"].value eq "x" form narrows the selected element by its value', () => {
    expect(parseFilter('emails[type eq "work"].value eq "x@y.com"')).toEqual({
      kind: 'valuePath',
      path: { attr: 'emails' },
      filter: { kind: 'and', left: cmp('type', 'eq', 'work'), right: cmp('value', 'eq', 'x@y.com') },
    });
  });

  test('a value path combines with other terms', () => {
    expect(parseFilter('emails[type eq "work"] and userName eq "a"')).toEqual({
      kind: 'and',
      left: { kind: 'valuePath', path: { attr: 'emails' }, filter: cmp('type', 'eq', 'work') },
      right: cmp('userName', 'eq', 'a'),
    });
  });

  test('a closing bracket inside a quoted value does not end the value path', () => {
    expect(parseFilter('members[value eq "a]b"]')).toEqual({
      kind: 'valuePath',
      path: { attr: 'members' },
      filter: cmp('value', 'eq', 'a]b'),
    });
  });

  test('Entra\'s role filter keeps "True" as the string it sent', () => {
    expect(parseFilter('roles[primary eq "True"]')).toEqual({
      kind: 'valuePath',
      path: { attr: 'roles' },
      filter: cmp('primary', 'eq', 'True'),
    });
  });
});

describe('literal values', () => {
  test('an unquoted bare value is a string (externalId eq jyoung)', () => {
    expect(parseFilter('externalId eq jyoung')).toEqual(cmp('externalId', 'eq', 'jyoung'));
  });

  test('a bare value may contain dots and @', () => {
    expect(parseFilter('userName eq j.young@x.com')).toEqual(cmp('userName', 'eq', 'j.young@x.com'));
  });

  test('a bare value ends at a closing parenthesis', () => {
    expect(parseFilter('(externalId eq jyoung)')).toEqual(cmp('externalId', 'eq', 'jyoung'));
  });

  test.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['null', null],
    ['42', 42],
    ['-7', -7],
    ['3.25', 3.25],
    ['1e3', 1000],
  ])('the unquoted literal %s becomes %p', (text, value) => {
    expect(parseFilter(`x eq ${text}`)).toEqual(cmp('x', 'eq', value));
  });

  test('a quoted number or boolean stays a string', () => {
    expect(parseFilter('x eq "42"')).toEqual(cmp('x', 'eq', '42'));
    expect(parseFilter('x eq "true"')).toEqual(cmp('x', 'eq', 'true'));
  });

  test('escaped quotes inside a string are unescaped', () => {
    expect(parseFilter('displayName eq "say \\"hi\\""')).toEqual(cmp('displayName', 'eq', 'say "hi"'));
  });

  test('an escaped backslash and a unicode escape are unescaped', () => {
    expect(parseFilter('displayName eq "a\\\\b \\u0041"')).toEqual(cmp('displayName', 'eq', 'a\\b A'));
  });

  test('an empty quoted string is a valid value', () => {
    expect(parseFilter('title eq ""')).toEqual(cmp('title', 'eq', ''));
  });

  test('keywords inside quoted values are just text', () => {
    expect(parseFilter('title eq "a and b or not (c)"')).toEqual(cmp('title', 'eq', 'a and b or not (c)'));
  });
});

describe('malformed filters are 400 invalidFilter with the position', () => {
  test.each([
    ['a missing value', 'userName eq', 12],
    ['an unknown operator', 'userName xx "x"', 10],
    ['a missing operator', 'userName "x"', 10],
    ['a dangling "and"', 'userName eq "x" and', 20],
    ['an unclosed parenthesis', '(userName eq "x"', 17],
    ['an extra closing parenthesis', 'userName eq "x")', 16],
    ['"not" without parentheses', 'not userName eq "x"', 5],
    ['an unclosed value path', 'emails[type eq "work"', 22],
    ['a value-path sub-attribute with no comparison', 'emails[type eq "work"].value', 29],
    ['an operator where an attribute belongs', 'eq "x"', 4],
    ['a value in place of an attribute', '"x" eq "y"', 1],
    ['a trailing extra term', 'userName eq "x" title eq "y"', 17],
    ['a parenthesis where the value belongs', 'userName eq (', 13],
  ])('%s: %s', (_what, text, position) => {
    const e = scimErrorOf(() => parseFilter(text));
    expect(e.status).toBe(400);
    expect(e.scimType).toBe('invalidFilter');
    expect(e.detail).toContain(`position ${position}`);
  });

  test('an unterminated string names where it starts', () => {
    const e = scimErrorOf(() => parseFilter('userName eq "abc'));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain('unterminated string');
    expect(e.detail).toContain('position 13');
  });

  test('a string ending in a lone backslash is unterminated', () => {
    const e = scimErrorOf(() => parseFilter('userName eq "abc\\"'));
    expect(e.scimType).toBe('invalidFilter');
    expect(e.detail).toContain('position 13');
  });

  test('an invalid escape names where the string starts', () => {
    const e = scimErrorOf(() => parseFilter('userName eq "a\\qb"'));
    expect(e.scimType).toBe('invalidFilter');
    expect(e.detail).toContain('invalid escape');
    expect(e.detail).toContain('position 13');
  });

  test('an invalid attribute path names its position', () => {
    const e = scimErrorOf(() => parseFilter('title eq "a" and name.given.x eq "b"'));
    expect(e.scimType).toBe('invalidFilter');
    expect(e.detail).toContain('"name.given.x" at position 18');
  });

  test('an invalid sub-attribute after a value path names its position', () => {
    const e = scimErrorOf(() => parseFilter('emails[type eq "work"].1x eq "b"'));
    expect(e.scimType).toBe('invalidFilter');
    expect(e.detail).toContain('position 24');
  });

  test('the detail quotes the whole filter so the admin can find it in the log', () => {
    expect(scimErrorOf(() => parseFilter('userName zz "x"')).detail).toContain('"userName zz \\"x\\""');
  });

  test('an empty or blank filter is invalidFilter', () => {
    for (const text of ['', '   ']) {
      const e = scimErrorOf(() => parseFilter(text));
      expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
      expect(e.detail).toContain('empty');
    }
  });

  test('a filter longer than 4096 characters is invalidFilter', () => {
    const e = scimErrorOf(() => parseFilter(`userName eq "${'a'.repeat(4100)}"`));
    expect([e.status, e.scimType]).toEqual([400, 'invalidFilter']);
    expect(e.detail).toContain('4096');
  });

  test('an error renders as an RFC 7644 §3.12 error body', () => {
    expect(scimErrorOf(() => parseFilter('userName eq')).toBody()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: expect.stringContaining('position 12'),
    });
  });
});
