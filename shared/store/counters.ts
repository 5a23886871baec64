import { randomUUID } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { ResourceTypeName } from '../scim/resourceSchema';
import { TtlCache } from '../ttlCache';
import { counterBaseKey, counterDeltaKey, counterPrefix } from './keys';
import { statusOf } from '../azureFaults';
import { MAX_TRANSACTION, PartitionTable } from './partitionTable';

/** Deltas folded into the base row per transaction: the base row's update plus 99 deletions. */
const FOLD_BATCH = MAX_TRANSACTION - 1;
/** A count read that meets more deltas than this folds them, so reads stay short. */
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

  constructor(private readonly table: PartitionTable) {}

  /** The transaction action that counts one create (+1) or delete (−1). */
  delta(tenant: string, type: ResourceTypeName, n: 1 | -1): TransactionAction {
    return ['create', { partitionKey: tenant, rowKey: counterDeltaKey(type, randomUUID()), n }];
  }

  /** Called after a counted write has been committed. */
  changed(tenant: string, type: ResourceTypeName): void {
    this.cache.delete(`${tenant}|${type}`);
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

  /** Folds deltas into the base row until none are left; a concurrent fold makes this one stop. */
  async fold(tenant: string, type: ResourceTypeName): Promise<void> {
    const key = `${tenant}|${type}`;
    if (this.folding.has(key)) return;
    this.folding.add(key);
    try {
      for (;;) {
        const base = await this.table.getRow<{ n: number }>(tenant, counterBaseKey(type));
        const batch: Array<{ rowKey: string; n: number }> = [];
        for await (const row of this.table.range<{ n: number }>(tenant, counterPrefix(type), ['RowKey', 'n'])) {
          if (row.rowKey !== counterBaseKey(type)) batch.push(row);
          if (batch.length === FOLD_BATCH) break;
        }
        if (!batch.length) return;
        const sum = (base?.n ?? 0) + batch.reduce((s, r) => s + r.n, 0);
        const baseRow = { partitionKey: tenant, rowKey: counterBaseKey(type), n: sum };
        const actions: TransactionAction[] = [
          base ? ['update', baseRow, 'Replace', { etag: base.etag }] : ['create', baseRow],
          ...batch.map((r): TransactionAction => ['delete', { partitionKey: tenant, rowKey: r.rowKey }]),
        ];
        try {
          await this.table.submit(actions);
        } catch (e) {
          // 412/409: another fold moved the base row; 404: it already folded one of these deltas.
          if ([404, 409, 412].includes(statusOf(e) ?? 0)) return;
          throw e;
        }
      }
    } finally {
      this.folding.delete(key);
    }
  }
}
