import { badRequest } from './errors';
import { parseAttrPath } from './filter';
import { isJsonObject, JsonObject, JsonValue, objectAt } from './document';
import { comparedAttr, foldCase, scalarText } from './filterEvaluation';
import { instantOf } from './instant';
import { ResolvedAttr, ResourceSchema } from './resourceSchema';
import { AttributeDef } from './schemaDefinitions';

/** A validated `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3). */
export interface SortSpec {
  attr: ResolvedAttr;
  /** The leaf whose type and case rule decide the order. */
  leaf: AttributeDef;
  descending: boolean;
}

type SortKey = string | number | undefined;

/**
 * Validates the sort parameters against the type's schema, before anything is read. A valid `sortOrder` without
 * `sortBy` has nothing to order and is ignored; its values are matched case-insensitively ("Descending" too).
 */
export function parseSort(
  sortBy: string | undefined,
  sortOrder: string | undefined,
  schema: ResourceSchema,
): SortSpec | undefined {
  const order = (sortOrder ?? 'ascending').toLowerCase();
  if (order !== 'ascending' && order !== 'descending') {
    throw badRequest('invalidValue', `sortOrder "${sortOrder}" is not "ascending" or "descending".`);
  }
  if (!sortBy) return undefined;
  const attr = schema.resolve(parseAttrPath(sortBy));
  const leaf = attr.sub ?? comparedAttr(attr.def) ?? attr.def;
  if (leaf.type === 'complex') {
    throw badRequest(
      'invalidPath',
      `sortBy "${sortBy}" is a complex attribute; name one of its sub-attributes, e.g. "${attr.def.name}.${attr.def.subAttributes?.[0]?.name ?? 'value'}".`,
    );
  }
  return { attr, leaf, descending: order === 'descending' };
}

/**
 * The value a resource sorts by. A multi-valued attribute sorts by its primary value, else its first (RFC 7644
 * §3.4.2.3). Strings fold case unless the attribute is caseExact; dateTimes compare as instants.
 */
export function sortKey(resource: JsonObject, spec: SortSpec): SortKey {
  const { urn, def, sub } = spec.attr;
  const holder = urn ? objectAt(resource, urn) : resource;
  let v: JsonValue | undefined = holder?.[def.name];
  if (Array.isArray(v)) v = v.find((el) => isJsonObject(el) && el.primary === true) ?? v[0];
  if (def.type === 'complex') v = isJsonObject(v) ? v[(sub ?? spec.leaf).name] : undefined;
  if (v === undefined || v === null || v === '') return undefined;
  switch (spec.leaf.type) {
    case 'integer':
    case 'decimal':
      return numberOrMissing(Number(v));
    case 'dateTime':
      return instantOf(v);
    case 'boolean':
      return v === true || scalarText(v)?.toLowerCase() === 'true' ? 1 : 0;
    default: {
      const text = scalarText(v);
      return text === undefined ? undefined : foldCase(text, spec.leaf);
    }
  }
}

/** A stored value that is not a number (data written before a schema change) sorts as missing. */
const numberOrMissing = (n: number) => (Number.isNaN(n) ? undefined : n);

/**
 * Orders items by their sort keys; resources without a value come last when ascending and first when descending
 * (RFC 7644 §3.4.2.3), and equal keys fall back to the id so that pages of one query never overlap or skip.
 */
export function sortBy<T>(items: T[], spec: SortSpec, keyOf: (item: T) => SortKey, idOf: (item: T) => string): T[] {
  const direction = spec.descending ? -1 : 1;
  const keyed = items.map((item) => ({ item, key: keyOf(item), id: idOf(item) }));
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === undefined) return direction;
      if (b.key === undefined) return -direction;
      if (a.key < b.key) return -direction;
      if (a.key > b.key) return direction;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return keyed.map((k) => k.item);
}
