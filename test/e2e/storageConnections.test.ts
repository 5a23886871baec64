import { randomUUID } from 'node:crypto';
import { MAX_SOCKETS_PER_HOST } from '../../shared/azureClients';
import { FaultProxy } from '../support/faultProxy';
import { ProxiedServer, startProxiedTestServer } from '../support/proxiedServer';
import { TestServer } from '../support/scimServer';
import { G, PO } from '../support/urns';

let server: ProxiedServer;
let proxy: FaultProxy;
let s: TestServer;

beforeAll(async () => {
  server = await startProxiedTestServer();
  ({ s, proxy } = server);
});
afterAll(() => server.close());

it('looks up 500 members of one group PATCH over at most MAX_SOCKETS_PER_HOST sockets to storage', async () => {
  const { body } = await s.scim('POST', '/Groups', { schemas: [G], displayName: 'Everyone' });
  const ids = Array.from({ length: 500 }, () => randomUUID());
  // Slow answers make the lookups pile up, as they do under load in Azure: uncapped, each would hold its own socket.
  proxy.slow(100);
  const before = proxy.requests.length;
  const res = await s.scim('PATCH', `/Groups/${body.id}`, {
    schemas: [PO],
    Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
  });
  expect(res.status).toBe(400); // none of them exists, and the answer names them
  expect(res.body.detail).toContain(ids[0]);
  expect(proxy.requests.length - before).toBeGreaterThanOrEqual(500); // each id was looked up in storage
  expect(proxy.sockets.peak).toBeLessThanOrEqual(MAX_SOCKETS_PER_HOST);
  console.log(
    `storage sockets: ${proxy.sockets.opened} opened, at most ${proxy.sockets.peak} at once, for ${proxy.requests.length - before} storage calls`,
  );
});
