import type { ActivityTables } from '../store/activityTables';
import { ceilMinute, HOUR_MS, minuteOf } from '../store/activityGrid';
import { ActivityReader, MinuteCount, Operation, RequestOutcome, requestOutcomeSchema } from '../store/activityRecords';

/**
 * Reads the activity log for the status view and the notifier. Every query names one tenant's partition and a
 * row-key range inside the day tables of the window (shared/store/activityTables.ts), so its cost follows the
 * window, not the log's size.
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
    // Counts are per whole minute: a failure belongs to the window when its minute does (as its count row would).
    const [countRows, failureRows] = await Promise.all([
      this.tables.countRows(tenant, f, t),
      this.tables.failureCounts(tenant, ceilMinute(f), ceilMinute(t)),
    ]);
    for (const r of countRows) add(r.minute, r.operation, r.status, r.count);
    for (const r of failureRows) add(new Date(minuteOf(Date.parse(r.at))).toISOString(), r.operation, r.status, 1);
    return [...sums.values()].sort(
      (a, b) => a.minute.localeCompare(b.minute) || a.operation.localeCompare(b.operation) || a.status - b.status,
    );
  }

  async failures(tenant: string, from: Date, to: Date, limit: number): Promise<RequestOutcome[]> {
    const out: RequestOutcome[] = [];
    if (limit <= 0) return out;
    for await (const row of this.tables.failureRows(tenant, from.getTime(), to.getTime(), Math.min(1000, limit))) {
      const parsed = requestOutcomeSchema.safeParse(row);
      if (parsed.success) out.push(parsed.data);
      if (out.length >= limit) break;
    }
    return out;
  }

  async tenants(from: Date, to: Date): Promise<string[]> {
    const [f, t] = [from.getTime(), to.getTime()];
    const proven = new Set<string>();
    const edge = new Map<string, number[]>();
    for (const { hour, tenant } of await this.tables.tenantHours(f, t)) {
      if (hour >= f && hour + HOUR_MS <= t) proven.add(tenant);
      else edge.set(tenant, [...(edge.get(tenant) ?? []), hour]);
    }
    // An hour only partly inside the window proves nothing by itself: look at the tenant's counts for that part.
    const checks = [...edge]
      .filter(([tenant]) => !proven.has(tenant))
      .map(async ([tenant, hs]) => {
        for (const h of hs) {
          if ((await this.counts(tenant, new Date(Math.max(f, h)), new Date(Math.min(t, h + HOUR_MS)))).length)
            return tenant;
        }
        return undefined;
      });
    for (const tenant of await Promise.all(checks)) if (tenant) proven.add(tenant);
    return [...proven].sort();
  }
}
