import { TableClient } from '@azure/data-tables';
import { EmbeddedAzurite, startAzurite } from '../../tools/embeddedAzurite';
import { ResourceStore } from '../../shared/store/resourceStore';
import { PartitionTable } from '../../shared/store/partitionTable';
import { ResourceCounters } from '../../shared/store/counters';
import { planQuery } from '../../shared/scim/queryPlan';
import { parseFilter } from '../../shared/scim/filter';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';

let azurite: EmbeddedAzurite;
let table: TableClient;
let store: ResourceStore;
const schema = buildSchemaRegistry([]).user;

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, 'storetest', { allowInsecureConnection: true });
  store = new ResourceStore(new PartitionTable(table));
});
afterAll(async () => { await azurite.close(); });

async function rowsOf(tenant: string) {
  const keys: string[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${tenant}'` } })) keys.push(e.rowKey as string);
  return keys.sort();
}

async function find(tenant: string, filter: string) {
  const out: string[] = [];
  for await (const r of store.candidates(tenant, 'User', planQuery(parseFilter(filter), schema, store.layout.User))) out.push(r.data.userName as string);
  return out;
}

it('writes the resource and its index rows together and leaves nothing behind on delete', async () => {
  const u = await store.create('t-rows', 'User', { userName: 'Ada', externalId: 'ext-1', emails: [{ type: 'work', value: 'Ada@X.com' }] }, 'digest');
  // The create is counted by a delta row of its own, so parallel creates never write the same counter row.
  const counters = (await rowsOf('t-rows')).filter((r) => r.startsWith('C~'));
  expect(counters).toEqual([expect.stringMatching(/^C~User~d~[0-9a-f-]{36}$/)]);
  expect(await store.count('t-rows', 'User')).toBe(1);
  expect(await rowsOf('t-rows')).toEqual([
    ...counters,
    `R~User~${u.meta.id}`,
    `X~User~email~ada_0040x.com~${u.meta.id}`,
    `X~User~externalId~ext-1~${u.meta.id}`,
    'X~User~userName~ada',
  ].sort());
  await store.delete('t-rows', 'User', u.meta.id);
  // Only counter rows stay, and they add up to nothing.
  expect((await rowsOf('t-rows')).every((r) => r.startsWith('C~User~'))).toBe(true);
  expect(await store.count('t-rows', 'User')).toBe(0);
});

it('counts exactly under parallel creates and deletes, and folds the delta rows into one base row', async () => {
  const created = await Promise.all(Array.from({ length: 120 }, (_, i) => store.create('t-count', 'User', { userName: `u${i}` }, 'd')));
  await Promise.all(created.slice(0, 20).map((u) => store.delete('t-count', 'User', u.meta.id)));
  expect(await store.count('t-count', 'Group')).toBe(0);
  const counters = new ResourceCounters(new PartitionTable(table));
  expect(await counters.count('t-count', 'User')).toBe(100);
  await counters.fold('t-count', 'User');
  expect((await rowsOf('t-count')).filter((r) => r.startsWith('C~'))).toEqual(['C~User~base']);
  expect(await new ResourceCounters(new PartitionTable(table)).count('t-count', 'User')).toBe(100);
});

it('folds the deltas while a bulk load goes on, so a count after it reads a few hundred rows, not one per create', async () => {
  const bulk = new ResourceStore(new PartitionTable(table));
  for (let i = 0; i < 450; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => bulk.create('t-bulk', 'User', { userName: `b${i + k}` }, 'd')));
  const deltas = async () => (await rowsOf('t-bulk')).filter((r) => r.startsWith('C~User~d~')).length;
  const deadline = Date.now() + 20_000;
  while ((await deltas()) > 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await deltas()).toBeLessThanOrEqual(200);
  expect(await rowsOf('t-bulk')).toContain('C~User~base');
  expect(await new ResourceCounters(new PartitionTable(table)).count('t-bulk', 'User')).toBe(450);
});

it('moves index rows when indexed values change, in the same transaction', async () => {
  const u = await store.create('t-move', 'User', { userName: 'before', externalId: 'e1' }, 'd');
  await store.update('t-move', 'User', u.meta.id, () => ({ userName: 'after', externalId: 'e2' }));
  const rows = await rowsOf('t-move');
  expect(rows).toContain('X~User~userName~after');
  expect(rows).not.toContain('X~User~userName~before');
  expect(rows.filter((r) => r.startsWith('X~User~externalId~'))).toEqual([`X~User~externalId~e2~${u.meta.id}`]);
});

it('stores and finds values with characters Table keys forbid', async () => {
  const hostile = ['a/b', 'back\\slash', 'hash#tag', 'what?', 'tab\there', 'quote\'s', 'ünïcødé', 'x'.repeat(2000)];
  for (const userName of hostile) await store.create('t-keys', 'User', { userName, externalId: userName }, 'd');
  for (const userName of hostile) {
    expect(await find('t-keys', `userName eq ${JSON.stringify(userName.toUpperCase())}`)).toEqual([userName]);
    expect(await find('t-keys', `externalId eq ${JSON.stringify(userName)}`)).toEqual([userName]);
  }
});

it('keeps tenants apart: the same userName in two partitions, and index reads stay in their partition', async () => {
  await store.create('t-one', 'User', { userName: 'same' }, 'd');
  await store.create('t-two', 'User', { userName: 'same' }, 'd');
  expect(await find('t-one', 'userName eq "same"')).toEqual(['same']);
  expect(await find('t-three', 'userName eq "same"')).toEqual([]);
});

it('cannot be widened by a tenant or value that tries to close the OData literal', async () => {
  await store.create('t-odata', 'User', { userName: 'victim' }, 'd');
  const evil = "x' or PartitionKey ne '";
  expect(await find(evil, 'userName eq "victim"')).toEqual([]);
  const scanned: string[] = [];
  for await (const r of store.candidates(evil, 'User', { kind: 'scan', where: [] })) scanned.push(r.meta.id);
  expect(scanned).toEqual([]);
});
