import { randomUUID } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { ResourceTypeName } from '../scim/resourceSchema';
import { TtlCache } from '../ttlCache';
import { counterBaseKey, counterDeltaKey, counterPrefix } from './keys';
import { tolerating } from '../azureFaults';
import { MAX_TRANSACTION, PartitionTable } from './partitionTable';

/** Deltas folded into the base row per transaction: the base row's update plus 99 deletions. */
const FOLD_BATCH = MAX_TRANSACTION - 1;
/**
 * Counted writes through one instance after which it folds their type's deltas, and the number of deltas a count
 * read may meet before it folds them: counts then read a few hundred rows at most. Folding only on read let a
 * bulk load of 100,000 users leave 100,000 deltas, and every listing page after it re-read all that were left
 * while the first fold was still deleting them (paging 100,000 users took 600 s instead of 20 s).
 */
const FOLD_THRESHOLD = 200;

/**
 * Exact counts of a tenant's users and groups without contention: every create or delete adds a new delta row
 * (+1 or −1) inside its own transaction — a row no other request writes, so parallel creates never conflict and
 * need no read first. A count is the base row plus the deltas; from time to time deltas are folded into the base
 * row, each fold one transaction under the base row's ETag, so a count is never lost or counted twice.
 */
export class ResourceCounters {
  /**
   * Counts read in the last seconds: a client paging through a listing asks for the same total on every page.
   * Writes through this instance drop their type's count at once; writes on other instances show within the TTL.
   */
  private readonly cache = new TtlCache<string, number>(10_000, 5_000);
  private readonly folding = new Set<string>();
  private readonly writesSinceFold = new Map<string, number>();

  constructor(private readonly table: PartitionTable) {}

  /** The transaction action that counts one create (+1) or delete (−1). */
  delta(tenant: string, type: ResourceTypeName, n: 1 | -1): TransactionAction {
    return ['create', { partitionKey: tenant, rowKey: counterDeltaKey(type, randomUUID()), n }];
  }

  /** Called after a counted write has been committed. */
  changed(tenant: string, type: ResourceTypeName): void {
    const key = `${tenant}|${type}`;
    this.cache.delete(key);
    const writes = (this.writesSinceFold.get(key) ?? 0) + 1;
    if (writes < FOLD_THRESHOLD) {
      this.writesSinceFold.set(key, writes);
      return;
    }
    this.writesSinceFold.delete(key);
    void this.fold(tenant, type).catch(() => undefined); // in the background; the next threshold or read folds again
  }

  async count(tenant: string, type: ResourceTypeName): Promise<number> {
    const key = `${tenant}|${type}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let total = 0;
    let deltas = 0;
    for await (const row of this.table.range<{ n: number }>(tenant, counterPrefix(type), ['RowKey', 'n'])) {
      total += row.n;
      if (row.rowKey !== counterBaseKey(type)) deltas++;
    }
    this.cache.set(key, total);
    if (deltas > FOLD_THRESHOLD) void this.fold(tenant, type).catch(() => undefined); // a later read folds again
    return total;
  }

  /**
   * Folds the deltas into the base row: one pass reading them, then one transaction per 99, each under the ETag the
   * previous one returned — after a bulk load of 100,000 users that is about a thousand round trips, not three
   * thousand. A concurrent fold (412/409) or a delta folded meanwhile (404) makes this one stop; the rest waits
   * for the next count that finds many deltas.
   */
  async fold(tenant: string, type: ResourceTypeName): Promise<void> {
    const key = `${tenant}|${type}`;
    if (this.folding.has(key)) return;
    this.folding.add(key);
    try {
      const base = await this.table.getRow<{ n: number }>(tenant, counterBaseKey(type));
      let etag = base?.etag;
      let total = base?.n ?? 0;
      const deltas: Array<{ rowKey: string; n: number }> = [];
      for await (const row of this.table.range<{ n: number }>(tenant, counterPrefix(type), ['RowKey', 'n']))
        if (row.rowKey !== counterBaseKey(type)) deltas.push(row);
      for (let i = 0; i < deltas.length; i += FOLD_BATCH) {
        const batch = deltas.slice(i, i + FOLD_BATCH);
        const sum = total + batch.reduce((s, r) => s + r.n, 0);
        const baseRow = { partitionKey: tenant, rowKey: counterBaseKey(type), n: sum };
        const actions: TransactionAction[] = [
          etag ? ['update', baseRow, 'Replace', { etag }] : ['create', baseRow],
          ...batch.map((r): TransactionAction => ['delete', { partitionKey: tenant, rowKey: r.rowKey }]),
        ];
        const folded = await tolerating(this.table.submit(actions), undefined, 404, 409, 412);
        etag = folded?.subResponses[0]?.etag;
        if (!etag) return;
        total = sum;
      }
    } finally {
      this.folding.delete(key);
    }
  }
}
