import type { MessageQueue } from '../azureClients';
import { describe } from '../azureFaults';
import { ChangeEvent, queueMessageOf } from '../scim/changeEvent';
import { ChangeOutbox } from '../store/changeOutbox';
import { inBatches } from '../store/inBatches';

/** Outbox rows read per round: one range read, then their messages. */
const ROUND = 100;
/** Resources whose messages are sent at once; each resource's own messages go one after another. */
const PARALLEL_RESOURCES = 8;

export interface DeliveryOptions {
  /** How old an outbox row must be before a sweep sends it, so a sweep leaves fresh rows to their writer. */
  sweepAfterMs: number;
  log: (line: string) => void;
  now?: () => number;
}

/**
 * Sends the change feed's events to the change queue through the outbox: after each change (`kick`, never awaited
 * by the request) and from the sweep (a timer), which sends what a crashed instance left. At least once: a row is
 * deleted only after its message was accepted, so a crash in between sends it again; the event id de-duplicates.
 *
 * Per-resource order: a resource's next change commits only after its previous one did (ETag), and a round reads
 * the outbox after its own change committed, in id order, so an earlier event of the same resource is either in
 * that read (and sent first: a resource's messages go one by one) or already sent. A failed send stops that
 * resource's messages for the round; the next round starts again from its oldest.
 */
export class QueueDelivery {
  private readonly rounds = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly now: () => number;

  constructor(
    private readonly outbox: ChangeOutbox,
    private readonly queue: MessageQueue,
    private readonly options: DeliveryOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A change of `tenant` committed: deliver its outbox now, or right after the round already running. */
  kick(tenant: string): void {
    if (this.rounds.has(tenant)) {
      this.again.add(tenant);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(tenant);
        await this.deliver(tenant);
      } while (this.again.has(tenant));
    })()
      .catch((e: unknown) =>
        this.options.log(`change queue: delivery for tenant ${tenant} stopped (${describe(e)}); the sweep retries`),
      )
      .finally(() => this.rounds.delete(tenant));
    this.rounds.set(tenant, run);
  }

  /** Sends what is left in the outboxes of `tenants` (rows older than sweepAfterMs): what a crashed instance left. */
  async sweep(tenants: string[]): Promise<number> {
    let sent = 0;
    for (const tenant of tenants) {
      await this.rounds.get(tenant);
      sent += await this.deliver(tenant, this.now() - this.options.sweepAfterMs);
    }
    return sent;
  }

  /** Resolves once no round is running (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.rounds.size) await Promise.all(this.rounds.values());
  }

  /** Sends the tenant's outbox, a round at a time, until it is empty or a send fails; returns how many were sent. */
  private async deliver(tenant: string, before?: number): Promise<number> {
    let sent = 0;
    for (;;) {
      const events = await this.outbox.pending(tenant, ROUND, before);
      const delivered = await this.send(events);
      await this.outbox.remove(tenant, delivered);
      sent += delivered.length;
      if (events.length < ROUND || delivered.length < events.length) return sent;
    }
  }

  /** Sends `events` (id order), each resource's in order; returns the ids the queue accepted. */
  private async send(events: ChangeEvent[]): Promise<string[]> {
    const byResource = new Map<string, ChangeEvent[]>();
    for (const e of events) byResource.set(e.resourceId, [...(byResource.get(e.resourceId) ?? []), e]);
    const delivered: string[] = [];
    await inBatches([...byResource.values()], PARALLEL_RESOURCES, async (own) => {
      for (const event of own) {
        try {
          await this.queue.send(queueMessageOf(event));
        } catch (e) {
          this.options.log(
            `change queue: event ${event.id} not sent (${describe(e)}); it stays in the outbox and is retried`,
          );
          return;
        }
        delivered.push(event.id);
      }
    });
    return delivered;
  }
}
