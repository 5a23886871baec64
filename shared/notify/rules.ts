import { z } from 'zod';
import type { MinuteCount, Operation, RequestOutcome } from '../store/activityRecords';
import type { EntraJobStatus } from './entraJobs';
import { FAILURE_REASONS, Reason, REASONS } from './reasons';

/**
 * The thresholds of the health rules (docs/operations.md#notifications). Defaults mirror Entra's own behaviour scaled down
 * to one tenant (docs/operations.md#notifications): Entra quarantines on invalid credentials at once, on failure
 * proportions above 40 % (from 5,000 failures, far above a small tenant), and cycles every ~40 minutes.
 */
export const ruleThresholdsSchema = z
  .object({
    credentialsRejections: z.number().int().min(1).default(3),
    credentialsWindowMinutes: z.number().int().min(1).default(60),
    failureRateMinimum: z.number().int().min(1).default(20),
    failureRatePercent: z.number().min(0).max(100).default(40),
    failureRateWindowHours: z.number().int().min(1).max(24).default(24),
    matchingWindowMinutes: z.number().int().min(1).default(60),
    serviceFaults: z.number().int().min(1).default(10),
    serviceFaultsWindowMinutes: z.number().int().min(1).default(15),
    silenceMinutes: z.number().int().min(1).default(90),
    silenceCycles: z.number().int().min(1).default(3),
    cycleMinutes: z.number().int().min(1).default(40),
    backoffGapHours: z.number().min(1).default(5),
    backoffWarningDays: z.array(z.number().int().min(1)).default([21, 27]),
    quarantineDisableDays: z.number().int().min(1).default(28),
    tokenExpiryDays: z.array(z.number().min(0)).default([14, 7, 1]),
  })
  .strict();
export type RuleThresholds = z.infer<typeof ruleThresholdsSchema>;
export const DEFAULT_THRESHOLDS: RuleThresholds = ruleThresholdsSchema.parse({});

/** How much activity an evaluation reads: a day plus the longest retry gap Entra leaves in quarantine (24 h). */
export const ACTIVITY_WINDOW_MS = 26 * 3_600_000;

/** A reason that holds now, with what shows it. */
export interface Condition {
  reason: Reason;
  /** ISO: the first evidence of it. */
  since: string;
  summary: string;
  facts: string[];
}

export interface TokenWarning {
  tokenId: string;
  expires: string;
  daysLeft: number;
  /** The warning's threshold in days (14, 7, 1 by default): each is mailed once per token. */
  stage: number;
}

/** What the rules keep between runs (a part of the alarm state). */
export interface RuleMemory {
  /** The open incident's reason, when there is one. */
  reason?: Reason;
  /** Start of the failure series (survives a shorter activity retention: Entra disables after 28 days of it). */
  seriesStart?: string;
  /** The last evaluation at which a condition held. */
  lastHeld?: string;
  /**
   * Successes counted in the minute of the first 401 when that minute was first judged: a minute mixes both
   * and successes are only counted per minute, so later growth of this count is what proves a success after it.
   */
  credentialsBaseline?: { minute: string; successes: number };
}

export interface RuleInput {
  tenant: string;
  now: Date;
  thresholds: RuleThresholds;
  /** Minute counts of [now − ACTIVITY_WINDOW_MS, now). */
  counts: MinuteCount[];
  /** Individual failures of the same window, newest first. */
  failures: RequestOutcome[];
  tokens: { id: string; expires?: Date; lastUsed?: Date; usable: boolean }[];
  memory: RuleMemory;
  entra?: EntraJobStatus;
}

export interface Evaluation {
  tenant: string;
  at: string;
  /** Most severe first (REASONS order). */
  conditions: Condition[];
  tokenWarnings: TokenWarning[];
  /** 404 on a read by id and 409 uniqueness over the failure-rate window: the data's problem, never an incident. */
  dataProblems: { notFoundOnRead: number; conflicts: number };
  /** Over the failure-rate window. */
  totals: {
    requests: number;
    authenticatedSuccesses: number;
    failures: number;
    rateOperations: number;
    rateFailures: number;
  };
  /** Authenticated successes from the minute of `memory.lastHeld` on (recovery needs them). */
  successesSinceLastHeld: number;
  lastFailures: RequestOutcome[];
  entra?: EntraJobStatus;
  memory: Pick<RuleMemory, 'credentialsBaseline'>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const LAST_FAILURES = 10;

/** Writes and reads by id: what Entra's escrow counts (matching queries are judged by their own rule). */
const RATE_OPERATIONS: ReadonlySet<Operation> = new Set([
  'create',
  'read',
  'update',
  'disable',
  'delete',
  'memberAdd',
  'memberRemove',
]);

/** The token worked: anything but 401, and not a server fault. */
const isAuthenticatedSuccess = (status: number) => status !== 401 && status < 500;
const isNotFoundOnRead = (operation: Operation, status: number) => operation === 'read' && status === 404;
const isDataProblem = (operation: Operation, status: number) => isNotFoundOnRead(operation, status) || status === 409;
/** 4xx except the data problems, 5xx (timeouts arrive as 503) and 429. */
const isRateFailure = (operation: Operation, status: number) => status >= 400 && !isDataProblem(operation, status);
const isMatchingFailure = (f: RequestOutcome) =>
  ((f.operation === 'match' || f.operation === 'probe') && (f.status === 400 || f.status === 404)) ||
  (f.operation === 'probe' && f.status >= 500);

/** Pure: one tenant's conditions at `now`, from its activity window, tokens and what the last run remembered. */
export function evaluate(input: RuleInput): Evaluation {
  const { now, thresholds: t, memory } = input;
  const at = now.getTime();
  const within = (iso: string, ms: number) => Date.parse(iso) >= at - ms && Date.parse(iso) < at;
  const counts = input.counts.filter((c) => within(c.minute, ACTIVITY_WINDOW_MS));
  const failures = input.failures.filter((f) => within(f.at, ACTIVITY_WINDOW_MS));
  const rateWindow = counts.filter((c) => within(c.minute, t.failureRateWindowHours * HOUR));
  const sum = (rows: MinuteCount[], keep: (c: MinuteCount) => boolean) =>
    rows.reduce((n, c) => n + (keep(c) ? c.count : 0), 0);
  const conditions: Condition[] = [];
  const add = (reason: Reason, since: string, summary: string, facts: string[] = []) =>
    conditions.push({ reason, since, summary, facts });

  if (input.entra?.code === 'Quarantine') {
    const q = input.entra.quarantine;
    add(
      'entraQuarantine',
      q?.currentBegan || now.toISOString(),
      `Entra reports the job in quarantine${q?.reason ? ` (${q.reason})` : ''}.`,
      [
        ...(q?.error?.code ? [`Entra's error: ${q.error.code}${q.error.message ? ` — ${q.error.message}` : ''}`] : []),
        ...(q?.nextAttempt ? [`Entra's next attempt: ${q.nextAttempt}`] : []),
        ...(q?.seriesBegan
          ? [
              `quarantine series began ${q.seriesBegan}${q.seriesCount ? `, re-evaluated ${q.seriesCount} time(s)` : ''}`,
            ]
          : []),
      ],
    );
  }

  const backoff = backoffCondition(input, counts, failures);
  if (backoff) conditions.push(backoff);

  const credentials = credentialsCondition(input, counts, failures);
  if (credentials.condition) conditions.push(credentials.condition);

  const matching = failures.filter((f) => within(f.at, t.matchingWindowMinutes * MINUTE) && isMatchingFailure(f));
  if (matching.length) {
    const first = matching[matching.length - 1];
    add(
      'matching',
      first.at,
      `${matching.length} matching quer${matching.length === 1 ? 'y' : 'ies'} failed in the last ${t.matchingWindowMinutes} minutes.`,
      [
        `first: ${first.operation} answered ${first.status}${first.scimType ? ` ${first.scimType}` : ''}${first.detail ? ` — ${first.detail}` : ''}`,
      ],
    );
  }

  const faultRows = counts.filter((c) => within(c.minute, t.serviceFaultsWindowMinutes * MINUTE) && c.status >= 500);
  const faults = sum(faultRows, () => true);
  if (faults >= t.serviceFaults) {
    const statuses = [...new Set(faultRows.map((c) => c.status))].sort().join(', ');
    add(
      'serviceFaults',
      faultRows[0].minute,
      `${faults} requests answered ${statuses} in the last ${t.serviceFaultsWindowMinutes} minutes (threshold ${t.serviceFaults}).`,
    );
  }

  const rateOperations = sum(rateWindow, (c) => RATE_OPERATIONS.has(c.operation));
  const rateFailureRows = rateWindow.filter(
    (c) => RATE_OPERATIONS.has(c.operation) && isRateFailure(c.operation, c.status),
  );
  const rateFailures = sum(rateFailureRows, () => true);
  if (rateFailures >= t.failureRateMinimum && rateFailures * 100 > t.failureRatePercent * rateOperations) {
    add(
      'failureRate',
      rateFailureRows[0].minute,
      `${rateFailures} of ${rateOperations} writes and reads by id failed in the last ${t.failureRateWindowHours} h (${percent(rateFailures, rateOperations)}; thresholds ${t.failureRateMinimum} and ${t.failureRatePercent} %).`,
      byStatus(rateFailureRows),
    );
  }

  const silence = silenceCondition(input, counts);
  if (silence) conditions.push(silence);

  conditions.sort((a, b) => REASONS.indexOf(a.reason) - REASONS.indexOf(b.reason));
  const lastHeldMinute = memory.lastHeld ? floorMinute(Date.parse(memory.lastHeld)) : undefined;
  return {
    tenant: input.tenant,
    at: now.toISOString(),
    conditions,
    tokenWarnings: tokenWarnings(input),
    dataProblems: {
      notFoundOnRead: sum(rateWindow, (c) => isNotFoundOnRead(c.operation, c.status)),
      conflicts: sum(rateWindow, (c) => c.status === 409),
    },
    totals: {
      requests: sum(rateWindow, () => true),
      authenticatedSuccesses: sum(rateWindow, (c) => isAuthenticatedSuccess(c.status)),
      failures: sum(rateWindow, (c) => c.status >= 400),
      rateOperations,
      rateFailures,
    },
    successesSinceLastHeld:
      lastHeldMinute === undefined
        ? 0
        : sum(counts, (c) => Date.parse(c.minute) >= lastHeldMinute && isAuthenticatedSuccess(c.status)),
    lastFailures: failures.slice(0, LAST_FAILURES),
    entra: input.entra,
    memory: { credentialsBaseline: credentials.baseline },
  };
}

/**
 * ≥ N rejections with 401 within the window and no authenticated success since the first of them. Successes are
 * counted per minute, so the first 401's own minute is judged against the count it had when first seen.
 */
function credentialsCondition(
  { now, thresholds: t, memory }: RuleInput,
  counts: MinuteCount[],
  failures: RequestOutcome[],
) {
  const windowStart = now.getTime() - t.credentialsWindowMinutes * MINUTE;
  const rejected = failures.filter((f) => f.status === 401 && Date.parse(f.at) >= windowStart);
  if (rejected.length < t.credentialsRejections) return { baseline: undefined };
  const first = rejected[rejected.length - 1];
  const firstMinute = floorMinute(Date.parse(first.at));
  const successesIn = (keep: (minute: number) => boolean) =>
    counts.reduce((n, c) => n + (keep(Date.parse(c.minute)) && isAuthenticatedSuccess(c.status) ? c.count : 0), 0);
  const inFirstMinute = successesIn((m) => m === firstMinute);
  const minuteIso = new Date(firstMinute).toISOString();
  const baseline =
    memory.credentialsBaseline?.minute === minuteIso
      ? memory.credentialsBaseline
      : { minute: minuteIso, successes: inFirstMinute };
  const after = successesIn((m) => m > firstMinute) + Math.max(0, inFirstMinute - baseline.successes);
  if (after > 0) return { baseline };
  return {
    baseline,
    condition: {
      reason: 'credentials' as const,
      since: first.at,
      summary: `${rejected.length} requests were rejected with 401 in the last ${t.credentialsWindowMinutes} minutes and none was authenticated since the first of them.`,
      facts: [`threshold: ${t.credentialsRejections} rejections within ${t.credentialsWindowMinutes} minutes`],
    },
  };
}

/** Requests grouped into bursts: minutes with requests, split where more than an hour passes without one. */
function bursts(counts: MinuteCount[]) {
  const minutes = [...new Set(counts.filter((c) => c.count > 0).map((c) => Date.parse(c.minute)))].sort(
    (a, b) => a - b,
  );
  const out: { start: number; end: number }[] = [];
  for (const m of minutes) {
    const last = out[out.length - 1];
    if (last && m - last.end <= HOUR) last.end = m;
    else out.push({ start: m, end: m });
  }
  return out;
}

/**
 * After a failure series has started, requests that come back only after Entra's retry gaps (about 6 h, 12 h,
 * 24 h) and still fail mean the job sits in quarantine. It replaces silence and the failure it repeats.
 */
function backoffCondition(
  { now, thresholds: t, memory }: RuleInput,
  counts: MinuteCount[],
  failures: RequestOutcome[],
): Condition | undefined {
  if (!memory.seriesStart || !memory.reason) return undefined;
  const all = bursts(counts);
  const last = all[all.length - 1];
  // The burst holding the series' first failure is the failure itself, not a retry.
  if (!last || last.start <= Date.parse(memory.seriesStart)) return undefined;
  const failed = failures.some(
    (f) =>
      isRateFailure(f.operation, f.status) && Date.parse(f.at) >= last.start && Date.parse(f.at) < last.end + MINUTE,
  );
  if (!failed) return undefined;
  const previous = all[all.length - 2];
  // Without an earlier burst in the window, only an incident already in backoff knows the gap was long (24 h retries).
  const gap = previous ? last.start - previous.end : memory.reason === 'backoff' ? Infinity : 0;
  if (gap < t.backoffGapHours * HOUR) return undefined;
  const day = seriesDay(memory.seriesStart, now);
  const disableAt = new Date(Date.parse(memory.seriesStart) + t.quarantineDisableDays * DAY).toISOString();
  return {
    reason: 'backoff',
    since: memory.seriesStart,
    summary: `Requests now arrive only after long gaps (the last after ${Math.round(gap === Infinity ? 24 : gap / HOUR)} h) and still fail: day ${day} of the failure series.`,
    facts: [
      `retries seen at ${
        all
          .filter((b, i) => i > 0 && b.start - all[i - 1].end >= t.backoffGapHours * HOUR)
          .map((b) => new Date(b.start).toISOString())
          .join(', ') || new Date(last.start).toISOString()
      }`,
      `Entra disables the job around ${disableAt}`,
    ],
  };
}

/**
 * A tenant provisioned regularly (requests in ≥ N distinct cycles of the last day) that has gone quiet. Not while a
 * failure series is open: Entra going quiet then is its quarantine, which the open incident already announced, and
 * its retries at growing gaps become `backoff`.
 */
function silenceCondition({ now, thresholds: t, memory }: RuleInput, counts: MinuteCount[]): Condition | undefined {
  if (memory.seriesStart) return undefined;
  const dayStart = now.getTime() - DAY;
  const minutes = counts
    .filter((c) => c.count > 0 && Date.parse(c.minute) >= dayStart)
    .map((c) => Date.parse(c.minute));
  if (!minutes.length) return undefined;
  const cycles = new Set(minutes.map((m) => Math.floor((m - dayStart) / (t.cycleMinutes * MINUTE))));
  const lastEnd = Math.max(...minutes) + MINUTE;
  if (cycles.size < t.silenceCycles || now.getTime() - lastEnd <= t.silenceMinutes * MINUTE) return undefined;
  const quietFor = Math.floor((now.getTime() - lastEnd) / MINUTE);
  return {
    reason: 'silence',
    since: new Date(lastEnd).toISOString(),
    summary: `No request for ${quietFor} minutes, after requests in ${cycles.size} of the last day's ${t.cycleMinutes}-minute cycles (threshold ${t.silenceMinutes} minutes).`,
    facts: [`last request in the minute before ${new Date(lastEnd).toISOString()}`],
  };
}

/** The tokens Entra is using that expire within a warning threshold. */
function tokenWarnings({ now, thresholds: t, tokens }: RuleInput): TokenWarning[] {
  const usable = tokens.filter((k) => k.usable);
  const lastUse = Math.max(0, ...usable.map((k) => k.lastUsed?.getTime() ?? 0));
  // The token in use is the one used last; without any use recorded every usable token may be the one in Entra.
  const inUse = lastUse ? usable.filter((k) => k.lastUsed?.getTime() === lastUse) : usable;
  const stages = [...t.tokenExpiryDays].sort((a, b) => a - b);
  return inUse.flatMap((k) => {
    if (!k.expires) return [];
    const daysLeft = (k.expires.getTime() - now.getTime()) / DAY;
    const stage = stages.find((s) => daysLeft <= s);
    return stage === undefined ? [] : [{ tokenId: k.id, expires: k.expires.toISOString(), daysLeft, stage }];
  });
}

export const seriesDay = (seriesStart: string, now: Date) =>
  Math.floor((now.getTime() - Date.parse(seriesStart)) / DAY) + 1;
export const isFailureReason = (reason: Reason) => FAILURE_REASONS.has(reason);

const floorMinute = (ms: number) => ms - (ms % MINUTE);
const percent = (part: number, whole: number) => `${whole ? Math.round((part * 1000) / whole) / 10 : 0} %`;
function byStatus(rows: MinuteCount[]): string[] {
  const by = new Map<string, number>();
  for (const c of rows) by.set(`${c.operation} ${c.status}`, (by.get(`${c.operation} ${c.status}`) ?? 0) + c.count);
  return [...by].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`);
}
