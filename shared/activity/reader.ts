import { odataString } from '../store/keys';
import { statusOf } from '../store/partitionTable';
import { ActivityTables, ceilMinute, CountRow, countRange, failureRange, FailureRow, minuteOf, parseTenantIndexKey, TENANT_INDEX_PARTITION, tenantIndexRange } from './activityTables';
import { ActivityReader, MinuteCount, Operation, RequestOutcome, requestOutcomeSchema } from './outcome';

const HOUR_MS = 3_600_000;

/**
 * Reads the activity log for the status view and the notifier. Every query names one tenant's partition and a
 * row-key range inside the day tables of the window, so its cost follows the window, not the log's size.
 */
export class TableActivityReader implements ActivityReader {
  constructor(private readonly tables: ActivityTables) {}

  async counts(tenant: string, from: Date, to: Date): Promise<MinuteCount[]> {
    const [f, t] = [from.getTime(), to.getTime()];
    const sums = new Map<string, MinuteCount>();
    const add = (minute: string, operation: Operation, status: number, n: number) => {
      const key = `${minute}|${operation}|${status}`;
      const entry = sums.get(key);
      if (entry) entry.count += n;
      else sums.set(key, { tenant, minute, operation, status, count: n });
    };
    const counted = this.rows<CountRow>(tenant, f, t, countRange, ['minute', 'operation', 'status', 'count']);
    // Counts are per whole minute: a failure belongs to the window when its minute does (as its count row would).
    const failed = this.rows<FailureRow>(tenant, ceilMinute(f), ceilMinute(t), failureRange, ['at', 'operation', 'status']);
    const [countRows, failureRows] = await Promise.all([counted, failed]);
    for (const r of countRows) add(r.minute, r.operation, r.status, r.count);
    for (const r of failureRows) add(new Date(minuteOf(Date.parse(r.at))).toISOString(), r.operation, r.status, 1);
    return [...sums.values()].sort((a, b) => a.minute.localeCompare(b.minute) || a.operation.localeCompare(b.operation) || a.status - b.status);
  }

  async failures(tenant: string, from: Date, to: Date, limit: number): Promise<RequestOutcome[]> {
    const out: RequestOutcome[] = [];
    const [f, t] = [from.getTime(), to.getTime()];
    for (const day of this.tables.days(f, t).reverse()) {
      if (out.length >= limit) break;
      const { low, high } = failureRange(f, t);
      const pages = this.tables.client(day).listEntities<FailureRow>({ queryOptions: { filter: rangeFilter(tenant, low, high) } }).byPage({ maxPageSize: Math.min(1000, limit) });
      try {
        for await (const page of pages) {
          for (const row of page) {
            const parsed = requestOutcomeSchema.safeParse(row);
            if (parsed.success) out.push(parsed.data);
            if (out.length >= limit) break;
          }
          if (out.length >= limit) break;
        }
      } catch (e) {
        if (statusOf(e) !== 404) throw e; // no table: nothing was recorded that day
      }
    }
    return out;
  }

  async tenants(from: Date, to: Date): Promise<string[]> {
    const [f, t] = [from.getTime(), to.getTime()];
    const hours = await this.rows<{ rowKey: string }>(TENANT_INDEX_PARTITION, f, t, tenantIndexRange, ['RowKey']);
    const proven = new Set<string>();
    const edge = new Map<string, number[]>();
    for (const { rowKey } of hours) {
      const { hour, tenant } = parseTenantIndexKey(rowKey);
      if (hour >= f && hour + HOUR_MS <= t) proven.add(tenant);
      else edge.set(tenant, [...(edge.get(tenant) ?? []), hour]);
    }
    // An hour only partly inside the window proves nothing by itself: look at the tenant's counts for that part.
    const checks = [...edge].filter(([tenant]) => !proven.has(tenant)).map(async ([tenant, hs]) => {
      for (const h of hs) {
        if ((await this.counts(tenant, new Date(Math.max(f, h)), new Date(Math.min(t, h + HOUR_MS)))).length) return tenant;
      }
      return undefined;
    });
    for (const tenant of await Promise.all(checks)) if (tenant) proven.add(tenant);
    return [...proven].sort();
  }

  /** The rows of one partition in a key range of each day table the window touches; a missing table is empty. */
  private async rows<T extends object>(partition: string, from: number, to: number, range: (from: number, to: number) => { low: string; high: string }, select: string[]): Promise<T[]> {
    if (from >= to) return [];
    const { low, high } = range(from, to);
    const perDay = await Promise.all(
      this.tables.days(from, to).map(async (day) => {
        const rows: T[] = [];
        try {
          for await (const row of this.tables.client(day).listEntities<T>({ queryOptions: { filter: rangeFilter(partition, low, high), select } })) rows.push(row);
        } catch (e) {
          if (statusOf(e) !== 404) throw e;
        }
        return rows;
      }),
    );
    return perDay.flat();
  }
}

const rangeFilter = (partition: string, low: string, high: string) => `PartitionKey eq ${odataString(partition)} and RowKey ge ${odataString(low)} and RowKey lt ${odataString(high)}`;

