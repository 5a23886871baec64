import { TableClient, TransactionAction } from '@azure/data-tables';
import { TableAccount } from '../azureClients';
import { statusOf } from '../azureFaults';
import { ceilMinute, ceilTo, DAY_MS, dayOf, HOUR_MS, hourOf } from './activityGrid';
import type { MinuteCount, Operation, RequestOutcome } from './activityRecords';
import { keyRangeFilter } from './keys';

/**
 * Where the activity log lives. One table per UTC day, `{prefix}{yyyymmdd}`, so retention drops whole tables:
 * its cost does not grow with the number of records. Inside a day's table:
 *   partition {tenant}     C~{yyyy-mm-ddThh:mm}~{operation}~{status}~{writer}    requests counted by one instance
 *                          F~{13-digit inverted ms}~{correlation id}              one failure (newest sorts first)
 *   partition ~tenants     {yyyy-mm-ddThh}~{tenant}                               the tenant had requests that hour
 * Each instance writes only its own count rows (`{writer}` is its instance id and a serial), so concurrent
 * instances never overwrite each other's counts and need no ETag round trip; readers add the rows up.
 * This file is the only code that knows these keys and the ranges that read them.
 */
const TENANT_INDEX_PARTITION = '~tenants';

/** Inverting the arrival time makes a plain ascending range read return the newest failures first. */
const INVERT_FROM = 9_999_999_999_999;

/** `2026-11-30T11:42`: sorts like time, and is the ISO minute without seconds. */
const minuteKey = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
const inverted = (ms: number) => String(INVERT_FROM - ms).padStart(13, '0');

const countKey = (minuteMs: number, operation: Operation, status: number, writer: string) =>
  `C~${minuteKey(minuteMs)}~${operation}~${status}~${writer}`;
const failureKey = (atMs: number, correlationId: string) => `F~${inverted(atMs)}~${correlationId}`;
const tenantIndexKey = (hourMs: number, tenant: string) => `${hourKey(hourMs)}~${tenant}`;

/** Row-key ranges [low, high) of one day table for a time window [from, to). */
type KeyRange = (from: number, to: number) => { low: string; high: string };
const countRange: KeyRange = (from, to) => ({
  low: `C~${minuteKey(ceilMinute(from))}`,
  high: `C~${minuteKey(ceilMinute(to))}`,
});
const failureRange: KeyRange = (from, to) => ({ low: `F~${inverted(to - 1)}`, high: `F~${inverted(from - 1)}` });
const tenantIndexRange: KeyRange = (from, to) => ({ low: hourKey(hourOf(from)), high: hourKey(ceilTo(to, HOUR_MS)) });
const parseTenantIndexKey = (rowKey: string) => {
  const at = rowKey.indexOf('~');
  return { hour: Date.parse(`${rowKey.slice(0, at)}:00:00Z`), tenant: rowKey.slice(at + 1) };
};

/** One instance's count row: a minute count of the partition's tenant. */
type CountRow = Omit<MinuteCount, 'tenant'>;

/** One instance's count of a tenant's requests in one minute (ms) with one operation and status. */
export interface MinuteTally {
  tenant: string;
  minute: number;
  operation: Operation;
  status: number;
  count: number;
  /** Names the tally's own row: `{instance}.{serial}`. */
  writer: string;
}

/** One row to write in a day's table: the day and partition it belongs to, and the write itself. */
export interface ActivityWrite {
  day: number;
  partition: string;
  action: TransactionAction;
}

/** A tally's row, replacing what this writer wrote for it before. */
export const countWrite = (t: MinuteTally): ActivityWrite => ({
  day: dayOf(t.minute),
  partition: t.tenant,
  action: [
    'upsert',
    {
      partitionKey: t.tenant,
      rowKey: countKey(t.minute, t.operation, t.status, t.writer),
      minute: new Date(t.minute).toISOString(),
      operation: t.operation,
      status: t.status,
      count: t.count,
    },
    'Replace',
  ],
});

/** The note that the tenant had requests in that hour (a row without properties, so merging it is idempotent). */
export const tenantIndexWrite = (hourMs: number, tenant: string): ActivityWrite => ({
  day: dayOf(hourMs),
  partition: TENANT_INDEX_PARTITION,
  action: ['upsert', { partitionKey: TENANT_INDEX_PARTITION, rowKey: tenantIndexKey(hourMs, tenant) }, 'Merge'],
});

/** The day tables of the log, each created on first write by this process. */
export class ActivityTables {
  private readonly created = new Map<string, Promise<void>>();
  private readonly clients = new Map<string, TableClient>();

  constructor(
    private readonly account: TableAccount,
    readonly prefix: string,
    /** The log is best effort: one quick retry, so a write never queues for long behind a storage outage. */
    private readonly options = { retryOptions: { maxRetries: 1 } },
  ) {}

  nameOf(dayMs: number): string {
    return `${this.prefix}${new Date(dayMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
  }

  /** The UTC day starts (ms) that the window [from, to) touches, oldest first. */
  days(from: number, to: number): number[] {
    const out: number[] = [];
    for (let d = dayOf(from); d < to; d += DAY_MS) out.push(d);
    return out;
  }

  /** One failure's row, written whatever is there (a record written twice is the same row). */
  async putFailure(o: RequestOutcome): Promise<void> {
    // Table Storage stores no undefined; absent optional fields are simply not written.
    const fields = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    const at = Date.parse(o.at);
    await this.forWriting(dayOf(at));
    await this.client(dayOf(at)).upsertEntity(
      { partitionKey: o.tenant, rowKey: failureKey(at, o.correlationId), ...fields },
      'Replace',
    );
  }

  /** Writes rows of one day and partition in one transaction (at most MAX_TRANSACTION of them). */
  async write(day: number, writes: ActivityWrite[]): Promise<void> {
    await this.forWriting(day);
    await this.client(day).submitTransaction(writes.map((w) => w.action));
  }

  /** Count rows of the tenant for the minutes in [from, to) (a minute belongs when it starts inside). */
  countRows(tenant: string, from: number, to: number): Promise<CountRow[]> {
    return this.rangeRows<CountRow>(tenant, from, to, countRange, ['minute', 'operation', 'status', 'count']);
  }

  /** The tenant's failures that arrived in [from, to), only what a count needs of them. */
  failureCounts(
    tenant: string,
    from: number,
    to: number,
  ): Promise<Array<Pick<RequestOutcome, 'at' | 'operation' | 'status'>>> {
    return this.rangeRows(tenant, from, to, failureRange, ['at', 'operation', 'status']);
  }

  /** The tenant's failure rows of [from, to), newest first, read `pageSize` at a time; a day without table is empty. */
  async *failureRows(
    tenant: string,
    from: number,
    to: number,
    pageSize: number,
  ): AsyncGenerator<Record<string, unknown>> {
    const { low, high } = failureRange(from, to);
    for (const day of this.days(from, to).reverse()) {
      try {
        const pages = this.client(day)
          .listEntities<Record<string, unknown>>({ queryOptions: { filter: keyRangeFilter(tenant, low, high) } })
          .byPage({ maxPageSize: pageSize });
        for await (const page of pages) yield* page;
      } catch (e) {
        if (statusOf(e) !== 404) throw e; // no table: nothing was recorded that day
      }
    }
  }

  /** The hours of [from, to) (whole hours, widened to cover the edges) in which each tenant had requests. */
  async tenantHours(from: number, to: number): Promise<Array<{ hour: number; tenant: string }>> {
    const rows = await this.rangeRows<{ rowKey: string }>(TENANT_INDEX_PARTITION, from, to, tenantIndexRange, [
      'RowKey',
    ]);
    return rows.map((r) => parseTenantIndexKey(r.rowKey));
  }

  /** Every day table of the log that exists, with its day. */
  async existing(): Promise<Array<{ name: string; day: number }>> {
    const pattern = new RegExp(`^${this.prefix}(\\d{4})(\\d{2})(\\d{2})$`);
    const out: Array<{ name: string; day: number }> = [];
    const filter = `TableName ge '${this.prefix}' and TableName lt '${this.prefix}{'`;
    for await (const t of this.account.service(this.options).listTables({ queryOptions: { filter } })) {
      const m = t.name ? pattern.exec(t.name) : null;
      if (m) out.push({ name: m[0], day: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) });
    }
    return out;
  }

  async drop(name: string): Promise<void> {
    await this.account.service(this.options).deleteTable(name);
    this.created.delete(name);
  }

  private client(dayMs: number): TableClient {
    const name = this.nameOf(dayMs);
    let client = this.clients.get(name);
    if (!client) {
      if (this.clients.size >= 40) this.clients.clear(); // a month of days read by the status view, then start over
      client = this.account.table(name, this.options);
      this.clients.set(name, client);
    }
    return client;
  }

  /** Makes a day's table ready for writing: created once per process (a failed creation is retried by the next write). */
  async forWriting(dayMs: number): Promise<void> {
    const name = this.nameOf(dayMs);
    let ready = this.created.get(name);
    if (!ready) {
      ready = this.client(dayMs)
        .createTable()
        .catch((e: unknown) => {
          this.created.delete(name);
          throw e;
        });
      this.created.set(name, ready);
      for (const old of this.created.keys()) if (this.created.size > 3 && old !== name) this.created.delete(old);
    }
    await ready;
  }

  /** The rows of one partition in a key range of each day table the window touches; a missing table is empty. */
  private async rangeRows<T extends object>(
    partition: string,
    from: number,
    to: number,
    range: KeyRange,
    select: string[],
  ): Promise<T[]> {
    if (from >= to) return [];
    const { low, high } = range(from, to);
    const perDay = await Promise.all(
      this.days(from, to).map(async (day) => {
        const rows: T[] = [];
        try {
          for await (const row of this.client(day).listEntities<T>({
            queryOptions: { filter: keyRangeFilter(partition, low, high), select },
          }))
            rows.push(row);
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
        return rows;
      }),
    );
    return perDay.flat();
  }
}
