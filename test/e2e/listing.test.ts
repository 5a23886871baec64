import { randomUUID } from 'node:crypto';
import { startTestServer, TestServer } from '../support/scimServer';
import { ERR, G, LR, U } from '../support/urns';

/** Listing, paging (index and RFC 9865 cursor), count=0 and POST /.search over HTTP against Azurite. */

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const USERS = 25;

let s: TestServer;
let ids: string[];
beforeAll(async () => {
  s = await startTestServer();
  const created = await Promise.all(
    Array.from({ length: USERS }, (_, i) =>
      s.scim('POST', '/Users', {
        schemas: [U],
        userName: `list${String(i).padStart(2, '0')}@contoso.com`,
        title: i % 3 === 0 ? 'Engineer' : 'Sales',
        displayName: `Person ${i}`,
      }),
    ),
  );
  ids = created.map((r) => r.body.id as string).sort();
  await s.scim('POST', '/Groups', { schemas: [G], displayName: 'Person 3' });
  await s.scim('POST', '/Groups', { schemas: [G], displayName: 'Support' });
});
afterAll(async () => {
  await s.close();
});

const idsOf = (body: { Resources: Array<{ id: string }> }) => body.Resources.map((r) => r.id);

async function pageThroughByIndex(path: string, count: number) {
  const seen: string[] = [];
  for (let start = 1; ; start += count) {
    const res = await s.scim('GET', `${path}${path.includes('?') ? '&' : '?'}startIndex=${start}&count=${count}`);
    expect(res.status).toBe(200);
    expect(res.body.startIndex).toBe(start);
    if (!res.body.Resources.length) return { seen, total: res.body.totalResults as number };
    seen.push(...idsOf(res.body));
  }
}

async function pageThroughByCursor(path: string, count: number) {
  const seen: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 100; pages++) {
    const res = await s.scim('GET', `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}&count=${count}`);
    expect(res.status).toBe(200);
    expect(res.body.startIndex).toBeUndefined();
    seen.push(...idsOf(res.body));
    if (res.body.nextCursor === undefined) return { seen, pages: pages + 1, total: res.body.totalResults as number };
    expect(res.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/); // RFC 9865: unreserved characters only
    cursor = res.body.nextCursor;
  }
  throw new Error('cursor paging did not end');
}

describe('index paging (startIndex/count)', () => {
  it('pages through every user once, in a stable id order, with an exact totalResults', async () => {
    const { seen, total } = await pageThroughByIndex('/Users', 10);
    expect(total).toBe(USERS);
    expect(seen).toEqual(ids);
  });

  it('starts at any startIndex without earlier pages having been read', async () => {
    const res = await s.scim('GET', '/Users?startIndex=7&count=4');
    expect(idsOf(res.body)).toEqual(ids.slice(6, 10));
    expect(res.body).toMatchObject({ schemas: [LR], totalResults: USERS, startIndex: 7, itemsPerPage: 4 });
  });

  it('answers count=0 with only totalResults', async () => {
    const res = await s.scim('GET', '/Users?count=0');
    expect(res.body).toMatchObject({ totalResults: USERS, itemsPerPage: 0, Resources: [] });
    const filtered = await s.scim('GET', `/Users?count=0&filter=${encodeURIComponent('title eq "Engineer"')}`);
    expect(filtered.body).toMatchObject({ totalResults: 9, itemsPerPage: 0, Resources: [] });
  });

  it('answers a startIndex past the end with an empty page and the real total', async () => {
    const res = await s.scim('GET', `/Users?startIndex=${USERS + 5}&count=10`);
    expect(res.body).toMatchObject({ totalResults: USERS, itemsPerPage: 0, Resources: [] });
  });

  it('clamps count to the advertised maximum', async () => {
    const config = await s.scim('GET', '/ServiceProviderConfig');
    const max = config.body.filter.maxResults as number;
    const res = await s.scim('GET', `/Users?count=${max + 50}`);
    expect(res.body.itemsPerPage).toBeLessThanOrEqual(max);
    expect(res.body.itemsPerPage).toBe(Math.min(USERS, max));
  });

  it('pages a filtered query, every match once', async () => {
    const { seen, total } = await pageThroughByIndex(`/Users?filter=${encodeURIComponent('title eq "Engineer"')}`, 4);
    expect(total).toBe(9);
    expect(new Set(seen).size).toBe(9);
    for (const id of seen) expect((await s.scim('GET', `/Users/${id}`)).body.title).toBe('Engineer');
  });
});

describe('cursor paging (RFC 9865)', () => {
  it('pages through every user once and omits nextCursor on the last page', async () => {
    const { seen, pages, total } = await pageThroughByCursor('/Users', 10);
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
    expect(total).toBe(USERS);
  });

  it('pages a filtered query with cursors', async () => {
    const { seen, total } = await pageThroughByCursor(`/Users?filter=${encodeURIComponent('title eq "Sales"')}`, 5);
    expect(total).toBe(USERS - 9);
    expect(new Set(seen).size).toBe(USERS - 9);
  });

  it('refuses a cursor of another query, or one it never issued, with 400 invalidCursor', async () => {
    const first = await s.scim('GET', '/Users?cursor=&count=5');
    const other = await s.scim(
      'GET',
      `/Users?cursor=${first.body.nextCursor}&count=5&filter=${encodeURIComponent('title eq "Sales"')}`,
    );
    for (const res of [
      other,
      await s.scim('GET', '/Users?cursor=bm90LWEtY3Vyc29y&count=5'),
      await s.scim('GET', '/Users?cursor=%22%3B--&count=5'),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.schemas).toEqual([ERR]);
      expect(res.body.scimType).toBe('invalidCursor');
      expect(res.body.detail).toMatch(/nextCursor/);
    }
  });

  it('advertises both paging methods in ServiceProviderConfig', async () => {
    const config = await s.scim('GET', '/ServiceProviderConfig');
    expect(config.body.pagination).toMatchObject({ cursor: true, index: true, defaultPaginationMethod: 'index' });
    expect(config.body.pagination.maxPageSize).toBe(config.body.filter.maxResults);
  });
});

describe('groups of listed users', () => {
  it("shows each user's groups on a page, whether read for the page at once or per user", async () => {
    const groups = (await s.scim('GET', '/Groups?attributes=displayName')).body.Resources as Array<{
      id: string;
      displayName: string;
    }>;
    const support = groups.find((g) => g.displayName === 'Support')!;
    const person3 = groups.find((g) => g.displayName === 'Person 3')!;
    const add = (g: string, members: string[]) =>
      s.scim('PATCH', `/Groups/${g}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }],
      });
    await add(support.id, [ids[0], ids[2], ids[24]]);
    await add(person3.id, [ids[2]]);
    const expected = (id: string) =>
      [
        ...(id === ids[0] || id === ids[2] || id === ids[24] ? ['Support'] : []),
        ...(id === ids[2] ? ['Person 3'] : []),
      ].sort();
    const shown = (r: { groups?: Array<{ display: string; type: string }> }) =>
      (r.groups ?? []).map((g) => g.display).sort();
    const plain = [
      ...(await s.scim('GET', '/Users?count=10')).body.Resources,
      ...(await s.scim('GET', '/Users?startIndex=11&count=20')).body.Resources,
    ];
    const filtered = (await s.scim('GET', `/Users?count=50&filter=${encodeURIComponent('userName sw "list"')}`)).body
      .Resources;
    for (const list of [plain, filtered]) {
      expect(list).toHaveLength(USERS);
      for (const r of list) expect([r.id, shown(r)]).toEqual([r.id, expected(r.id)]);
    }
    expect(plain.find((r: { id: string }) => r.id === ids[2]).groups[0]).toMatchObject({
      type: 'direct',
      $ref: expect.stringMatching(/\/Groups\//),
    });
  });
});

describe('totalResults follows creates and deletes', () => {
  it('counts parallel creates exactly and drops deleted users', async () => {
    const before = (await s.scim('GET', '/Users?count=0')).body.totalResults as number;
    const made = await Promise.all(
      Array.from({ length: 12 }, () => s.scim('POST', '/Users', { schemas: [U], userName: `count_${randomUUID()}` })),
    );
    expect(made.every((r) => r.status === 201)).toBe(true);
    expect((await s.scim('GET', '/Users?count=0')).body.totalResults).toBe(before + 12);
    await Promise.all(made.map((r) => s.scim('DELETE', `/Users/${r.body.id}`)));
    expect((await s.scim('GET', '/Users?count=0')).body.totalResults).toBe(before);
  });

  it('does not count a create refused for uniqueness', async () => {
    const before = (await s.scim('GET', '/Users?count=0')).body.totalResults as number;
    const dup = await s.scim('POST', '/Users', { schemas: [U], userName: 'LIST00@contoso.com' });
    expect(dup.status).toBe(409);
    expect((await s.scim('GET', '/Users?count=0')).body.totalResults).toBe(before);
  });
});

describe('POST /.search (RFC 7644 §3.4.3)', () => {
  it('runs a SearchRequest on /Users with filter, attributes and paging', async () => {
    const res = await s.scim('POST', '/Users/.search', {
      schemas: [SEARCH],
      filter: 'title eq "Engineer"',
      attributes: ['userName'],
      startIndex: 1,
      count: 3,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [LR], totalResults: 9, itemsPerPage: 3, startIndex: 1 });
    for (const r of res.body.Resources) {
      expect(Object.keys(r).sort()).toEqual(['id', 'schemas', 'userName']);
    }
  });

  it('accepts attribute names in any case and excludedAttributes as a string', async () => {
    const res = await s.scim('POST', '/Users/.search', {
      schemas: [SEARCH],
      Filter: 'userName eq "list01@contoso.com"',
      excludedAttributes: 'title,meta',
    });
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].title).toBeUndefined();
    expect(res.body.Resources[0].meta).toBeUndefined();
    expect(res.body.Resources[0].userName).toBe('list01@contoso.com');
  });

  it('searches groups on /Groups/.search', async () => {
    const res = await s.scim('POST', '/Groups/.search', { schemas: [SEARCH], filter: 'displayName eq "Support"' });
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].displayName).toBe('Support');
  });

  it('searches every resource type at the root, users first', async () => {
    const all = await s.scim('POST', '/.search', { schemas: [SEARCH], count: 200 });
    const users = (await s.scim('GET', '/Users?count=0')).body.totalResults as number;
    expect(all.body.totalResults).toBe(users + 2);
    expect(all.body.Resources.at(-1).schemas).toEqual([G]);
    const named = await s.scim('POST', '/.search', { schemas: [SEARCH], filter: 'displayName eq "Person 3"' });
    expect(named.body.totalResults).toBe(2);
    expect(named.body.Resources.map((r: { schemas: string[] }) => r.schemas[0])).toEqual([U, G]);
    const usersOnly = await s.scim('POST', '/.search', {
      schemas: [SEARCH],
      filter: 'userName eq "list02@contoso.com"',
    });
    expect(usersOnly.body.totalResults).toBe(1);
  });

  it('pages across types at the root with a cursor', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const res = await s.scim('POST', '/.search', {
        schemas: [SEARCH],
        filter: 'displayName sw "Person"',
        cursor,
        count: 7,
      });
      seen.push(...idsOf(res.body));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(new Set(seen).size).toBe(USERS + 1);
  });

  it.each([
    ['a filter naming no attribute of any type', { schemas: [SEARCH], filter: 'nonsense eq "x"' }, 'invalidFilter'],
    ['a malformed filter', { schemas: [SEARCH], filter: 'userName eq' }, 'invalidFilter'],
    ['a filter that is not a string', { schemas: [SEARCH], filter: 5 }, 'invalidSyntax'],
    ['a body without the SearchRequest schema', { schemas: [U], filter: 'userName pr' }, 'invalidSyntax'],
  ])('answers %s with 400', async (_, body, scimType) => {
    for (const path of ['/.search', '/Users/.search']) {
      const res = await s.scim('POST', path, body);
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe(scimType);
    }
  });

  it('allows only POST on .search', async () => {
    const res = await s.scim('GET', '/Users/.search');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('sorting (RFC 7644 §3.4.2.3)', () => {
  const names = Array.from({ length: USERS }, (_, i) => `list${String(i).padStart(2, '0')}@contoso.com`);
  const userNamesOf = async (ids: string[]) =>
    Promise.all(
      ids.map(async (id) => (await s.scim('GET', `/Users/${id}?attributes=userName`)).body.userName as string),
    );

  it('pages a descending userName sort by startIndex and by cursor, the same total order either way', async () => {
    const byIndex = await pageThroughByIndex('/Users?sortBy=userName&sortOrder=descending', 7);
    expect(byIndex.total).toBe(USERS);
    expect(await userNamesOf(byIndex.seen)).toEqual([...names].reverse());
    const byCursor = await pageThroughByCursor('/Users?sortBy=userName&sortOrder=descending', 7);
    expect(byCursor.seen).toEqual(byIndex.seen);
  });

  it('sorts a filtered query, ties in the sort key broken by id', async () => {
    const res = await s.scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName sw "list1"')}&sortBy=title&count=100`,
    );
    const rows = res.body.Resources.map((r: { id: string; title: string }) => [r.title, r.id]);
    const expected = [...rows].sort((a: string[], b: string[]) =>
      a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1,
    );
    expect(rows).toEqual(expected);
    expect(rows.map((r: string[]) => r[0])).toEqual([...Array(3).fill('Engineer'), ...Array(7).fill('Sales')]); // list10..19: i % 3 === 0 for 12, 15, 18
  });

  it('sorts in a SearchRequest too', async () => {
    const res = await s.scim('POST', '/Users/.search', {
      schemas: [SEARCH],
      sortBy: 'userName',
      sortOrder: 'descending',
      count: 3,
      attributes: ['userName'],
    });
    expect(res.body.Resources.map((r: { userName: string }) => r.userName)).toEqual([...names].reverse().slice(0, 3));
  });

  it('refuses an unknown sortBy or sortOrder with 400 before reading anything', async () => {
    const unknown = await s.scim('GET', '/Users?sortBy=shoeSize');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      schemas: [ERR],
      scimType: 'invalidPath',
      detail: expect.stringContaining('shoeSize'),
    });
    const order = await s.scim('GET', '/Users?sortBy=userName&sortOrder=sideways');
    expect(order.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('advertises sorting in ServiceProviderConfig', async () => {
    expect((await s.scim('GET', '/ServiceProviderConfig')).body.sort).toEqual({ supported: true });
  });
});

describe('users filtered by the groups they belong to', () => {
  it('answers groups.value eq "<id>" from membership rows, in any case of the id (caseExact false), and its negation', async () => {
    const group = (await s.scim('POST', '/Groups', { schemas: [G], displayName: 'Filtered by' })).body;
    await s.scim('PATCH', `/Groups/${group.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids[3] }, { value: ids[7] }] }],
    });
    const matching = async (filter: string) =>
      idsOf((await s.scim('GET', `/Users?count=100&filter=${encodeURIComponent(filter)}`)).body).sort();
    expect(await matching(`groups.value eq "${group.id}"`)).toEqual([ids[3], ids[7]].sort());
    expect(await matching(`groups[value eq "${group.id.toUpperCase()}"]`)).toEqual([ids[3], ids[7]].sort());
    expect(await matching(`userName sw "list" and not (groups.value eq "${group.id}")`)).toEqual(
      ids.filter((id) => id !== ids[3] && id !== ids[7]),
    );
    await s.scim('DELETE', `/Groups/${group.id}`);
  });

  it('refuses other conditions on groups, and sorting by them, rather than answering as if users had none', async () => {
    const byDisplay = await s.scim('GET', `/Users?filter=${encodeURIComponent('groups.display eq "Support"')}`);
    expect(byDisplay.body).toMatchObject({
      status: '400',
      scimType: 'invalidFilter',
      detail: expect.stringContaining('groups.value eq'),
    });
    const sorted = await s.scim('GET', '/Users?sortBy=groups.display');
    expect(sorted.body).toMatchObject({
      status: '400',
      scimType: 'invalidPath',
      detail: expect.stringContaining('groups'),
    });
  });
});
