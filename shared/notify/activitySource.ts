/**
 * The notifier's view of the activity log, declared here as a port so the two can be built apart.
 * The activity log's reader satisfies it structurally; the 48-hour simulation feeds an
 * in-memory one. Field names are the seam: do not rename them on one side only.
 */
export type Operation = 'probe' | 'match' | 'list' | 'create' | 'read' | 'update' | 'disable' | 'delete' | 'memberAdd' | 'memberRemove' | 'discovery';

/** One request's outcome. Failures (status ≥ 400) are stored one by one; successes may be aggregated. */
export interface RequestOutcome {
  /** ISO instant the request arrived. */
  at: string;
  /** The URL's tenant; all unknown tenants share the bucket `~unknown`. */
  tenant: string;
  operation: Operation;
  resourceType?: 'User' | 'Group';
  /** Ids only, never attribute values. */
  resourceId?: string;
  status: number;
  scimType?: string;
  /** Failures only (the SCIM detail), never a token or attribute value. */
  detail?: string;
  latencyMs: number;
  correlationId: string;
}

/** Requests counted per tenant, minute, operation and status (failures and aggregated successes alike). */
export interface MinuteCount {
  tenant: string;
  /** ISO, the start of the minute. */
  minute: string;
  operation: Operation;
  status: number;
  count: number;
}

export interface ActivityReader {
  /** Counts for minutes in [from, to), oldest first; reads only the tables/partitions of that window. */
  counts(tenant: string, from: Date, to: Date): Promise<MinuteCount[]>;
  /** Individual failures in [from, to), newest first, at most `limit`. */
  failures(tenant: string, from: Date, to: Date, limit: number): Promise<RequestOutcome[]>;
  /** Tenants with any recorded request in [from, to). */
  tenants(from: Date, to: Date): Promise<string[]>;
}

/** The bucket the activity log files requests to tenants that do not exist under. */
export const UNKNOWN_TENANT = '~unknown';
