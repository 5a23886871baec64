import type { ActivityReader, MinuteCount, Operation, RequestOutcome } from '../../shared/notify/activitySource';

/**
 * The activity log's reader port over outcomes kept in memory, for the notifier's simulation: it answers exactly
 * what the seam promises (minute counts of every request, failures one by one) for traffic the test invents.
 */
export class MemoryActivity implements ActivityReader {
  private readonly outcomes: (RequestOutcome & { ms: number })[] = [];
  private next = 0;

  record(o: { at: Date; tenant: string; operation: Operation; status: number; resourceType?: 'User' | 'Group'; resourceId?: string; scimType?: string; detail?: string }): void {
    this.outcomes.push({ ...o, at: o.at.toISOString(), ms: o.at.getTime(), latencyMs: 12, correlationId: `corr-${++this.next}` });
  }

  async counts(tenant: string, from: Date, to: Date): Promise<MinuteCount[]> {
    const by = new Map<string, MinuteCount>();
    for (const o of this.between(tenant, from, to)) {
      const minute = new Date(Math.floor(o.ms / 60_000) * 60_000).toISOString();
      const key = `${minute} ${o.operation} ${o.status}`;
      const row = by.get(key) ?? { tenant, minute, operation: o.operation, status: o.status, count: 0 };
      row.count++;
      by.set(key, row);
    }
    return [...by.values()].sort((a, b) => a.minute.localeCompare(b.minute));
  }

  async failures(tenant: string, from: Date, to: Date, limit: number): Promise<RequestOutcome[]> {
    return this.between(tenant, from, to)
      .filter((o) => o.status >= 400)
      .reverse()
      .slice(0, limit)
      .map(({ ms: _ms, ...o }) => o);
  }

  async tenants(from: Date, to: Date): Promise<string[]> {
    return [...new Set(this.outcomes.filter((o) => o.ms >= from.getTime() && o.ms < to.getTime()).map((o) => o.tenant))];
  }

  private between(tenant: string, from: Date, to: Date) {
    return this.outcomes.filter((o) => o.tenant === tenant && o.ms >= from.getTime() && o.ms < to.getTime());
  }
}
