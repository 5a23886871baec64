import { TableClient } from '@azure/data-tables';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { ChangeFeed } from '../../shared/store/changeFeed';
import { MembershipStore } from '../../shared/store/membershipStore';
import { PartitionTable } from '../../shared/store/partitionTable';
import { ResourceStore } from '../../shared/store/resourceStore';
import { TEST_ORIGIN } from '../support/changeOrigin';

const DAY = 86_400_000;
let azurite: EmbeddedAzurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, 'retention', { allowInsecureConnection: true });
});
afterAll(() => azurite.close());

async function rowsOf(tenant: string) {
  const keys: string[] = [];
  for await (const e of table.listEntities({
    queryOptions: { filter: `PartitionKey eq '${tenant}'`, select: ['RowKey'] },
  }))
    keys.push(e.rowKey as string);
  return keys;
}

/** Stores writing through a feed whose clock reads `at`. */
function storesAt(at: () => number) {
  const partitions = new PartitionTable(table);
  const feed = new ChangeFeed(partitions, { settleMs: 0, now: at });
  return { feed, resources: new ResourceStore(partitions, feed), memberships: new MembershipStore(partitions, feed) };
}

it('removes expired events with their history and name rows, reading only the expired events', async () => {
  const tenant = 'retention';
  const old = storesAt(() => Date.now() - 100 * DAY);
  const ada = await old.resources.create(tenant, 'User', { userName: 'ada', externalId: 'e-ada' }, 'd', TEST_ORIGIN);
  const group = await old.resources.create(tenant, 'Group', { displayName: 'Staff' }, 'd', TEST_ORIGIN);
  await old.memberships.change(
    tenant,
    group.meta.id,
    { add: [{ value: ada.meta.id, type: 'User' }], remove: [] },
    TEST_ORIGIN,
  );
  await old.resources.delete(tenant, 'User', ada.meta.id, TEST_ORIGIN);
  expect(await old.feed.deletedWith(tenant, 'User', 'userName', 'ADA')).toEqual([ada.meta.id]);

  const recent = storesAt(Date.now);
  const bob = await recent.resources.create(tenant, 'User', { userName: 'bob' }, 'd', TEST_ORIGIN);
  const feedRowsBefore = (await rowsOf(tenant)).filter((k) => /^[EHN]~/.test(k));

  expect(await recent.feed.expire(tenant, Date.now() - 90 * DAY)).toBe(4);
  const left = (await rowsOf(tenant)).filter((k) => /^[EHN]~/.test(k));
  // Bob's create is all that is left of the feed: its event and its history row.
  expect(left).toHaveLength(2);
  expect(feedRowsBefore.length).toBeGreaterThan(left.length);
  expect(await recent.feed.history(tenant, ada.meta.id)).toEqual([]);
  expect(await recent.feed.history(tenant, group.meta.id)).toEqual([]);
  expect(await recent.feed.deletedWith(tenant, 'User', 'userName', 'ada')).toEqual([]);
  expect((await recent.feed.history(tenant, bob.meta.id)).map((e) => e.operation)).toEqual(['create']);
  // The resources themselves are untouched: the group is still there.
  expect(await recent.resources.get(tenant, 'Group', group.meta.id)).toBeDefined();
  expect(await recent.feed.tenants()).toContain(tenant);
});
