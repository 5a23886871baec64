import { TransactionAction } from '@azure/data-tables';
import { ChangeEvent, parseChangeEvent } from '../scim/changeEvent';
import { odataString } from './keys';
import { PartitionTable } from './partitionTable';

/**
 * `O~{eventId}` in the tenant's partition: an event not yet confirmed sent to the change queue. It is written in the
 * transaction of its change (so a change can never commit without it) and deleted once the queue has the message,
 * so whatever is left after a crash is exactly what may not have been sent.
 */
const OUTBOX = 'O~';

/** The first key after every outbox row stamped before `ms` (event ids start with their 15-digit stamp). */
const stampedBefore = (ms: number) => OUTBOX + String(Math.max(0, ms)).padStart(15, '0');

/** The change queue's outbox rows: added by the change feed, drained by the queue delivery. */
export class ChangeOutbox {
  constructor(private readonly table: PartitionTable) {}

  /** The row `event` (already serialised as `json`) adds to its change's transaction. */
  row(event: ChangeEvent, json: string): TransactionAction {
    return ['create', { partitionKey: event.tenant, rowKey: OUTBOX + event.id, event: json }];
  }

  /** Up to `limit` undelivered events of `tenant`, oldest first (id order), only those stamped before `before` if given. */
  async pending(tenant: string, limit: number, before?: number): Promise<ChangeEvent[]> {
    const { rows } = await this.table.rangePage<{ event: string }>(
      tenant,
      OUTBOX,
      undefined,
      limit,
      before === undefined ? undefined : `RowKey lt ${odataString(stampedBefore(before))}`,
    );
    return rows.map((r) => parseChangeEvent(r.event));
  }

  /** Forgets events the queue has received; rows already gone (another instance sent them too) are skipped. */
  remove(tenant: string, ids: string[]): Promise<void> {
    return this.table.deleteRows(
      tenant,
      ids.map((id) => OUTBOX + id),
    );
  }
}
