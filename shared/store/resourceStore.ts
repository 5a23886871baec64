import { randomInt, randomUUID } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { ScimError } from '../scim/errors';
import { Json } from '../scim/filterEvaluation';
import { COLUMNS, INDEXES, Pushdown, QueryPlan } from '../scim/queryPlan';
import { ResourceMeta } from '../scim/representation';
import { backrefPrefix, counterKey, counterPrefix, indexKey, indexPrefix, odataString, prefixEnd, resourceKey, resourcePrefix, uniqueIndexKey } from './keys';
import { boundedColumn, decodeDocument, DocumentProperties, encodeDocument, pushableLiteral } from './entityProperties';
import { MAX_TRANSACTION, PartitionTable, statusOf } from './partitionTable';
import { TtlCache } from '../ttlCache';

export type ResourceType = 'User' | 'Group';

export interface StoredResource {
  meta: ResourceMeta;
  data: Json;
}

type ResourceEntity = DocumentProperties & {
  partitionKey: string;
  rowKey: string;
  created: string;
  lastModified: string;
  version: number;
  etag?: string;
};

const MAX_OPTIMISTIC_RETRIES = 8;

/**
 * Each type's count is the sum of a few counter rows, each written under its ETag in the same transaction as the
 * create or delete it counts: always exact, and parallel creates rarely contend for the same row.
 */
const COUNTER_SHARDS = 8;

/** `W/"n"`: a weak ETag from a per-resource counter (RFC 7644 §3.14). */
export const versionTag = (n: number) => `W/"${n}"`;

/**
 * Users and groups of every tenant in one table, a partition per tenant. Every write is one entity-group
 * transaction (resource + index rows), so a uniqueness violation or a lost race changes nothing.
 */
export class ResourceStore {
  /**
   * Counts read in the last seconds: a client paging through a listing asks for the same total on every page.
   * Writes through this store drop their type's count at once; writes on other instances show within the TTL.
   */
  private readonly counts = new TtlCache<string, number>(10_000, 5_000);

  constructor(private readonly table: PartitionTable, private readonly now: () => Date = () => new Date()) {}

  async get(tenant: string, type: ResourceType, id: string): Promise<StoredResource | undefined> {
    const entity = await this.getEntity(tenant, type, id);
    return entity && toStored(entity, id);
  }

  async create(tenant: string, type: ResourceType, data: Json): Promise<StoredResource> {
    const id = randomUUID();
    const at = this.now().toISOString();
    const entity: ResourceEntity = { partitionKey: tenant, rowKey: resourceKey(type, id), ...encodeDocument(type, data), created: at, lastModified: at, version: 1, ...columnsOf(type, data) };
    const actions: TransactionAction[] = [['create', entity], ...indexRows(tenant, type, id, data).map((row): TransactionAction => ['create', row])];
    await this.submitCounted(tenant, type, actions, +1, data);
    return toStored(entity, id);
  }

  /** Everything of a deleted tenant: its partition holds all of its resources, index rows and memberships. */
  deleteTenantData(tenant: string): Promise<number> {
    return this.table.deletePartition(tenant);
  }

  /** How many resources of a type the tenant has, from the counter rows. */
  async count(tenant: string, type: ResourceType): Promise<number> {
    const cached = this.counts.get(`${tenant}|${type}`);
    if (cached !== undefined) return cached;
    await this.table.init();
    let total = 0;
    for await (const row of this.table.range<{ n: number }>(tenant, counterPrefix(type), ['n'])) total += row.n;
    this.counts.set(`${tenant}|${type}`, total);
    return total;
  }

  /**
   * Reads, transforms and writes back under the entity's ETag; a concurrent writer makes the transaction fail and
   * the transform is re-run on the fresh state, so no update is lost. `ifMatch` is the client's RFC 7644 §3.14
   * precondition: a mismatch is 412, never retried.
   */
  async update(tenant: string, type: ResourceType, id: string, transform: (current: StoredResource) => Json, ifMatch?: string): Promise<StoredResource> {
    for (let attempt = 0; ; attempt++) {
      const entity = await this.getEntity(tenant, type, id);
      if (!entity) throw notFoundError(type, id);
      const current = toStored(entity, id);
      checkPrecondition(current, ifMatch);
      const data = transform(current);
      const next: ResourceEntity = {
        partitionKey: tenant,
        rowKey: entity.rowKey,
        ...encodeDocument(type, data),
        created: entity.created,
        lastModified: this.now().toISOString(),
        version: entity.version + 1,
        ...columnsOf(type, data),
      };
      const before = new Map(indexRows(tenant, type, id, current.data).map((r) => [r.rowKey, r]));
      const after = new Map(indexRows(tenant, type, id, data).map((r) => [r.rowKey, r]));
      const actions: TransactionAction[] = [['update', next, 'Replace', { etag: entity.etag }]];
      for (const [key, row] of before) if (!after.has(key)) actions.push(['delete', row]);
      for (const [key, row] of after) if (!before.has(key)) actions.push(['create', row]);
      try {
        await this.submit(actions, type, data);
        return toStored(next, id);
      } catch (e) {
        if (statusOf(e) === 412 && attempt < MAX_OPTIMISTIC_RETRIES) continue;
        throw e;
      }
    }
  }

  /**
   * A transaction cannot delete under an ETag, so a concurrent update shows up instead as a missing old index row
   * (404 inside the transaction): then re-read and try again with the index rows that exist now.
   */
  async delete(tenant: string, type: ResourceType, id: string, ifMatch?: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const entity = await this.getEntity(tenant, type, id);
      if (!entity) throw notFoundError(type, id);
      const current = toStored(entity, id);
      checkPrecondition(current, ifMatch);
      const actions: TransactionAction[] = [
        ['delete', { partitionKey: tenant, rowKey: entity.rowKey }],
        ...indexRows(tenant, type, id, current.data).map((r): TransactionAction => ['delete', r]),
        await this.counterUpdate(tenant, type, -1),
      ];
      try {
        await this.submit(actions, type, current.data);
        this.counts.delete(`${tenant}|${type}`);
        return;
      } catch (e) {
        // 404: a concurrent update moved the index rows; 412: a concurrent write moved the counter row.
        if ((statusOf(e) === 404 || statusOf(e) === 412) && attempt < MAX_OPTIMISTIC_RETRIES) continue;
        throw e;
      }
    }
  }

  /** Candidates for a query plan, in id order; the caller applies the full filter to them. */
  async *candidates(tenant: string, type: ResourceType, plan: QueryPlan): AsyncGenerator<StoredResource> {
    await this.table.init();
    if (plan.kind === 'id') {
      const r = await this.get(tenant, type, plan.id);
      if (r) yield r;
      return;
    }
    if (plan.kind === 'index' || plan.kind === 'memberOf') {
      const ids: string[] = [];
      if (plan.kind === 'memberOf') {
        for await (const row of this.table.range<{ groupId: string }>(tenant, backrefPrefix(plan.memberId), ['groupId'])) ids.push(row.groupId);
      } else if (plan.index.unique) {
        const row = await this.table.getRow<{ resourceId: string }>(tenant, uniqueIndexKey(type, plan.index.name, plan.key));
        if (row) ids.push(row.resourceId);
      } else {
        const prefix = indexPrefix(type, plan.index.name, plan.key);
        for await (const row of this.table.range<{ resourceId: string }>(tenant, prefix, ['resourceId'])) ids.push(row.resourceId);
      }
      for (const id of ids.sort()) {
        const r = await this.get(tenant, type, id);
        if (r) yield r;
      }
      return;
    }
    const prefix = resourcePrefix(type);
    for await (const e of this.table.between<ResourceEntity>(tenant, prefix, prefixEnd(prefix), undefined, pushdownFilter(plan.where))) {
      yield toStored(e, e.rowKey.slice(prefix.length));
    }
  }

  /** Writes `actions` with a counter change; a lost race on the counter row is retried on another shard. */
  private async submitCounted(tenant: string, type: ResourceType, actions: TransactionAction[], delta: number, data: Json): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.submit([...actions, await this.counterUpdate(tenant, type, delta)], type, data);
        this.counts.delete(`${tenant}|${type}`); // after the write, so no read in between caches the old count
        return;
      } catch (e) {
        if (statusOf(e) === 412 && attempt < MAX_OPTIMISTIC_RETRIES) continue;
        throw e;
      }
    }
  }

  /** An update of a random counter shard under its ETag, creating the shard (at 0) the first time. */
  private async counterUpdate(tenant: string, type: ResourceType, delta: number): Promise<TransactionAction> {
    const rowKey = counterKey(type, randomInt(COUNTER_SHARDS));
    let row = await this.table.getRow<{ n: number }>(tenant, rowKey);
    if (!row) {
      await this.table.client.createEntity({ partitionKey: tenant, rowKey, n: 0 }).catch((e) => {
        if (statusOf(e) !== 409) throw e;
      });
      row = (await this.table.getRow<{ n: number }>(tenant, rowKey))!;
    }
    return ['update', { partitionKey: tenant, rowKey, n: row.n + delta }, 'Merge', { etag: row.etag }];
  }

  /** Up to `limit` (≤ 1,000) resources after `afterId` in id order: one storage page of a plain listing. */
  async pageAfter(tenant: string, type: ResourceType, afterId: string | undefined, limit: number): Promise<{ items: StoredResource[]; exhausted: boolean }> {
    const prefix = resourcePrefix(type);
    const { rows, exhausted } = await this.table.rangePage<ResourceEntity>(tenant, prefix, afterId === undefined ? undefined : resourceKey(type, afterId), limit);
    return { items: rows.map((e) => toStored(e, e.rowKey.slice(prefix.length))), exhausted };
  }

  /** Resource ids in id order, reading row keys only. */
  async *ids(tenant: string, type: ResourceType): AsyncGenerator<string> {
    await this.table.init();
    const prefix = resourcePrefix(type);
    for await (const row of this.table.range<object>(tenant, prefix, ['RowKey'])) yield row.rowKey.slice(prefix.length);
  }

  private async getEntity(tenant: string, type: ResourceType, id: string) {
    return this.table.getRow<ResourceEntity>(tenant, resourceKey(type, id));
  }

  private async submit(actions: TransactionAction[], type: ResourceType, data: Json): Promise<void> {
    if (actions.length > MAX_TRANSACTION) {
      throw new ScimError(400, `This ${type} needs ${actions.length} index rows in one transaction; Table Storage allows ${MAX_TRANSACTION}. Send fewer email values.`, 'tooMany');
    }
    try {
      await this.table.submit(actions);
    } catch (e) {
      if (statusOf(e) === 409) throw uniquenessError(type, data);
      throw e;
    }
  }
}

function indexRows(tenant: string, type: ResourceType, id: string, data: Json) {
  return INDEXES[type].flatMap((index) =>
    index.keys(data).map((key) => ({
      partitionKey: tenant,
      rowKey: index.unique ? uniqueIndexKey(type, index.name, key) : indexKey(type, index.name, key, id),
      resourceId: id,
    })),
  );
}

/** The typed columns of a document (see COLUMNS); absent values are left out, so they never match a comparison. */
function columnsOf(type: ResourceType, data: Json): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const col of COLUMNS[type]) {
    const v = col.of?.(data);
    if (v !== undefined) out[col.column] = typeof v === 'string' ? boundedColumn(v) : v;
  }
  return out;
}

/**
 * Push-downs as an OData conjunction. Column names come from COLUMNS, never from the request; every value is a
 * quoted literal with its quotes doubled, or a boolean keyword, so no filter value can close a literal and add
 * an `or` that widens the query.
 */
export function pushdownFilter(where: Pushdown[]): string | undefined {
  const pushable = where.filter((p) => pushableLiteral(p.value));
  if (!pushable.length) return undefined;
  return pushable.map((p) => `${p.column} ${p.op} ${typeof p.value === 'boolean' ? String(p.value) : odataString(p.value)}`).join(' and ');
}

function toStored(e: ResourceEntity, id: string): StoredResource {
  return { meta: { id, created: e.created, lastModified: e.lastModified, version: versionTag(e.version) }, data: decodeDocument(e) };
}

/** RFC 7644 §3.14: `If-Match` lists acceptable versions (`*` any); weak and strong forms compare alike. */
export function checkPrecondition(current: StoredResource, ifMatch?: string) {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//i, ''));
  if (!tags.includes(current.meta.version.replace(/^W\//, ''))) {
    throw new ScimError(412, `If-Match ${ifMatch} does not match the current version ${current.meta.version}; read the resource again and retry.`);
  }
}

const notFoundError = (type: string, id: string) => new ScimError(404, `${type} "${id}" not found.`);

function uniquenessError(type: ResourceType, data: Json) {
  const attr = INDEXES[type].find((i) => i.unique)!.name;
  return new ScimError(409, `A ${type} with ${attr} "${String(data[attr])}" already exists (compared case-insensitively).`, 'uniqueness');
}
