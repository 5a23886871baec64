import { Filter } from './filter';
import { isJsonObject, JsonObject, listOf } from './document';
import { scalarText } from './filterEvaluation';
import { instantOf } from './instant';
import { RELATION, relationValueEq } from './relationFilter';
import { ResourceSchema } from './resourceSchema';

/**
 * What a store can look up cheaply, declared by the store and handed to the planner (zitadel's filter → query
 * builder is handed its column mapping the same way): the protocol core knows attributes, never Table columns.
 *  - an index answers `eq` on one attribute (or a sub-attribute of a multi-valued one) by key; its keys are the
 *    attribute's values, lower-cased unless case-exact (RFC 7643 §2.2), so the key a filter looks up is the key
 *    the matching resource wrote (`indexKeysOf`);
 *  - a typed column lets the store test simple comparisons during a scan (push-down) instead of shipping rows.
 */
export interface IndexSpec {
  name: string;
  unique: boolean;
  attr: string;
  sub?: string;
  caseExact: boolean;
}

export interface ColumnSpec {
  /** `attr` or `attr.sub`: how a push-down names the column to the store. */
  name: string;
  attr: string;
  sub?: string;
  type: 'boolean' | 'string' | 'dateTime';
}

export interface QueryLayout {
  indexes: IndexSpec[];
  columns: ColumnSpec[];
}

const foldKey = (spec: IndexSpec, v: unknown) => {
  const text = scalarText(v);
  return text === undefined ? undefined : spec.caseExact ? text : text.toLowerCase();
};

/** The keys a resource contributes to an index: its distinct non-empty values there, folded. */
export function indexKeysOf(spec: IndexSpec, doc: JsonObject): string[] {
  const raw = doc[spec.attr];
  const { sub } = spec;
  const values = sub ? listOf(raw).map((el) => (isJsonObject(el) ? el[sub] : undefined)) : [raw];
  const keys = new Set<string>();
  for (const v of values) {
    const key = typeof v === 'string' ? foldKey(spec, v) : undefined;
    if (key) keys.add(key);
  }
  return [...keys];
}

const named = (path: { attr: string; sub?: string }, attr: string, sub?: string) =>
  path.attr.toLowerCase() === attr.toLowerCase() && path.sub?.toLowerCase() === sub?.toLowerCase();

/** The folded key an index looks up for a filter term, or undefined if the term is not an `eq` the index answers. */
function indexKeyOf(spec: IndexSpec, f: Filter): string | undefined {
  if (f.kind === 'compare' && f.op === 'eq' && !f.path.urn && named(f.path, spec.attr, spec.sub))
    return foldKey(spec, f.value);
  // `emails[type eq "work"].value eq "x"` arrives as valuePath(emails, and(type eq work, value eq x)).
  const { sub } = spec;
  if (f.kind === 'valuePath' && sub && f.path.attr.toLowerCase() === spec.attr.toLowerCase()) {
    const inner = (g: Filter) =>
      g.kind === 'compare' && g.op === 'eq' && !g.path.sub && g.path.attr.toLowerCase() === sub.toLowerCase()
        ? foldKey(spec, g.value)
        : undefined;
    return inner(f.filter) ?? (f.filter.kind === 'and' ? (inner(f.filter.left) ?? inner(f.filter.right)) : undefined);
  }
  return undefined;
}

/**
 * One comparison the store evaluates during a scan, on a declared column. Strings that are not case-exact are
 * folded to lower case and dateTimes normalised to `toISOString()` text, which orders like the instants. A term is
 * pushed down only where the store answers exactly what matches() would for the same row: a missing column never
 * matches in OData, so `ne` and `pr` stay in memory.
 */
export interface Pushdown {
  column: string;
  op: 'eq' | 'gt' | 'ge' | 'lt' | 'le';
  value: string | boolean;
}

/** The cheapest access for a filter. The full filter is always re-applied in memory, so a plan only narrows. */
export type QueryPlan =
  | { kind: 'id'; id: string }
  | { kind: 'index'; index: string; key: string }
  /** Groups having this member: the member → group rows. */
  | { kind: 'memberOf'; memberId: string }
  /** Every resource of the type, less those the pushed-down comparisons (all must hold) exclude. */
  | { kind: 'scan'; where: Pushdown[] };

/** A conjunct as a push-down on a typed column, or undefined if Table Storage could not answer it exactly. */
function pushdownOf(f: Filter, columns: ColumnSpec[]): Pushdown | undefined {
  if (f.kind !== 'compare' || f.op === 'ne' || f.op === 'co' || f.op === 'sw' || f.op === 'ew' || f.value === null)
    return undefined;
  if (f.path.urn && !/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group)$/i.test(f.path.urn)) return undefined;
  const col = columns.find((c) => named(f.path, c.attr, c.sub));
  if (!col) return undefined;
  switch (col.type) {
    case 'boolean': {
      const value =
        typeof f.value === 'boolean'
          ? f.value
          : typeof f.value === 'string' && /^(true|false)$/i.test(f.value)
            ? f.value.toLowerCase() === 'true'
            : undefined;
      return f.op === 'eq' && value !== undefined ? { column: col.name, op: 'eq', value } : undefined;
    }
    case 'string':
      return typeof f.value === 'string' ? { column: col.name, op: f.op, value: f.value.toLowerCase() } : undefined;
    case 'dateTime': {
      const ms = instantOf(f.value);
      const instant = ms === undefined ? undefined : new Date(ms);
      // Four-digit years only: beyond them toISOString() text no longer orders like the instants.
      if (!instant || instant.getUTCFullYear() < 1000 || instant.getUTCFullYear() > 9999) return undefined;
      return { column: col.name, op: f.op, value: instant.toISOString() };
    }
  }
}

export function planQuery(filter: Filter | undefined, schema: ResourceSchema, layout: QueryLayout): QueryPlan {
  if (!filter) return { kind: 'scan', where: [] };
  // Any conjunct that pins a single key narrows the whole conjunction.
  const conjuncts = (f: Filter): Filter[] => (f.kind === 'and' ? [...conjuncts(f.left), ...conjuncts(f.right)] : [f]);
  const parts = conjuncts(filter);
  for (const part of parts) {
    if (
      part.kind === 'compare' &&
      part.op === 'eq' &&
      !part.path.sub &&
      part.path.attr.toLowerCase() === 'id' &&
      typeof part.value === 'string'
    ) {
      return { kind: 'id', id: part.value };
    }
  }
  if (schema.name === 'Group') {
    for (const part of parts) {
      const memberId = relationValueEq(part, RELATION.Group);
      if (memberId) return { kind: 'memberOf', memberId };
    }
  }
  for (const index of layout.indexes) {
    for (const part of parts) {
      const key = indexKeyOf(index, part);
      // Resources write no empty keys, so `eq ""` scans to find what matches() would.
      if (key) return { kind: 'index', index: index.name, key };
    }
  }
  return {
    kind: 'scan',
    where: parts.map((part) => pushdownOf(part, layout.columns)).filter((p): p is Pushdown => p !== undefined),
  };
}
