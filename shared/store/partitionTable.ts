import { TableClient, TransactionAction } from '@azure/data-tables';
import { statusOf } from '../azureFaults';
import { odataString, prefixEnd } from './keys';

/** Re-exported: the stores ask a storage error for its status here. */
export { statusOf };

/** Entity-group transactions span one partition and at most 100 operations. */
export const MAX_TRANSACTION = 100;

/** The few Table operations the stores need, all scoped to one tenant's partition. */
export class PartitionTable {
  private ready?: Promise<void>;

  constructor(readonly client: TableClient) {}

  /** Creates the table once per process; a failure is retried by the next call rather than cached. */
  init(): Promise<void> {
    this.ready ??= this.client.createTable().then(
      () => undefined,
      (e) => {
        this.ready = undefined;
        throw e;
      },
    );
    return this.ready;
  }

  async getRow<T extends object>(tenant: string, rowKey: string): Promise<(T & { etag: string }) | undefined> {
    await this.init();
    try {
      return (await this.client.getEntity<T>(tenant, rowKey)) as T & { etag: string };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** Rows whose key starts with `prefix`, in key order, optionally only some columns. */
  range<T extends object>(tenant: string, prefix: string, select?: string[]) {
    return this.between<T>(tenant, prefix, prefixEnd(prefix), select);
  }

  /** Rows with `low` ≤ key < `high`, in key order; `where` is a further OData conjunction built by the caller. */
  between<T extends object>(tenant: string, low: string, high: string, select?: string[], where?: string) {
    const filter = `PartitionKey eq ${odataString(tenant)} and RowKey ge ${odataString(low)} and RowKey lt ${odataString(high)}${where ? ` and (${where})` : ''}`;
    return this.client.listEntities<T & { rowKey: string }>({ queryOptions: { filter, select } });
  }

  /**
   * One page (at most `limit` ≤ 1,000 rows) of the rows starting with `prefix`, after the row key `after`.
   * `exhausted` says no rows follow; a page may hold fewer rows and still not be the last.
   */
  async rangePage<T extends object>(tenant: string, prefix: string, after: string | undefined, limit: number, select?: string[]) {
    await this.init();
    const lower = after === undefined ? `RowKey ge ${odataString(prefix)}` : `RowKey gt ${odataString(after)}`;
    const filter = `PartitionKey eq ${odataString(tenant)} and ${lower} and RowKey lt ${odataString(prefixEnd(prefix))}`;
    const page = await this.client.listEntities<T & { rowKey: string }>({ queryOptions: { filter, select } }).byPage({ maxPageSize: limit }).next();
    if (page.done) return { rows: [], exhausted: true };
    return { rows: [...page.value], exhausted: !page.value.continuationToken };
  }

  /** Deletes every row of a partition (a deleted tenant's data), a transaction of up to 100 rows at a time. */
  async deletePartition(partition: string): Promise<number> {
    await this.init();
    let deleted = 0;
    const rows = this.client.listEntities({ queryOptions: { filter: `PartitionKey eq ${odataString(partition)}`, select: ['RowKey'] } });
    let batch: TransactionAction[] = [];
    for await (const row of rows) {
      batch.push(['delete', { partitionKey: partition, rowKey: row.rowKey as string }]);
      if (batch.length === MAX_TRANSACTION) {
        await this.submit(batch);
        deleted += batch.length;
        batch = [];
      }
    }
    if (batch.length) await this.submit(batch);
    return deleted + batch.length;
  }

  async submit(actions: TransactionAction[]): Promise<void> {
    await this.init();
    await this.client.submitTransaction(actions);
  }
}
