import { ChangeEvent, changeEventSchema } from '../../shared/scim/changeEvent';
import { DEFAULT_TENANT } from '../../shared/auth/tenantId';
import { request, ScimReply, startTestServer, TestServer } from '../support/scimServer';
import { runAdmin } from '../../cli/admin';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PO = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let s: TestServer;
// A short storage deadline keeps the settle window (deadline + clock allowance) at a few seconds.
beforeAll(async () => {
  s = await startTestServer({ SCIM_STORAGE_TIMEOUT_MS: '1000' });
});
afterAll(() => s.close());

const status = (path: string) => request(`${s.host.url}/scim/status/${path}`, 'GET');

/** Every event after `after`, paging with `next` `limit` at a time, until `count` have settled. */
async function follow(count: number, limit: number, after?: string): Promise<{ events: ChangeEvent[]; pages: number }> {
  const events: ChangeEvent[] = [];
  let cursor = after;
  let pages = 0;
  const deadline = Date.now() + 20_000;
  while (events.length < count && Date.now() < deadline) {
    const res = await status(`changes?tenant=${DEFAULT_TENANT}&limit=${limit}${cursor ? `&after=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    const page = res.body as { changes: unknown[]; next: string };
    events.push(...page.changes.map((c) => changeEventSchema.parse(c)));
    pages++;
    if (!page.changes.length) await new Promise((r) => setTimeout(r, 250));
    cursor = page.next || cursor;
  }
  return { events, pages };
}

const correlationOf = (r: ScimReply) => r.headers.get('x-correlation-id');

it('records one event per change, none for no-ops, and pages through them by cursor in order', async () => {
  const replies: ScimReply[] = [];
  const run = async (method: string, path: string, body?: unknown) => {
    const r = await s.scim(method, path, body);
    expect(r.status).toBeLessThan(300);
    replies.push(r);
    return r;
  };
  const ada = (
    await run('POST', '/Users', { schemas: [U], userName: 'ada@contoso.com', externalId: 'ext-ada', active: true })
  ).body.id as string;
  await run('PATCH', `/Users/${ada}`, {
    schemas: [PO],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  const noop = await s.scim('PATCH', `/Users/${ada}`, {
    schemas: [PO],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  expect(noop.headers.get('etag')).toBe('W/"2"'); // no new version for a change that changes nothing
  const staff = (await run('POST', '/Groups', { schemas: [G], displayName: 'Staff' })).body.id as string;
  await run('PATCH', `/Groups/${staff}`, {
    schemas: [PO],
    Operations: [{ op: 'Add', path: 'members', value: [{ value: ada }] }],
  });
  expect(
    (
      await s.scim('PATCH', `/Groups/${staff}`, {
        schemas: [PO],
        Operations: [{ op: 'Add', path: 'members', value: [{ value: ada }] }],
      })
    ).status,
  ).toBe(204); // already a member
  await run('PATCH', `/Groups/${staff}`, {
    schemas: [PO],
    Operations: [{ op: 'Replace', path: 'displayName', value: 'Finance' }],
  });
  await run('PATCH', `/Groups/${staff}`, {
    schemas: [PO],
    Operations: [{ op: 'Remove', path: 'members', value: [{ value: ada }] }],
  });
  await run('PUT', `/Users/${ada}`, { schemas: [U], userName: 'ada.lovelace@contoso.com', externalId: 'ext-ada' });
  await run('DELETE', `/Users/${ada}`);

  const { events, pages } = await follow(replies.length, 3);
  expect(pages).toBeGreaterThan(2);
  expect(events.map((e) => [e.operation, e.resourceType, e.attributes])).toEqual([
    ['create', 'User', ['active', 'externalId', 'userName']],
    ['patch', 'User', ['active']],
    ['create', 'Group', ['displayName']],
    ['members', 'Group', ['members']],
    ['patch', 'Group', ['displayName']],
    ['members', 'Group', ['members']],
    ['replace', 'User', ['active', 'userName']],
    ['delete', 'User', []],
  ]);
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  expect(events.map((e) => e.correlationId)).toEqual(replies.map(correlationOf));
  expect(new Set(events.map((e) => e.tokenId)).size).toBe(1);
  expect(events[3]).toMatchObject({ displayName: 'Staff', membersAdded: [ada], membersRemoved: [] });
  expect(events[5]).toMatchObject({ displayName: 'Finance', membersAdded: [], membersRemoved: [ada] });
  expect(events[7]).toMatchObject({ userName: 'ada.lovelace@contoso.com', externalId: 'ext-ada', versionAfter: null });
  // Each resource's events chain its versions: one's after is the next one's before.
  for (const id of [ada, staff]) {
    const own = events.filter((e) => e.resourceId === id);
    own.slice(1).forEach((e, i) => expect(e.versionBefore).toBe(own[i].versionAfter));
  }
  // Resuming after the last event finds nothing new; the cursor stays.
  const last = events[events.length - 1].id;
  const rest = await status(`changes?tenant=${DEFAULT_TENANT}&after=${last}`);
  expect(rest.body).toEqual({ changes: [], next: last });

  // History: the deleted user by id, by its last userName and by externalId; the group by its old and new name.
  for (const q of [ada, 'ADA.LOVELACE@contoso.com', 'ext-ada']) {
    const h = await status(`history?tenant=${DEFAULT_TENANT}&q=${encodeURIComponent(q)}`);
    expect(h.status).toBe(200);
    expect(h.body.resource).toMatchObject({
      resourceType: 'User',
      id: ada,
      state: 'deleted',
      userName: 'ada.lovelace@contoso.com',
    });
    // The user's own history holds the group's membership events, found without reading the group.
    expect(h.body.changes.map((e: ChangeEvent) => e.operation)).toEqual([
      'delete',
      'replace',
      'members',
      'members',
      'patch',
      'create',
    ]);
    // Its copy of a membership event is the feed's event, narrowed to this member.
    for (const copy of h.body.changes.filter((e: ChangeEvent) => e.operation === 'members') as ChangeEvent[]) {
      expect([...copy.membersAdded, ...copy.membersRemoved]).toEqual([ada]);
      const original = events.find((e) => e.id === copy.id)!;
      expect({ ...copy, membersAdded: [], membersRemoved: [] }).toEqual({
        ...original,
        membersAdded: [],
        membersRemoved: [],
      });
    }
  }
  const g = await status(`history?tenant=${DEFAULT_TENANT}&q=finance`);
  expect(g.body.resource).toMatchObject({ resourceType: 'Group', id: staff, state: 'current', displayName: 'Finance' });
  expect(g.body.changes).toHaveLength(4);
}, 60_000);

it('answers a malformed cursor, a missing tenant or an unknown resource with a SCIM error', async () => {
  const bad = await status(`changes?tenant=${DEFAULT_TENANT}&after=nope`);
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('after') });
  expect((await status('changes')).body).toMatchObject({ status: '400', detail: expect.stringContaining('tenant') });
  expect((await status(`changes?tenant=${DEFAULT_TENANT}&limit=5000`)).status).toBe(400);
  const unknown = await status(`history?tenant=${DEFAULT_TENANT}&q=nobody`);
  expect(unknown.status).toBe(404);
});

it('prints the feed and a history on the admin command line', async () => {
  const lines: string[] = [];
  expect(await runAdmin(['changes', DEFAULT_TENANT], process.env, (l) => lines.push(l))).toBe(0);
  const events = lines.slice(0, -1).map((l) => changeEventSchema.parse(JSON.parse(l)));
  expect(events.length).toBeGreaterThanOrEqual(8);
  expect(lines[lines.length - 1]).toBe(`next ${events[events.length - 1].id}`);
  const after: string[] = [];
  expect(await runAdmin(['changes', DEFAULT_TENANT, '--after', events[5].id], process.env, (l) => after.push(l))).toBe(
    0,
  );
  expect(after.slice(0, -1).map((l) => JSON.parse(l).id)).toEqual(events.slice(6).map((e) => e.id));
  const history: string[] = [];
  expect(await runAdmin(['history', DEFAULT_TENANT, 'Finance'], process.env, (l) => history.push(l))).toBe(0);
  expect(history[0]).toMatch(/^Group \S+ \(current\) Finance$/);
  expect(history.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(['members', 'patch', 'members', 'create']);
  expect(await runAdmin(['changes', DEFAULT_TENANT, '--after', 'x'], process.env, () => undefined)).toBe(2);
});
