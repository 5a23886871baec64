import { Filter } from './filter';
import { Json } from './filterEvaluation';
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

/** The cheapest access for a filter. The full filter is always re-applied in memory, so a plan only narrows. */
export type QueryPlan =
  | { kind: 'id'; id: string }
  | { kind: 'index'; index: IndexDef; key: string }
  /** Groups having this member: the member → group rows. */
  | { kind: 'memberOf'; memberId: string }
  | { kind: 'scan' };

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
  if (!filter) return { kind: 'scan' };
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
  return { kind: 'scan' };
}
