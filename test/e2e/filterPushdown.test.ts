import { pushdownFilter } from '../../shared/store/tableLayout';
import { planQuery } from '../../shared/scim/queryPlan';
import { parseFilter } from '../../shared/scim/filter';
import { runtime } from '../../shared/runtime';
import { startTestServer, TestServer } from '../support/scimServer';
import { U } from '../support/urns';

/** Filters on typed columns are answered by Table Storage (OData), and no value can widen the query. */

const TRICKY = [
  "x' or RowKey ne '",
  "O'Brien",
  "a') or (PartitionKey ne '",
  "plain' or '1' eq '1",
  "x\\' or true or \\'",
];

let s: TestServer;
const ids: Record<string, string> = {};
beforeAll(async () => {
  s = await startTestServer();
  for (const [i, title] of [...TRICKY, 'Engineer', 'engineer'].entries()) {
    const r = await s.scim('POST', '/Users', {
      schemas: [U],
      userName: `push${i}@contoso.com`,
      title,
      active: i % 2 === 0,
    });
    ids[title] = r.body.id;
  }
});
afterAll(() => s.close());

const find = async (filter: string) => {
  const r = await s.scim('GET', `/Users?filter=${encodeURIComponent(filter)}&count=100&attributes=title`);
  expect(r.status).toBe(200);
  return (r.body.Resources as Array<{ id: string; title: string }>).map((u) => u.title).sort();
};

describe('OData push-down', () => {
  it('writes every value as a literal with its quotes doubled, and booleans as keywords', () => {
    expect(
      pushdownFilter('User', [
        { column: 'title', op: 'eq', value: "x' or RowKey ne '" },
        { column: 'active', op: 'eq', value: false },
      ]),
    ).toBe("c_title eq 'x'' or RowKey ne ''' and c_active eq false");
    expect(pushdownFilter('User', [])).toBeUndefined();
  });

  it('lets storage do the narrowing: a scan plan yields only the rows its push-downs select', async () => {
    const {
      repository: { resources: store },
      schemas,
    } = runtime();
    const plan = planQuery(parseFilter('title eq "ENGINEER" and active eq false'), schemas.user, store.layout.User);
    expect(plan).toMatchObject({ kind: 'scan', where: [{ column: 'title' }, { column: 'active' }] });
    const titles: unknown[] = [];
    for await (const r of store.candidates('default', 'User', plan)) titles.push(r.data.title); // candidates are not re-filtered
    expect(titles).toEqual(['Engineer']); // the inactive one of the two engineers
  });

  it.each(TRICKY)('finds exactly the user whose title is %s, and nobody else', async (title) => {
    expect(await find(`title eq "${title.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).toEqual([title]);
  });

  it('compares case-insensitively, as the title attribute is not case-exact', async () => {
    expect(await find('title eq "ENGINEER"')).toEqual(['Engineer', 'engineer']);
    expect(await find('title gt "eng" and title lt "enh"')).toEqual(['Engineer', 'engineer']);
  });

  it('pushes down booleans and dateTimes with the same answers as in memory', async () => {
    const all = await find('title pr');
    const active = await find('active eq true');
    const inactive = await find('active eq "False"');
    expect([...active, ...inactive].sort()).toEqual(all);
    expect(active).toHaveLength(4);
    expect(await find('meta.lastModified gt "2000-01-01T00:00:00+14:00" and active eq false')).toEqual(inactive);
    expect(await find('meta.created lt "2000-01-01"')).toEqual([]);
  });
});
