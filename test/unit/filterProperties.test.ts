import fc from 'fast-check';
import { AttrPath, CompareOp, Filter, Literal, parseFilter } from '../../shared/scim/filter';
import { JsonObject } from '../../shared/scim/document';
import { matches, validateFilter } from '../../shared/scim/filterEvaluation';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { attributeSchema } from '../../shared/scim/schemaDefinitions';
import { ScimError } from '../../shared/scim/errors';
import { EU, SPOKE, U } from '../support/urns';

/**
 * Property tests of the filter language (RFC 7644 §3.4.2.2): random trees printed back to text parse to the same
 * tree and evaluate the same; malformed text is always a 400 invalidFilter naming a position; evaluation of any valid
 * filter on any user never fails with anything but a SCIM 400; types compare by their own rules.
 */

const { user } = buildSchemaRegistry([
  {
    id: SPOKE,
    resourceType: 'User',
    attributes: [
      attributeSchema.parse({ name: 'badgeNumber', type: 'integer' }),
      attributeSchema.parse({ name: 'rate', type: 'decimal' }),
    ],
  },
]);

const simplePaths: AttrPath[] = [
  { attr: 'userName' },
  { attr: 'USERNAME' },
  { attr: 'displayName' },
  { attr: 'title' },
  { attr: 'active' },
  { attr: 'externalId' },
  { attr: 'id' },
  { attr: 'name', sub: 'givenName' },
  { attr: 'name', sub: 'FamilyName' },
  { attr: 'emails', sub: 'value' },
  { attr: 'emails' },
  { attr: 'meta', sub: 'lastModified' },
  { urn: U, attr: 'userName' },
  { urn: EU, attr: 'employeeNumber' },
  { urn: EU, attr: 'manager', sub: 'value' },
  { urn: SPOKE, attr: 'badgeNumber' },
];
const multiValued = ['emails', 'phoneNumbers', 'addresses', 'Emails'];
const subPaths: AttrPath[] = [{ attr: 'type' }, { attr: 'value' }, { attr: 'primary' }, { attr: 'display' }];

const ops: CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    'a"b',
    'back\\slash',
    '\\"',
    'x or y',
    'a and b',
    '[brackets]',
    'x] or [y',
    '(parens)',
    "it's",
    'ünïcødé ✓ 𝄞',
    'not (x)',
    ' ',
    'eq',
    'pr',
    'null',
    'true',
    '12',
  ),
);
const literal: fc.Arbitrary<Literal> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
  fc.constant(null),
);

const leaf = (paths: AttrPath[]): fc.Arbitrary<Filter> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('compare' as const),
      path: fc.constantFrom(...paths),
      op: fc.constantFrom(...ops),
      value: literal,
    }),
    fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom(...paths) }),
  );

/** Trees of and/or/not over leaves, with value paths (`emails[type eq "work" and value co "x"]`) at the top level. */
const tree = (paths: AttrPath[], withValuePaths: boolean): fc.Arbitrary<Filter> =>
  fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf(paths),
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
      ...(withValuePaths
        ? [
            fc.record({
              kind: fc.constant('valuePath' as const),
              path: fc.constantFrom(...multiValued).map((attr) => ({ attr })),
              filter: tree(subPaths, false),
            }),
          ]
        : []),
    ),
  })).f;

const filters = tree(simplePaths, true);

/** How a tree is written: keywords in upper case or not, parentheses only where needed or around every operand. */
interface Style {
  shout: boolean;
  parenthesize: boolean;
}
const styles = fc.record({ shout: fc.boolean(), parenthesize: fc.boolean() });

const pathText = (p: AttrPath) => `${p.urn ? `${p.urn}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`;
const valueText = (v: Literal) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const precedence = (f: Filter) => (f.kind === 'or' ? 1 : f.kind === 'and' ? 2 : 3);

/** The filter as text; with minimal parentheses, and binds tighter than or and both associate to the left. */
function print(f: Filter, style: Style = { shout: false, parenthesize: false }): string {
  const kw = (k: string) => (style.shout ? k.toUpperCase() : k);
  const wrap = (child: Filter, min: number) =>
    style.parenthesize || precedence(child) < min ? `(${print(child, style)})` : print(child, style);
  switch (f.kind) {
    case 'or':
      return `${wrap(f.left, 1)} ${kw('or')} ${wrap(f.right, 2)}`;
    case 'and':
      return `${wrap(f.left, 2)} ${kw('and')} ${wrap(f.right, 3)}`;
    case 'not':
      return `${kw('not')} (${print(f.filter, style)})`;
    case 'present':
      return `${pathText(f.path)} ${kw('pr')}`;
    case 'compare':
      return `${pathText(f.path)} ${kw(f.op)} ${valueText(f.value)}`;
    case 'valuePath':
      return `${pathText(f.path)}[${print(f.filter, style)}]`;
  }
}

/** The parser leaves optional fields out rather than undefined. */
const canonical = (f: Filter): unknown => JSON.parse(JSON.stringify(f));

const users = fc.record(
  {
    id: fc.uuid(),
    userName: nastyString,
    externalId: fc.string(),
    title: fc.oneof(fc.string(), fc.integer()),
    active: fc.oneof(fc.boolean(), fc.constant('True')),
    name: fc.record({ givenName: fc.string(), familyName: fc.string() }, { requiredKeys: [] }),
    emails: fc.array(
      fc.record(
        { value: nastyString, type: fc.constantFrom('work', 'home'), primary: fc.boolean() },
        { requiredKeys: ['value'] },
      ),
      { maxLength: 3 },
    ),
    meta: fc.record({
      lastModified: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
    }),
    [EU]: fc.record({ employeeNumber: fc.string(), manager: fc.record({ value: fc.string() }) }, { requiredKeys: [] }),
    [SPOKE]: fc.record({ badgeNumber: fc.integer() }),
  },
  { requiredKeys: [] },
);

/** What a filter answers for a user: true/false, or "invalid" for a SCIM 400. Anything else escapes and fails. */
function outcome(f: Filter, doc: JsonObject): boolean | 'invalid' {
  try {
    validateFilter(f, user);
    return matches(f, doc, user);
  } catch (e) {
    if (e instanceof ScimError && e.status === 400) return 'invalid';
    throw e;
  }
}

describe('filter grammar, property-based', () => {
  it('parses what it prints back to the same tree, in any keyword case and with any redundant parentheses', () => {
    fc.assert(
      fc.property(filters, styles, (f, style) => {
        expect(canonical(parseFilter(print(f, style)))).toEqual(canonical(f));
      }),
      { numRuns: 3000, seed: 20261123 },
    );
  });

  it('evaluates the parsed tree exactly like the generated one, on any user', () => {
    fc.assert(
      fc.property(filters, styles, users, (f, style, doc) => {
        expect(outcome(parseFilter(print(f, style)), doc)).toBe(outcome(f, doc));
      }),
      { numRuns: 2000, seed: 1123 },
    );
  });

  it('gives "and" precedence over "or", left to right', () => {
    fc.assert(
      fc.property(leaf(simplePaths), leaf(simplePaths), leaf(simplePaths), (a, b, c) => {
        expect(canonical(parseFilter(`${print(a)} or ${print(b)} and ${print(c)}`))).toEqual(
          canonical({ kind: 'or', left: a, right: { kind: 'and', left: b, right: c } }),
        );
        expect(canonical(parseFilter(`${print(a)} and ${print(b)} or ${print(c)}`))).toEqual(
          canonical({ kind: 'or', left: { kind: 'and', left: a, right: b }, right: c }),
        );
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("reads Entra's `attr[filter].sub op value` as the value filter and the comparison on one element", () => {
    const subLeaf = leaf(subPaths).filter((f): f is Extract<Filter, { kind: 'compare' }> => f.kind === 'compare');
    fc.assert(
      fc.property(fc.constantFrom(...multiValued), tree(subPaths, false), subLeaf, users, (attr, inner, cmp, doc) => {
        const entraForm = `${attr}[${print(inner)}].${print(cmp)}`;
        const rfcForm = `${attr}[(${print(inner)}) and ${print(cmp)}]`;
        expect(canonical(parseFilter(entraForm))).toEqual(canonical(parseFilter(rfcForm)));
        expect(outcome(parseFilter(entraForm), doc)).toBe(outcome(parseFilter(rfcForm), doc));
      }),
      { numRuns: 500, seed: 17 },
    );
  });

  it('answers malformed filters with 400 invalidFilter that names a position, and nothing else', () => {
    const mutated = fc
      .tuple(
        filters,
        fc.nat(),
        fc.constantFrom('delete', 'insert', 'truncate'),
        fc.constantFrom('"', '(', ')', '[', ']', ' ', 'and', 'or', 'not', '.', ':', '\\', 'eq', '\u0000', '𝄞'),
      )
      .map(([f, at, how, piece]) => {
        const text = print(f);
        const i = at % (text.length + 1);
        return how === 'delete'
          ? text.slice(0, i) + text.slice(i + 1)
          : how === 'insert'
            ? text.slice(0, i) + piece + text.slice(i)
            : text.slice(0, i);
      });
    const garbage = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('"', '(', ')', '[', ']', ' ', 'a', 'eq', 'or', 'not', '\\', '.', 'pr', '1') }),
    );
    fc.assert(
      fc.property(fc.oneof(mutated, garbage), (text) => {
        try {
          parseFilter(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ScimError);
          const err = e as ScimError;
          expect([err.status, err.scimType]).toEqual([400, 'invalidFilter']);
          if (text.trim() !== '') expect(err.detail).toMatch(/position \d+/);
        }
      }),
      { numRuns: 5000, seed: 42 },
    );
  });

  it('validates and evaluates any parsed filter on any user without failing other than with a SCIM 400', () => {
    fc.assert(
      fc.property(filters, users, (f, doc) => {
        expect(['boolean', 'string']).toContain(typeof outcome(f, doc));
      }),
      { numRuns: 2000, seed: 99 },
    );
  });

  it('evaluates "not" as the negation and "or"/"and" as their boolean counterparts', () => {
    fc.assert(
      fc.property(leaf(simplePaths), leaf(simplePaths), users, (a, b, doc) => {
        const [x, y] = [outcome(a, doc), outcome(b, doc)];
        if (x === 'invalid' || y === 'invalid') return;
        expect(outcome({ kind: 'not', filter: a }, doc)).toBe(!x);
        expect(outcome({ kind: 'or', left: a, right: b }, doc)).toBe(x || y);
        expect(outcome({ kind: 'and', left: a, right: b }, doc)).toBe(x && y);
      }),
      { numRuns: 1000, seed: 5 },
    );
  });
});

describe('comparisons by type, property-based', () => {
  const parsed = (text: string, doc: JsonObject) => outcome(parseFilter(text), doc);

  it('treats null like an unassigned value (RFC 7643 §2.5): eq null is absence, ne null is presence', () => {
    fc.assert(
      fc.property(fc.constantFrom(...simplePaths).map(pathText), users, (path, doc) => {
        const present = parsed(`${path} pr`, doc);
        expect(parsed(`${path} eq null`, doc)).toBe(!present);
        expect(parsed(`${path} ne null`, doc)).toBe(present);
      }),
      { numRuns: 1000, seed: 8 },
    );
  });

  it('refuses to order or match substrings of null', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...simplePaths).map(pathText),
        fc.constantFrom('gt', 'ge', 'lt', 'le', 'co', 'sw', 'ew'),
        users,
        (path, op, doc) => {
          expect(parsed(`${path} ${op} null`, doc)).toBe('invalid');
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });

  it('compares dateTimes as instants, whatever the offset and however many fraction digits, and UTC without offset', () => {
    const instant = fc.integer({ min: Date.UTC(1000, 0, 2), max: Date.UTC(9998, 11, 30) });
    /** A stored instant and one asked about: anywhere, or within a second and a half of it (equal included). */
    const pair = instant.chain((stored) =>
      fc.tuple(
        fc.constant(stored),
        fc.oneof(
          instant,
          fc.integer({ min: -1500, max: 1500 }).map((d) => stored + d),
        ),
      ),
    );
    /** Minutes east of UTC; undefined writes no offset at all, which must mean UTC whatever the host's zone. */
    const offsetMinutes = fc.option(fc.integer({ min: -14 * 60, max: 14 * 60 }), { nil: undefined });
    /** `instant` written as local time at `offset`, with `digits` fraction digits (padding the milliseconds with zeros). */
    const written = (ms: number, offset: number | undefined, digits: number) => {
      const local = new Date(ms + (offset ?? 0) * 60_000).toISOString().slice(0, 23);
      const [seconds, millis] = local.split('.');
      const fraction = digits === 0 ? '' : `.${millis.padEnd(digits, '0').slice(0, digits)}`;
      if (offset === undefined) return `${seconds}${fraction}`;
      const sign = offset < 0 ? '-' : '+';
      const zone = `${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
      return `${seconds}${fraction}${zone}`;
    };
    fc.assert(
      fc.property(
        pair,
        offsetMinutes,
        fc.integer({ min: 3, max: 9 }),
        fc.constantFrom('eq', 'gt', 'ge', 'lt', 'le'),
        ([stored, asked], offset, digits, op) => {
          const doc = { meta: { lastModified: new Date(stored).toISOString() } };
          const expected = {
            eq: stored === asked,
            gt: stored > asked,
            ge: stored >= asked,
            lt: stored < asked,
            le: stored <= asked,
          }[op];
          expect(parsed(`meta.lastModified ${op} "${written(asked, offset, digits)}"`, doc)).toBe(expected);
          // Whole seconds: the same instant without a fraction.
          const second = Math.floor(asked / 1000) * 1000;
          const bySecond = {
            eq: stored === second,
            gt: stored > second,
            ge: stored >= second,
            lt: stored < second,
            le: stored <= second,
          }[op];
          expect(parsed(`meta.lastModified ${op} "${written(second, offset, 0)}"`, doc)).toBe(bySecond);
        },
      ),
      { numRuns: 1000, seed: 2026 },
    );
  });

  it('refuses a dateTime that is not one, even where Date.parse would guess', () => {
    for (const v of ['5', 'Tuesday 5', 'yesterday', '2026-13-01', '01/02/2026', '2026-01-01 00:00:00']) {
      expect(parsed(`meta.lastModified gt "${v}"`, {})).toBe('invalid');
    }
  });

  it('refuses operators a type cannot answer: ordering booleans, substrings of booleans, numbers and dateTimes', () => {
    const cases = fc
      .oneof(
        fc.tuple(
          fc.constantFrom('active', 'emails[primary', 'addresses[primary'),
          fc.constantFrom('gt', 'ge', 'lt', 'le', 'co', 'sw', 'ew'),
          fc.oneof(fc.boolean(), fc.constant('"true"')),
        ),
        fc.tuple(
          fc.constantFrom(`${SPOKE}:badgeNumber`, 'rate', 'meta.created', 'meta.lastModified'),
          fc.constantFrom('co', 'sw', 'ew'),
          fc.oneof(fc.integer(), fc.constant('"2026-01-01T00:00:00Z"')),
        ),
      )
      .map(([path, op, v]) => (path.includes('[') ? `${path} ${op} ${v}]` : `${path} ${op} ${v}`));
    fc.assert(
      fc.property(cases, users, (text, doc) => {
        expect(parsed(text, doc)).toBe('invalid');
        // Whatever the data: matches() alone refuses it too, where the attribute has a value to compare.
        expect(() =>
          matches(
            parseFilter(text),
            {
              active: true,
              emails: [{ primary: true }],
              addresses: [{ primary: false }],
              meta: { created: '2026-01-01T00:00:00Z', lastModified: '2026-01-01T00:00:00Z' },
              [SPOKE]: { badgeNumber: 1, rate: 1.5 },
            },
            user,
          ),
        ).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter' }));
      }),
      { numRuns: 300, seed: 10 },
    );
  });

  it('compares numbers numerically, not as text', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.constantFrom('eq', 'gt', 'ge', 'lt', 'le'), (stored, asked, op) => {
        const doc = { [SPOKE]: { badgeNumber: stored } };
        const expected = {
          eq: stored === asked,
          gt: stored > asked,
          ge: stored >= asked,
          lt: stored < asked,
          le: stored <= asked,
        }[op];
        expect(parsed(`badgeNumber ${op} ${asked}`, doc)).toBe(expected);
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
