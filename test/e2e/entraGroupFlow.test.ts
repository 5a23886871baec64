import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { startTestServer, TestServer } from '../support/scimServer';
import { U, G, ADSCIM, PO } from '../support/urns';

/** Entra's group flows (docs/architecture.md#entra-quirks) and the RFC forms, over HTTP against Azurite. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const q = (filter: string) => encodeURIComponent(filter);
const patchOps = (...Operations: unknown[]) => ({ schemas: [PO], Operations });

async function newUser() {
  const res = await s.scim('POST', '/Users', { schemas: [U], userName: `u_${randomUUID()}` });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function newGroup(displayName = `Group ${randomUUID()}`) {
  const res = await s.scim('POST', '/Groups', {
    schemas: [G, ADSCIM],
    externalId: randomUUID(),
    displayName,
    meta: { resourceType: 'Group' },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function memberIds(groupId: string): Promise<string[]> {
  const res = await s.scim('GET', `/Groups/${groupId}`);
  expect(res.status).toBe(200);
  return (res.body.members ?? []).map((m: { value: string }) => m.value).sort();
}

describe('matching and reading', () => {
  it('answers the random group probe with an empty ListResponse', async () => {
    const res = await s.scim(
      'GET',
      `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${randomUUID()}"`)}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("creates a group from Entra's body and finds it by displayName without members", async () => {
    const group = await newGroup();
    expect(group).toMatchObject({ schemas: [G], meta: { resourceType: 'Group' } });
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Add', path: 'members', value: [{ $ref: null, value: await newUser() }] }),
    );
    const found = await s.scim(
      'GET',
      `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${group.displayName.toUpperCase()}"`)}`,
    );
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(group.id);
    expect(found.body.Resources[0].members).toBeUndefined();
    const single = await s.scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(single.body.members).toBeUndefined();
    expect(single.body.displayName).toBe(group.displayName);
    expect((await s.scim('GET', `/Groups/${group.id}`)).body.members).toHaveLength(1);
  });

  it('filters groups by externalId, id and members.value', async () => {
    const user = await newUser();
    const group = await newGroup();
    await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'add', path: 'members', value: [{ value: user }] }));
    expect((await s.scim('GET', `/Groups?filter=${q(`externalId eq "${group.externalId}"`)}`)).body.totalResults).toBe(
      1,
    );
    expect((await s.scim('GET', `/Groups?filter=${q(`id eq "${group.id}"`)}`)).body.totalResults).toBe(1);
    const byMember = await s.scim(
      'GET',
      `/Groups?excludedAttributes=members&filter=${q(`members.value eq "${user}"`)}`,
    );
    expect(byMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([group.id]);
    const both = await s.scim('GET', `/Groups?filter=${q(`id eq "${group.id}" and members[value eq "${user}"]`)}`);
    expect(both.body.totalResults).toBe(1);
    const notMember = await s.scim(
      'GET',
      `/Groups?filter=${q(`id eq "${group.id}" and members.value eq "${randomUUID()}"`)}`,
    );
    expect(notMember.body.totalResults).toBe(0);
  });

  it('refuses member filters it cannot answer from rows with 400 invalidFilter', async () => {
    const res = await s.scim('GET', `/Groups?filter=${q('members.value co "a"')}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidFilter');
  });
});

describe('membership changes', () => {
  it("adds several members in one Add, answers 204, and shows them in each user's groups", async () => {
    const group = await newGroup();
    const users = [await newUser(), await newUser(), await newUser()];
    const res = await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Add', path: 'members', value: users.map((value) => ({ $ref: null, value })) }),
    );
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await memberIds(group.id)).toEqual([...users].sort());
    const user = await s.scim('GET', `/Users/${users[0]}`);
    expect(user.body.groups).toEqual([
      { value: group.id, $ref: `${s.base}/Groups/${group.id}`, display: group.displayName, type: 'direct' },
    ]);
  });

  it('removes only the listed members when Entra sends Remove with a value list', async () => {
    const group = await newGroup();
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Add', path: 'members', value: [a, b, c].map((value) => ({ value })) }),
    );
    const res = await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'Remove', path: 'members', value: [{ $ref: null, value: b }] }),
    );
    expect(res.status).toBe(204);
    expect(await memberIds(group.id)).toEqual([a, c].sort());
  });

  it('removes a member with the members[value eq "…"] path form', async () => {
    const group = await newGroup();
    const [a, b] = [await newUser(), await newUser()];
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'remove', path: `members[value eq "${a}"]` }));
    expect(await memberIds(group.id)).toEqual([b]);
  });

  it('treats re-adding a member and removing an absent one as no-ops', async () => {
    const group = await newGroup();
    const a = await newUser();
    await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'add', path: 'members', value: [{ value: a }] }));
    expect(
      (await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'add', path: 'members', value: [{ value: a }] })))
        .status,
    ).toBe(204);
    expect(
      (
        await s.scim(
          'PATCH',
          `/Groups/${group.id}`,
          patchOps({ op: 'remove', path: `members[value eq "${randomUUID()}"]` }),
        )
      ).status,
    ).toBe(204);
    expect(await memberIds(group.id)).toEqual([a]);
  });

  it('replaces the member set with RFC replace, and clears it with remove without a filter', async () => {
    const group = await newGroup();
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'replace', path: 'members', value: [{ value: b }, { value: c }] }),
    );
    expect(await memberIds(group.id)).toEqual([b, c].sort());
    await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'remove', path: 'members' }));
    expect(await memberIds(group.id)).toEqual([]);
  });

  it('renames with Replace of displayName (204) and keeps displayName unique', async () => {
    const group = await newGroup();
    const other = await newGroup();
    const newName = `Renamed ${randomUUID()}`;
    expect(
      (await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Replace', path: 'displayName', value: newName })))
        .status,
    ).toBe(204);
    expect((await s.scim('GET', `/Groups/${group.id}`)).body.displayName).toBe(newName);
    const clash = await s.scim(
      'PATCH',
      `/Groups/${other.id}`,
      patchOps({ op: 'Replace', path: 'displayName', value: newName.toLowerCase() }),
    );
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe('uniqueness');
  });

  it('refuses an unknown member id with 400 naming it and adds none of the others', async () => {
    const group = await newGroup();
    const known = await newUser();
    const unknown = randomUUID();
    const res = await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps(
        { op: 'Replace', path: 'displayName', value: `Should not apply ${randomUUID()}` },
        { op: 'Add', path: 'members', value: [{ value: known }, { value: unknown }] },
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain(unknown);
    expect(await memberIds(group.id)).toEqual([]);
    expect((await s.scim('GET', `/Groups/${group.id}`)).body.displayName).toBe(group.displayName);
  });

  it('replaces name and member set with PUT', async () => {
    const group = await newGroup();
    const [a, b] = [await newUser(), await newUser()];
    await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'add', path: 'members', value: [{ value: a }] }));
    const res = await s.scim('PUT', `/Groups/${group.id}`, {
      schemas: [G],
      displayName: `Put ${randomUUID()}`,
      members: [{ value: b }],
    });
    expect(res.status).toBe(200);
    expect(await memberIds(group.id)).toEqual([b]);
  });

  it('accepts groups as members', async () => {
    const parent = await newGroup();
    const child = await newGroup();
    await s.scim(
      'PATCH',
      `/Groups/${parent.id}`,
      patchOps({ op: 'add', path: 'members', value: [{ value: child.id }] }),
    );
    const res = await s.scim('GET', `/Groups/${parent.id}`);
    expect(res.body.members).toEqual([
      { value: child.id, $ref: `${s.base}/Groups/${child.id}`, type: 'Group', display: child.displayName },
    ]);
  });
});

describe('races and versions', () => {
  it('lets exactly one of several racing creates of the same displayName win', async () => {
    const name = `Race ${randomUUID()}`;
    // Different bodies (externalId): these are different groups claiming one name, not retries of one create.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        s.scim('POST', '/Groups', { schemas: [G], displayName: name, externalId: `race-${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it('answers racing creates of one identical body with one 201 and 409 uniqueness for the rest (replay is off by default)', async () => {
    const body = { schemas: [G], displayName: `Twin ${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 6 }, () => s.scim('POST', '/Groups', body)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const listed = await s.scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${body.displayName}"`)}`);
    expect(listed.body.totalResults).toBe(1);
  });

  it('never loses an add or a remove when PATCHes on one group race', async () => {
    const group = await newGroup();
    const initial = await Promise.all(Array.from({ length: 6 }, newUser));
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'add', path: 'members', value: initial.map((value) => ({ value })) }),
    );
    const added = await Promise.all(Array.from({ length: 6 }, newUser));
    const results = await Promise.all([
      ...added.map((id) =>
        s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Add', path: 'members', value: [{ value: id }] })),
      ),
      ...initial
        .slice(0, 3)
        .map((id) =>
          s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'Remove', path: 'members', value: [{ value: id }] })),
        ),
    ]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 204));
    expect(await memberIds(group.id)).toEqual([...initial.slice(3), ...added].sort());
  });

  it('moves meta.version on member changes and honours If-Match on groups', async () => {
    const group = await newGroup();
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'add', path: 'members', value: [{ value: await newUser() }] }),
    );
    const now = (await s.scim('GET', `/Groups/${group.id}`)).body.meta.version;
    expect(now).not.toBe(group.meta.version);
    const stale = await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'remove', path: 'members' }), {
      'If-Match': group.meta.version,
    });
    expect(stale.status).toBe(412);
    expect(await memberIds(group.id)).toHaveLength(1);
    expect(
      (await s.scim('PATCH', `/Groups/${group.id}`, patchOps({ op: 'remove', path: 'members' }), { 'If-Match': now }))
        .status,
    ).toBe(204);
  });
});

describe('deletion', () => {
  async function membershipRows() {
    const table = TableClient.fromConnectionString(s.azurite.connectionString, 'scim', {
      allowInsecureConnection: true,
    });
    const keys: string[] = [];
    for await (const e of table.listEntities())
      if (/^[MB]~/.test(e.rowKey as string) || e.partitionKey === '~cleanup')
        keys.push(`${e.partitionKey}/${e.rowKey}`);
    return keys;
  }

  it('deleting a user removes its memberships', async () => {
    const group = await newGroup();
    const [a, b] = [await newUser(), await newUser()];
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    expect((await s.scim('DELETE', `/Users/${a}`)).status).toBe(204);
    expect(await memberIds(group.id)).toEqual([b]);
    expect((await membershipRows()).filter((k) => k.includes(a))).toEqual([]);
  });

  it('deleting a group makes it vanish at once and leaves no membership rows behind', async () => {
    const group = await newGroup();
    const users = await Promise.all(Array.from({ length: 5 }, newUser));
    await s.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOps({ op: 'add', path: 'members', value: users.map((value) => ({ value })) }),
    );
    expect((await s.scim('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    expect((await s.scim('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect((await s.scim('GET', `/Users/${users[0]}`)).body.groups).toBeUndefined();
    expect((await s.scim('GET', `/Groups?filter=${q(`members.value eq "${users[0]}"`)}`)).body.totalResults).toBe(0);
    expect((await s.scim('POST', '/Groups', { schemas: [G], displayName: group.displayName })).status).toBe(201);
    await fetch(`${s.host.url}/admin/functions/membershipCleanup`, { method: 'POST' });
    expect((await membershipRows()).filter((k) => k.includes(group.id))).toEqual([]);
  });
});
