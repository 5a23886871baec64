import { TableClient } from '@azure/data-tables';
import { TableAccount } from '../store/tableAccount';
import { Operation, RequestOutcome } from './outcome';

/**
 * Where the activity log lives. One table per UTC day, `{prefix}{yyyymmdd}`, so retention drops whole tables:
 * its cost does not grow with the number of records. Inside a day's table:
 *   partition {tenant}     C~{yyyy-mm-ddThh:mm}~{operation}~{status}~{writer}    requests counted by one instance
 *                          F~{13-digit inverted ms}~{correlation id}              one failure (newest sorts first)
 *   partition ~tenants     {yyyy-mm-ddThh}~{tenant}                               the tenant had requests that hour
 * Each instance writes only its own count rows (`{writer}` is its instance id and a serial), so concurrent
 * instances never overwrite each other's counts and need no ETag round trip; readers add the rows up.
 */
export const TENANT_INDEX_PARTITION = '~tenants';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Inverting the arrival time makes a plain ascending range read return the newest failures first. */
const INVERT_FROM = 9_999_999_999_999;

export const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;
export const ceilMinute = (ms: number) => ceilTo(ms, MINUTE_MS);
/** `2026-11-30T11:42`: sorts like time, and is the ISO minute without seconds. */
const minuteKey = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const hourKey = (ms: number) => new Date(ms).toISOString().slice(0, 13);
const inverted = (ms: number) => String(INVERT_FROM - ms).padStart(13, '0');

export const countKey = (minuteMs: number, operation: Operation, status: number, writer: string) => `C~${minuteKey(minuteMs)}~${operation}~${status}~${writer}`;
export const failureKey = (atMs: number, correlationId: string) => `F~${inverted(atMs)}~${correlationId}`;
export const tenantIndexKey = (hourMs: number, tenant: string) => `${hourKey(hourMs)}~${tenant}`;
export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Row-key ranges [low, high) of one day table for a time window [from, to). */
export const countRange = (from: number, to: number) => ({ low: `C~${minuteKey(ceilMinute(from))}`, high: `C~${minuteKey(ceilMinute(to))}` });
export const failureRange = (from: number, to: number) => ({ low: `F~${inverted(to - 1)}`, high: `F~${inverted(from - 1)}` });
export const tenantIndexRange = (from: number, to: number) => ({ low: hourKey(hourOf(from)), high: hourKey(ceilTo(to, HOUR_MS)) });
export const parseTenantIndexKey = (rowKey: string) => {
  const at = rowKey.indexOf('~');
  return { hour: Date.parse(`${rowKey.slice(0, at)}:00:00Z`), tenant: rowKey.slice(at + 1) };
};

export interface CountRow {
  partitionKey: string;
  rowKey: string;
  minute: string;
  operation: Operation;
  status: number;
  count: number;
}

export type FailureRow = { partitionKey: string; rowKey: string } & RequestOutcome;

export const failureRow = (o: RequestOutcome): FailureRow => {
  // Table Storage stores no undefined; absent optional fields are simply not written.
  const row = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as RequestOutcome;
  return { partitionKey: o.tenant, rowKey: failureKey(Date.parse(o.at), o.correlationId), ...row };
};

/** The day tables of the log, each created on first use by this process. */
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
    for (let d = Math.floor(from / DAY_MS) * DAY_MS; d < to; d += DAY_MS) out.push(d);
    return out;
  }

  client(dayMs: number): TableClient {
    const name = this.nameOf(dayMs);
    let client = this.clients.get(name);
    if (!client) {
      if (this.clients.size >= 40) this.clients.clear(); // a month of days read by the status view, then start over
      client = this.account.table(name, this.options);
      this.clients.set(name, client);
    }
    return client;
  }

  /** A day's table for writing, created once per process (a failed creation is retried by the next write). */
  async forWriting(dayMs: number): Promise<TableClient> {
    const name = this.nameOf(dayMs);
    const client = this.client(dayMs);
    let ready = this.created.get(name);
    if (!ready) {
      ready = client.createTable().catch((e: unknown) => {
        this.created.delete(name);
        throw e;
      });
      this.created.set(name, ready);
      for (const old of this.created.keys()) if (this.created.size > 3 && old !== name) this.created.delete(old);
    }
    await ready;
    return client;
  }

  /** Every day table of the log that exists, with its day. */
  async existing(): Promise<Array<{ name: string; day: number }>> {
    const pattern = new RegExp(`^${this.prefix}(\\d{4})(\\d{2})(\\d{2})$`);
    const out: Array<{ name: string; day: number }> = [];
    const filter = `TableName ge '${this.prefix}' and TableName lt '${this.prefix}{'`;
    for await (const t of this.account.service(this.options).listTables({ queryOptions: { filter } })) {
      const m = t.name ? pattern.exec(t.name) : null;
      if (m) out.push({ name: t.name!, day: Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) });
    }
    return out;
  }

  async drop(name: string): Promise<void> {
    await this.account.service(this.options).deleteTable(name);
    this.created.delete(name);
  }
}
