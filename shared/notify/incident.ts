import { z } from 'zod';
import { REASONS, Reason } from './reasons';
import { Evaluation, isFailureReason, RuleMemory, seriesDay } from './rules';

const reasonSchema = z.enum(REASONS);

/** A mail decided and claimed under the state's ETag, kept until its sending is confirmed (or given up). */
const pendingMailSchema = z.object({
  key: z.string(),
  kind: z.string(),
  reason: z.enum(REASONS).optional(),
  to: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  /** ISO; unset when released after a send that surely failed (refused, rate limited), so the next run retries. */
  claimedAt: z.string().optional(),
  /** Sends started without a confirmed failure: a crash leaves this at 1, and one more attempt is allowed. */
  attempts: z.number().int(),
});
export type PendingMail = z.infer<typeof pendingMailSchema>;

/** One tenant's alarm state, stored as JSON in one row so that one ETag guards all of it. */
export const alarmStateSchema = z.object({
  incident: z
    .object({
      reason: reasonSchema,
      since: z.string(),
      seriesStart: z.string().optional(),
      lastHeld: z.string(),
      /** First evaluation without any condition; recovery counts from here. */
      quietSince: z.string().optional(),
      lastMailAt: z.string(),
      warnedDays: z.array(z.number()),
    })
    .optional(),
  credentialsBaseline: z.object({ minute: z.string(), successes: z.number() }).optional(),
  /** Per token id, the smallest expiry warning stage already mailed. */
  tokenStages: z.record(z.string(), z.number()).default({}),
  pending: z.array(pendingMailSchema).default([]),
  /** What the last evaluation found, for the status view; `at` is when that finding last changed. */
  last: z
    .object({
      at: z.string(),
      reasons: z.array(reasonSchema),
      notFoundOnRead: z.number(),
      conflicts: z.number(),
      tokenWarnings: z.array(z.string()),
    })
    .optional(),
});
export type AlarmState = z.infer<typeof alarmStateSchema>;
export const EMPTY_STATE: AlarmState = { tokenStages: {}, pending: [] };

/**
 * A mail the state machine decided on. Incident mails name their reason (for `recovered`, the one that ended); a
 * token mail names its token. `?: never` keeps `reason` and `tokenId` readable on any intent, absent on the other kind.
 */
interface IncidentMail {
  reason: Reason;
  tokenId?: never;
}
export type MailIntent =
  | (IncidentMail & { kind: 'opened' | 'reminder' | 'recovered' })
  | (IncidentMail & { kind: 'reasonChanged'; previousReason: Reason })
  | (IncidentMail & { kind: 'seriesWarning'; /** The day of the failure series. */ day: number })
  | { kind: 'tokenExpiry'; tokenId: string; reason?: never };

export interface StepOptions {
  recoveryMinutes: number;
  seriesWarningDays: number[];
}

const DAY = 86_400_000;

export const ruleMemory = (state: AlarmState): RuleMemory => ({
  reason: state.incident?.reason,
  seriesStart: state.incident?.seriesStart,
  lastHeld: state.incident?.lastHeld,
  credentialsBaseline: state.credentialsBaseline,
});

/**
 * Pure: the next alarm state and the mails it calls for. One mail when an incident starts, one when its reason
 * changes, at most one reminder a day while a condition holds (the day-21/27 warnings of a failure series count
 * as that day's reminder), and `recovered` once no condition has held for `recoveryMinutes` and requests were
 * authenticated since the last one did. Token expiry warnings are separate: each stage once per token.
 */
export function step(
  state: AlarmState,
  ev: Evaluation,
  options: StepOptions,
): { next: AlarmState; mails: MailIntent[] } {
  const now = ev.at;
  const mails: MailIntent[] = [];
  let incident = state.incident;
  const top = ev.conditions[0];
  if (top && !incident) {
    incident = {
      reason: top.reason,
      since: top.since,
      seriesStart: isFailureReason(top.reason) ? top.since : undefined,
      lastHeld: now,
      lastMailAt: now,
      warnedDays: [],
    };
    mails.push({ kind: 'opened', reason: top.reason });
  } else if (top && incident) {
    const previousReason = incident.reason;
    incident = {
      ...incident,
      reason: top.reason,
      lastHeld: now,
      quietSince: undefined,
      seriesStart: incident.seriesStart ?? (isFailureReason(top.reason) ? top.since : undefined),
    };
    const day = incident.seriesStart ? seriesDay(incident.seriesStart, new Date(now)) : 0;
    const { warnedDays } = incident;
    const dueWarnings = options.seriesWarningDays.filter((d) => day >= d && !warnedDays.includes(d));
    if (top.reason !== previousReason) {
      mails.push({ kind: 'reasonChanged', reason: top.reason, previousReason });
    } else if (dueWarnings.length) {
      mails.push({ kind: 'seriesWarning', reason: top.reason, day });
    } else if (Date.parse(now) - Date.parse(incident.lastMailAt) >= DAY) {
      mails.push({ kind: 'reminder', reason: top.reason });
    }
    if (mails.length) incident = { ...incident, lastMailAt: now, warnedDays: [...warnedDays, ...dueWarnings] };
  } else if (incident) {
    const quietSince = incident.quietSince ?? now;
    if (Date.parse(now) - Date.parse(quietSince) >= options.recoveryMinutes * 60_000 && ev.successesSinceLastHeld > 0) {
      mails.push({ kind: 'recovered', reason: incident.reason });
      incident = undefined;
    } else {
      incident = { ...incident, quietSince };
    }
  }

  const tokenStages = { ...state.tokenStages };
  for (const w of ev.tokenWarnings) {
    if (w.stage < (tokenStages[w.tokenId] ?? Infinity)) {
      mails.push({ kind: 'tokenExpiry', tokenId: w.tokenId });
      tokenStages[w.tokenId] = w.stage;
    }
  }

  return {
    next: {
      ...state,
      incident,
      credentialsBaseline: ev.memory.credentialsBaseline,
      tokenStages,
      last: {
        at: now,
        reasons: ev.conditions.map((c) => c.reason),
        notFoundOnRead: ev.dataProblems.notFoundOnRead,
        conflicts: ev.dataProblems.conflicts,
        tokenWarnings: ev.tokenWarnings.map((w) => `${w.tokenId} expires ${w.expires}`),
      },
    },
    mails,
  };
}
