import { TableClient } from '@azure/data-tables';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { ResourceStore } from '../../shared/store/resourceStore';
import { PartitionTable } from '../../shared/store/partitionTable';
import { ResourceCounters } from '../../shared/store/counters';
import { MembershipStore } from '../../shared/store/membershipStore';
import { encodeKeyPart, memberOfKey, membershipGuardKey, resourceKey, resourceSpanEnd } from '../../shared/store/keys';
import { planQuery } from '../../shared/scim/queryPlan';
import { parseFilter } from '../../shared/scim/filter';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { TEST_ORIGIN } from '../support/changeOrigin';

let azurite: EmbeddedAzurite;
let table: TableClient;
let store: ResourceStore;
const schema = buildSchemaRegistry([]).user;

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, 'storetest', { allowInsecureConnection: true });
  store = new ResourceStore(new PartitionTable(table));
});
afterAll(async () => {
  await azurite.close();
});

async function rowsOf(tenant: string) {
  const keys: string[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant}'` } }))
    keys.push(e.rowKey as string);
  return keys.sort();
}

async function find(tenant: string, filter: string) {
  const out: string[] = [];
  for await (const r of store.candidates(tenant, 'User', planQuery(parseFilter(filter), schema, store.layout.User)))
    out.push(r.data.userName as string);
  return out;
}

it('writes the resource and its index rows together and leaves nothing behind on delete', async () => {
  const u = await store.create(
    't-rows',
    'User',
    { userName: 'Ada', externalId: 'ext-1', emails: [{ type: 'work', value: 'Ada@X.com' }] },
    'digest',
    TEST_ORIGIN,
  );
  // The create is counted by a delta row of its own, so parallel creates never write the same counter row.
  const counters = (await rowsOf('t-rows')).filter((r) => r.startsWith('C~'));
  expect(counters).toEqual([expect.stringMatching(/^C~User~d~[0-9a-f-]{36}$/)]);
  expect(await store.count('t-rows', 'User')).toBe(1);
  expect(await rowsOf('t-rows')).toEqual(
    [
      ...counters,
      `R~User~${u.meta.id}`,
      `X~User~email~ada_0040x.com~${u.meta.id}`,
      `X~User~externalId~ext-1~${u.meta.id}`,
      'X~User~userName~ada',
    ].sort(),
  );
  await store.delete('t-rows', 'User', u.meta.id, TEST_ORIGIN);
  // Only counter rows stay, and they add up to nothing.
  expect((await rowsOf('t-rows')).every((r) => r.startsWith('C~User~'))).toBe(true);
  expect(await store.count('t-rows', 'User')).toBe(0);
});

it('counts exactly under parallel creates and deletes, and folds the delta rows into one base row', async () => {
  const created = await Promise.all(
    Array.from({ length: 120 }, (_, i) => store.create('t-count', 'User', { userName: `u${i}` }, 'd', TEST_ORIGIN)),
  );
  await Promise.all(created.slice(0, 20).map((u) => store.delete('t-count', 'User', u.meta.id, TEST_ORIGIN)));
  expect(await store.count('t-count', 'Group')).toBe(0);
  const counters = new ResourceCounters(new PartitionTable(table));
  expect(await counters.count('t-count', 'User')).toBe(100);
  await counters.fold('t-count', 'User');
  expect((await rowsOf('t-count')).filter((r) => r.startsWith('C~'))).toEqual(['C~User~base']);
  expect(await new ResourceCounters(new PartitionTable(table)).count('t-count', 'User')).toBe(100);
});

it('folds the deltas while a bulk load goes on, so a count after it reads a few hundred rows, not one per create', async () => {
  const bulk = new ResourceStore(new PartitionTable(table));
  for (let i = 0; i < 450; i += 50)
    await Promise.all(
      Array.from({ length: 50 }, (_, k) => bulk.create('t-bulk', 'User', { userName: `b${i + k}` }, 'd', TEST_ORIGIN)),
    );
  const deltas = async () => (await rowsOf('t-bulk')).filter((r) => r.startsWith('C~User~d~')).length;
  const deadline = Date.now() + 20_000;
  while ((await deltas()) > 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await deltas()).toBeLessThanOrEqual(200);
  expect(await rowsOf('t-bulk')).toContain('C~User~base');
  expect(await new ResourceCounters(new PartitionTable(table)).count('t-bulk', 'User')).toBe(450);
});

it('moves index rows when indexed values change, in the same transaction', async () => {
  const u = await store.create('t-move', 'User', { userName: 'before', externalId: 'e1' }, 'd', TEST_ORIGIN);
  await store.update('t-move', 'User', u.meta.id, 'patch', TEST_ORIGIN, () => ({
    userName: 'after',
    externalId: 'e2',
  }));
  const rows = await rowsOf('t-move');
  expect(rows).toContain('X~User~userName~after');
  expect(rows).not.toContain('X~User~userName~before');
  expect(rows.filter((r) => r.startsWith('X~User~externalId~'))).toEqual([`X~User~externalId~e2~${u.meta.id}`]);
});

it('stores and finds values with characters Table keys forbid', async () => {
  const hostile = ['a/b', 'back\\slash', 'hash#tag', 'what?', 'tab\there', "quote's", 'ünïcødé', 'x'.repeat(2000)];
  for (const userName of hostile)
    await store.create('t-keys', 'User', { userName, externalId: userName }, 'd', TEST_ORIGIN);
  for (const userName of hostile) {
    expect(await find('t-keys', `userName eq ${JSON.stringify(userName.toUpperCase())}`)).toEqual([userName]);
    expect(await find('t-keys', `externalId eq ${JSON.stringify(userName)}`)).toEqual([userName]);
  }
});

it('keeps tenants apart: the same userName in two partitions, and index reads stay in their partition', async () => {
  await store.create('t-one', 'User', { userName: 'same' }, 'd', TEST_ORIGIN);
  await store.create('t-two', 'User', { userName: 'same' }, 'd', TEST_ORIGIN);
  expect(await find('t-one', 'userName eq "same"')).toEqual(['same']);
  expect(await find('t-three', 'userName eq "same"')).toEqual([]);
});

it('cannot be widened by a tenant or value that tries to close the OData literal', async () => {
  await store.create('t-odata', 'User', { userName: 'victim' }, 'd', TEST_ORIGIN);
  const evil = "x' or PartitionKey ne '";
  expect(await find(evil, 'userName eq "victim"')).toEqual([]);
  const scanned: string[] = [];
  for await (const r of store.candidates(evil, 'User', { kind: 'scan', where: [] })) scanned.push(r.meta.id);
  expect(scanned).toEqual([]);
});

describe("a member's group rows, kept right after its own row", () => {
  const tenant = 't-memberof';
  const memberships = () => new MembershipStore(new PartitionTable(table));

  it("sort between the member and the next resource, even one whose id extends the member's", () => {
    // Every character an encoded id can hold, as the next character of a longer id.
    for (const c of encodeKeyPart('-.09AZaz_ /#')) {
      const id = 'abc';
      expect(resourceKey('User', id) < memberOfKey('User', id, 'g')).toBe(true);
      expect(memberOfKey('User', id, 'z'.repeat(40)) < resourceSpanEnd('User', id)).toBe(true);
      expect(resourceSpanEnd('User', id) <= resourceKey('User', id + c)).toBe(true);
    }
  });

  it('come back with the member in one range read, stay out of scans and listings, and leave with the member in one transaction', async () => {
    const [ada, bob] = await Promise.all(
      ['ada', 'bob'].map((userName) => store.create(tenant, 'User', { userName }, 'd', TEST_ORIGIN)),
    );
    const [g1, g2] = await Promise.all(
      ['g1', 'g2'].map((displayName) => store.create(tenant, 'Group', { displayName }, 'd', TEST_ORIGIN)),
    );
    for (const g of [g1, g2])
      await memberships().change(
        tenant,
        g.meta.id,
        { add: [ada, bob].map((u) => ({ value: u.meta.id, type: 'User' as const })), remove: [] },
        TEST_ORIGIN,
      );

    const rows = await rowsOf(tenant);
    const adaRow = rows.indexOf(`R~User~${ada.meta.id}`);
    // First the membership guard every add writes (its DELETE holds it), then one row per group.
    expect(rows.slice(adaRow + 1, adaRow + 4)).toEqual([
      membershipGuardKey('User', ada.meta.id),
      ...[g1, g2].map((g) => memberOfKey('User', ada.meta.id, g.meta.id)).sort(),
    ]);
    const groupIds = [g1.meta.id, g2.meta.id].sort();
    expect((await store.get(tenant, 'User', ada.meta.id, true))?.memberOf).toEqual(groupIds);
    expect((await store.get(tenant, 'User', ada.meta.id))?.memberOf).toBeUndefined();
    expect(
      (await store.update(tenant, 'User', ada.meta.id, 'patch', TEST_ORIGIN, (c) => ({ ...c.data, title: 'x' })))
        .memberOf,
    ).toEqual(groupIds);

    const scanned: string[] = [];
    for await (const r of store.candidates(tenant, 'User', { kind: 'scan', where: [] }))
      scanned.push(r.data.userName as string);
    expect(scanned.sort()).toEqual(['ada', 'bob']);
    expect((await store.pageAfter(tenant, 'User', undefined, 10)).items.map((r) => r.data.userName).sort()).toEqual([
      'ada',
      'bob',
    ]);
    const ids: string[] = [];
    for await (const id of store.ids(tenant, 'User')) ids.push(id);
    expect(ids.sort()).toEqual([ada.meta.id, bob.meta.id].sort());
    expect(await memberships().groupsOfConsecutive(tenant, 'User', [ada.meta.id, bob.meta.id].sort())).toEqual(
      new Map([
        [ada.meta.id, groupIds],
        [bob.meta.id, groupIds],
      ]),
    );

    await store.delete(tenant, 'User', ada.meta.id, TEST_ORIGIN);
    expect((await rowsOf(tenant)).filter((r) => r.includes(ada.meta.id))).toEqual([]);
    for (const g of [g1, g2]) expect(await memberships().isMember(tenant, g.meta.id, bob.meta.id)).toBe(true);
  });

  it('do not block deleting a member whose membership is half gone (a purge cut short), and are removed with it', async () => {
    const carol = await store.create(tenant, 'User', { userName: 'carol' }, 'd', TEST_ORIGIN);
    const g3 = await store.create(tenant, 'Group', { displayName: 'g3' }, 'd', TEST_ORIGIN);
    await memberships().change(
      tenant,
      g3.meta.id,
      { add: [{ value: carol.meta.id, type: 'User' }], remove: [] },
      TEST_ORIGIN,
    );
    await table.deleteEntity(tenant, `M~${g3.meta.id}~${carol.meta.id}`);
    await store.delete(tenant, 'User', carol.meta.id, TEST_ORIGIN);
    expect((await rowsOf(tenant)).filter((r) => r.includes(carol.meta.id))).toEqual([]);
  });

  it('of a group inside a group: removing it needs no type, and deleting it removes it from its parent', async () => {
    const [outer, inner, other] = await Promise.all(
      ['outer', 'inner', 'other'].map((displayName) =>
        store.create(tenant, 'Group', { displayName }, 'd', TEST_ORIGIN),
      ),
    );
    await memberships().change(
      tenant,
      outer.meta.id,
      { add: [inner, other].map((g) => ({ value: g.meta.id, type: 'Group' as const })), remove: [] },
      TEST_ORIGIN,
    );
    expect(await memberships().groupsOf(tenant, 'Group', inner.meta.id)).toEqual([outer.meta.id]);
    await memberships().change(tenant, outer.meta.id, { add: [], remove: [inner.meta.id] }, TEST_ORIGIN);
    // The member's own row and its membership guard stay, which lives as long as the member does.
    expect((await rowsOf(tenant)).filter((r) => r.includes(inner.meta.id)).sort()).toEqual([
      `R~Group~${inner.meta.id}`,
      membershipGuardKey('Group', inner.meta.id),
    ]);
    await store.delete(tenant, 'Group', other.meta.id, TEST_ORIGIN);
    expect(await memberships().isMember(tenant, outer.meta.id, other.meta.id)).toBe(false);
    expect((await rowsOf(tenant)).filter((r) => r.includes(other.meta.id))).toEqual([]);
  });
});
