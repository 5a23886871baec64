import { boundedColumn, decodeDocument, encodeDocument, MAX_COLUMN_CHARS } from '../../shared/store/entityProperties';
import { ScimError } from '../../shared/scim/errors';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const parts = (props: Record<string, string>) => Object.values(props);

describe('a document split over string properties', () => {
  it.each([0, 1, 2, 3])(
    'never splits a surrogate pair across properties (text offset by %i) and reads back the same',
    (offset) => {
      const data = { pad: 'x'.repeat(offset), displayName: '😀𝄞'.repeat(60_000) };
      const props = encodeDocument('User', data);
      // doc, doc1, doc2… in order, none skipped: decodeDocument stops at the first missing part.
      expect(Object.keys(props)).toEqual(Object.keys(props).map((_, i) => (i === 0 ? 'doc' : `doc${i}`)));
      for (const part of parts(props)) {
        expect(part.length).toBeLessThanOrEqual(32_768); // Table Storage: 64 KiB of UTF-16 per string property
        expect(part).not.toMatch(LONE_SURROGATE);
      }
      expect(decodeDocument(props)).toEqual(data);
    },
  );

  it('keeps a small document in the one `doc` property it always had', () => {
    expect(encodeDocument('User', { userName: 'ada' })).toEqual({ doc: '{"userName":"ada"}' });
    expect(decodeDocument({ doc: '{"userName":"ada"}', doc1: null })).toEqual({ userName: 'ada' });
  });

  it('accepts about 500 K characters and refuses more with 413 naming the largest attribute', () => {
    expect(decodeDocument(encodeDocument('User', { displayName: 'a'.repeat(500_000) }))).toEqual({
      displayName: 'a'.repeat(500_000),
    });
    const refuse = () => encodeDocument('Group', { displayName: 'g', members: 'm'.repeat(520_000) });
    expect(refuse).toThrow(ScimError);
    expect(refuse).toThrow(/one Group can hold at most \d+.*"members" \(520002 characters as JSON\)/);
  });
});

describe('a typed column', () => {
  it('keeps a prefix of at least MAX_COLUMN_CHARS characters, whole surrogate pairs only', () => {
    expect(boundedColumn('short')).toBe('short');
    const long = `${'a'.repeat(MAX_COLUMN_CHARS - 1)}😀tail`;
    expect(boundedColumn(long)).toBe(`${'a'.repeat(MAX_COLUMN_CHARS - 1)}😀`);
    expect(boundedColumn('b'.repeat(5_000))).toHaveLength(MAX_COLUMN_CHARS);
  });
});
