import { TableClient } from '@azure/data-tables';

/** Every row key of a tenant's partition, read straight from the table (not through the app). */
export async function rowKeysOf(table: TableClient, tenant: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of table.listEntities({
    queryOptions: { filter: `PartitionKey eq '${tenant}'`, select: ['RowKey'] },
  }))
    keys.push(e.rowKey as string);
  return keys;
}

/**
 * The membership rows that break the invariants (row layout: shared/store/keys.ts): a group → member row without
 * its group, its member or its member → group twin, and a member → group row without its member, its group or its
 * group → member twin. Ids are taken as they are stored (UUIDs need no key encoding).
 */
export function danglingMemberships(keys: string[]): string[] {
  const present = new Set(keys);
  const exists = (type: string, id: string) => present.has(`R~${type}~${id}`);
  const dangling: string[] = [];
  for (const key of keys) {
    const m = /^M~([^~]+)~([^~]+)$/.exec(key);
    const twinOfM = m && (present.has(`R~User~${m[2]}!${m[1]}`) || present.has(`R~Group~${m[2]}!${m[1]}`));
    if (m && !(exists('Group', m[1]) && (exists('User', m[2]) || exists('Group', m[2])) && twinOfM)) dangling.push(key);
    const r = /^R~(User|Group)~([^~!]+)!([^~]+)$/.exec(key);
    if (r && !(exists(r[1], r[2]) && exists('Group', r[3]) && present.has(`M~${r[3]}~${r[2]}`))) dangling.push(key);
  }
  return dangling;
}
