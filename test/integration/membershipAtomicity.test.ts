import { TableClient, TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import fc from 'fast-check';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { PartitionTable } from '../../shared/store/partitionTable';
import { ResourceStore } from '../../shared/store/resourceStore';
import { MembershipStore } from '../../shared/store/membershipStore';
import { ResourceService, RequestScope } from '../../shared/resources/resourceService';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { ScimError } from '../../shared/scim/errors';
import { danglingMemberships, rowKeysOf } from '../support/membershipRows';
import { G, U } from '../support/urns';
import { TEST_ORIGIN } from '../support/changeOrigin';

/**
 * A membership never outlives its member or its group, whatever the order in which two instances' storage calls
 * reach the table. Each "instance" has its own client, stores and service (its own in-process write queues and
 * caches), as two Functions instances on one storage account have; fast-check's scheduler decides which pending
 * storage call is issued next, so the interleavings are chosen and replayable, not left to timing.
 */
let azurite: EmbeddedAzurite;
let client: TableClient;
const schemas = buildSchemaRegistry([]);
const scope = (tenant: string): RequestScope => ({
  tenant,
  baseUrl: 'https://scim.test/scim/v2',
  log: { warn: () => undefined },
  origin: TEST_ORIGIN,
});

beforeAll(async () => {
  azurite = await startAzurite();
  client = TableClient.fromConnectionString(azurite.connectionString, 'atomicity', { allowInsecureConnection: true });
});
afterAll(() => azurite.close());

/** Every storage call waits for its turn, which `gate` gives. */
class GatedTable extends PartitionTable {
  constructor(
    client: TableClient,
    private readonly gate: (label: string) => Promise<unknown>,
  ) {
    super(client);
  }
  override async getRow<T extends object>(tenant: string, rowKey: string, select?: string[]) {
    await this.gate(`read ${rowKey}`);
    return super.getRow<T>(tenant, rowKey, select);
  }
  override async *between<T extends object>(
    tenant: string,
    low: string,
    high: string,
    select?: string[],
    where?: string,
  ) {
    await this.gate(`range ${low}`);
    yield* super.between<T>(tenant, low, high, select, where);
  }
  override async submit(actions: TransactionAction[]): Promise<TableTransactionResponse> {
    await this.gate(`transaction of ${actions.length}`);
    return super.submit(actions);
  }
  override async merge<T extends { partitionKey: string; rowKey: string }>(entity: T) {
    await this.gate(`merge ${entity.rowKey}`);
    return super.merge(entity);
  }
  override async replace<T extends { partitionKey: string; rowKey: string }>(entity: T, etag: string) {
    await this.gate(`replace ${entity.rowKey}`);
    return super.replace(entity, etag);
  }
  override async deleteRow(partition: string, rowKey: string) {
    await this.gate(`delete ${rowKey}`);
    return super.deleteRow(partition, rowKey);
  }
}

function instance(gate: (label: string) => Promise<unknown> = async () => undefined) {
  const table = new GatedTable(client, gate);
  return new ResourceService(
    { resources: new ResourceStore(table), memberships: new MembershipStore(table) },
    schemas,
    { maxScan: 1000, createReplaySeconds: 0 },
  );
}

const rowKeys = (tenant: string) => rowKeysOf(client, tenant);

/** What each request may answer: success, or the SCIM error that says the resource is gone or unknown. */
async function outcomeOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (e) {
    if (e instanceof ScimError && (e.status === 400 || e.status === 404)) return e.status;
    throw e;
  }
}

const addMember = (svc: ResourceService, tenant: string, groupId: string, memberId: string) =>
  svc.patch(
    scope(tenant),
    schemas.group,
    groupId,
    [{ op: 'add', path: 'members', value: [{ value: memberId }] }],
    undefined,
    {},
  );

it('leaves no membership of a user deleted while ten groups add it, in any of twenty interleavings', async () => {
  for (let round = 0; round < 20; round++) {
    const tenant = `race-${round}`;
    const [a, b] = [instance(), instance()];
    const user = await a.create(scope(tenant), schemas.user, { schemas: [U], userName: 'ada' }, {});
    const groups = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        a.create(scope(tenant), schemas.group, { schemas: [G], displayName: `g${i}` }, {}),
      ),
    );
    const userId = user.body.id as string;
    const outcomes = await Promise.all([
      ...groups.map((g, i) => outcomeOf(addMember(i % 2 ? a : b, tenant, g.body.id as string, userId))),
      outcomeOf(b.delete(scope(tenant), schemas.user, userId, undefined)),
    ]);
    expect(outcomes.slice(0, 10).every((s) => s === 200 || s === 400)).toBe(true);
    expect(outcomes[10]).toBe(200);
    expect(danglingMemberships(await rowKeys(tenant))).toEqual([]);
    expect((await rowKeys(tenant)).filter((k) => k.includes(userId))).toEqual([]);
  }
});

it('lets a retried DELETE remove what a DELETE killed after its transaction left: the guard and memberships, then 404', async () => {
  const tenant = 'cut-short';
  const svc = instance();
  const user = (await svc.create(scope(tenant), schemas.user, { schemas: [U], userName: 'ada' }, {})).body.id as string;
  const group = (await svc.create(scope(tenant), schemas.group, { schemas: [G], displayName: 'g' }, {})).body
    .id as string;
  await addMember(svc, tenant, group, user);
  // What a process killed right after the DELETE's transaction leaves when the memberships did not fit into it.
  await client.submitTransaction([
    ['delete', { partitionKey: tenant, rowKey: `R~User~${user}` }],
    ['delete', { partitionKey: tenant, rowKey: 'X~User~userName~ada' }],
  ]);
  expect((await rowKeys(tenant)).filter((k) => k.includes(user)).sort()).toEqual([
    `M~${group}~${user}`,
    `R~User~${user}!`,
    `R~User~${user}!${group}`,
  ]);

  await expect(svc.delete(scope(tenant), schemas.user, user, undefined)).rejects.toMatchObject({ status: 404 });
  expect((await rowKeys(tenant)).filter((k) => k.includes(user))).toEqual([]);
});

type Op =
  | { kind: 'add' | 'remove'; on: 0 | 1; group: number; member: number }
  | { kind: 'replace'; on: 0 | 1; group: number; members: number[] }
  | { kind: 'deleteUser'; on: 0 | 1; member: number }
  | { kind: 'deleteGroup'; on: 0 | 1; group: number };

const USERS = 3;
const GROUPS = 2;
const side = fc.constantFrom<0 | 1>(0, 1);
const user = fc.integer({ min: 0, max: USERS - 1 });
const group = fc.integer({ min: 0, max: GROUPS - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom<'add' | 'remove'>('add', 'add', 'remove'), on: side, group, member: user }),
  fc.record({
    kind: fc.constant<'replace'>('replace'),
    on: side,
    group,
    members: fc.uniqueArray(user, { maxLength: USERS }),
  }),
  fc.record({ kind: fc.constant<'deleteUser'>('deleteUser'), on: side, member: user }),
  fc.record({ kind: fc.constant<'deleteGroup'>('deleteGroup'), on: side, group }),
);

it('keeps every membership tied to a living member and group, in both directions, over random interleavings of adds, removes, replaces and deletes on two instances', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 2, maxLength: 8 }), async (s, ops) => {
      const tenant = `prop-${run++}`;
      const setup = instance();
      const users = await Promise.all(
        Array.from({ length: USERS }, (_, i) =>
          setup.create(scope(tenant), schemas.user, { schemas: [U], userName: `u${i}` }, {}),
        ),
      );
      const groups = await Promise.all(
        Array.from({ length: GROUPS }, (_, i) =>
          setup.create(scope(tenant), schemas.group, { schemas: [G], displayName: `g${i}` }, {}),
        ),
      );
      const [uid, gid] = [(i: number) => users[i].body.id as string, (i: number) => groups[i].body.id as string];
      // Group 0 starts with user 0, so removes and deletes have something to race with.
      await addMember(setup, tenant, gid(0), uid(0));

      const sides = [
        instance((label) => s.schedule(Promise.resolve(label))),
        instance((label) => s.schedule(Promise.resolve(label))),
      ];
      const run1 = (o: Op) => {
        const svc = sides[o.on];
        switch (o.kind) {
          case 'add':
            return addMember(svc, tenant, gid(o.group), uid(o.member));
          case 'remove':
            return svc.patch(
              scope(tenant),
              schemas.group,
              gid(o.group),
              [{ op: 'remove', path: 'members', value: [{ value: uid(o.member) }] }],
              undefined,
              {},
            );
          case 'replace':
            return svc.replace(
              scope(tenant),
              schemas.group,
              gid(o.group),
              { schemas: [G], displayName: `g${o.group}`, members: o.members.map((m) => ({ value: uid(m) })) },
              undefined,
              {},
            );
          case 'deleteUser':
            return svc.delete(scope(tenant), schemas.user, uid(o.member), undefined);
          case 'deleteGroup':
            return svc.delete(scope(tenant), schemas.group, gid(o.group), undefined);
        }
      };
      const outcomes = await s.waitFor(Promise.all(ops.map((o) => outcomeOf(run1(o)))));

      const keys = await rowKeys(tenant);
      expect(danglingMemberships(keys)).toEqual([]);
      // Nothing at all is left of a deleted resource: no membership, no guard.
      const gone = [...users.map((u) => u.body.id as string), ...groups.map((g) => g.body.id as string)].filter(
        (id) => !keys.some((k) => k === `R~User~${id}` || k === `R~Group~${id}`),
      );
      expect(keys.filter((k) => gone.some((id) => k.includes(id)))).toEqual([]);
      // An add that answered success for a user and group both still there, with nothing in the run that could
      // take it out again, is a membership.
      ops.forEach((o, i) => {
        if (o.kind !== 'add' || outcomes[i] !== 200 || gone.includes(uid(o.member)) || gone.includes(gid(o.group)))
          return;
        if (ops.some((x) => (x.kind === 'remove' || x.kind === 'replace') && x.group === o.group)) return;
        expect(keys).toContain(`M~${gid(o.group)}~${uid(o.member)}`);
      });
    }),
    { numRuns: 40 },
  );
});
