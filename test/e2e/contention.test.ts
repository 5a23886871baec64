import { randomUUID } from 'node:crypto';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { G, PO, U } from '../support/urns';

/**
 * What Entra and real Table Storage produce at once: many writes to one row, creates racing, retries of creates
 * whose answer was lost, and changes racing deletes. None of it may answer 500 or lose a change.
 */

const EXTENSION = 'urn:ietf:params:scim:schemas:extension:Contention:2.0:User';
const ATTRS = Array.from({ length: 50 }, (_, i) => `attr${i}`);
const TENANT_TOKEN = 'count-tenant-token-0123456789abcdef';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({
    SCIM_EXTENSIONS: JSON.stringify([{ id: EXTENSION, attributes: ATTRS.map((name) => ({ name, type: 'string' })) }]),
    SCIM_TENANT_TOKENS: JSON.stringify({ counted: TENANT_TOKEN }),
    // Create replay is off by default (a duplicate create is 409); the retried-create tests below turn it on.
    SCIM_CREATE_REPLAY_SECONDS: '300',
  });
});
afterAll(() => s.close());

const patchOps = (...Operations: unknown[]) => ({ schemas: [PO], Operations });
const newUser = async (tag = randomUUID()) =>
  (await s.scim('POST', '/Users', { schemas: [U], userName: `${tag}@contoso.com`, displayName: `User ${tag}` })).body;
const newGroup = async () =>
  (await s.scim('POST', '/Groups', { schemas: [G], displayName: `Group ${randomUUID()}` })).body;
const statuses = (replies: Array<{ status: number }>) =>
  replies.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
const membersOf = async (groupId: string) =>
  ((await s.scim('GET', `/Groups/${groupId}`)).body.members ?? []) as Array<{ value: string; display?: string }>;

describe('contention on one row never answers 500', () => {
  it('applies 100 parallel member adds to one group: 100 × 204 and 100 members, and the version moves', async () => {
    const group = await newGroup();
    const users = await Promise.all(Array.from({ length: 100 }, () => newUser()));
    const replies = await Promise.all(
      users.map((u) =>
        s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Add', path: 'members', value: [{ value: u.id }] })),
      ),
    );
    expect(statuses(replies)).toEqual({ 204: 100 });
    expect((await membersOf(group.id)).map((m) => m.value).sort()).toEqual(users.map((u) => u.id).sort());
    expect((await s.scim('GET', `/Groups/${group.id}`)).body.meta.version).not.toBe(group.meta.version);
  });

  it('applies 50 parallel PATCHes of different attributes on one user: every one 200 and every change present', async () => {
    const user = await newUser();
    const replies = await Promise.all(
      ATTRS.map((a) =>
        s.scim(
          'PATCH',
          `/Users/${user.id}`,
          patchOps({ op: 'replace', path: `${EXTENSION}:${a}`, value: `value of ${a}` }),
        ),
      ),
    );
    expect(statuses(replies)).toEqual({ 200: 50 });
    const read = await s.scim('GET', `/Users/${user.id}`);
    for (const a of ATTRS) expect(read.body[EXTENSION][a]).toBe(`value of ${a}`);
  });

  it('counts 200 parallel creates of distinct users exactly: 200 × 201 and totalResults 200', async () => {
    const base = `${s.host.url}/scim/counted/v2`;
    const auth = { Authorization: `Bearer ${TENANT_TOKEN}` };
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        request(`${base}/Users`, 'POST', { schemas: [U], userName: `bulk${i}@contoso.com` }, auth),
      ),
    );
    expect(statuses(replies)).toEqual({ 201: 200 });
    expect((await request(`${base}/Users?count=0`, 'GET', undefined, auth)).body.totalResults).toBe(200);
  });

  it('adds one member 30 times in parallel: 30 × 204 and the member once', async () => {
    const [group, user] = await Promise.all([newGroup(), newUser()]);
    const replies = await Promise.all(
      Array.from({ length: 30 }, () =>
        s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Add', path: 'members', value: [{ value: user.id }] })),
      ),
    );
    expect(statuses(replies)).toEqual({ 204: 30 });
    expect((await membersOf(group.id)).map((m) => m.value)).toEqual([user.id]);
  });

  it('answers 20 parallel PUTs and PATCHes of one user with 200 each, the last write intact', async () => {
    const user = await newUser();
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? s.scim('PUT', `/Users/${user.id}`, { schemas: [U], userName: user.userName, title: `put ${i}` })
          : s.scim('PATCH', `/Users/${user.id}`, patchOps({ op: 'replace', path: 'title', value: `patch ${i}` })),
      ),
    );
    expect(statuses(replies)).toEqual({ 200: 20 });
    expect((await s.scim('GET', `/Users/${user.id}`)).body.userName).toBe(user.userName);
  });
});

describe('races with deletes', () => {
  it("answers group PATCHes racing the group's DELETE with 204 or 404, and leaves no membership behind", async () => {
    const group = await newGroup();
    const users = await Promise.all(Array.from({ length: 10 }, () => newUser()));
    const replies = await Promise.all([
      ...users.map((u) =>
        s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Add', path: 'members', value: [{ value: u.id }] })),
      ),
      s.scim('DELETE', `/Groups/${group.id}`),
    ]);
    for (const r of replies) expect([204, 404]).toContain(r.status);
    expect((await s.scim('GET', `/Groups/${group.id}`)).status).toBe(404);
    for (const u of users) expect((await s.scim('GET', `/Users/${u.id}`)).body.groups).toBeUndefined();
  });

  it('answers 404 to a member change of a group that does not exist, and writes nothing', async () => {
    const user = await newUser();
    const r = await s.scim(
      'PATCH',
      `/Groups/${randomUUID()}`,
      patchOps({ op: 'Add', path: 'members', value: [{ value: user.id }] }),
    );
    expect(r.status).toBe(404);
    expect((await s.scim('GET', `/Users/${user.id}`)).body.groups).toBeUndefined();
  });

  it('changes nothing when one of the members to add does not exist', async () => {
    const [group, user] = await Promise.all([newGroup(), newUser()]);
    const r = await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Add', path: 'members', value: [{ value: user.id }, { value: 'no-such-user' }] }),
    );
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain('no-such-user');
    expect(await membersOf(group.id)).toEqual([]);
  });

  it('refuses 2,000 unknown member ids with one 400 naming them', async () => {
    const group = await newGroup();
    const ids = Array.from({ length: 2000 }, (_, i) => `unknown-${i}`);
    const r = await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }),
    );
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/"unknown-0".* and 1990 more/);
  });
});

describe('a retried create', () => {
  it('gets its own user back (201, same id) when the identical body arrives again', async () => {
    const body = {
      schemas: [U],
      userName: `retry-${randomUUID()}@contoso.com`,
      externalId: randomUUID(),
      active: true,
    };
    const first = await s.scim('POST', '/Users', body);
    const again = await s.scim('POST', '/Users', body);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
  });

  it('answers racing creates of one identical body with the one group they made', async () => {
    const body = { schemas: [G], displayName: `Replay ${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 6 }, () => s.scim('POST', '/Groups', body)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const listed = await s.scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${body.displayName}"`)}`);
    expect(listed.body.totalResults).toBe(1);
  });

  it('is still 409 uniqueness when the body differs', async () => {
    const body = { schemas: [U], userName: `other-${randomUUID()}@contoso.com`, externalId: 'first' };
    expect((await s.scim('POST', '/Users', body)).status).toBe(201);
    const clash = await s.scim('POST', '/Users', { ...body, externalId: 'second' });
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe('uniqueness');
  });
});

describe('members show their names', () => {
  it("lists each member's display, and a renamed user's new name in its groups", async () => {
    const [group, user] = await Promise.all([newGroup(), newUser()]);
    await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Add', path: 'members', value: [{ value: user.id }] }));
    expect(await membersOf(group.id)).toEqual([expect.objectContaining({ value: user.id, display: user.displayName })]);
    await s.scim(
      'PATCH',
      `/Users/${user.id}`,
      patchOps({ op: 'replace', path: 'displayName', value: 'Renamed Person' }),
    );
    expect(await membersOf(group.id)).toEqual([expect.objectContaining({ value: user.id, display: 'Renamed Person' })]);
  });
});

describe('a retried create of a user that meanwhile joined a group', () => {
  it('answers with the user as it is now, groups included', async () => {
    const body = { schemas: [U], userName: `joined-${randomUUID()}@contoso.com` };
    const first = await s.scim('POST', '/Users', body);
    const group = await newGroup();
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Add', path: 'members', value: [{ value: first.body.id }] }),
    );
    const again = await s.scim('POST', '/Users', body);
    expect(again.status).toBe(201);
    expect(again.body.groups).toEqual([expect.objectContaining({ value: group.id, display: group.displayName })]);
  });
});
