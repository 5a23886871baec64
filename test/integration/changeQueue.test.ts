import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { changesQueue } from '../../shared/azureClients';
import { QueueDelivery } from '../../shared/feed/queueDelivery';
import { ChangeEvent, eventOfQueueMessage } from '../../shared/scim/changeEvent';
import { ChangeFeed } from '../../shared/store/changeFeed';
import { ChangeOutbox } from '../../shared/store/changeOutbox';
import { MembershipStore } from '../../shared/store/membershipStore';
import { PartitionTable } from '../../shared/store/partitionTable';
import { ResourceStore } from '../../shared/store/resourceStore';
import { TEST_ORIGIN } from '../support/changeOrigin';

/** The change queue on Azurite's own queue service: the SDK the app sends with, the service a consumer reads. */
let azurite: EmbeddedAzurite;
let partitions: PartitionTable;

beforeAll(async () => {
  azurite = await startAzurite({ queue: true });
  partitions = new PartitionTable(
    TableClient.fromConnectionString(azurite.connectionString, 'changequeue', { allowInsecureConnection: true }),
  );
});
afterAll(() => azurite.close());

/**
 * One app instance's stores. `deliver: false` is an instance that crashes right after each commit: its outbox rows
 * are written with the change, but it never gets to send them.
 */
function instance(queueName: string, options: { deliver: boolean; connectionString?: string; sweepAfterMs?: number }) {
  const lines: string[] = [];
  const outbox = new ChangeOutbox(partitions);
  const queue = changesQueue({
    SCIM_STORAGE_CONNECTION_STRING: options.connectionString ?? azurite.connectionString,
    SCIM_CHANGES_QUEUE: queueName,
    SCIM_STORAGE_TIMEOUT_MS: 2_000,
  })!;
  const delivery = new QueueDelivery(outbox, queue, {
    sweepAfterMs: options.sweepAfterMs ?? 0,
    log: (l) => lines.push(l),
  });
  const feed = new ChangeFeed(partitions, {
    settleMs: 0,
    outbox,
    onCommitted: options.deliver ? (tenant) => delivery.kick(tenant) : undefined,
  });
  return {
    feed,
    outbox,
    delivery,
    lines,
    resources: new ResourceStore(partitions, feed),
    memberships: new MembershipStore(partitions, feed),
  };
}

/** Every message in the queue, in the order the queue hands them out, as a consumer decodes them. */
async function drain(queueName: string): Promise<ChangeEvent[]> {
  const client = new QueueClient(azurite.connectionString, queueName);
  await client.createIfNotExists();
  const events: ChangeEvent[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
    if (!receivedMessageItems.length) return events;
    events.push(...receivedMessageItems.map((m) => eventOfQueueMessage(m.messageText)));
  }
}

async function feedOf(feed: ChangeFeed, tenant: string): Promise<ChangeEvent[]> {
  return (await feed.page(tenant, undefined, 1000)).changes;
}

/** Each resource's events in the order given, as version chains: `[versionBefore, versionAfter]` pairs. */
const chains = (events: ChangeEvent[]) => {
  const out: Record<string, Array<[string | null, string | null]>> = {};
  for (const e of events) (out[e.resourceId] ??= []).push([e.versionBefore, e.versionAfter]);
  return out;
};

it("delivers every event once, each resource's in version order, and empties the outbox", async () => {
  const tenant = 'delivered';
  const a = instance('delivered', { deliver: true });
  const users = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      a.resources.create(tenant, 'User', { userName: `u${i}@contoso.com`, active: true }, 'd', TEST_ORIGIN),
    ),
  );
  // Three PATCHes of each user, one after another per user, all users at once.
  await Promise.all(
    users.map(async (u) => {
      for (const title of ['one', 'two', 'three'])
        await a.resources.update(tenant, 'User', u.meta.id, 'patch', TEST_ORIGIN, (c) => ({ ...c.data, title }));
    }),
  );
  const group = await a.resources.create(tenant, 'Group', { displayName: 'Staff' }, 'd', TEST_ORIGIN);
  await a.memberships.change(
    tenant,
    group.meta.id,
    { add: users.slice(0, 5).map((u) => ({ value: u.meta.id, type: 'User' as const })), remove: [] },
    TEST_ORIGIN,
  );
  await a.memberships.change(tenant, group.meta.id, { add: [], remove: [users[0].meta.id] }, TEST_ORIGIN);
  await a.resources.delete(tenant, 'User', users[1].meta.id, TEST_ORIGIN);
  await a.delivery.idle();

  const fed = await feedOf(a.feed, tenant);
  expect(fed).toHaveLength(12 + 36 + 1 + 2 + 1);
  const received = await drain('delivered');
  expect(received.map((e) => e.id).sort()).toEqual(fed.map((e) => e.id).sort());
  expect(received).toEqual(expect.arrayContaining(fed)); // the message is the event, whole
  expect(chains(received)).toEqual(chains(fed));
  expect(await a.outbox.pending(tenant, 1000)).toEqual([]);
  expect(a.lines).toEqual([]);
}, 60_000);

it("sends what a crashed writer left: the next change's delivery sends it first, and the sweep sends the rest", async () => {
  const tenant = 'crashed';
  const crashed = instance('crashed', { deliver: false });
  const ada = await crashed.resources.create(tenant, 'User', { userName: 'ada@contoso.com' }, 'd', TEST_ORIGIN);
  await crashed.resources.update(tenant, 'User', ada.meta.id, 'patch', TEST_ORIGIN, (c) => ({
    ...c.data,
    title: 'left behind',
  }));
  const bob = await crashed.resources.create(tenant, 'User', { userName: 'bob@contoso.com' }, 'd', TEST_ORIGIN);
  await crashed.delivery.idle();
  expect(await drain('crashed')).toEqual([]);
  expect(await crashed.outbox.pending(tenant, 10)).toHaveLength(3);

  // A survivor changes Ada again: its delivery reads the whole outbox, so Ada's earlier events go out before it.
  const survivor = instance('crashed', { deliver: true, sweepAfterMs: 60_000 });
  await survivor.resources.update(tenant, 'User', ada.meta.id, 'patch', TEST_ORIGIN, (c) => ({
    ...c.data,
    title: 'later',
  }));
  await survivor.delivery.idle();
  const first = await drain('crashed');
  expect(chains(first)[ada.meta.id]).toEqual([
    [null, 'W/"1"'],
    ['W/"1"', 'W/"2"'],
    ['W/"2"', 'W/"3"'],
  ]);
  expect(first.filter((e) => e.resourceId === bob.meta.id)).toHaveLength(1);
  expect(await survivor.outbox.pending(tenant, 10)).toEqual([]);

  // Left alone (no later change), a crashed writer's rows wait for the sweep, which leaves rows younger than its age.
  const carol = await crashed.resources.create(tenant, 'User', { userName: 'carol@contoso.com' }, 'd', TEST_ORIGIN);
  expect(await survivor.delivery.sweep([tenant])).toBe(0);
  const sweeper = instance('crashed', { deliver: true, sweepAfterMs: 0 });
  expect(await sweeper.delivery.sweep([tenant])).toBe(1);
  expect((await drain('crashed')).map((e) => [e.resourceId, e.operation])).toEqual([[carol.meta.id, 'create']]);
}, 60_000);

it('answers the change while the queue is unreachable, keeps the event in the outbox and sends it once the queue is back', async () => {
  const tenant = 'unreachable';
  // A queue endpoint nobody listens on: port 9 (discard) on loopback refuses the connection.
  const dead = azurite.connectionString.replace(
    /QueueEndpoint=[^;]+/,
    'QueueEndpoint=http://127.0.0.1:9/devstoreaccount1',
  );
  const down = instance('unreachable', { deliver: true, connectionString: dead });
  const ada = await down.resources.create(tenant, 'User', { userName: 'ada@contoso.com' }, 'd', TEST_ORIGIN);
  expect(ada.meta.version).toBe('W/"1"');
  await down.delivery.idle();
  expect(down.lines.join('\n')).toMatch(/change queue: .*not sent.*retried/);
  expect(down.lines.join('\n')).not.toContain('AccountKey');
  expect(await down.outbox.pending(tenant, 10)).toHaveLength(1);

  const back = instance('unreachable', { deliver: true, sweepAfterMs: 0 });
  expect(await back.delivery.sweep([tenant])).toBe(1);
  expect((await drain('unreachable')).map((e) => e.resourceId)).toEqual([ada.meta.id]);
}, 60_000);
