import { randomUUID } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { ChangeEvent, changeEventSchema, eventOfQueueMessage } from '../../shared/scim/changeEvent';
import { AppInstance, ScaledOut, startScaledOut } from '../support/appInstances';
import { request, ScimReply } from '../support/scimServer';
import { G, PO, U } from '../support/urns';

/**
 * The change feed through a crash: an Entra-like cycle through two app instances (child processes on one Azurite,
 * test/support/appInstances.ts), one SIGKILLed while its requests are in flight, and what it did not answer retried
 * on the other, as Entra's provisioning service retries a request that got no answer. Afterwards the feed must hold
 * exactly the changes the resources went through — each resource's events chain its versions from its create to
 * what a read shows now, in feed order, no event twice — and the change queue must have received each of them.
 * Create replay is on (SCIM_CREATE_REPLAY_SECONDS), as for Entra, so a create retried after the killed instance
 * committed it answers 201 with that user and records nothing new.
 */
const QUEUE = 'scim-changes';
const STORAGE_TIMEOUT_MS = 2_000;
/** The feed's settle window with this deadline (shared/store/changeFeed.ts: deadline + clock allowance). */
const SETTLE_MS = STORAGE_TIMEOUT_MS + 2_000;

let cluster: ScaledOut;
let a: AppInstance;
let b: AppInstance;
beforeAll(async () => {
  cluster = await startScaledOut(2, {
    SCIM_STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS),
    SCIM_CHANGES_QUEUE: QUEUE,
    SCIM_CREATE_REPLAY_SECONDS: '300',
  });
  [a, b] = cluster.instances;
}, 120_000);
afterAll(() => cluster?.close());
jest.setTimeout(180_000);

interface Call {
  method: string;
  path: string;
  body?: object;
}
const patch = (...Operations: object[]) => ({ schemas: [PO], Operations });
const hostOf = (via: AppInstance) => via.base.replace(/\/scim\/v2$/, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every settled event of the default tenant, read page by page with `next`, as a consumer follows the feed. */
async function readFeed(via: AppInstance): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  let cursor = '';
  for (;;) {
    const page = await request(
      `${hostOf(via)}/scim/status/changes?tenant=default&limit=50${cursor ? `&after=${cursor}` : ''}`,
      'GET',
    );
    expect(page.status).toBe(200);
    const changes = (page.body.changes as unknown[]).map((c) => changeEventSchema.parse(c));
    if (!changes.length) return events;
    events.push(...changes);
    cursor = page.body.next;
  }
}

/** Every message of the change queue, in the order the queue hands them out. */
async function drainQueue(): Promise<ChangeEvent[]> {
  const client = new QueueClient(cluster.connectionString, QUEUE);
  const events: ChangeEvent[] = [];
  for (;;) {
    const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
    if (!receivedMessageItems.length) return events;
    events.push(...receivedMessageItems.map((m) => eventOfQueueMessage(m.messageText)));
  }
}

it('an Entra cycle through two instances, one killed mid-cycle, leaves exactly one event per change, and the queue received each', async () => {
  const replies: Array<{ call: Call; reply: ScimReply }> = [];
  const send = async (via: AppInstance, call: Call) => {
    const reply = await via.scim(call.method, call.path, call.body);
    replies.push({ call, reply });
    return reply;
  };
  const created = async (via: AppInstance, path: string, body: object) => {
    const reply = await send(via, { method: 'POST', path, body });
    expect(reply.status).toBe(201);
    return reply.body.id as string;
  };

  // Before the crash, on the survivor: the users and groups of the tenant's first sync.
  const users = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      created(b, '/Users', { schemas: [U], userName: `cycle${i}-${randomUUID()}@contoso.com`, active: true }),
    ),
  );
  const groups = await Promise.all(
    Array.from({ length: 3 }, (_, i) =>
      created(b, '/Groups', { schemas: [G], displayName: `Cycle ${i} ${randomUUID()}` }),
    ),
  );

  // Mid-cycle, on the instance that dies: one request per resource (as Entra orders a resource's changes), plus creates.
  const inFlight: Call[] = [
    ...users.slice(0, 20).map((u, i): Call => ({
      method: 'PATCH',
      path: `/Users/${u}`,
      body:
        i % 2
          ? patch({ op: 'Replace', path: 'title', value: `Title ${i}` })
          : patch({ op: 'Replace', path: 'active', value: 'False' }),
    })),
    ...users.slice(20).map((u): Call => ({ method: 'DELETE', path: `/Users/${u}` })),
    {
      method: 'PATCH',
      path: `/Groups/${groups[0]}`,
      body: patch({ op: 'Add', path: 'members', value: users.slice(0, 8).map((value) => ({ value })) }),
    },
    {
      method: 'PATCH',
      path: `/Groups/${groups[1]}`,
      body: patch({ op: 'Add', path: 'members', value: users.slice(8, 16).map((value) => ({ value })) }),
    },
    {
      method: 'PATCH',
      path: `/Groups/${groups[2]}`,
      body: patch({ op: 'Replace', path: 'displayName', value: `Renamed ${randomUUID()}` }),
    },
    ...Array.from({ length: 6 }, (): Call => ({
      method: 'POST',
      path: '/Users',
      body: { schemas: [U], userName: `late-${randomUUID()}@contoso.com`, active: true },
    })),
  ];
  const onA = inFlight.map((call) =>
    a.scim(call.method, call.path, call.body).then(
      (reply): ScimReply | undefined => reply,
      () => undefined,
    ),
  );
  await Promise.race(onA);
  await a.kill();
  const answeredByA = await Promise.all(onA);
  expect(answeredByA.filter((r) => r === undefined).length).toBeGreaterThan(0); // the kill did cut requests off
  const cutOff = answeredByA.filter((r) => r === undefined || r.status >= 500).length;
  const final = await Promise.all(
    inFlight.map(async (call, i) => {
      const first = answeredByA[i];
      if (first && first.status < 500) {
        replies.push({ call, reply: first });
        return first;
      }
      return send(b, call);
    }),
  );
  expect(final.map((r) => r.status).filter((s) => !(s >= 200 && s < 300) && s !== 404)).toEqual([]);
  const lateUsers = final.slice(-6).map((r) => r.body.id as string);

  // After the crash, on the survivor: further changes of resources the dead instance was changing.
  for (const u of users.slice(0, 6))
    expect(
      (
        await send(b, {
          method: 'PATCH',
          path: `/Users/${u}`,
          body: patch({ op: 'Replace', path: 'displayName', value: `After ${u}` }),
        })
      ).status,
    ).toBe(200);
  expect(
    (
      await send(b, {
        method: 'PATCH',
        path: `/Groups/${groups[0]}`,
        body: patch({ op: 'Remove', path: 'members', value: [{ value: users[0] }] }),
      })
    ).status,
  ).toBe(204);

  // Once the last change has settled (and is past the sweep's age), the sweep sends what the dead instance left.
  await sleep(SETTLE_MS + 500);
  expect((await request(`${hostOf(b)}/admin/functions/changeQueueSweep`, 'POST', {})).status).toBeLessThan(300);
  const feed = await readFeed(b);

  // None doubled.
  expect(new Set(feed.map((e) => e.id)).size).toBe(feed.length);
  // Per resource, in feed order, the versions chain from the create to what a read shows now: none missing.
  const resources = [
    ...users.map((id) => ['Users', id]),
    ...lateUsers.map((id) => ['Users', id]),
    ...groups.map((id) => ['Groups', id]),
  ];
  for (const [type, id] of resources) {
    const own = feed.filter((e) => e.resourceId === id);
    const now = await b.scim('GET', `/${type}/${id}`);
    const current = now.status === 404 ? null : now.body.meta.version;
    expect([own[0]?.operation, own[0]?.versionBefore]).toEqual(['create', null]);
    own.slice(1).forEach((e, i) => expect([id, e.versionBefore]).toEqual([id, own[i].versionAfter]));
    expect([id, own[own.length - 1].versionAfter]).toEqual([id, current]);
  }
  expect(feed.filter((e) => !resources.some(([, id]) => id === e.resourceId))).toEqual([]);

  // The feed equals what the answers reported: each answered change's version (ETag) is an event's, each answer
  // that changed something has its event (by correlation id, one each), and the groups' members are the net of
  // their events; events of no answer are the dead instance's cut-off requests, at most one per such request.
  const versionsOf = new Map<string, Set<string | null>>();
  for (const e of feed) versionsOf.set(e.resourceId, (versionsOf.get(e.resourceId) ?? new Set()).add(e.versionAfter));
  for (const { call, reply } of replies) {
    if (call.method === 'DELETE' || reply.status >= 300) continue;
    const etag = reply.headers.get('etag');
    if (etag) expect([call.path, versionsOf.get(reply.body.id)?.has(etag)]).toEqual([call.path, true]);
  }
  const byCorrelation = new Map<string, number>();
  for (const e of feed) byCorrelation.set(e.correlationId, (byCorrelation.get(e.correlationId) ?? 0) + 1);
  expect([...byCorrelation.values()].filter((n) => n > 1)).toEqual([]);
  const answered = new Set(replies.map((r) => r.reply.headers.get('x-correlation-id')));
  expect(feed.filter((e) => !answered.has(e.correlationId)).length).toBeLessThanOrEqual(cutOff);
  for (const g of groups) {
    const members = new Set<string>();
    for (const e of feed.filter((x) => x.resourceId === g)) {
      e.membersAdded.forEach((m) => members.add(m));
      e.membersRemoved.forEach((m) => members.delete(m));
    }
    const read = ((await b.scim('GET', `/Groups/${g}`)).body.members ?? []) as Array<{ value: string }>;
    expect([...members].sort()).toEqual(read.map((m) => m.value).sort());
  }

  // The queue received every event at least once and nothing else; each resource's first arrivals in version order.
  const queued = await drainQueue();
  expect([...new Set(queued.map((e) => e.id))].sort()).toEqual(feed.map((e) => e.id).sort());
  const firstArrivals = queued.filter((e, i) => queued.findIndex((x) => x.id === e.id) === i);
  for (const [, id] of resources) {
    expect(firstArrivals.filter((e) => e.resourceId === id).map((e) => e.id)).toEqual(
      feed.filter((e) => e.resourceId === id).map((e) => e.id),
    );
  }
});
