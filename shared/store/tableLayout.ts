import { JsonObject } from '../scim/document';
import { ColumnSpec, IndexSpec, indexKeysOf, Pushdown, QueryLayout } from '../scim/queryPlan';
import { ResourceTypeName } from '../scim/resourceSchema';
import { boundedColumn, pushableLiteral } from './entityProperties';
import { indexKey, odataString, uniqueIndexKey } from './keys';

/**
 * What this store can look up cheaply, declared here and handed to the planner: index rows written in the same
 * transaction as the resource (docs/architecture.md#storage-model), so uniqueness holds under races and an `eq` on them is a point or
 * prefix read; and typed columns next to the JSON document, so a scan lets Table Storage test simple comparisons.
 */
const META_COLUMNS: ColumnSpec[] = [
  { name: 'meta.created', attr: 'meta', sub: 'created', type: 'dateTime' },
  { name: 'meta.lastModified', attr: 'meta', sub: 'lastModified', type: 'dateTime' },
];
const stringColumn = (attr: string): ColumnSpec => ({ name: attr, attr, type: 'string' });

export const TABLE_LAYOUT: Record<ResourceTypeName, QueryLayout> = {
  User: {
    indexes: [
      { name: 'userName', unique: true, attr: 'userName', caseExact: false },
      { name: 'externalId', unique: false, attr: 'externalId', caseExact: true },
      { name: 'email', unique: false, attr: 'emails', sub: 'value', caseExact: false },
    ],
    columns: [
      { name: 'active', attr: 'active', type: 'boolean' },
      stringColumn('title'),
      stringColumn('userType'),
      stringColumn('displayName'),
      ...META_COLUMNS,
    ],
  },
  Group: {
    indexes: [
      { name: 'displayName', unique: true, attr: 'displayName', caseExact: false },
      { name: 'externalId', unique: false, attr: 'externalId', caseExact: true },
    ],
    columns: META_COLUMNS,
  },
};

/** Table column of a declared column: the meta dates are the entity's own `created`/`lastModified`. */
const COLUMN_NAMES: Record<string, string> = { 'meta.created': 'created', 'meta.lastModified': 'lastModified' };
const columnName = (spec: ColumnSpec) => COLUMN_NAMES[spec.name] ?? `c_${spec.name}`;

/**
 * The typed column values of a document; absent values are left out, so they never match a comparison. Strings
 * are stored lower-cased (none of the declared ones is case-exact), dateTimes are the entity's own columns.
 */
export function columnsOf(type: ResourceTypeName, data: JsonObject): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const col of TABLE_LAYOUT[type].columns) {
    if (col.attr === 'meta') continue;
    const v = data[col.attr];
    if (col.type === 'boolean' && typeof v === 'boolean') out[columnName(col)] = v;
    if (col.type === 'string' && typeof v === 'string') out[columnName(col)] = boundedColumn(v.toLowerCase());
  }
  return out;
}

/** The index rows a resource owns: unique keys point at it, non-unique ones carry its id in the key. */
export function indexRows(tenant: string, type: ResourceTypeName, id: string, data: JsonObject) {
  return TABLE_LAYOUT[type].indexes.flatMap((index) =>
    indexKeysOf(index, data).map((key) => ({
      partitionKey: tenant,
      rowKey: index.unique ? uniqueIndexKey(type, index.name, key) : indexKey(type, index.name, key, id),
      resourceId: id,
    })),
  );
}

export function uniqueIndexOf(type: ResourceTypeName): IndexSpec {
  const index = TABLE_LAYOUT[type].indexes.find((i) => i.unique);
  if (!index) throw new Error(`TABLE_LAYOUT declares no unique index for ${type}.`);
  return index;
}

/**
 * Push-downs as an OData conjunction. Column names come from the layout, never from the request; every value is a
 * quoted literal with its quotes doubled, or a boolean keyword, so no filter value can close a literal and add an
 * `or` that widens the query.
 */
export function pushdownFilter(type: ResourceTypeName, where: Pushdown[]): string | undefined {
  // A value as long as a bounded column cannot be compared there exactly: the in-memory filter answers it alone.
  const pushable = where.filter((p) => pushableLiteral(p.value));
  if (!pushable.length) return undefined;
  const byName = new Map(TABLE_LAYOUT[type].columns.map((c) => [c.name, columnName(c)]));
  return pushable
    .map(
      (p) => `${byName.get(p.column)} ${p.op} ${typeof p.value === 'boolean' ? String(p.value) : odataString(p.value)}`,
    )
    .join(' and ');
}
