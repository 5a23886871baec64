import { isJsonObject, listOf, objectAt, objectsIn, parseJson } from '../../shared/scim/document';
import { errorMessage } from '../../shared/scim/errors';

describe('JSON documents', () => {
  test('only a non-null, non-array object is a JSON object', () => {
    expect(isJsonObject({ a: 1 })).toBe(true);
    expect(isJsonObject({})).toBe(true);
    for (const v of [[], [{}], null, undefined, 'x', 0, true]) expect(isJsonObject(v)).toBe(false);
  });

  test('objectAt reads an extension or complex attribute, and nothing that is not an object', () => {
    const doc = { name: { givenName: 'Ada' }, emails: [{ value: 'a@x' }], title: 'Eng', gone: null };
    expect(objectAt(doc, 'name')).toEqual({ givenName: 'Ada' });
    for (const key of ['emails', 'title', 'gone', 'missing']) expect(objectAt(doc, key)).toBeUndefined();
    expect(objectAt(undefined, 'name')).toBeUndefined();
  });

  test('a lone value is a list of one, absence a list of none, and objectsIn keeps the objects', () => {
    expect(listOf(undefined)).toEqual([]);
    expect(listOf('a')).toEqual(['a']);
    expect(listOf(null)).toEqual([null]);
    const list = [{ value: 'a' }, 'b'];
    expect(listOf(list)).toBe(list);
    expect(objectsIn([{ value: 'a' }, 'b', null, [1], { value: 'c' }])).toEqual([{ value: 'a' }, { value: 'c' }]);
    expect(objectsIn({ value: 'a' })).toEqual([{ value: 'a' }]);
  });

  test('parseJson parses JSON text and throws a SyntaxError for anything else', () => {
    expect(parseJson('{"a":[1,"x",null,true]}')).toEqual({ a: [1, 'x', null, true] });
    expect(parseJson('"text"')).toBe('text');
    expect(() => parseJson('{a:1}')).toThrow(SyntaxError);
  });

  test("errorMessage is an Error's message, or the thrown value as text", () => {
    expect(errorMessage(new TypeError('bad thing'))).toBe('bad thing');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
