import fc from 'fast-check';
import { AttrPath, CompareOp, Filter, Literal, parseFilter } from '../../shared/scim/filter';
import { matches, validateFilter } from '../../shared/scim/filterEvaluation';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { ScimError } from '../../shared/scim/errors';

/**
 * Property tests of the filter language (RFC 7644 §3.4.2.2): random trees printed with the fewest parentheses
 * precedence allows parse back to the same tree; malformed text is always a 400 invalidFilter naming a position;
 * evaluation of any valid filter on any user never fails with anything but a SCIM error.
 */

const { user } = buildSchemaRegistry([]);
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const simplePaths: AttrPath[] = [
  { attr: 'userName' }, { attr: 'USERNAME' }, { attr: 'displayName' }, { attr: 'title' }, { attr: 'active' }, { attr: 'externalId' },
  { attr: 'id' }, { attr: 'name', sub: 'givenName' }, { attr: 'name', sub: 'FamilyName' }, { attr: 'emails', sub: 'value' }, { attr: 'emails' },
  { attr: 'meta', sub: 'lastModified' }, { urn: CORE, attr: 'userName' }, { urn: ENTERPRISE, attr: 'employeeNumber' },
  { urn: ENTERPRISE, attr: 'manager', sub: 'value' },
];
const multiValued = ['emails', 'phoneNumbers', 'addresses', 'Emails'];
const subPaths: AttrPath[] = [{ attr: 'type' }, { attr: 'value' }, { attr: 'primary' }, { attr: 'display' }];

const ops: CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const nastyString = fc.oneof(
  fc.string(),
  fc.constantFrom('a"b', 'back\\slash', 'x or y', 'a and b', '[brackets]', '(parens)', "it's", 'ünïcødé ✓', 'not (x)', ' ', 'eq', 'pr'),
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
    fc.record({ kind: fc.constant('compare' as const), path: fc.constantFrom(...paths), op: fc.constantFrom(...ops), value: literal }),
    fc.record({ kind: fc.constant('present' as const), path: fc.constantFrom(...paths) }),
  );

/** Trees of and/or/not over leaves; `inner` is the filter inside a value path (sub-attributes only). */
const tree = (paths: AttrPath[], withValuePaths: boolean): fc.Arbitrary<Filter> =>
  fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf(paths),
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('f'), right: tie('f') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }),
      ...(withValuePaths ? [fc.record({ kind: fc.constant('valuePath' as const), path: fc.constantFrom(...multiValued).map((attr) => ({ attr })), filter: tree(subPaths, false) })] : []),
    ),
  })).f;

const filters = tree(simplePaths, true);

const pathText = (p: AttrPath) => `${p.urn ? `${p.urn}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`;
const valueText = (v: Literal) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
const precedence = (f: Filter) => (f.kind === 'or' ? 1 : f.kind === 'and' ? 2 : 3);

/** Prints with only the parentheses precedence and left-associativity need; `shout` upper-cases keywords. */
function print(f: Filter, shout = false): string {
  const kw = (k: string) => (shout ? k.toUpperCase() : k);
  const wrap = (child: Filter, min: number) => (precedence(child) < min ? `(${print(child, shout)})` : print(child, shout));
  switch (f.kind) {
    case 'or': return `${wrap(f.left, 1)} ${kw('or')} ${wrap(f.right, 2)}`;
    case 'and': return `${wrap(f.left, 2)} ${kw('and')} ${wrap(f.right, 3)}`;
    case 'not': return `${kw('not')} (${print(f.filter, shout)})`;
    case 'present': return `${pathText(f.path)} ${kw('pr')}`;
    case 'compare': return `${pathText(f.path)} ${kw(f.op)} ${valueText(f.value)}`;
    case 'valuePath': return `${pathText(f.path)}[${print(f.filter, shout)}]`;
  }
}

/** The parser leaves optional fields out rather than undefined. */
const canonical = (f: Filter): unknown => JSON.parse(JSON.stringify(f));

const users = fc.record(
  {
    userName: fc.string(),
    title: fc.oneof(fc.string(), fc.integer()),
    active: fc.oneof(fc.boolean(), fc.constant('True')),
    name: fc.record({ givenName: fc.string(), familyName: fc.string() }, { requiredKeys: [] }),
    emails: fc.array(fc.record({ value: fc.string(), type: fc.constantFrom('work', 'home'), primary: fc.boolean() }, { requiredKeys: ['value'] }), { maxLength: 3 }),
    meta: fc.record({ lastModified: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()) }),
  },
  { requiredKeys: [] },
);

describe('filter grammar, property-based', () => {
  it('parses what it prints back to the same tree, with minimal parentheses and any keyword case', () => {
    fc.assert(
      fc.property(filters, fc.boolean(), (f, shout) => {
        expect(canonical(parseFilter(print(f, shout)))).toEqual(canonical(f));
      }),
      { numRuns: 2000, seed: 20261123 },
    );
  });

  it('gives "and" precedence over "or", left to right', () => {
    fc.assert(
      fc.property(leaf(simplePaths), leaf(simplePaths), leaf(simplePaths), (a, b, c) => {
        expect(canonical(parseFilter(`${print(a)} or ${print(b)} and ${print(c)}`))).toEqual(canonical({ kind: 'or', left: a, right: { kind: 'and', left: b, right: c } }));
        expect(canonical(parseFilter(`${print(a)} and ${print(b)} or ${print(c)}`))).toEqual(canonical({ kind: 'or', left: { kind: 'and', left: a, right: b }, right: c }));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('answers malformed filters with 400 invalidFilter that names a position, and nothing else', () => {
    const mutated = fc.tuple(filters, fc.nat(), fc.constantFrom('delete', 'insert', 'truncate'), fc.constantFrom('"', '(', ')', '[', ']', ' ', 'and', 'or', 'not', '.', ':', '\\', 'eq'))
      .map(([f, at, how, piece]) => {
        const text = print(f);
        const i = at % (text.length + 1);
        return how === 'delete' ? text.slice(0, i) + text.slice(i + 1) : how === 'insert' ? text.slice(0, i) + piece + text.slice(i) : text.slice(0, i);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string(), fc.string({ unit: fc.constantFrom('"', '(', ')', '[', ']', ' ', 'a', 'eq', 'or', '\\') })), (text) => {
        try {
          parseFilter(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ScimError);
          const err = e as ScimError;
          expect([err.status, err.scimType]).toEqual([400, 'invalidFilter']);
          if (text.trim() !== '') expect(err.detail).toMatch(/position \d+/);
        }
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('validates and evaluates any parsed filter on any user without failing other than with a SCIM 400', () => {
    fc.assert(
      fc.property(filters, users, (f, doc) => {
        try {
          validateFilter(f, user);
          expect(typeof matches(f, doc, user)).toBe('boolean');
        } catch (e) {
          expect(e).toBeInstanceOf(ScimError);
          expect((e as ScimError).status).toBe(400);
        }
      }),
      { numRuns: 2000, seed: 99 },
    );
  });

  it('evaluates "not" as the negation and "or"/"and" as their boolean counterparts', () => {
    fc.assert(
      fc.property(leaf(simplePaths), leaf(simplePaths), users, (a, b, doc) => {
        const evaluate = (f: Filter) => {
          try {
            validateFilter(f, user);
            return matches(f, doc, user);
          } catch {
            return undefined; // invalid for the schema: nothing to compare
          }
        };
        const [x, y] = [evaluate(a), evaluate(b)];
        if (x === undefined || y === undefined) return;
        expect(evaluate({ kind: 'not', filter: a })).toBe(!x);
        expect(evaluate({ kind: 'or', left: a, right: b })).toBe(x || y);
        expect(evaluate({ kind: 'and', left: a, right: b })).toBe(x && y);
      }),
      { numRuns: 1000, seed: 5 },
    );
  });
});
