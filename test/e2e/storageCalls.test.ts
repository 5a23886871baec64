import { ProxiedServer, startProxiedTestServer } from '../support/proxiedServer';
import { G, PO, U } from '../support/urns';

/**
 * The storage calls each operation makes, seen on the wire between the app and Azurite: exactly the calls of the
 * operation's raw floor (tools/bench/benchFloor.ts), for a user that belongs to groups. Success counts are flushed
 * hourly here, so every call in a window is the operation's own.
 */
let server: ProxiedServer;
beforeAll(async () => {
  server = await startProxiedTestServer({ SCIM_ACTIVITY_FLUSH_SECONDS: '3600' });
});
afterAll(() => server.close());

/** A Table REST call by its kind: a point read, a range read (query), a transaction, or a single-entity write. */
function kindOf(line: string): string {
  const [method, path] = line.split(' ');
  if (method === 'POST' && path.endsWith('/$batch')) return 'transaction';
  if (method === 'GET') return /\(PartitionKey=/.test(decodeURIComponent(path)) ? 'read' : 'range';
  if (method === 'PUT') return 'replace';
  return `${method} ${path}`;
}

async function callsOf(action: () => Promise<unknown>): Promise<string[]> {
  const { proxy } = server;
  const before = proxy.requests.length;
  await action();
  await new Promise((r) => setTimeout(r, 100)); // anything the operation left running after its answer shows too
  return proxy.requests.slice(before).map(kindOf);
}

it("makes exactly the storage calls of each operation's raw floor", async () => {
  const { s } = server;
  await s.scim('POST', '/Users', { schemas: [U], userName: 'warm-up@example.com' }); // creates the table, records the token's use
  await new Promise((r) => setTimeout(r, 200));

  let id = '';
  expect(
    await callsOf(
      async () =>
        ({
          body: { id },
        } = await s.scim('POST', '/Users', { schemas: [U], userName: 'ada@example.com' })),
    ),
  ).toEqual(['transaction']);
  const groups: string[] = [];
  for (const displayName of ['Staff', 'Engineering']) {
    const group = (await s.scim('POST', '/Groups', { schemas: [G], displayName })).body.id as string;
    groups.push(group);
    // The member's existence by key and, at the same time, the group's name and version for the change event;
    // then both membership rows, the group's new version and the event in one transaction.
    expect(
      await callsOf(() =>
        s.scim('PATCH', `/Groups/${group}`, {
          schemas: [PO],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        }),
      ),
    ).toEqual(['read', 'read', 'transaction']);
  }
  await s.scim('GET', `/Users/${id}`); // the groups' names, which users' `groups` show, are then known to this instance

  let reply = { status: 0, body: {} as Record<string, unknown> };
  // The user and its groups in one range read.
  expect(await callsOf(async () => (reply = await s.scim('GET', `/Users/${id}`)))).toEqual(['range']);
  expect(reply.status).toBe(200);
  expect((reply.body.groups as { value: string }[]).map((g) => g.value).sort()).toEqual([...groups].sort());
  // Entra's match: the unique index row, then the user with its groups.
  expect(
    await callsOf(async () => (reply = await s.scim('GET', '/Users?filter=userName eq "ada@example.com"'))),
  ).toEqual(['read', 'range']);
  expect((reply.body.Resources as { groups: unknown[] }[])[0].groups).toHaveLength(2);
  // The root search counts the matches first (index row, user), then reads its page: index row, then the user
  // with its groups in one range read.
  expect(
    await callsOf(
      async () =>
        (reply = await s.scim('POST', '/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'userName eq "ada@example.com"',
        })),
    ),
  ).toEqual(['read', 'read', 'read', 'range']);
  expect((reply.body.Resources as { groups: unknown[] }[])[0].groups).toHaveLength(2);
  // A change that moves no index row: the read, then the conditional replace with its change event in one
  // transaction.
  expect(
    await callsOf(
      async () =>
        (reply = await s.scim('PATCH', `/Users/${id}`, {
          schemas: [PO],
          Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }],
        })),
    ),
  ).toEqual(['range', 'transaction']);
  expect(reply.status).toBe(200);
  expect(reply.body.groups).toHaveLength(2);
  // Removing a member: the group's name and version for the event, then its two rows, the group's new version and
  // the event, in one transaction.
  expect(
    await callsOf(() =>
      s.scim('PATCH', `/Groups/${groups[0]}`, {
        schemas: [PO],
        Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
      }),
    ),
  ).toEqual(['read', 'transaction']);
  // The user, its index rows, a counter delta and its remaining membership in one transaction, which also holds
  // the user's membership guard (so no group add can commit unseen); then the guard is removed.
  expect(await callsOf(async () => (reply = await s.scim('DELETE', `/Users/${id}`)))).toEqual([
    'range',
    'transaction',
    'transaction',
  ]);
  expect(reply.status).toBe(204);
  for (const group of groups) expect((await s.scim('GET', `/Groups/${group}`)).body.members ?? []).toEqual([]);
  expect((await s.scim('GET', `/Groups?filter=members.value eq "${id}"`)).body.totalResults).toBe(0);
});
