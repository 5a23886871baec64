import { Filter } from './filter';
import { Json } from './filterEvaluation';
import { instantOf } from './instant';
import { ResourceSchema } from './resourceSchema';

/**
 * Lookup indexes, declared once per resource type. Each is a row written in the same transaction as the resource
 * (notes/design.md), so uniqueness holds under races and an `eq` filter on it is a point or prefix read.
 * `fold` gives the stored key: lower-cased for attributes that are not case-exact (RFC 7643 §2.2).
 */
export interface IndexDef {
  name: string;
  unique: boolean;
  /** The keys a resource contributes to this index. */
  keys: (doc: Json) => string[];
  /** Which filter comparison this index answers: an attribute path test and the folded key of its value. */
  matches: (f: Filter) => string | undefined;
}

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);
const exact = (v: unknown) => (typeof v === 'string' ? v : undefined);

function eqOn(attr: string, sub: string | undefined, fold: (v: unknown) => string | undefined) {
  return (f: Filter): string | undefined => {
    if (f.kind === 'compare' && f.op === 'eq' && !f.path.urn && f.path.attr.toLowerCase() === attr.toLowerCase() && f.path.sub?.toLowerCase() === sub?.toLowerCase()) {
      return fold(typeof f.value === 'number' || typeof f.value === 'boolean' ? String(f.value) : f.value);
    }
    // `emails[type eq "work"].value eq "x"` arrives as valuePath(emails, and(type eq work, value eq x)).
    if (f.kind === 'valuePath' && sub && f.path.attr.toLowerCase() === attr.toLowerCase()) {
      return eqOn(sub, undefined, fold)(f.filter) ?? (f.filter.kind === 'and' ? eqOn(sub, undefined, fold)(f.filter.left) ?? eqOn(sub, undefined, fold)(f.filter.right) : undefined);
    }
    return undefined;
  };
}

const emailValues = (doc: Json) =>
  Array.isArray(doc.emails) ? [...new Set((doc.emails as Json[]).map((e) => lower(e.value)).filter((v): v is string => !!v))] : [];

export const INDEXES: Record<'User' | 'Group', IndexDef[]> = {
  User: [
    { name: 'userName', unique: true, keys: (d) => [lower(d.userName)!].filter(Boolean), matches: eqOn('userName', undefined, lower) },
    { name: 'externalId', unique: false, keys: (d) => [exact(d.externalId)!].filter(Boolean), matches: eqOn('externalId', undefined, exact) },
    { name: 'email', unique: false, keys: emailValues, matches: eqOn('emails', 'value', lower) },
  ],
  Group: [
    { name: 'displayName', unique: true, keys: (d) => [lower(d.displayName)!].filter(Boolean), matches: eqOn('displayName', undefined, lower) },
    { name: 'externalId', unique: false, keys: (d) => [exact(d.externalId)!].filter(Boolean), matches: eqOn('externalId', undefined, exact) },
  ],
};

/**
 * Typed columns kept on each resource entity next to its JSON document, so that a scan can let Table Storage test
 * simple comparisons (OData push-down) instead of shipping every row. Strings that are not case-exact are stored
 * and compared lower-cased; dateTimes as `toISOString()` text, which orders like the instants. A comparison is
 * pushed down only where Table Storage answers exactly what matches() would for the same row: a missing column
 * never matches in OData, so `ne` and `pr` stay in memory.
 */
export interface ColumnDef {
  column: string;
  attr: string;
  sub?: string;
  type: 'boolean' | 'string' | 'dateTime';
  /** The column's value for a stored document, or undefined to leave it out. */
  of?: (doc: Json) => string | boolean | undefined;
}

const stringColumn = (attr: string): ColumnDef => ({ column: `c_${attr}`, attr, type: 'string', of: (d) => lower(d[attr]) });
const META_COLUMNS: ColumnDef[] = [
  { column: 'created', attr: 'meta', sub: 'created', type: 'dateTime' },
  { column: 'lastModified', attr: 'meta', sub: 'lastModified', type: 'dateTime' },
];

export const COLUMNS: Record<'User' | 'Group', ColumnDef[]> = {
  User: [
    { column: 'c_active', attr: 'active', type: 'boolean', of: (d) => (typeof d.active === 'boolean' ? d.active : undefined) },
    stringColumn('title'),
    stringColumn('userType'),
    stringColumn('displayName'),
    ...META_COLUMNS,
  ],
  Group: META_COLUMNS,
};

/** One comparison Table Storage evaluates for a scan; values are already folded or normalised for the column. */
export interface Pushdown {
  column: string;
  op: 'eq' | 'gt' | 'ge' | 'lt' | 'le';
  value: string | boolean;
}

/** The cheapest access for a filter. The full filter is always re-applied in memory, so a plan only narrows. */
export type QueryPlan =
  | { kind: 'id'; id: string }
  | { kind: 'index'; index: IndexDef; key: string }
  /** Groups having this member: the member → group rows. */
  | { kind: 'memberOf'; memberId: string }
  /** Every resource of the type, less those the pushed-down comparisons (all must hold) exclude. */
  | { kind: 'scan'; where: Pushdown[] };

/** A conjunct as a push-down on a typed column, or undefined if Table Storage could not answer it exactly. */
function pushdownOf(f: Filter, columns: ColumnDef[]): Pushdown | undefined {
  if (f.kind !== 'compare' || f.op === 'ne' || f.op === 'co' || f.op === 'sw' || f.op === 'ew' || f.value === null) return undefined;
  if (f.path.urn && !/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group)$/i.test(f.path.urn)) return undefined;
  const col = columns.find((c) => c.attr.toLowerCase() === f.path.attr.toLowerCase() && c.sub?.toLowerCase() === f.path.sub?.toLowerCase());
  if (!col) return undefined;
  switch (col.type) {
    case 'boolean': {
      const value = typeof f.value === 'boolean' ? f.value : typeof f.value === 'string' && /^(true|false)$/i.test(f.value) ? f.value.toLowerCase() === 'true' : undefined;
      return f.op === 'eq' && value !== undefined ? { column: col.column, op: 'eq', value } : undefined;
    }
    case 'string':
      return typeof f.value === 'string' ? { column: col.column, op: f.op, value: f.value.toLowerCase() } : undefined;
    case 'dateTime': {
      const ms = instantOf(f.value);
      const instant = ms === undefined ? undefined : new Date(ms);
      // Four-digit years only: beyond them toISOString() text no longer orders like the instants.
      if (!instant || instant.getUTCFullYear() < 1000 || instant.getUTCFullYear() > 9999) return undefined;
      return { column: col.column, op: f.op, value: instant.toISOString() };
    }
  }
}

/** `members.value eq "<id>"` or `members[value eq "<id>"]` on a group: the member's id, else undefined. */
function memberEq(f: Filter): string | undefined {
  const isValueEq = (c: Filter, attr: string, sub?: string) =>
    c.kind === 'compare' && c.op === 'eq' && typeof c.value === 'string' && c.value !== '' && !c.path.urn &&
    c.path.attr.toLowerCase() === attr && (c.path.sub?.toLowerCase() ?? 'value') === (sub ?? 'value');
  if (isValueEq(f, 'members')) return (f as { value: string }).value;
  if (f.kind === 'valuePath' && f.path.attr.toLowerCase() === 'members' && isValueEq(f.filter, 'value')) return (f.filter as { value: string }).value;
  return undefined;
}

export function planQuery(filter: Filter | undefined, schema: ResourceSchema): QueryPlan {
  if (!filter) return { kind: 'scan', where: [] };
  // Any conjunct that pins a single key narrows the whole conjunction.
  const conjuncts = (f: Filter): Filter[] => (f.kind === 'and' ? [...conjuncts(f.left), ...conjuncts(f.right)] : [f]);
  const parts = conjuncts(filter);
  for (const part of parts) {
    if (part.kind === 'compare' && part.op === 'eq' && !part.path.sub && part.path.attr.toLowerCase() === 'id' && typeof part.value === 'string') {
      return { kind: 'id', id: part.value };
    }
  }
  if (schema.name === 'Group') {
    for (const part of parts) {
      const memberId = memberEq(part);
      if (memberId) return { kind: 'memberOf', memberId };
    }
  }
  for (const index of INDEXES[schema.name]) {
    for (const part of parts) {
      const key = index.matches(part);
      // Resources write no empty keys, so `eq ""` scans to find what matches() would.
      if (key) return { kind: 'index', index, key };
    }
  }
  return { kind: 'scan', where: parts.map((part) => pushdownOf(part, COLUMNS[schema.name])).filter((p): p is Pushdown => p !== undefined) };
}
