import { z } from 'zod';
import { knownTenants, tokenInventory, TokenInventorySources } from '../auth/tokenInventory';
import {
  ActivityReader,
  isFailure,
  MinuteCount,
  OPERATIONS,
  operationSchema,
  requestOutcomeSchema,
} from '../store/activityRecords';

/** Failures listed per tenant (the last 20). */
export const RECENT_FAILURES = 20;
/** The chart's resolution: the window cut into this many bars (hours for the page's 24 h). */
const BUCKETS = 24;

/**
 * The notifier's verdict on a tenant as the status view shows it, next to the activity when the notifier provides
 * it (shared/notify/alarmStatus.ts derives it from the notifier's alarm state). This is the slot it fills: set
 * `alarms` of the status ports (the page and `admin status` read it through statusSources).
 */
export const tenantAlarmSchema = z.object({
  /** `incident` while one is open, else `ok`. */
  state: z.string(),
  since: z.string().optional(),
  reason: z.string().optional(),
});
export type TenantAlarm = z.infer<typeof tenantAlarmSchema>;
export interface TenantAlarmSource {
  alarmOf(tenant: string): Promise<TenantAlarm | undefined>;
}

const totalsSchema = z.object({
  requests: z.number().int(),
  failures: z.number().int(),
  /** failures / requests, 0 without requests. */
  failureRate: z.number(),
  /** 401s: a wrong or expired Secret Token, what pushes an Entra job into quarantine. */
  unauthorized: z.number().int(),
  serverErrors: z.number().int(),
  /** 503s: a dependency (storage, Key Vault) was unavailable; Entra retries these. */
  unavailable: z.number().int(),
  byStatus: z.record(z.number().int()),
  byOperation: z.record(operationSchema, z.object({ requests: z.number().int(), failures: z.number().int() })),
});
export type Totals = z.infer<typeof totalsSchema>;

const tokenSchema = z.object({
  id: z.string(),
  source: z.enum(['key-vault', 'table', 'settings']),
  created: z.string().optional(),
  expires: z.string().optional(),
  lastUsed: z.string().optional(),
  usable: z.boolean(),
});

export const tenantStatusSchema = z.object({
  tenant: z.string(),
  /** The newest request seen: exact for failures, the start of its minute for successes (counted per minute). */
  lastRequestAt: z.string().nullable(),
  totals: totalsSchema,
  /** The window in BUCKETS equal bars, oldest first, for the chart. */
  buckets: z.array(z.object({ from: z.string(), requests: z.number().int(), failures: z.number().int() })),
  recentFailures: z.array(requestOutcomeSchema),
  tokens: z.array(tokenSchema),
  alarm: tenantAlarmSchema.optional(),
});
export type TenantStatus = z.infer<typeof tenantStatusSchema>;

export const statusReportSchema = z.object({
  generatedAt: z.string(),
  from: z.string(),
  to: z.string(),
  tenants: z.array(tenantStatusSchema),
});
export type StatusReport = z.infer<typeof statusReportSchema>;

/** Where the status view reads from: the log, the tenants and their tokens, and (optionally) the notifier. */
export interface StatusSources {
  reader: ActivityReader;
  knownTenants(): Promise<string[]>;
  tokens(tenant: string): Promise<TenantStatus['tokens']>;
  alarms?: TenantAlarmSource;
}

/** What the status view is built from: the activity log, the tenants and their tokens, the notifier's verdicts. */
export interface StatusPorts extends TokenInventorySources {
  activity: { reader: ActivityReader };
  alarms?: TenantAlarmSource;
}

export function statusSources(rt: StatusPorts, alarms: TenantAlarmSource | undefined = rt.alarms): StatusSources {
  return {
    reader: rt.activity.reader,
    knownTenants: () => knownTenants(rt),
    tokens: async (tenant) =>
      (await tokenInventory(rt, tenant)).map((t) => ({
        id: t.id,
        source: t.source,
        created: t.created?.toISOString(),
        expires: t.expires?.toISOString(),
        lastUsed: t.lastUsed?.toISOString(),
        usable: t.usable,
      })),
    alarms,
  };
}

/** The facts the status page, its JSON and `admin status` show, for `only` or every tenant with tokens or traffic. */
export async function buildStatusReport(
  sources: StatusSources,
  from: Date,
  to: Date,
  only?: string,
): Promise<StatusReport> {
  const tenants = only
    ? [only]
    : [...new Set([...(await sources.knownTenants()), ...(await sources.reader.tenants(from, to))])].sort();
  return {
    generatedAt: new Date().toISOString(),
    from: from.toISOString(),
    to: to.toISOString(),
    tenants: await Promise.all(tenants.map((t) => tenantStatus(sources, t, from, to))),
  };
}

async function tenantStatus(sources: StatusSources, tenant: string, from: Date, to: Date): Promise<TenantStatus> {
  const [counts, recentFailures, tokens, alarm] = await Promise.all([
    sources.reader.counts(tenant, from, to),
    sources.reader.failures(tenant, from, to, RECENT_FAILURES),
    tenant.startsWith('~') ? [] : sources.tokens(tenant),
    sources.alarms?.alarmOf(tenant),
  ]);
  const lastMinute = counts.length ? counts[counts.length - 1].minute : undefined;
  const lastFailure = recentFailures[0]?.at;
  const lastRequestAt =
    [lastMinute, lastFailure].filter((x): x is string => !!x).sort((a, b) => Date.parse(b) - Date.parse(a))[0] ?? null;
  return {
    tenant,
    lastRequestAt,
    totals: totalsOf(counts),
    buckets: bucketsOf(counts, from, to),
    recentFailures,
    tokens,
    ...(alarm ? { alarm } : {}),
  };
}

export function totalsOf(counts: MinuteCount[]): Totals {
  const totals: Totals = {
    requests: 0,
    failures: 0,
    failureRate: 0,
    unauthorized: 0,
    serverErrors: 0,
    unavailable: 0,
    byStatus: {},
    byOperation: {},
  };
  for (const c of counts) {
    const failed = isFailure(c.status) ? c.count : 0;
    totals.requests += c.count;
    totals.failures += failed;
    if (c.status === 401) totals.unauthorized += c.count;
    if (c.status >= 500) totals.serverErrors += c.count;
    if (c.status === 503) totals.unavailable += c.count;
    totals.byStatus[c.status] = (totals.byStatus[c.status] ?? 0) + c.count;
    const op = (totals.byOperation[c.operation] ??= { requests: 0, failures: 0 });
    op.requests += c.count;
    op.failures += failed;
  }
  totals.failureRate = totals.requests ? totals.failures / totals.requests : 0;
  // Operations in the classifier's order, so every view lists them alike.
  totals.byOperation = Object.fromEntries(
    OPERATIONS.flatMap((o) => {
      const t = totals.byOperation[o];
      return t ? [[o, t]] : [];
    }),
  );
  return totals;
}

function bucketsOf(counts: MinuteCount[], from: Date, to: Date): TenantStatus['buckets'] {
  const start = from.getTime();
  const width = (to.getTime() - start) / BUCKETS;
  const buckets = Array.from({ length: BUCKETS }, (_, i) => ({
    from: new Date(start + i * width).toISOString(),
    requests: 0,
    failures: 0,
  }));
  for (const c of counts) {
    const b = buckets[Math.min(BUCKETS - 1, Math.max(0, Math.floor((Date.parse(c.minute) - start) / width)))];
    b.requests += c.count;
    if (isFailure(c.status)) b.failures += c.count;
  }
  return buckets;
}
