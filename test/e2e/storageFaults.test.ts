import { FaultProxy } from '../support/faultProxy';
import { ProxiedServer, startProxiedTestServer } from '../support/proxiedServer';
import { request, ScimReply, TestServer, TOKEN } from '../support/scimServer';
import { PO, U } from '../support/urns';

/** Short, so a hung call is cut quickly here; the default is 10 s. */
const TIMEOUT_MS = 1_000;
const ACME_TOKEN = 'acme-faults-0123456789abcdef0123';

let server: ProxiedServer;
let proxy: FaultProxy;
let s: TestServer;
let userId: string;

beforeAll(async () => {
  server = await startProxiedTestServer({
    SCIM_STORAGE_TIMEOUT_MS: String(TIMEOUT_MS),
    SCIM_TENANT_TOKENS: JSON.stringify({ acme: ACME_TOKEN }),
  });
  ({ s, proxy } = server);
  // Authenticates once (the tenant's credentials stay cached), so the faults below meet the endpoints' own calls.
  const created = await s.scim('POST', '/Users', { schemas: [U], userName: 'faults@contoso.com' });
  expect(created.status).toBe(201);
  userId = created.body.id;
});
afterEach(() => proxy.forward());
afterAll(() => server.close());

const rename = (displayName: string) =>
  s.scim('PATCH', `/Users/${userId}`, {
    schemas: [PO],
    Operations: [{ op: 'replace', path: 'displayName', value: displayName }],
  });

function expectRetryLater(res: ScimReply) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(res.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
  expect(res.text).not.toMatch(/127\.0\.0\.1|RequestId|\n\s+at /);
}

function expectLogsClean() {
  const logs = s.logs.join('\n');
  expect(logs).not.toContain(TOKEN);
  expect(logs).not.toMatch(/SharedKey|authorization:|\n\s+at /i);
}

describe('Table Storage answers by cause, never 500', () => {
  it.each([
    [
      403,
      'AuthorizationPermissionMismatch',
      'This request is not authorized to perform this operation using this permission.',
    ],
    [401, 'InvalidAuthenticationInfo', 'Authentication information is not given in the correct format.'],
  ])(
    '%i %s (a missing role or firewall rule) is 503 with Retry-After, and the log names the deployment fault',
    async (status, code, message) => {
      proxy.fail({ status, code, message });
      expectRetryLater(await s.scim('GET', `/Users/${userId}`));
      expectRetryLater(await rename('during a deployment fault'));
      expect(s.logs.join('\n')).toContain(`RestError ${code} ${status} ${message}`);
      expect(s.logs.join('\n')).toContain(
        `(storage refused this app: a deployment fault; check the app identity's data role on the account and the account's firewall)`,
      );
      expectLogsClean();
    },
  );

  it.each([
    [429, 'TooManyRequests', 'The request rate is too high.'],
    [503, 'ServerBusy', 'The server is busy.'],
    [500, 'InternalError', 'The server encountered an internal error. Please retry the request.'],
  ])('%i %s is 503 with Retry-After, and the log says what storage answered', async (status, code, message) => {
    proxy.fail({ status, code, message });
    const before = proxy.requests.length;
    expectRetryLater(await s.scim('GET', `/Users/${userId}`));
    // 429 without Retry-After is not retried by the SDK; 5xx are, until the deadline (short here) cuts the retries.
    if (status === 429) expect(s.logs.join('\n')).toContain(`RestError ${code} ${status} ${message}`);
    else {
      expect(proxy.requests.length - before).toBeGreaterThanOrEqual(2);
      expect(s.logs.join('\n')).toContain(
        `within ${TIMEOUT_MS} ms (SCIM_STORAGE_TIMEOUT_MS), retries included; the last try was answered ${status} ${code}`,
      );
    }
    expectLogsClean();
  });

  it('any other 4xx is a SCIM 400 naming the storage code and what to do', async () => {
    // The write only (a rename moves no index row, so it is one conditional update), not the read before it.
    proxy.fail({
      status: 400,
      code: 'InvalidInput',
      message: 'One of the request inputs is not valid.',
      match: /^(PUT|MERGE|PATCH|POST) /,
    });
    const res = await rename('refused by storage');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(res.body.detail).toBe(
      'Table Storage refused this request (InvalidInput): One of the request inputs is not valid. Shorten or correct the values it names and retry.',
    );
    proxy.forward();
    expect((await s.scim('GET', `/Users/${userId}`)).body.displayName).toBeUndefined(); // nothing of it was written
  });
});

describe('a storage that accepts requests and never answers', () => {
  it('gets 503 with Retry-After after SCIM_STORAGE_TIMEOUT_MS instead of hanging, and later requests recover by themselves', async () => {
    proxy.blackHole();
    for (const call of [
      () => s.scim('GET', `/Users/${userId}`),
      () => rename('while storage hangs'),
      () => s.scim('GET', '/Users?count=5'),
    ]) {
      const started = Date.now();
      expectRetryLater(await call());
      // It waited for the deadline, and not for ever: the bound is loose because this machine is shared.
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 5_000);
    }
    expect(s.logs.join('\n')).toMatch(
      /DependencyTimeout no answer from 127\.0\.0\.1:\d+ within 1000 ms .*\(storage unavailable\)/,
    );
    proxy.forward();
    expect((await rename('after the outage')).status).toBe(200);
    expect((await s.scim('GET', `/Users/${userId}`)).body.displayName).toBe('after the outage');
    expectLogsClean();
  });

  it('gets 503 with Retry-After after SCIM_STORAGE_TIMEOUT_MS while authenticating a tenant not yet cached', async () => {
    proxy.blackHole();
    const started = Date.now();
    // Not the token declared in settings (that one is accepted without reading storage): this one must be looked up.
    const res = await request(`${s.host.url}/scim/acme/v2/Users?count=1`, 'GET', undefined, {
      Authorization: `Bearer ${ACME_TOKEN}-issued-elsewhere`,
    });
    expectRetryLater(res);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 5_000);
    expect(s.logs.join('\n')).toContain('Cause: DependencyTimeout no answer from');
    // Recovery is the Authenticator's: it reads a tenant that failed again after minReloadMs (5 s), not sooner.
    expect(s.logs.join('\n')).not.toContain(ACME_TOKEN);
  });
});
