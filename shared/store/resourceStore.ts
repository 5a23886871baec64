import { randomUUID } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { resourceNotFound, ScimError } from '../scim/errors';
import { JsonObject as Json } from '../scim/document';
import { memberDisplay } from '../scim/memberPatch';
import { indexKeysOf, QueryPlan } from '../scim/queryPlan';
import { ResourceTypeName } from '../scim/resourceSchema';
import { ResourceRepository, StoredResource } from '../resources/repository';
import { changedAttributes, ChangeOrigin, identifiersOf } from '../scim/changeEvent';
import { ChangeFeed } from './changeFeed';
import { ResourceCounters } from './counters';
import {
  indexPrefix,
  memberKey,
  memberOfKey,
  memberOfPrefix,
  membershipGuardKey,
  prefixEnd,
  RESOURCE_ROWS,
  resourceKey,
  resourcePrefix,
  resourceSpanEnd,
  uniqueIndexKey,
} from './keys';
import { KeyedSerializer, retryOnConflict } from './optimisticRetry';
import { statusOf } from '../azureFaults';
import { MAX_TRANSACTION, PartitionTable } from './partitionTable';
import { columnsOf, indexRows, pushdownFilter, TABLE_LAYOUT, uniqueIndexOf } from './tableLayout';
import { boundedColumn, decodeDocument, DocumentProperties, encodeDocument } from './entityProperties';

export type ResourceEntity = DocumentProperties & {
  partitionKey: string;
  rowKey: string;
  created: string;
  lastModified: string;
  version: number;
  /** Moved by every membership change of a group, without a read (see MembershipStore.change). */
  memberStamp?: string;
  /** The name groups show for this resource as a member. */
  display?: string;
  createDigest?: string;
  etag?: string;
};

/** Resources an index lookup reads at once: a few round trips for many hits, never hundreds of sockets. */
const READ_WINDOW = 16;

/** `W/"n"` (`W/"n.stamp"` once a group's members changed): a weak ETag (RFC 7644 §3.14). */
export const versionOf = (e: Pick<ResourceEntity, 'version' | 'memberStamp'>) =>
  `W/"${e.version}${e.memberStamp ? `.${e.memberStamp}` : ''}"`;

/**
 * Users and groups of every tenant in one table, a partition per tenant. A create or delete is one entity-group
 * transaction (resource + index rows + a counter delta), so a uniqueness violation or a lost race changes nothing.
 */
export class ResourceStore implements ResourceRepository {
  readonly layout = TABLE_LAYOUT;
  private readonly counters: ResourceCounters;
  private readonly writes = new KeyedSerializer();

  /** Without a feed (SCIM_CHANGES=off) changes are written without their events. */
  constructor(
    private readonly table: PartitionTable,
    private readonly feed?: ChangeFeed,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.counters = new ResourceCounters(table);
  }

  async get(
    tenant: string,
    type: ResourceTypeName,
    id: string,
    withMemberships = false,
  ): Promise<StoredResource | undefined> {
    if (withMemberships) {
      const span = await this.readSpan(tenant, type, id);
      return span.entity && toStored(span.entity, id, span.memberOf);
    }
    const entity = await this.table.getRow<ResourceEntity>(tenant, resourceKey(type, id));
    return entity && toStored(entity, id);
  }

  /**
   * The resource's row and the member → group rows that follow it (and their guard's ETag), in one range read;
   * without its row, the rows a DELETE cut short left (see delete).
   */
  private async readSpan(
    tenant: string,
    type: ResourceTypeName,
    id: string,
  ): Promise<{ entity?: ResourceEntity; memberOf: string[]; guardEtag?: string }> {
    const key = resourceKey(type, id);
    const guardKey = membershipGuardKey(type, id);
    let entity: ResourceEntity | undefined;
    let guardEtag: string | undefined;
    const memberOf: string[] = [];
    for await (const row of this.table.between<ResourceEntity & { groupId?: string }>(
      tenant,
      key,
      resourceSpanEnd(type, id),
    )) {
      if (row.rowKey === key) entity = row;
      else if (row.rowKey === guardKey) guardEtag = row.etag;
      else if (row.groupId !== undefined) memberOf.push(row.groupId);
    }
    return { entity, memberOf, guardEtag };
  }

  async create(
    tenant: string,
    type: ResourceTypeName,
    data: Json,
    createDigest: string,
    origin: ChangeOrigin,
  ): Promise<StoredResource> {
    const id = randomUUID();
    const event = await this.eventOf(tenant, origin, type, data, {
      operation: 'create',
      resourceType: type,
      resourceId: id,
      attributes: changedAttributes({}, data),
      membersAdded: [],
      membersRemoved: [],
      versionBefore: null,
      versionAfter: 'W/"1"',
    });
    const at = event?.time ?? this.now().toISOString();
    const entity: ResourceEntity = {
      partitionKey: tenant,
      rowKey: resourceKey(type, id),
      ...encodeDocument(type, data),
      created: at,
      lastModified: at,
      version: 1,
      display: displayColumn(data),
      createDigest,
      ...columnsOf(type, data),
    };
    await this.submit(type, data, [
      ['create', entity],
      ...indexRows(tenant, type, id, data).map((row): TransactionAction => ['create', row]),
      this.counters.delta(tenant, type, +1),
      ...(event && this.feed ? this.feed.rows(event) : []),
    ]);
    if (event) this.feed?.committed(event);
    this.counters.changed(tenant, type);
    return toStored(entity, id);
  }

  async holderOfUniqueKey(tenant: string, type: ResourceTypeName, data: Json): Promise<StoredResource | undefined> {
    const index = uniqueIndexOf(type);
    const [key] = indexKeysOf(index, data);
    if (key === undefined) return undefined;
    const row = await this.table.getRow<{ resourceId: string }>(tenant, uniqueIndexKey(type, index.name, key));
    return row && this.get(tenant, type, row.resourceId);
  }

  deleteTenantData(tenant: string): Promise<number> {
    return this.table.deletePartition(tenant);
  }

  count(tenant: string, type: ResourceTypeName): Promise<number> {
    return this.counters.count(tenant, type);
  }

  /**
   * Read, transform, write back under the entity's ETag. A change that moves no index row is one conditional
   * update; one that does is a transaction with the index rows. Writes to one resource queue within this process
   * and retry with backoff across processes, so no update is lost and contention never surfaces as a 500; a write
   * that finds its row (or an old index row) gone re-reads too, so an update racing a DELETE answers 404. The
   * read is of the resource's span, so the answer knows the groups it belongs to without another read.
   */
  update(
    tenant: string,
    type: ResourceTypeName,
    id: string,
    operation: 'replace' | 'patch',
    origin: ChangeOrigin,
    transform: (current: StoredResource) => Json,
    ifMatch?: string,
  ): Promise<StoredResource & { memberOf: string[] }> {
    return this.writes.run(`${tenant}|${type}|${id}`, () =>
      retryOnConflict(
        async () => {
          const { entity, memberOf } = await this.readSpan(tenant, type, id);
          if (!entity) throw resourceNotFound(type, id);
          const current = toStored(entity, id, memberOf);
          checkPrecondition(current, ifMatch);
          const data = transform(current);
          const attributes = changedAttributes(current.data, data);
          // A request that changes nothing writes nothing: no new version, no event.
          if (!attributes.length) return current;
          const versionAfter = versionOf({ version: entity.version + 1, memberStamp: entity.memberStamp });
          const event = await this.eventOf(
            tenant,
            origin,
            type,
            data,
            {
              operation,
              resourceType: type,
              resourceId: id,
              attributes,
              membersAdded: [],
              membersRemoved: [],
              versionBefore: current.meta.version,
              versionAfter,
            },
            entity.lastModified,
          );
          const next: ResourceEntity = {
            partitionKey: tenant,
            rowKey: entity.rowKey,
            ...encodeDocument(type, data),
            created: entity.created,
            lastModified: event?.time ?? this.now().toISOString(),
            version: entity.version + 1,
            memberStamp: entity.memberStamp,
            display: displayColumn(data),
            createDigest: entity.createDigest,
            ...columnsOf(type, data),
          };
          const before = new Map(indexRows(tenant, type, id, current.data).map((r) => [r.rowKey, r]));
          const after = new Map(indexRows(tenant, type, id, data).map((r) => [r.rowKey, r]));
          const indexActions: TransactionAction[] = [];
          for (const [key, row] of before) if (!after.has(key)) indexActions.push(['delete', row]);
          for (const [key, row] of after) if (!before.has(key)) indexActions.push(['create', row]);
          const feedRows = event && this.feed ? this.feed.rows(event) : [];
          if (indexActions.length || feedRows.length)
            await this.submit(type, data, [
              ['update', withoutUndefined(next), 'Replace', { etag: entity.etag }],
              ...indexActions,
              ...feedRows,
            ]);
          // A row read from the table always carries its ETag (the SDK sets `etag` from odata.etag on every entity read).
          else await this.table.replace(withoutUndefined(next), entity.etag!);
          if (event) this.feed?.committed(event);
          return toStored(next, id, memberOf);
        },
        (e) => statusOf(e) === 412 || statusOf(e) === 404,
      ),
    );
  }

  /**
   * Deletes the resource with its index rows, a counter delta and its memberships (both rows of each) in one
   * transaction, all read in one range read. The transaction also holds the membership guard as it was read (an
   * update under its ETag, or a create if there was none): a member add that committed after the read moved or
   * created it, so the delete fails (412/409) and re-reads, and one that commits later fails on the missing
   * resource (MembershipStore.change) — no interleaving leaves a membership of a deleted resource. A transaction
   * cannot delete under an ETag, so a concurrent update shows up instead as a missing old index row, and a
   * concurrent member removal as a missing membership row (404 inside the transaction): then re-read, and delete
   * the memberships after the transaction, skipping rows that are gone (as for memberships beyond one
   * transaction's 100 rows), so no half-removed membership can block the delete. The guard goes last.
   */
  delete(tenant: string, type: ResourceTypeName, id: string, origin: ChangeOrigin, ifMatch?: string): Promise<void> {
    let membershipsInTransaction = true;
    return this.writes.run(`${tenant}|${type}|${id}`, () =>
      retryOnConflict(
        async () => {
          const span = await this.readSpan(tenant, type, id);
          const guard = { partitionKey: tenant, rowKey: membershipGuardKey(type, id) };
          const memberships = span.memberOf.flatMap((groupId) => [
            memberKey(groupId, id),
            memberOfKey(type, id, groupId),
          ]);
          if (!span.entity) {
            // A DELETE whose process died after its transaction left the guard and any memberships beyond it; no add
            // can have written them since (the resource is gone), so the retry that finds them removes them.
            await this.table.deleteRows(tenant, [...memberships, ...(span.guardEtag ? [guard.rowKey] : [])]);
            throw resourceNotFound(type, id);
          }
          const current = toStored(span.entity, id);
          checkPrecondition(current, ifMatch);
          const event = await this.eventOf(
            tenant,
            origin,
            type,
            current.data,
            {
              operation: 'delete',
              resourceType: type,
              resourceId: id,
              attributes: [],
              membersAdded: [],
              membersRemoved: [],
              versionBefore: current.meta.version,
              versionAfter: null,
            },
            span.entity.lastModified,
          );
          const own: TransactionAction[] = [
            ...(event && this.feed ? this.feed.rows(event) : []),
            ['delete', { partitionKey: tenant, rowKey: span.entity.rowKey }],
            ...indexRows(tenant, type, id, current.data).map((r): TransactionAction => ['delete', r]),
            this.counters.delta(tenant, type, -1),
            span.guardEtag ? ['update', guard, 'Merge', { etag: span.guardEtag }] : ['create', guard],
          ];
          const together = membershipsInTransaction ? memberships.slice(0, MAX_TRANSACTION - own.length) : [];
          try {
            // Not this.submit: a 409 here is the guard created by a concurrent member add, not a taken unique key.
            await this.table.submit([
              ...own,
              ...together.map((rowKey): TransactionAction => ['delete', { partitionKey: tenant, rowKey }]),
            ]);
          } catch (e) {
            if (statusOf(e) === 404) membershipsInTransaction = false;
            throw e;
          }
          if (event) this.feed?.committed(event);
          this.counters.changed(tenant, type);
          await this.table.deleteRows(tenant, [...memberships.slice(together.length), guard.rowKey]);
        },
        (e) => [404, 409, 412].includes(statusOf(e) ?? 0),
      ),
    );
  }

  async *candidates(
    tenant: string,
    type: ResourceTypeName,
    plan: QueryPlan,
    withMemberships = false,
  ): AsyncGenerator<StoredResource> {
    if (plan.kind === 'id') {
      const r = await this.get(tenant, type, plan.id, withMemberships);
      if (r) yield r;
      return;
    }
    if (plan.kind === 'index' || plan.kind === 'memberOf') {
      const ids: string[] = [];
      if (plan.kind === 'memberOf') {
        // The member may be a user or a group: its rows follow its own row, under either type.
        await Promise.all(
          (['User', 'Group'] as const).map(async (memberType) => {
            for await (const row of this.table.range<{ groupId?: string }>(
              tenant,
              memberOfPrefix(memberType, plan.memberId),
              ['groupId'],
            ))
              if (row.groupId !== undefined) ids.push(row.groupId);
          }),
        );
      } else if (TABLE_LAYOUT[type].indexes.find((i) => i.name === plan.index)?.unique) {
        const row = await this.table.getRow<{ resourceId: string }>(tenant, uniqueIndexKey(type, plan.index, plan.key));
        if (row) ids.push(row.resourceId);
      } else {
        for await (const row of this.table.range<{ resourceId: string }>(
          tenant,
          indexPrefix(type, plan.index, plan.key),
          ['resourceId'],
        ))
          ids.push(row.resourceId);
      }
      ids.sort();
      for (let i = 0; i < ids.length; i += READ_WINDOW) {
        const window = ids.slice(i, i + READ_WINDOW);
        for (const r of await Promise.all(window.map((id) => this.get(tenant, type, id, withMemberships))))
          if (r) yield r;
      }
      return;
    }
    const prefix = resourcePrefix(type);
    const pushdown = pushdownFilter(type, plan.where);
    for await (const e of this.table.between<ResourceEntity>(
      tenant,
      prefix,
      prefixEnd(prefix),
      undefined,
      pushdown ? `${RESOURCE_ROWS} and ${pushdown}` : RESOURCE_ROWS,
    )) {
      yield toStored(e, e.rowKey.slice(prefix.length));
    }
  }

  async pageAfter(
    tenant: string,
    type: ResourceTypeName,
    afterId: string | undefined,
    limit: number,
  ): Promise<{ items: StoredResource[]; exhausted: boolean }> {
    const prefix = resourcePrefix(type);
    const { rows, exhausted } = await this.table.rangePage<ResourceEntity>(
      tenant,
      prefix,
      afterId === undefined ? undefined : resourceKey(type, afterId),
      limit,
      RESOURCE_ROWS,
    );
    return { items: rows.map((e) => toStored(e, e.rowKey.slice(prefix.length))), exhausted };
  }

  async *ids(tenant: string, type: ResourceTypeName): AsyncGenerator<string> {
    const prefix = resourcePrefix(type);
    for await (const row of this.table.between<object>(tenant, prefix, prefixEnd(prefix), ['RowKey'], RESOURCE_ROWS))
      yield row.rowKey.slice(prefix.length);
  }

  /** The event of a change about to be written, when the feed is on. */
  private async eventOf(
    tenant: string,
    origin: ChangeOrigin,
    type: ResourceTypeName,
    data: Json,
    facts: Parameters<ChangeFeed['event']>[2],
    notBefore?: string,
  ) {
    if (!this.feed) return undefined;
    await this.feed.noteTenant(tenant);
    return this.feed.event(tenant, origin, facts, identifiersOf(type, data), notBefore);
  }

  private async submit(type: ResourceTypeName, data: Json, actions: TransactionAction[]): Promise<void> {
    if (actions.length > MAX_TRANSACTION) {
      throw new ScimError(
        400,
        `This ${type} needs ${actions.length} index rows in one transaction; Table Storage allows ${MAX_TRANSACTION}. Send fewer email values.`,
        'tooMany',
      );
    }
    try {
      await this.table.submit(actions);
    } catch (e) {
      if (statusOf(e) === 409) throw uniquenessError(type, data);
      throw e;
    }
  }
}

/** The name groups show for this resource as a member, bounded like every column (a 200 K displayName is valid). */
const displayColumn = (data: Json) => {
  const display = memberDisplay(data);
  return display === undefined ? undefined : boundedColumn(display);
};

/** Table Storage refuses properties set to undefined in some paths; absent means absent. */
const withoutUndefined = <T extends object>(entity: T) =>
  Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== undefined)) as T & {
    partitionKey: string;
    rowKey: string;
  };

function toStored(e: ResourceEntity, id: string): StoredResource;
function toStored(e: ResourceEntity, id: string, memberOf: string[]): StoredResource & { memberOf: string[] };
function toStored(e: ResourceEntity, id: string, memberOf?: string[]): StoredResource {
  return {
    meta: { id, created: e.created, lastModified: e.lastModified, version: versionOf(e) },
    data: decodeDocument(e),
    createDigest: e.createDigest,
    ...(memberOf ? { memberOf } : {}),
  };
}

/** RFC 7644 §3.14: `If-Match` lists acceptable versions (`*` any); weak and strong forms compare alike. */
export function checkPrecondition(current: { meta: { version: string } }, ifMatch?: string) {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//i, ''));
  if (!tags.includes(current.meta.version.replace(/^W\//, ''))) {
    throw new ScimError(
      412,
      `If-Match ${ifMatch} does not match the current version ${current.meta.version}; read the resource again and retry.`,
    );
  }
}

function uniquenessError(type: ResourceTypeName, data: Json) {
  const attr = uniqueIndexOf(type).attr;
  const stored = data[attr];
  const value = typeof stored === 'string' ? stored : JSON.stringify(stored);
  return new ScimError(
    409,
    `A ${type} with ${attr} "${value}" already exists (compared case-insensitively). Find it with ` +
      `filter=${attr} eq "${value}" and update it, or send a different ${attr}.`,
    'uniqueness',
  );
}
