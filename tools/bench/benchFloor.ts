import { randomInt, randomUUID } from 'node:crypto';
import { TableClient, TransactionAction } from '@azure/data-tables';
import { inParallel } from './benchService';

/**
 * The raw floor of each SCIM operation: the `@azure/data-tables` calls the operation inherently needs, on rows laid
 * out like the app's (docs/architecture.md#storage-model: R~, X~, C~, M~ rows and member → group rows after their member, JSON
 * document plus typed columns) in a partition of the same table, so that both sides pay the same row sizes and the same table size. It is written
 * from the layout, not from the app's store, so the benchmarks keep measuring whatever the store becomes.
 */
export const FLOOR_PARTITION = 'bench-floor';

/**
 * Members' existence is checked by key, all of one PATCH's keys at once: the fastest this storage answers them
 * (on this 2-core machine 101 reads took ~155 ms at once, ~250 ms 16 at a time), so a socket cap in the app shows
 * as a cost against this floor rather than being hidden in it.
 */
const READ_PARALLELISM = 101;
/**
 * Four operations per added membership (the member's row touched so the add fails once it is gone, its membership
 * guard, M and member → group) and 100 operations per entity-group transaction.
 */
const MEMBERSHIPS_PER_TRANSACTION = 25;
const COUNTER_SHARDS = 8;
/**
 * Optimistic writes retried on 412. Under 16 writers on a loaded machine a counter shard can lose 9 races in a
 * row; a floor must finish, and the retries it needs are part of its cost.
 */
const MAX_RETRIES = 50;

export type UserData = {
  userName: string;
  externalId?: string;
  displayName?: string;
  title?: string;
  active?: boolean;
  emails?: Array<{ value: string }>;
  [k: string]: unknown;
};

type Counter = { n: number; etag: string };

const encode = (v: string) => v.replace(/[^A-Za-z0-9.-]/g, (c) => '_' + c.charCodeAt(0).toString(16).padStart(4, '0'));
const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;

export class RawFloor {
  private readonly counters = new Map<string, Promise<Counter>>();

  private constructor(
    private readonly client: TableClient,
    private readonly pk: string,
  ) {}

  static async open(connectionString: string, table = 'scim', partition = FLOOR_PARTITION): Promise<RawFloor> {
    const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
    await client.createTable();
    return new RawFloor(client, partition);
  }

  /** POST /Users: resource, index rows and a counter shard's update under its last known ETag, one transaction. */
  async createUser(data: UserData): Promise<string> {
    const id = randomUUID();
    const at = new Date().toISOString();
    const resource = {
      partitionKey: this.pk,
      rowKey: `R~User~${id}`,
      doc: JSON.stringify(data),
      created: at,
      lastModified: at,
      version: 1,
      ...userColumns(data),
    };
    await this.counted('User', +1, [
      ['create', resource],
      ...this.userIndexRows(id, data).map((r): TransactionAction => ['create', r]),
    ]);
    return id;
  }

  /** GET /Users/{id}: one point read. */
  async getUser(id: string) {
    return this.client.getEntity<{ doc: string; created: string; version: number }>(this.pk, `R~User~${id}`);
  }

  /** `filter=userName eq`: the unique index row, then the resource; a miss (Entra's match before a create) is one read. */
  async findByUserName(userName: string) {
    const row = await this.read<{ resourceId: string }>(`X~User~userName~${encode(userName.toLowerCase())}`);
    return row && this.getUser(row.resourceId);
  }

  /** PATCH with no index change: read, then one update under the row's ETag (again if a concurrent write won). */
  async patchUser(id: string, change: Partial<UserData>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.getUser(id);
      const data = { ...(JSON.parse(current.doc) as UserData), ...change };
      const next = {
        partitionKey: this.pk,
        rowKey: `R~User~${id}`,
        doc: JSON.stringify(data),
        created: current.created,
        lastModified: new Date().toISOString(),
        version: current.version + 1,
        ...userColumns(data),
      };
      try {
        return await this.client.updateEntity(next, 'Replace', { etag: current.etag }).then(() => undefined);
      } catch (e) {
        if (statusOf(e) !== 412 || attempt >= MAX_RETRIES) throw e;
      }
    }
  }

  /**
   * DELETE: read (to know the index rows), then one transaction deleting resource and index rows, counter, and
   * writing the membership guard (the app creates it, or updates it under the ETag it read, so no group add commits
   * unseen: one operation either way), then the guard's removal.
   */
  async deleteUser(id: string): Promise<void> {
    const data = JSON.parse((await this.getUser(id)).doc) as UserData;
    const guard = { partitionKey: this.pk, rowKey: `R~User~${id}!` };
    await this.counted('User', -1, [
      ['delete', { partitionKey: this.pk, rowKey: `R~User~${id}` }],
      ...this.userIndexRows(id, data).map((r): TransactionAction => ['delete', r]),
      ['upsert', guard, 'Merge'],
    ]);
    await this.client.deleteEntity(guard.partitionKey, guard.rowKey);
  }

  async createGroup(displayName: string): Promise<string> {
    const id = randomUUID();
    const at = new Date().toISOString();
    await this.counted('Group', +1, [
      [
        'create',
        {
          partitionKey: this.pk,
          rowKey: `R~Group~${id}`,
          doc: JSON.stringify({ displayName }),
          created: at,
          lastModified: at,
          version: 1,
        },
      ],
      [
        'create',
        { partitionKey: this.pk, rowKey: `X~Group~displayName~${encode(displayName.toLowerCase())}`, resourceId: id },
      ],
    ]);
    return id;
  }

  /** A group PATCH adding members: the group and each member checked by key, then the membership rows' transactions. */
  async addMembers(groupId: string, memberIds: string[]): Promise<void> {
    const keys = [`R~Group~${groupId}`, ...memberIds.map((m) => `R~User~${m}`)];
    const found = await inParallel(keys, READ_PARALLELISM, (key) => this.read(key, ['RowKey']));
    if (found.some((row) => !row)) throw new Error('a member or the group does not exist');
    const chunks: TransactionAction[][] = [];
    for (let i = 0; i < memberIds.length; i += MEMBERSHIPS_PER_TRANSACTION) {
      chunks.push(
        memberIds.slice(i, i + MEMBERSHIPS_PER_TRANSACTION).flatMap((m): TransactionAction[] => [
          ['update', { partitionKey: this.pk, rowKey: `R~User~${m}` }, 'Merge'],
          ['upsert', { partitionKey: this.pk, rowKey: `R~User~${m}!` }, 'Merge'],
          [
            'upsert',
            { partitionKey: this.pk, rowKey: `M~${groupId}~${m}`, memberId: m, memberType: 'User' },
            'Replace',
          ],
          ['upsert', { partitionKey: this.pk, rowKey: `R~User~${m}!${groupId}`, groupId }, 'Replace'],
        ]),
      );
    }
    await Promise.all(chunks.map((actions) => this.client.submitTransaction(actions)));
  }

  private userIndexRows(id: string, data: UserData) {
    const row = (rowKey: string) => ({ partitionKey: this.pk, rowKey, resourceId: id });
    return [
      row(`X~User~userName~${encode(data.userName.toLowerCase())}`),
      ...(data.externalId ? [row(`X~User~externalId~${encode(data.externalId)}~${id}`)] : []),
      ...(data.emails ?? []).map((e) => row(`X~User~email~${encode(e.value.toLowerCase())}~${id}`)),
    ];
  }

  private async read<T extends object>(rowKey: string, select?: string[]) {
    try {
      return await this.client.getEntity<T>(this.pk, rowKey, select && { queryOptions: { select } });
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * `actions` plus a random counter shard's update under the ETag its last write returned: no read in the common
   * case. A 412 means another writer moved that shard; it is re-read and the transaction retried.
   */
  private async counted(type: string, delta: number, actions: TransactionAction[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const rowKey = `C~${type}~${randomInt(COUNTER_SHARDS)}`;
      const counter = await this.counter(rowKey);
      try {
        const result = await this.client.submitTransaction([
          ...actions,
          ['update', { partitionKey: this.pk, rowKey, n: counter.n + delta }, 'Merge', { etag: counter.etag }],
        ]);
        // Sub-responses come in the order of the actions (an update's carries no row key to look it up by).
        const etag = result.subResponses[actions.length]?.etag;
        if (etag) this.counters.set(rowKey, Promise.resolve({ n: counter.n + delta, etag }));
        else this.counters.delete(rowKey);
        return;
      } catch (e) {
        this.counters.delete(rowKey);
        if (statusOf(e) !== 412 || attempt >= MAX_RETRIES) throw e;
      }
    }
  }

  private counter(rowKey: string): Promise<Counter> {
    let known = this.counters.get(rowKey);
    if (!known) {
      known = (async () => {
        await this.client.createEntity({ partitionKey: this.pk, rowKey, n: 0 }).catch((e) => {
          if (statusOf(e) !== 409) throw e;
        });
        const row = await this.client.getEntity<{ n: number }>(this.pk, rowKey);
        return { n: row.n, etag: row.etag };
      })();
      this.counters.set(rowKey, known);
      known.catch(() => this.counters.delete(rowKey));
    }
    return known;
  }
}

/** The typed columns the app keeps beside the document (boolean active, lower-cased strings). */
function userColumns(d: UserData): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  if (typeof d.active === 'boolean') out.c_active = d.active;
  for (const attr of ['title', 'userType', 'displayName'] as const)
    if (typeof d[attr] === 'string') out[`c_${attr}`] = d[attr].toLowerCase();
  return out;
}
