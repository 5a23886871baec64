import { TableClient, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { tolerating } from '../azureFaults';
import { inBatches, LOOKUP_PARALLELISM } from './inBatches';
import { keyRangeFilter, odataString, prefixEnd } from './keys';

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

  /** A point read (only `select`ed columns if given); undefined when the row does not exist. */
  async getRow<T extends object>(
    tenant: string,
    rowKey: string,
    select?: string[],
  ): Promise<(T & { etag: string }) | undefined> {
    await this.init();
    return tolerating(
      this.client.getEntity<T>(tenant, rowKey, select ? { queryOptions: { select } } : undefined),
      undefined,
      404,
    );
  }

  /** Rows whose key starts with `prefix`, in key order, optionally only some columns. */
  range<T extends object>(tenant: string, prefix: string, select?: string[]) {
    return this.between<T>(tenant, prefix, prefixEnd(prefix), select);
  }

  /** Rows with `low` ≤ key < `high`, in key order; `where` is a further OData conjunction built by the caller. */
  async *between<T extends object>(
    tenant: string,
    low: string,
    high: string,
    select?: string[],
    where?: string,
  ): AsyncGenerator<T & { rowKey: string }> {
    await this.init();
    yield* this.client.listEntities<T & { rowKey: string }>({
      queryOptions: { filter: keyRangeFilter(tenant, low, high, where), select },
    });
  }

  /** Writes a row that must not exist yet (409 otherwise); the answer is its ETag. */
  async create<T extends { partitionKey: string; rowKey: string }>(entity: T): Promise<string | undefined> {
    await this.init();
    return (await this.client.createEntity(entity)).etag;
  }

  /** Replaces a row only if it is unchanged since it was read (412 otherwise); the answer is its new ETag. */
  async replace<T extends { partitionKey: string; rowKey: string }>(
    entity: T,
    etag: string,
  ): Promise<string | undefined> {
    await this.init();
    return (await this.client.updateEntity(entity, 'Replace', { etag })).etag;
  }

  /** Merges properties into an existing row, whatever its version (404 if it is gone). */
  async merge<T extends { partitionKey: string; rowKey: string }>(entity: T): Promise<void> {
    await this.init();
    await this.client.updateEntity(entity, 'Merge');
  }

  /** Writes a row whatever is there (an idempotent upsert). */
  async upsert<T extends { partitionKey: string; rowKey: string }>(entity: T): Promise<void> {
    await this.init();
    await this.client.upsertEntity(entity, 'Replace');
  }

  /** Deletes a row; a row already gone is no error (deletes are retried and raced). False when there was none. */
  async deleteRow(partition: string, rowKey: string): Promise<boolean> {
    await this.init();
    return tolerating(
      this.client.deleteEntity(partition, rowKey).then(() => true),
      false,
      404,
    );
  }

  /**
   * One page (at most `limit` ≤ 1,000 rows) of the rows starting with `prefix`, after the row key `after`, that
   * also match `where` (an OData conjunction built by the caller).
   * `exhausted` says no rows follow; a page may hold fewer rows and still not be the last.
   */
  async rangePage<T extends object>(
    tenant: string,
    prefix: string,
    after: string | undefined,
    limit: number,
    where?: string,
  ) {
    await this.init();
    const lower = after === undefined ? `RowKey ge ${odataString(prefix)}` : `RowKey gt ${odataString(after)}`;
    const filter = `PartitionKey eq ${odataString(tenant)} and ${lower} and RowKey lt ${odataString(prefixEnd(prefix))}${where ? ` and (${where})` : ''}`;
    const page = await this.client
      .listEntities<T & { rowKey: string }>({ queryOptions: { filter } })
      .byPage({ maxPageSize: limit })
      .next();
    if (page.done) return { rows: [], exhausted: true };
    return { rows: [...page.value], exhausted: !page.value.continuationToken };
  }

  /** Deletes every row of a partition (a deleted tenant's data), a transaction of up to 100 rows at a time. */
  async deletePartition(partition: string): Promise<number> {
    await this.init();
    let deleted = 0;
    const rows = this.client.listEntities<{ rowKey: string }>({
      queryOptions: { filter: `PartitionKey eq ${odataString(partition)}`, select: ['RowKey'] },
    });
    let batch: TransactionAction[] = [];
    for await (const row of rows) {
      batch.push(['delete', { partitionKey: partition, rowKey: row.rowKey }]);
      if (batch.length === MAX_TRANSACTION) {
        await this.submit(batch);
        deleted += batch.length;
        batch = [];
      }
    }
    if (batch.length) await this.submit(batch);
    return deleted + batch.length;
  }

  /** Deletes rows of one partition, 100 to a transaction; rows already gone (a concurrent removal) are skipped. */
  async deleteRows(partition: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += MAX_TRANSACTION) {
      const chunk = keys.slice(i, i + MAX_TRANSACTION);
      const batch = this.submit(
        chunk.map((rowKey): TransactionAction => ['delete', { partitionKey: partition, rowKey }]),
      );
      if (
        (await tolerating(
          batch.then(() => true),
          false,
          404,
        )) === false
      ) {
        await inBatches(chunk, LOOKUP_PARALLELISM, (rowKey) => this.deleteRow(partition, rowKey));
      }
    }
  }

  /** One entity-group transaction; the answer has each operation's new ETag, in order. */
  async submit(actions: TransactionAction[]): Promise<TableTransactionResponse> {
    await this.init();
    return this.client.submitTransaction(actions);
  }
}
