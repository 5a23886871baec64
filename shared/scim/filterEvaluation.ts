import { isJsonObject, JsonObject, objectAt } from './document';
import { badRequest } from './errors';
import { AttrPath, CompareOp, Filter, Literal } from './filter';
import { instantOf } from './instant';
import { ResourceSchema, findAttr, formatPath } from './resourceSchema';
import { AttributeDef } from './schemaDefinitions';

/** Checks every path in the tree against the schema once, so a bad attribute is a 400 before any I/O. */
export function validateFilter(filter: Filter, schema: ResourceSchema, scope?: AttributeDef): void {
  const check = (path: AttrPath): AttributeDef => {
    const def = scope
      ? !path.sub && !path.urn
        ? findAttr(scope.subAttributes ?? [], path.attr)
        : undefined
      : tryResolve(schema, path);
    if (!def)
      throw badRequest('invalidFilter', `Invalid filter: unknown attribute "${formatPath(path)}" for ${schema.name}.`);
    return def;
  };
  switch (filter.kind) {
    case 'and':
    case 'or':
      validateFilter(filter.left, schema, scope);
      validateFilter(filter.right, schema, scope);
      return;
    case 'not':
      validateFilter(filter.filter, schema, scope);
      return;
    case 'compare': {
      const def = check(filter.path);
      checkComparison(filter.op, filter.value, comparedAttr(def) ?? def);
      return;
    }
    case 'present':
      check(filter.path);
      return;
    case 'valuePath': {
      const def = check(filter.path);
      if (def.type !== 'complex')
        throw badRequest('invalidFilter', `Invalid filter: "${def.name}" is not complex, so "[...]" cannot apply.`);
      validateFilter(filter.filter, schema, def);
    }
  }
}

function tryResolve(schema: ResourceSchema, path: AttrPath): AttributeDef | undefined {
  try {
    const r = schema.resolve(path);
    return r.sub ?? r.def;
  } catch {
    return undefined;
  }
}

/** Evaluates a filter against a stored resource (canonical form). Pure; used for residual filtering and tests. */
export function matches(filter: Filter, resource: JsonObject, schema: ResourceSchema): boolean {
  return evalNode(filter, { resource, schema });
}

interface Scope {
  resource: JsonObject;
  schema: ResourceSchema;
  /** Set inside `attr[...]`: the element being tested and its definition. */
  element?: { value: JsonObject; def: AttributeDef };
}

function evalNode(f: Filter, s: Scope): boolean {
  switch (f.kind) {
    case 'and':
      return evalNode(f.left, s) && evalNode(f.right, s);
    case 'or':
      return evalNode(f.left, s) || evalNode(f.right, s);
    case 'not':
      return !evalNode(f.filter, s);
    case 'present':
      return present(values(f.path, s));
    case 'compare': {
      const pairs = values(f.path, s);
      const expected = f.value;
      if (expected === null) {
        // RFC 7643 §2.5: null and unassigned are one state, so `eq null` asks for absence and `ne null` for presence.
        for (const [, def] of pairs) checkComparison(f.op, null, def);
        return present(pairs) === (f.op === 'ne');
      }
      return pairs.some(([v, def]) => compare(v, f.op, expected, def));
    }
    case 'valuePath': {
      const { def, urn } = s.schema.resolve(f.path);
      const raw = container(s.resource, urn)?.[def.name];
      const elements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
      return elements.some((el) => isJsonObject(el) && evalNode(f.filter, { ...s, element: { value: el, def } }));
    }
  }
}

const present = (pairs: Array<[unknown, AttributeDef]>) =>
  pairs.some(([v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0));

const container = (resource: JsonObject, urn?: string) => (urn ? objectAt(resource, urn) : resource);

/** The (value, definition) pairs a path denotes; multi-valued complex without sub-attribute means its `value`. */
function values(path: AttrPath, s: Scope): Array<[unknown, AttributeDef]> {
  if (s.element) {
    // validateFilter has checked the path against these sub-attributes, so `sub` is missing only for unchecked input.
    const sub = findAttr(s.element.def.subAttributes ?? [], path.attr);
    return sub ? [[s.element.value[sub.name], sub]] : [];
  }
  const { urn, def, sub } = s.schema.resolve(path);
  const raw = container(s.resource, urn)?.[def.name];
  const items = def.multiValued ? (Array.isArray(raw) ? raw : []) : [raw];
  const leaf = sub ?? comparedAttr(def);
  if (!leaf) return items.map((v) => [v, def]);
  return items.map((v) => [isJsonObject(v) ? v[leaf.name] : undefined, leaf]);
}

/** What a comparison (or sort) on a complex attribute without a sub-attribute uses: its `value` (`emails eq "x"`). */
export const comparedAttr = (def: AttributeDef) =>
  def.type === 'complex' ? findAttr(def.subAttributes ?? [], 'value') : undefined;

/**
 * Operators a type cannot answer (RFC 7644 §3.4.2.2: `gt` on a boolean or binary) and values that cannot be compared
 * (`meta.created gt "yesterday"`) are `invalidFilter`. validateFilter runs this too, so the 400 does not depend on
 * whether some stored resource happens to have the attribute.
 */
function checkComparison(op: CompareOp, expected: Literal, def: AttributeDef): void {
  const ordering = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const substring = op === 'co' || op === 'sw' || op === 'ew';
  const unsupported =
    (def.type === 'boolean' && (ordering || substring)) ||
    (def.type === 'binary' && ordering) ||
    ((def.type === 'integer' || def.type === 'decimal' || def.type === 'dateTime') && substring);
  if (unsupported)
    throw badRequest(
      'invalidFilter',
      `Invalid filter: "${op}" is not defined for ${def.type} attribute "${def.name}".`,
    );
  if (expected === null && op !== 'eq' && op !== 'ne')
    throw badRequest('invalidFilter', `Invalid filter: null can only be compared with "eq" or "ne", not "${op}".`);
  if (def.type === 'dateTime' && expected !== null && instantOf(expected) === undefined) {
    throw badRequest(
      'invalidFilter',
      `Invalid filter: "${String(expected)}" is not a dateTime (e.g. 2026-01-31T09:00:00Z) for "${def.name}".`,
    );
  }
}

function compare(actual: unknown, op: CompareOp, expected: Exclude<Literal, null>, def: AttributeDef): boolean {
  checkComparison(op, expected, def);
  if (op === 'ne') return !compare(actual, 'eq', expected, def);
  if (actual === undefined || actual === null) return false;
  switch (def.type) {
    case 'boolean':
      return actual === (typeof expected === 'string' ? expected.toLowerCase() === 'true' : expected);
    case 'integer':
    case 'decimal':
      return ordered(Number(actual), op, Number(expected));
    case 'dateTime': {
      const instant = instantOf(actual);
      const bound = instantOf(expected);
      return instant !== undefined && bound !== undefined && ordered(instant, op, bound);
    }
    default: {
      const text = scalarText(actual);
      if (text === undefined) return false;
      const a = foldCase(text, def);
      const e = foldCase(String(expected), def);
      switch (op) {
        case 'co':
          return a.includes(e);
        case 'sw':
          return a.startsWith(e);
        case 'ew':
          return a.endsWith(e);
        default:
          return ordered(a, op, e);
      }
    }
  }
}

/** Strings compare case-insensitively unless the attribute is caseExact (RFC 7643 §2.2; RFC 7644 §3.4.2.3 for sorting). */
export const foldCase = (text: string, def: AttributeDef) => (def.caseExact ? text : text.toLowerCase());

/**
 * A stored value as the text a string comparison sees. An object has none: a complex attribute without a `value`
 * (`name co "object"`) must not match through "[object Object]", nor must data that no longer fits its schema.
 */
export const scalarText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function ordered<T extends number | string>(a: T, op: string, e: T): boolean {
  switch (op) {
    case 'eq':
      return a === e;
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
    default:
      throw badRequest('invalidFilter', `Invalid filter: "${op}" cannot compare these values.`);
  }
}

/** Tests one element of a multi-valued complex attribute against a value filter (`emails[type eq "work"]`). */
export function elementMatches(
  filter: Filter,
  element: JsonObject,
  def: AttributeDef,
  schema: ResourceSchema,
): boolean {
  return evalNode(filter, { resource: {}, schema, element: { value: element, def } });
}
