import { TOKEN_USE_PARTITION } from './keys';
import { PartitionTable } from './partitionTable';

/** A token's last use is written at most this often per process: a hint for operators, not an audit log. */
const RECORD_EVERY_MS = 15 * 60_000;

/** When each token was last used, for `token list` (the token sources themselves are read-only per request). */
export class TokenUsage {
  private readonly recorded = new Map<string, number>();

  constructor(
    private readonly table: PartitionTable,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a use unless one was recorded recently; never delays or fails the request that used the token. */
  record(tenant: string, tokenId: string): void {
    const key = `${tenant}~${tokenId}`;
    const last = this.recorded.get(key);
    if (last !== undefined && this.now() - last < RECORD_EVERY_MS) return;
    const at = new Date(this.now());
    this.recorded.set(key, at.getTime());
    // After the answer: the SDK builds and sends a write synchronously up to its first await, and on a cold
    // start the first request would also pay for creating the table.
    setImmediate(
      () =>
        void this.table
          .upsert({ partitionKey: TOKEN_USE_PARTITION, rowKey: key, lastUsed: at })
          .catch(() => this.recorded.delete(key)), // retried on the next use; a lost hint must not fail provisioning
    );
  }

  /** Drops a deleted tenant's records. */
  async forget(tenant: string): Promise<void> {
    for (const tokenId of (await this.lastUsed(tenant)).keys())
      await this.table.deleteRow(TOKEN_USE_PARTITION, `${tenant}~${tokenId}`);
  }

  async lastUsed(tenant: string): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for await (const row of this.table.range<{ lastUsed: Date }>(TOKEN_USE_PARTITION, `${tenant}~`))
      out.set(row.rowKey.slice(tenant.length + 1), row.lastUsed);
    return out;
  }
}
