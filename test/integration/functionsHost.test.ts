import { app } from '@azure/functions';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { registrations } from '../../tools/localHost/functionsCoreStub';
import { readHostJson, startFunctionsHost } from '../../tools/localHost/functionsHost';
import { compileRoute, decodePath, hostRoutes, matchRoute } from '../../tools/localHost/hostRoutes';

/** An app root with its own host.json; the functions are whatever the test registered. */
function appRoot(http: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'fnapp-'));
  writeFileSync(join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { http } }));
  return dir;
}

beforeEach(() => {
  registrations.length = 0; // every test registers its own app
});

describe('route templates', () => {
  it('matches literal segments in any case, with optional and catch-all parameters', () => {
    const { pattern, names } = compileRoute('scim', 'v2/Users/{id?}');
    expect(names).toEqual(['id']);
    expect(pattern.exec('/scim/v2/users')?.[1]).toBeUndefined();
    expect(pattern.exec('/SCIM/V2/Users/abc')?.[1]).toBe('abc');
    expect(pattern.test('/scim/v2/Users/abc/def')).toBe(false);
    expect(compileRoute('api', 'files/{*rest}').pattern.exec('/api/files/a/b')?.[1]).toBe('a/b');
  });

  it('decodes the path as Kestrel does: %2F and malformed escapes stay as sent, never an exception', () => {
    expect(decodePath('/scim/v2/%55sers/a%20b')).toBe('/scim/v2/Users/a b');
    expect(decodePath('/x/a%2Fb')).toBe('/x/a%2Fb');
    expect(decodePath('/x/%zz/%E0%A4%A/%FF/%')).toBe('/x/%zz/%E0%A4%A/%FF/%');
  });
});

describe('route precedence, as the real host orders routes', () => {
  let table: ReturnType<typeof hostRoutes>;
  beforeEach(() => {
    const handler = async () => ({});
    app.http('catchAll', { methods: ['GET'], route: '{*path}', handler });
    app.http('tenantRest', { methods: ['GET'], route: '{tenant}/v2/{*rest}', handler });
    app.http('users', { methods: ['GET', 'POST'], route: 'v2/Users/{id?}', handler });
    app.http('usersForTenant', { methods: ['GET'], route: '{tenant}/v2/Users/{id?}', handler });
    app.http('rest', { methods: ['GET', 'PUT'], route: 'v2/{*rest}', handler });
    app.http('status', { methods: ['GET'], route: 'status', handler });
    table = hostRoutes('scim', registrations);
  });
  const winner = (method: string, path: string) => matchRoute(table, method, path)?.route.registration.name;

  it('prefers literal segments over parameters over catch-alls, whatever the registration order', () => {
    expect(winner('GET', '/scim/v2/Users/42')).toBe('users');
    expect(winner('GET', '/scim/acme/v2/Users/42')).toBe('usersForTenant');
    expect(winner('GET', '/scim/v2/Users/42/x')).toBe('rest');
    expect(winner('GET', '/scim/acme/v2/nope')).toBe('tenantRest');
    expect(winner('GET', '/scim/status')).toBe('status'); // a literal route added later is not shadowed
    expect(winner('GET', '/scim/elsewhere')).toBe('catchAll');
  });

  it('treats the method as part of the match: a route that does not serve it is passed over', () => {
    expect(winner('POST', '/scim/v2/Users')).toBe('users');
    expect(winner('PUT', '/scim/v2/Users')).toBe('rest');
    expect(winner('DELETE', '/scim/v2/Users')).toBeUndefined();
  });

  it('passes the parameters as route values', () => {
    expect(matchRoute(table, 'GET', '/scim/acme/v2/a/b')?.params).toEqual({ tenant: 'acme', rest: 'a/b' });
  });
});

describe('registrations the real host refuses at load time', () => {
  const handler = async () => ({});
  it.each([
    ['a route starting with admin', () => app.http('x', { route: 'admin/things', handler })],
    [
      'a route starting with admin, even without a separator',
      () => app.http('x', { route: 'administrators', handler }),
    ],
    ['a route starting with runtime', () => app.http('x', { route: '/Runtime/x', handler })],
    ['a function named admin… without a route (its route is its name)', () => app.http('adminTasks', { handler })],
    ['an invalid function name', () => app.http('9lives', { route: 'x', handler })],
  ])('refuses %s', (_what, register) => {
    register();
    expect(() => hostRoutes('scim', registrations)).toThrow(/built-in routes|invalid/);
  });

  it('refuses two functions with one name, or one route and a method in common', () => {
    app.http('one', { methods: ['GET'], route: 'a', handler });
    app.http('One', { methods: ['GET'], route: 'b', handler });
    expect(() => hostRoutes('scim', registrations)).toThrow(/Two functions/);
    registrations.length = 0;
    app.http('one', { methods: ['GET', 'POST'], route: 'a/{id}', handler });
    app.http('two', { methods: ['POST'], route: 'A/{id}/', handler });
    expect(() => hostRoutes('scim', registrations)).toThrow(/conflicts with the route of function "one"/);
    registrations.length = 0;
    app.http('one', { methods: ['GET'], route: 'a/{id}', handler });
    app.http('two', { methods: ['POST'], route: 'a/{id}', handler });
    expect(hostRoutes('scim', registrations)).toHaveLength(2);
  });

  it('does not start a host with such a registration', async () => {
    app.http('runtimeInfo', { handler });
    await expect(
      startFunctionsHost({
        appRoot: appRoot({ routePrefix: 'scim' }),
        functionsDir: mkdtempSync(join(tmpdir(), 'fn-')),
      }),
    ).rejects.toThrow(/built-in routes/);
  });
});

describe('the local host', () => {
  it('fires a registered timer on POST /admin/functions/{name} and routes methods like the real host (404, never 405)', async () => {
    const fired: string[] = [];
    app.timer('testTimer', {
      schedule: '0 */5 * * * *',
      handler: async (_t, ctx) => {
        fired.push(ctx.functionName);
      },
    });
    app.http('hello', {
      methods: ['GET'],
      route: 'hello/{name}',
      handler: async (req) => ({ status: 200, body: `hi ${req.params.name}` }),
    });
    const dir = appRoot({ routePrefix: 'api' });
    const host = await startFunctionsHost({ appRoot: dir, functionsDir: dir });
    try {
      expect((await fetch(`${host.url}/admin/functions/testTimer`, { method: 'POST' })).status).toBe(202);
      expect(fired).toEqual(['testTimer']);
      expect(await (await fetch(`${host.url}/api/hello/you`)).text()).toBe('hi you');
      expect(await (await fetch(`${host.url}/api/hello/a%20b`)).text()).toBe('hi a b');
      expect(await (await fetch(`${host.url}/api/hello/%zz`)).text()).toBe('hi %zz');
      expect((await fetch(`${host.url}/api/hello/you`, { method: 'DELETE' })).status).toBe(404);
      expect((await fetch(`${host.url}/api/nothing`)).status).toBe(404);
    } finally {
      await host.close();
    }
  });

  it('runs at most maxConcurrentRequests at once, queues up to maxOutstandingRequests, and refuses the rest with 429', async () => {
    let running = 0;
    let peak = 0;
    const gate: Array<() => void> = [];
    app.http('slow', {
      methods: ['GET'],
      route: 'slow/{n}',
      handler: async () => {
        peak = Math.max(peak, ++running);
        await new Promise<void>((ok) => gate.push(ok));
        running--;
        return { status: 200 };
      },
    });
    const dir = appRoot({ routePrefix: 'api', maxConcurrentRequests: 2, maxOutstandingRequests: 5 });
    const host = await startFunctionsHost({ appRoot: dir, functionsDir: dir });
    try {
      const replies = Array.from({ length: 8 }, (_, i) => fetch(`${host.url}/api/slow/${i}`));
      // Refusals answer at once, while the admitted requests still hang on the gate.
      while (gate.length < 2) await new Promise((ok) => setTimeout(ok, 5));
      const refusals: Response[] = [];
      for (const r of replies) {
        const first = await Promise.race([r, new Promise<undefined>((ok) => setTimeout(ok, 50, undefined))]);
        if (first?.status === 429) refusals.push(first);
      }
      expect(refusals).toHaveLength(3);
      expect(await refusals[0].text()).toBe(''); // the real host's 429 has no body and no Retry-After
      expect(refusals[0].headers.get('retry-after')).toBeNull();
      let settled = 0;
      for (const r of replies) void r.finally(() => settled++);
      while (settled < replies.length) {
        gate.shift()?.();
        await new Promise((ok) => setTimeout(ok, 5));
      }
      const statuses = (await Promise.all(replies)).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(peak).toBe(2);
    } finally {
      await host.close();
    }
  });

  it("loads the app's own function files under the host's rules, with its host.json limits", async () => {
    const root = join(__dirname, '..', '..');
    expect(readHostJson(root)).toEqual({
      routePrefix: 'scim',
      maxConcurrentRequests: 100,
      maxOutstandingRequests: 400,
    });
    const host = await startFunctionsHost({ appRoot: root, functionsDir: join(root, 'functions') });
    await host.close();
    expect(host.registrations.map((r) => r.name)).toEqual(
      expect.arrayContaining(['users', 'noSuchEndpoint', 'noSuchEndpointForTenant', 'notATenantUrl']),
    );
  });
});
