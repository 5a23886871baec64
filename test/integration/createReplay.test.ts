import { TableClient } from '@azure/data-tables';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { ResourceService } from '../../shared/resources/resourceService';
import { buildSchemaRegistry } from '../../shared/scim/resourceSchema';
import { MembershipStore } from '../../shared/store/membershipStore';
import { PartitionTable } from '../../shared/store/partitionTable';
import { ResourceStore } from '../../shared/store/resourceStore';
import { U } from '../support/urns';
import { TEST_ORIGIN } from '../support/changeOrigin';

let azurite: EmbeddedAzurite;
let table: PartitionTable;
beforeAll(async () => {
  azurite = await startAzurite();
  table = new PartitionTable(
    TableClient.fromConnectionString(azurite.connectionString, 'replay', { allowInsecureConnection: true }),
  );
});
afterAll(() => azurite.close());

const schemas = buildSchemaRegistry([]);
const scope = {
  tenant: 'replay',
  baseUrl: 'https://example.test/scim/v2',
  log: { warn: () => undefined },
  origin: TEST_ORIGIN,
};
/** Two instances of the service on one table, each with its own clock: what two Function instances are. */
const serviceAt = (now: () => number) =>
  new ResourceService({ resources: new ResourceStore(table), memberships: new MembershipStore(table) }, schemas, {
    maxScan: 1000,
    createReplaySeconds: 300,
    now,
  });

it('replays a create on another instance within SCIM_CREATE_REPLAY_SECONDS, and refuses it after', async () => {
  const body = { schemas: [U], userName: 'replayed@contoso.com', active: true };
  const created = await serviceAt(Date.now).create(scope, schemas.user, body, {});
  const replayed = await serviceAt(() => Date.now() + 299_000).create(scope, schemas.user, body, {});
  expect(replayed.body.id).toBe(created.body.id);
  await expect(serviceAt(() => Date.now() + 301_000).create(scope, schemas.user, body, {})).rejects.toMatchObject({
    status: 409,
    scimType: 'uniqueness',
  });
});
