import { randomUUID } from 'node:crypto';
import { startTestServer, TestServer } from '../support/scimServer';
import { U, EU, PO, LR } from '../support/urns';

/** The user requests Entra sends (docs/architecture.md#entra-quirks), in cycle order, as Entra sends them, over HTTP. */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

const entraCreateBody = (userName: string, externalId = randomUUID()) => ({
  schemas: [U, EU],
  externalId,
  userName,
  active: true,
  emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
});

async function createUser(userName = `Test_User_${randomUUID()}`) {
  const res = await s.scim('POST', '/Users', entraCreateBody(userName));
  expect(res.status).toBe(201);
  return res.body;
}

describe('Test Connection and matching', () => {
  it('answers the random-GUID probe with 200 and an empty ListResponse', async () => {
    const res = await s.scim('GET', `/Users?filter=userName eq "${randomUUID()}"`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/scim+json');
    expect(res.body).toEqual({ schemas: [LR], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('decodes + and %20 as spaces and accepts an unquoted value', async () => {
    const user = await createUser();
    for (const q of [
      `filter=userName+eq+%22${user.userName}%22`,
      `filter=userName%20eq%20%22${user.userName}%22`,
      `filter=externalId+eq+${user.externalId}`,
    ]) {
      const res = await s.scim('GET', `/Users?${q}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(user.id);
    }
  });

  it('matches userName in any letter case but externalId exactly', async () => {
    const user = await createUser();
    const upper = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${user.userName.toUpperCase()}"`)}`,
    );
    expect(upper.body.totalResults).toBe(1);
    const wrongCase = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`externalId eq "${user.externalId.toUpperCase()}"`)}`,
    );
    expect(wrongCase.body.totalResults).toBe(0);
  });

  it('matches on the work email, on id, and on id and manager combined', async () => {
    const manager = await createUser();
    const user = await createUser();
    await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [{ op: 'add', path: `${EU}:manager`, value: manager.id }],
    });
    const byEmail = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "${user.emails[0].value.toUpperCase()}"`)}`,
    );
    expect(byEmail.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    const byId = await s.scim('GET', `/Users?filter=${encodeURIComponent(`id eq "${user.id}"`)}`);
    expect(byId.body.totalResults).toBe(1);
    const ref = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`id eq "${user.id}" and manager eq "${manager.id}"`)}`,
    );
    expect(ref.body.totalResults).toBe(1);
    const wrongRef = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`id eq "${user.id}" and manager eq "${user.id}"`)}`,
    );
    expect(wrongRef.body.totalResults).toBe(0);
  });

  it('serves resource paths in any letter case', async () => {
    const user = await createUser();
    const res = await s.scim('GET', `/users/${user.id}`);
    expect(res.status).toBe(200);
    expect(res.body.userName).toBe(user.userName);
  });

  it('ignores unknown query parameters such as aadOptscim062020', async () => {
    const res = await s.scim(
      'GET',
      `/Users?aadOptscim062020&filter=${encodeURIComponent(`userName eq "${randomUUID()}"`)}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });
});

describe('create', () => {
  it('answers 201 with Location, ETag and the full user, values exactly as sent', async () => {
    const body = {
      ...entraCreateBody(`Test_User_${randomUUID()}`),
      phoneNumbers: [{ type: 'work', value: '55555555555' }],
      [EU]: { employeeNumber: '007', department: 'Sales' },
    };
    const res = await s.scim('POST', '/Users', body);
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`${s.base}/Users/${res.body.id}`);
    expect(res.headers.get('etag')).toBe(res.body.meta.version);
    expect(res.body).toMatchObject({
      schemas: [U, EU],
      userName: body.userName,
      externalId: body.externalId,
      active: true,
      phoneNumbers: [{ type: 'work', value: '55555555555' }],
      [EU]: { employeeNumber: '007', department: 'Sales' },
      meta: { resourceType: 'User', location: `${s.base}/Users/${res.body.id}` },
    });
    expect(Date.parse(res.body.meta.created)).not.toBeNaN();
    expect(res.body.meta.lastModified).toBe(res.body.meta.created);
    expect(res.body.roles).toBeUndefined();
  });

  it('refuses a duplicate userName in another letter case with 409 uniqueness', async () => {
    const user = await createUser();
    const res = await s.scim('POST', '/Users', entraCreateBody(user.userName.toLowerCase()));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('lets exactly one of several racing creates of the same userName win', async () => {
    const userName = `race_${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        s.scim('POST', '/Users', entraCreateBody(i % 2 ? userName : userName.toUpperCase())),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(7);
    const found = await s.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(found.body.totalResults).toBe(1);
  });

  it('treats null attributes in a create body as absent', async () => {
    const res = await s.scim('POST', '/Users', {
      ...entraCreateBody(`n_${randomUUID()}`),
      addresses: null,
      title: null,
    });
    expect(res.status).toBe(201);
    expect(res.body.addresses).toBeUndefined();
    expect(res.body.title).toBeUndefined();
  });
});

describe('update, disable, delete', () => {
  it("applies Entra's Replace of a work email and family name and returns the user", async () => {
    const user = await createUser();
    const res = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@testuser.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@testuser.com' }]);
    expect(res.body.name.familyName).toBe('updatedFamilyName');
    expect(res.body.meta.version).not.toBe(user.meta.version);
    const byNewEmail = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "updatedemail@testuser.com"')}`,
    );
    expect(byNewEmail.body.Resources.map((r: { id: string }) => r.id)).toContain(user.id);
  });

  it('renames a user and frees the old userName', async () => {
    const user = await createUser();
    const newName = `renamed_${randomUUID()}`;
    const res = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [{ op: 'Replace', path: 'userName', value: newName }],
    });
    expect(res.body.userName).toBe(newName);
    expect(
      (await s.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)).body.totalResults,
    ).toBe(0);
    expect((await s.scim('POST', '/Users', entraCreateBody(user.userName))).status).toBe(201);
  });

  it('refuses a rename onto a taken userName with 409 and changes nothing', async () => {
    const a = await createUser();
    const b = await createUser();
    const res = await s.scim('PATCH', `/Users/${b.id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'userName', value: a.userName.toUpperCase() }],
    });
    expect(res.status).toBe(409);
    expect((await s.scim('GET', `/Users/${b.id}`)).body.userName).toBe(b.userName);
  });

  it.each([
    ['default job', { op: 'Replace', path: 'active', value: 'False' }],
    ['aadOptscim062020 flag', { op: 'replace', path: 'active', value: false }],
  ])('disables with the %s form, keeps the user readable and filterable, and re-enables', async (_form, op) => {
    const user = await createUser();
    const res = await s.scim('PATCH', `/Users/${user.id}`, { schemas: [PO], Operations: [op] });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await s.scim('GET', `/Users/${user.id}`)).body.active).toBe(false);
    const found = await s.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`);
    expect(found.body.Resources[0].active).toBe(false);
    const back = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expect(back.body.active).toBe(true);
  });

  it("links a manager in Entra's documented form and returns it as {value}", async () => {
    const manager = await createUser();
    const user = await createUser();
    const res = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [
        { op: 'Add', path: 'manager', value: [{ $ref: `${s.base}/Users/${manager.id}`, value: manager.id }] },
      ],
    });
    expect(res.body[EU].manager.value).toBe(manager.id);
    const cleared = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [{ op: 'Replace', path: `${EU}:manager`, value: '' }],
    });
    expect(cleared.body[EU]).toBeUndefined();
  });

  it('applies a path-less replace with dotted and URN-qualified keys', async () => {
    const user = await createUser();
    const res = await s.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PO],
      Operations: [
        { op: 'replace', value: { displayName: 'New Name', 'name.givenName': 'New', [`${EU}:employeeNumber`]: '42' } },
      ],
    });
    expect(res.body).toMatchObject({
      displayName: 'New Name',
      name: { givenName: 'New', familyName: 'familyName' },
      [EU]: { employeeNumber: '42' },
    });
  });

  it('replaces a user with PUT and honours If-Match', async () => {
    const user = await createUser();
    const stale = await s.scim(
      'PUT',
      `/Users/${user.id}`,
      { ...entraCreateBody(user.userName), title: 'x' },
      { 'If-Match': 'W/"999"' },
    );
    expect(stale.status).toBe(412);
    const ok = await s.scim(
      'PUT',
      `/Users/${user.id}`,
      { schemas: [U], userName: user.userName, title: 'CTO' },
      { 'If-Match': user.meta.version },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.title).toBe('CTO');
    expect(ok.body.emails).toBeUndefined();
    expect(ok.body.meta.created).toBe(user.meta.created);
  });

  it('deletes with 204, then answers 404 everywhere', async () => {
    const user = await createUser();
    expect((await s.scim('DELETE', `/Users/${user.id}`)).status).toBe(204);
    const gone = await s.scim('GET', `/Users/${user.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
    expect((await s.scim('DELETE', `/Users/${user.id}`)).status).toBe(404);
    expect(
      (
        await s.scim('PATCH', `/Users/${user.id}`, {
          schemas: [PO],
          Operations: [{ op: 'replace', path: 'title', value: 'x' }],
        })
      ).status,
    ).toBe(404);
    expect(
      (await s.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)).body.totalResults,
    ).toBe(0);
  });

  it('never loses an update when PATCHes on one user race', async () => {
    const user = await createUser();
    const values = Array.from({ length: 6 }, (_, i) => `+1 555 000 ${i}`);
    const results = await Promise.all(
      values.map((value, i) =>
        s.scim('PATCH', `/Users/${user.id}`, {
          schemas: [PO],
          Operations: [{ op: 'add', path: 'phoneNumbers', value: [{ type: `t${i}`, value }] }],
        }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = await s.scim('GET', `/Users/${user.id}`);
    expect(final.body.phoneNumbers.map((p: { value: string }) => p.value).sort()).toEqual([...values].sort());
  });
});

describe('listing', () => {
  it('reads attributes=emails[type eq "work"] (Microsoft validator form) as the emails attribute', async () => {
    const user = await createUser();
    const res = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent(`id eq "${user.id}"`)}&attributes=${encodeURIComponent('emails[type eq "work"]')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.Resources[0]).toEqual({ schemas: [U], id: user.id, emails: user.emails });
  });

  it('pages with startIndex and count and reports the total', async () => {
    const prefix = `page_${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) await createUser(`${prefix}_${i}`);
    const f = encodeURIComponent(`userName sw "${prefix}"`);
    const first = await s.scim('GET', `/Users?filter=${f}&startIndex=1&count=2`);
    const second = await s.scim('GET', `/Users?filter=${f}&startIndex=3&count=2`);
    const counted = await s.scim('GET', `/Users?filter=${f}&count=0`);
    expect(first.body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    expect(second.body).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect(counted.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const ids = [...first.body.Resources, ...second.body.Resources].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(4);
  });
});
