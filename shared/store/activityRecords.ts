import { z } from 'zod';

/**
 * What the activity log holds, and the one declaration of it: the recorder, the status view and the notifier all
 * use these, and the activity tables beside this file store them (so it lives below shared/activity/). Ids only, never attribute values or tokens: the log is read by operators who may not see the directory.
 */
export const OPERATIONS = [
  'probe',
  'match',
  'list',
  'create',
  'read',
  'update',
  'disable',
  'delete',
  'memberAdd',
  'memberRemove',
  'discovery',
] as const;
export const operationSchema = z.enum(OPERATIONS);
export type Operation = z.infer<typeof operationSchema>;

/** All tenants that do not exist share this bucket, so guessing tenant names creates nothing per name. */
export const UNKNOWN_TENANT = '~unknown';

/** One request's outcome. Failures (status >= 400) are stored one by one; successes are aggregated per minute. */
export const requestOutcomeSchema = z.object({
  /** ISO instant the request arrived. */
  at: z.string(),
  tenant: z.string(),
  operation: operationSchema,
  resourceType: z.enum(['User', 'Group']).optional(),
  resourceId: z.string().optional(),
  status: z.number().int(),
  scimType: z.string().optional(),
  /** Failures only: the SCIM detail with quoted values masked (see scrubDetail). */
  detail: z.string().optional(),
  latencyMs: z.number(),
  correlationId: z.string(),
});
export type RequestOutcome = z.infer<typeof requestOutcomeSchema>;

/** Requests counted per tenant, minute, operation and status (from failures and aggregated successes alike). */
export const minuteCountSchema = z.object({
  tenant: z.string(),
  /** ISO, start of the minute. */
  minute: z.string(),
  operation: operationSchema,
  status: z.number().int(),
  count: z.number().int(),
});
export type MinuteCount = z.infer<typeof minuteCountSchema>;

export interface ActivityReader {
  /** Counts for minutes in [from, to), oldest first; reads only the tables/partitions of that window. */
  counts(tenant: string, from: Date, to: Date): Promise<MinuteCount[]>;
  /** Individual failures in [from, to), newest first, at most `limit`. */
  failures(tenant: string, from: Date, to: Date, limit: number): Promise<RequestOutcome[]>;
  /** Tenants with any recorded request in [from, to). */
  tenants(from: Date, to: Date): Promise<string[]>;
}

export const isFailure = (status: number) => status >= 400;

/**
 * The end of the log's settled past at `now`: every minute before it ended at least `settleMs` ago, so whatever
 * any instance counted in it has been written (ActivityLog.settleMs). A judgement over younger minutes could see
 * a failure, stored at once, next to successes still waiting in another instance's memory.
 */
export const settledBefore = (now: Date, settleMs: number) =>
  new Date(Math.floor((now.getTime() - settleMs) / 60_000) * 60_000);
