import { TableClient } from '@azure/data-tables';
import { request, ScimReply, startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { G, PO, U } from '../support/urns';

const ACME = 'acme-token-0123456789abcdef0123456789';
const GLOBEX = ['globex-token-0123456789abcdef012345', 'globex-second-0123456789abcdef01234'];

let s: TestServer;
beforeAll(async () => {
  // A 1 s token cache: a wrong token waits for the tenant's next token read, which would otherwise be 5 s away.
  s = await startTestServer({
    SCIM_TENANT_TOKENS: JSON.stringify({ acme: ACME, globex: GLOBEX }),
    SCIM_TOKEN_CACHE_SECONDS: '1',
  });
});
afterAll(() => s.close());

/** A request to a tenant's base URL (`/scim/{tenant}/v2`, or `/scim/v2` for the default tenant). */
const at = (
  tenant: string | undefined,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ScimReply> =>
  request(`${s.host.url}/scim/${tenant ? `${tenant}/` : ''}v2${path}`, method, body, {
    Authorization: `Bearer ${token}`,
  });

const user = (userName: string) => ({
  schemas: [U],
  userName,
  active: true,
  externalId: `ext-${userName}`,
  emails: [{ type: 'work', value: `${userName}@example.com`, primary: true }],
});

describe('tenants in the URL', () => {
  it('serves each tenant at /scim/{tenant}/v2 with its own tokens, and the default tenant at /scim/v2', async () => {
    expect((await at('acme', ACME, 'GET', '/Users?count=1')).status).toBe(200);
    expect((await at('globex', GLOBEX[0], 'GET', '/Users?count=1')).status).toBe(200);
    expect((await at('globex', GLOBEX[1], 'GET', '/Users?count=1')).status).toBe(200);
    expect((await at(undefined, TOKEN, 'GET', '/Users?count=1')).status).toBe(200);
    const spc = await at('acme', ACME, 'GET', '/ServiceProviderConfig');
    expect(spc.status).toBe(200);
    expect(spc.body.meta.location).toBe(`${s.host.url}/scim/acme/v2/ServiceProviderConfig`);
  });

  it("answers a token on another tenant's URL exactly like a wrong token, also for tenants that do not exist", async () => {
    const replies = [
      await at('acme', GLOBEX[0], 'GET', '/Users'),
      await at('acme', TOKEN, 'GET', '/Users'),
      await at(undefined, ACME, 'GET', '/Users'),
      await at('initech', ACME, 'GET', '/Users'),
      await at('acme', 'not-a-token-at-all-0123456789', 'GET', '/Users'),
    ];
    for (const r of replies) {
      expect(r.status).toBe(401);
      expect(r.text).toBe(replies[0].text);
      expect(r.headers.get('www-authenticate')).toBe(replies[0].headers.get('www-authenticate'));
    }
  });

  it('matches the tenant case-insensitively, like the rest of the URL, and rejects malformed tenant ids with 404', async () => {
    expect((await at('ACME', ACME, 'GET', '/Users?count=1')).status).toBe(200);
    for (const bad of ['bad_tenant', '-acme', 'v1', 'a'.repeat(64), '%7Ecleanup', '%7Etokens']) {
      const r = await at(bad, ACME, 'GET', '/Users');
      expect(r.status).toBe(404);
      expect(r.body.detail).toMatch(/tenant id/);
    }
    // `/scim/v2/v2/Users` is the default tenant's base and an unknown path: the host prefers the literal `v2`.
    const r = await at('v2', TOKEN, 'GET', '/Users');
    expect([r.status, r.body.detail]).toEqual([404, expect.stringMatching(/no SCIM endpoint at "\/v2\/Users"/)]);
  });
});

describe('isolation between tenants', () => {
  let acmeAlice: string;
  let globexAlice: string;
  let acmeGroup: string;

  beforeAll(async () => {
    acmeAlice = (await at('acme', ACME, 'POST', '/Users', user('alice'))).body.id;
    globexAlice = (await at('globex', GLOBEX[0], 'POST', '/Users', user('alice'))).body.id; // same userName: no 409 across tenants
    acmeGroup = (await at('acme', ACME, 'POST', '/Groups', { schemas: [G], displayName: 'Staff' })).body.id;
    expect([acmeAlice, globexAlice, acmeGroup].every(Boolean)).toBe(true);
  });

  it("keeps each tenant's data in its own partition", async () => {
    const table = TableClient.fromConnectionString(s.azurite.connectionString, 'scim', {
      allowInsecureConnection: true,
    });
    const partitions = new Set<string>();
    for await (const e of table.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } }))
      if (String(e.rowKey).includes(acmeAlice)) partitions.add(e.partitionKey as string);
    expect([...partitions]).toEqual(['acme']);
  });

  it("finds only the tenant's own resources by filter, id and listing", async () => {
    const acme = await at('acme', ACME, 'GET', '/Users?filter=userName eq "alice"');
    expect(acme.body.Resources.map((r: { id: string }) => r.id)).toEqual([acmeAlice]);
    expect((await at('acme', ACME, 'GET', `/Users?filter=id eq "${globexAlice}"`)).body.totalResults).toBe(0);
    expect((await at('acme', ACME, 'GET', '/Users')).body.totalResults).toBe(1);
    expect((await at(undefined, TOKEN, 'GET', '/Users?filter=userName eq "alice"')).body.totalResults).toBe(0);
    expect(acme.body.Resources[0].meta.location).toBe(`${s.host.url}/scim/acme/v2/Users/${acmeAlice}`);
  });

  it("cannot read, change or delete another tenant's resource by its id", async () => {
    expect((await at('acme', ACME, 'GET', `/Users/${globexAlice}`)).status).toBe(404);
    expect((await at('acme', ACME, 'PUT', `/Users/${globexAlice}`, user('mallory'))).status).toBe(404);
    expect(
      (
        await at('acme', ACME, 'PATCH', `/Users/${globexAlice}`, {
          schemas: [PO],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        })
      ).status,
    ).toBe(404);
    expect((await at('acme', ACME, 'DELETE', `/Users/${globexAlice}`)).status).toBe(404);
    const still = await at('globex', GLOBEX[0], 'GET', `/Users/${globexAlice}`);
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({ userName: 'alice', active: true });
  });

  it("refuses another tenant's user as a group member, naming it, and changes nothing", async () => {
    const r = await at('acme', ACME, 'PATCH', `/Groups/${acmeGroup}`, {
      schemas: [PO],
      Operations: [{ op: 'add', path: 'members', value: [{ value: acmeAlice }, { value: globexAlice }] }],
    });
    expect(r.status).toBe(400);
    expect(r.body.detail).toContain(globexAlice);
    expect((await at('acme', ACME, 'GET', `/Groups/${acmeGroup}`)).body.members ?? []).toEqual([]);
    expect((await at('globex', GLOBEX[0], 'GET', `/Users/${globexAlice}`)).body.groups ?? []).toEqual([]);
  });

  it('is not widened by filter values or ids crafted to escape the partition', async () => {
    const crafted = [
      `userName eq "alice' or PartitionKey ne 'x"`,
      `userName eq "x' or RowKey ge '"`,
      `externalId eq "ext-alice' or PartitionKey eq 'globex"`,
      `id eq "${globexAlice}' or '1' eq '1"`,
      `emails[type eq "work" and value eq "alice@example.com') or (PartitionKey eq 'globex"]`,
      `userName eq "alice" or userName eq "alice\\" or PartitionKey eq \\"globex"`,
    ];
    for (const filter of crafted) {
      const r = await at('acme', ACME, 'GET', `/Users?filter=${encodeURIComponent(filter)}`);
      expect([200, 400]).toContain(r.status);
      for (const found of r.body.Resources ?? []) expect(found.id).toBe(acmeAlice);
    }
    for (const id of [
      `..%2F..%2Fglobex%2Fv2%2FUsers%2F${globexAlice}`,
      `${globexAlice}%27%20or%20%271%27%20eq%20%271`,
      '%7E',
      `R~User~${globexAlice}`,
    ]) {
      const r = await at('acme', ACME, 'GET', `/Users/${id}`);
      expect(r.status).toBe(404);
    }
    const search = await at('acme', ACME, 'POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName eq "alice"',
    });
    expect(search.body.Resources.map((r: { id: string }) => r.id)).toEqual([acmeAlice]);
  });

  it('never logs a token', () => {
    const logs = s.logs.join('\n');
    for (const t of [TOKEN, ACME, ...GLOBEX]) expect(logs).not.toContain(t);
  });
});
