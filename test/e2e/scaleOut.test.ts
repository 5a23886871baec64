import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { AppInstance, ScaledOut, startScaledOut } from '../support/appInstances';
import { danglingMemberships, rowKeysOf } from '../support/membershipRows';
import { ScimReply } from '../support/scimServer';
import { G, PO, U } from '../support/urns';

/**
 * Two app instances on one storage, as Azure scales the app out: each a process of its own with its own caches and
 * write queues, one Azurite in a third. What one instance writes, the other must see; races between them must
 * end as one instance's would; and an instance killed mid-request must leave nothing a retry on the other cannot
 * finish. Duplicate creates are 409 here (SCIM_CREATE_REPLAY_SECONDS=0), as Microsoft's validator expects.
 */
const EXTENSION = 'urn:ietf:params:scim:schemas:extension:ScaleOut:2.0:User';
const ATTRS = Array.from({ length: 32 }, (_, i) => `attr${i}`);

let cluster: ScaledOut;
let a: AppInstance;
let b: AppInstance;
beforeAll(async () => {
  cluster = await startScaledOut(2, {
    SCIM_CREATE_REPLAY_SECONDS: '0',
    SCIM_EXTENSIONS: JSON.stringify([{ id: EXTENSION, attributes: ATTRS.map((name) => ({ name, type: 'string' })) }]),
  });
  [a, b] = cluster.instances;
}, 120_000);
afterAll(() => cluster?.close());

jest.setTimeout(120_000);

const patchOps = (...Operations: unknown[]) => ({ schemas: [PO], Operations });
const addMembers = (ids: string[]) => patchOps({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) });
const statuses = (replies: Array<{ status: number }>) =>
  replies.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
const created = async (via: AppInstance, path: string, body: object) => {
  const reply = await via.scim('POST', path, body);
  expect(reply.status).toBe(201);
  return reply.body.id as string;
};
const newUser = (via: AppInstance) => created(via, '/Users', { schemas: [U], userName: `${randomUUID()}@contoso.com` });
const newGroup = (via: AppInstance) => created(via, '/Groups', { schemas: [G], displayName: `Group ${randomUUID()}` });
const memberIdsOf = async (via: AppInstance, groupId: string) =>
  (((await via.scim('GET', `/Groups/${groupId}`)).body.members ?? []) as Array<{ value: string }>)
    .map((m) => m.value)
    .sort();

/** Every user of the default tenant, page by page, as Entra's full sync reads them. */
async function listAll(
  via: AppInstance,
): Promise<{ total: number; users: Array<{ id: string; userName: string; groups?: Array<{ value: string }> }> }> {
  const users = [];
  let total = -1;
  for (let start = 1; total < 0 || start <= total; start += 200) {
    const page = (await via.scim('GET', `/Users?startIndex=${start}&count=200`)).body;
    total = page.totalResults;
    users.push(...page.Resources);
    if (!page.Resources.length) break;
  }
  return { total, users };
}

describe("a member add racing its member's DELETE leaves no membership behind", () => {
  /** Ten groups add the user while it is deleted: each add either lands before the delete (and leaves with it) or fails. */
  async function round(addVia: (group: number) => AppInstance, deleteVia: AppInstance) {
    const userId = await newUser(a);
    const groups = await Promise.all(Array.from({ length: 10 }, () => newGroup(b)));
    const replies = await Promise.all([
      ...groups.map((g, i) => addVia(i).scim('PATCH', `/Groups/${g}`, addMembers([userId]))),
      deleteVia.scim('DELETE', `/Users/${userId}`),
    ]);
    const adds = replies.slice(0, 10);
    // 204: added before the delete; 400 naming the user: it was gone by then.
    for (const r of adds)
      if (r.status !== 204) expect([r.status, r.body.detail]).toEqual([400, expect.stringContaining(userId)]);
    expect(replies[10].status).toBe(204);
    for (const via of [a, b]) {
      expect((await via.scim('GET', `/Users/${userId}`)).status).toBe(404);
      for (const g of groups) expect(await memberIdsOf(via, g)).toEqual([]);
      expect((await via.scim('GET', `/Groups?filter=members.value eq "${userId}"`)).body.totalResults).toBe(0);
    }
    return statuses(adds);
  }

  it('on one instance, 10 rounds', async () => {
    for (let i = 0; i < 10; i++) await round(() => a, a);
  });

  it('split across two instances, 10 rounds', async () => {
    for (let i = 0; i < 10; i++) await round((g) => (g % 2 ? a : b), i % 2 ? a : b);
  });
});

describe('two instances on one storage', () => {
  it('races creates of one userName across them: exactly one 201, the other 409 uniqueness', async () => {
    for (let i = 0; i < 10; i++) {
      const body = { schemas: [U], userName: `twin-${randomUUID()}@contoso.com` };
      const replies = await Promise.all([a.scim('POST', '/Users', body), b.scim('POST', '/Users', body)]);
      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(replies.find((r) => r.status === 409)!.body.scimType).toBe('uniqueness');
      const winner = replies.find((r) => r.status === 201)!.body.id;
      for (const via of [a, b])
        expect(
          (await via.scim('GET', `/Users?filter=userName eq "${body.userName}"`)).body.Resources.map(
            (u: { id: string }) => u.id,
          ),
        ).toEqual([winner]);
    }
  });

  it('applies 100 member adds to one group split across them: 100 members seen from both', async () => {
    const group = await newGroup(a);
    const users = await Promise.all(Array.from({ length: 100 }, (_, i) => newUser(i % 2 ? a : b)));
    const replies = await Promise.all(
      users.map((u, i) => (i % 2 ? b : a).scim('PATCH', `/Groups/${group}`, addMembers([u]))),
    );
    expect(statuses(replies)).toEqual({ 204: 100 });
    for (const via of [a, b]) expect(await memberIdsOf(via, group)).toEqual([...users].sort());
  });

  it('applies 32 PATCHes of different attributes of one user split across them: all 32 present on both', async () => {
    const user = await newUser(a);
    const replies = await Promise.all(
      ATTRS.map((attr, i) =>
        (i % 2 ? a : b).scim(
          'PATCH',
          `/Users/${user}`,
          patchOps({ op: 'replace', path: `${EXTENSION}:${attr}`, value: `value of ${attr}` }),
        ),
      ),
    );
    expect(statuses(replies)).toEqual({ 200: 32 });
    for (const via of [a, b]) {
      const read = (await via.scim('GET', `/Users/${user}`)).body;
      expect(ATTRS.filter((attr) => read[EXTENSION]?.[attr] !== `value of ${attr}`)).toEqual([]);
    }
  });

  it('counts 120 creates split across them: totalResults equal on both and equal to the listing', async () => {
    const before = (await a.scim('GET', '/Users?count=0')).body.totalResults as number;
    const replies = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        (i % 2 ? a : b).scim('POST', '/Users', { schemas: [U], userName: `bulk-${randomUUID()}@contoso.com` }),
      ),
    );
    expect(statuses(replies)).toEqual({ 201: 120 });
    const totals = await Promise.all(
      [a, b].map(async (via) => (await via.scim('GET', '/Users?count=0')).body.totalResults as number),
    );
    expect(totals).toEqual([before + 120, before + 120]);
    for (const via of [a, b]) {
      const { total, users } = await listAll(via);
      expect([total, users.length]).toEqual([before + 120, before + 120]);
    }
  });
});

describe('an instance killed mid-request', () => {
  it('leaves nothing that the same requests retried on the other instance do not finish: only 2xx/404, and every invariant holds', async () => {
    // Four groups get 100 new members each, in one PATCH each; twenty users already in those groups are deleted.
    const groups = await Promise.all(Array.from({ length: 4 }, () => newGroup(b)));
    const joining = await Promise.all(Array.from({ length: 100 }, () => newUser(b)));
    const leaving = await Promise.all(Array.from({ length: 20 }, () => newUser(b)));
    for (const g of groups) expect((await b.scim('PATCH', `/Groups/${g}`, addMembers(leaving))).status).toBe(204);

    const requests: Array<{ method: string; path: string; body?: object }> = [
      ...groups.map((g) => ({ method: 'PATCH', path: `/Groups/${g}`, body: addMembers(joining) })),
      ...leaving.map((u) => ({ method: 'DELETE', path: `/Users/${u}` })),
    ];
    const onA = requests.map((r) =>
      a.scim(r.method, r.path, r.body).then(
        (reply): ScimReply | undefined => reply,
        () => undefined,
      ),
    );
    // Killed once the first answers are out, while the rest are in flight.
    await Promise.race(onA);
    await a.kill();
    const answeredByA = await Promise.all(onA);
    // Entra retries what got no answer (or a 5xx) on whichever instance the load balancer picks: here, the survivor.
    const final = await Promise.all(
      requests.map(async (r, i) => {
        const first = answeredByA[i];
        return first && first.status < 500 ? first : b.scim(r.method, r.path, r.body);
      }),
    );
    const finalStatuses = final.map((r) => r.status);
    expect(finalStatuses.filter((s) => !(s >= 200 && s < 300) && s !== 404)).toEqual([]);
    expect(answeredByA.filter((r) => r === undefined).length).toBeGreaterThan(0); // the kill did cut requests off

    // Storage as the survivor left it: no membership without its group, its member or its twin row.
    const table = TableClient.fromConnectionString(cluster.connectionString, 'scim', { allowInsecureConnection: true });
    const keys = await rowKeysOf(table, 'default');
    expect(danglingMemberships(keys)).toEqual([]);
    // The change feed keeps a deleted user's history (E~, H~ and N~ rows, shared/store/changeFeed.ts) on purpose;
    // every other row naming it must be gone.
    const feedRow = (k: string) => /^[EHN]~/.test(k);
    expect(keys.filter((k) => !feedRow(k) && leaving.some((u) => k.includes(u)))).toEqual([]);
    // Through the API: every group has its 100 new members and none of the deleted; each user's groups are the
    // groups that list it; every user is found by its userName; totalResults is the listing's length.
    const { total, users } = await listAll(b);
    expect(users.length).toBe(total);
    const memberPairs = new Set<string>();
    for (const g of groups) {
      const members = await memberIdsOf(b, g);
      expect(members).toEqual([...joining].sort());
      for (const m of members) memberPairs.add(`${g} ${m}`);
    }
    const groupPairs = new Set(
      users.flatMap((u) => (u.groups ?? []).filter((g) => groups.includes(g.value)).map((g) => `${g.value} ${u.id}`)),
    );
    expect([...groupPairs].sort()).toEqual([...memberPairs].sort());
    for (const u of leaving) expect((await b.scim('GET', `/Users/${u}`)).status).toBe(404);
    const misfound = [];
    for (const u of users) {
      const found = (await b.scim('GET', `/Users?filter=userName eq "${u.userName}"&attributes=id`)).body
        .Resources as Array<{ id: string }>;
      if (found.length !== 1 || found[0].id !== u.id) misfound.push(u.userName);
    }
    expect(misfound).toEqual([]);
  });
});
