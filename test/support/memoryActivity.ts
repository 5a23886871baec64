import type { ActivityReader, MinuteCount, Operation, RequestOutcome } from '../../shared/store/activityRecords';

type Kept = RequestOutcome & { ms: number; minute: string };

/**
 * The activity log's reader port over outcomes kept in memory, for the notifier's simulation: it answers exactly
 * what the seam promises (minute counts of every request, failures one by one) for traffic the test invents.
 * Outcomes are kept per tenant in time order, so a window is two binary searches (two days of traffic are
 * judged 577 times in the simulation).
 */
export class MemoryActivity implements ActivityReader {
  private readonly byTenant = new Map<string, Kept[]>();
  private unsorted = new Set<string>();
  private next = 0;

  record(o: {
    at: Date;
    tenant: string;
    operation: Operation;
    status: number;
    resourceType?: 'User' | 'Group';
    resourceId?: string;
    scimType?: string;
    detail?: string;
  }): void {
    const ms = o.at.getTime();
    const kept: Kept = {
      ...o,
      at: o.at.toISOString(),
      ms,
      minute: new Date(ms - (ms % 60_000)).toISOString(),
      latencyMs: 12,
      correlationId: `corr-${++this.next}`,
    };
    const list = this.byTenant.get(o.tenant) ?? [];
    if (list.length && list[list.length - 1].ms > ms) this.unsorted.add(o.tenant);
    list.push(kept);
    this.byTenant.set(o.tenant, list);
  }

  async counts(tenant: string, from: Date, to: Date): Promise<MinuteCount[]> {
    const by = new Map<string, MinuteCount>();
    for (const o of this.between(tenant, from, to)) {
      const key = `${o.minute} ${o.operation} ${o.status}`;
      const row = by.get(key) ?? { tenant, minute: o.minute, operation: o.operation, status: o.status, count: 0 };
      row.count++;
      by.set(key, row);
    }
    return [...by.values()];
  }

  async failures(tenant: string, from: Date, to: Date, limit: number): Promise<RequestOutcome[]> {
    const out: RequestOutcome[] = [];
    const window = this.between(tenant, from, to);
    for (let i = window.length - 1; i >= 0 && out.length < limit; i--) {
      const { ms: _ms, minute: _minute, ...o } = window[i];
      if (o.status >= 400) out.push(o);
    }
    return out;
  }

  async tenants(from: Date, to: Date): Promise<string[]> {
    return [...this.byTenant.keys()].filter((t) => this.between(t, from, to).length > 0);
  }

  private between(tenant: string, from: Date, to: Date): Kept[] {
    const list = this.byTenant.get(tenant) ?? [];
    if (this.unsorted.delete(tenant)) list.sort((a, b) => a.ms - b.ms);
    return list.slice(firstAtOrAfter(list, from.getTime()), firstAtOrAfter(list, to.getTime()));
  }
}

function firstAtOrAfter(list: Kept[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].ms < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
