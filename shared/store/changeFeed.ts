import { randomBytes } from 'node:crypto';
import { TransactionAction } from '@azure/data-tables';
import { ChangeEvent, ChangeFacts, ChangeOrigin, parseChangeEvent } from '../scim/changeEvent';
import { ResourceTypeName } from '../scim/resourceSchema';
import { encodeKeyPart, FEED_TENANTS_PARTITION } from './keys';
import { PartitionTable } from './partitionTable';
import type { ChangeFeedReader, FeedPage } from '../resources/changeHistory';
import { ChangeOutbox } from './changeOutbox';

/**
 * Row keys of the change feed, inside the tenant's partition so that each is written in the transaction of its
 * change (shared/store/keys.ts lists the rest):
 *   E~{eventId}                          the event: the feed, in event-id (= time) order
 *   H~{resourceId}~{eventId}             a copy per resource it concerns (the resource, each added or removed
 *                                        member, whose copy lists only that member; ids are unique across types):
 *                                        one range read is a resource's history, with no scan of groups
 *   N~{type}~{attr}~{value}~{resourceId} a deleted resource's last identifier (lower-cased), so its history is
 *                                        found by name after the live index rows are gone
 *   O~{eventId}                          with a change queue: the event until the queue has it (changeOutbox.ts)
 * Every row but E is derived from its event, so retention deletes an expired event's rows from the event alone.
 */
const EVENT = 'E~';
const historyPrefix = (id: string) => `H~${encodeKeyPart(id)}~`;
const deletedNamePrefix = (type: string, attr: string, value: string) =>
  `N~${type}~${attr}~${encodeKeyPart(value.toLowerCase())}~`;

/**
 * Rows a change adds to its transaction besides one history row per member: the event, its own history row and,
 * with a change queue, its outbox row.
 */
export const FEED_ROWS_PER_CHANGE = 3;

/** How far apart the clocks of two instances may be (Azure syncs hosts over NTP to well within this). */
export const CLOCK_ALLOWANCE_MS = 2_000;

/** The event's id: milliseconds since the epoch (fixed width, so text order is time order) and 48 random bits. */
const eventId = (ms: number) => `${String(ms).padStart(15, '0')}-${randomBytes(6).toString('hex')}`;

export interface FeedOptions {
  /**
   * How long after its stamp an event may still commit: the storage deadline (every write is abandoned by then)
   * plus the clock difference tolerated between instances. Readers see an event only once it is that old.
   */
  settleMs: number;
  now?: () => number;
  /** With a change queue: every event also gets an outbox row in its transaction (the spare operation). */
  outbox?: ChangeOutbox;
  /** Told after a transaction with events committed, so the queue delivery can send them at once. */
  onCommitted?: (tenant: string) => void;
}

/** The change feed's rows: written by the stores inside their transactions, read by the status endpoints. */
export class ChangeFeed implements ChangeFeedReader {
  private readonly now: () => number;
  private readonly noted = new Set<string>();

  constructor(
    private readonly table: PartitionTable,
    readonly options: FeedOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The event for a change about to be written. Its time is never before `notBefore` (the resource's previous
   * change), so a resource's events sort in version order even when the instance writing the next version runs
   * a clock behind the one that wrote the last.
   */
  event(
    tenant: string,
    origin: ChangeOrigin,
    facts: ChangeFacts,
    identifiers: Pick<ChangeEvent, 'userName' | 'externalId' | 'displayName'>,
    notBefore?: string,
  ): ChangeEvent {
    const ms = Math.max(this.now(), notBefore ? Date.parse(notBefore) + 1 : 0);
    return {
      id: eventId(ms),
      time: new Date(ms).toISOString(),
      tenant,
      ...facts,
      ...identifiers,
      correlationId: origin.correlationId,
      tokenId: origin.tokenId,
    };
  }

  /** The rows `event` puts into its change's transaction. */
  rows(event: ChangeEvent): TransactionAction[] {
    const json = JSON.stringify(event);
    const pk = event.tenant;
    // A member's copy names only that member: up to ~20 members share a transaction, and twenty copies of every
    // member id would multiply the bytes each membership writes.
    const memberCopy = (id: string, added: boolean): TransactionAction => [
      'create',
      {
        partitionKey: pk,
        rowKey: historyPrefix(id) + event.id,
        event: JSON.stringify({ ...event, membersAdded: added ? [id] : [], membersRemoved: added ? [] : [id] }),
      },
    ];
    return [
      ['create', { partitionKey: pk, rowKey: EVENT + event.id, event: json }],
      ['create', { partitionKey: pk, rowKey: historyPrefix(event.resourceId) + event.id, event: json }],
      ...event.membersAdded.map((id) => memberCopy(id, true)),
      ...event.membersRemoved.map((id) => memberCopy(id, false)),
      ...deletedNameKeys(event).map((rowKey): TransactionAction => [
        'upsert',
        { partitionKey: pk, rowKey, resourceId: event.resourceId },
        'Replace',
      ]),
      ...(this.options.outbox ? [this.options.outbox.row(event, json)] : []),
    ];
  }

  /** The stores call this once a transaction holding `event`'s rows has committed. */
  committed(event: ChangeEvent): void {
    this.options.onCommitted?.(event.tenant);
  }

  /** Records that `tenant` has a feed, once per process, for the timers that visit every feed. */
  async noteTenant(tenant: string): Promise<void> {
    if (this.noted.has(tenant)) return;
    await this.table.upsert({ partitionKey: FEED_TENANTS_PARTITION, rowKey: encodeKeyPart(tenant), tenant });
    this.noted.add(tenant);
  }

  async tenants(): Promise<string[]> {
    const out: string[] = [];
    for await (const row of this.table.range<{ tenant: string }>(FEED_TENANTS_PARTITION, '', ['tenant']))
      out.push(row.tenant);
    return out;
  }

  /**
   * Up to `limit` events after `after` (a previous `next`, or none for the oldest kept), in id order, among those
   * stamped at least `settleMs` ago: every event that can still commit sorts after the page's end, so paging
   * with `next` skips none and repeats none.
   */
  async page(tenant: string, after: string | undefined, limit: number): Promise<FeedPage> {
    const settled = EVENT + eventId(this.now() - this.options.settleMs).slice(0, 15);
    const { rows } = await this.table.rangePage<{ event: string }>(
      tenant,
      EVENT,
      after === undefined ? undefined : EVENT + after,
      limit,
      `RowKey lt '${settled}'`,
    );
    const changes = rows.map((r) => parseChangeEvent(r.event));
    return { changes, next: changes.length ? changes[changes.length - 1].id : (after ?? '') };
  }

  /** A resource's events, newest first, as kept (the retention period). */
  async history(tenant: string, id: string): Promise<ChangeEvent[]> {
    const events: ChangeEvent[] = [];
    for await (const row of this.table.range<{ event: string }>(tenant, historyPrefix(id), ['event']))
      events.push(parseChangeEvent(row.event));
    return events.reverse();
  }

  /** Ids of deleted resources whose last `attr` was `value` (any letter case), while their delete event is kept. */
  async deletedWith(tenant: string, type: ResourceTypeName, attr: string, value: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const row of this.table.range<{ resourceId: string }>(tenant, deletedNamePrefix(type, attr, value), [
      'resourceId',
    ]))
      ids.push(row.resourceId);
    return ids;
  }

  /** Deletes events stamped before `cutoff` with every row derived from them; returns how many events. */
  async expire(tenant: string, cutoff: number): Promise<number> {
    let count = 0;
    const keys: string[] = [];
    for await (const row of this.table.between<{ event: string }>(tenant, EVENT, EVENT + eventId(cutoff).slice(0, 15), [
      'RowKey',
      'event',
    ])) {
      const event = parseChangeEvent(row.event);
      keys.push(EVENT + event.id, ...historyKeys(event), ...deletedNameKeys(event));
      count++;
    }
    await this.table.deleteRows(tenant, keys);
    return count;
  }
}

const historyKeys = (e: ChangeEvent): string[] =>
  [e.resourceId, ...e.membersAdded, ...e.membersRemoved].map((id) => historyPrefix(id) + e.id);

const deletedNameKeys = (e: ChangeEvent): string[] =>
  e.operation !== 'delete'
    ? []
    : (['userName', 'externalId', 'displayName'] as const).flatMap((attr) =>
        e[attr] === undefined ? [] : [deletedNamePrefix(e.resourceType, attr, e[attr]) + encodeKeyPart(e.resourceId)],
      );
