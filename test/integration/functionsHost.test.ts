import { app } from '@azure/functions';
import { compileRoute, startFunctionsHost } from '../../tools/functionsHost';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

describe('route templates', () => {
  it('matches literal segments in any case, with optional and catch-all parameters', () => {
    const { pattern, names } = compileRoute('scim', 'v2/Users/{id?}');
    expect(names).toEqual(['id']);
    expect(pattern.exec('/scim/v2/users')?.[1]).toBeUndefined();
    expect(pattern.exec('/SCIM/V2/Users/abc')?.[1]).toBe('abc');
    expect(pattern.test('/scim/v2/Users/abc/def')).toBe(false);
    expect(compileRoute('api', 'files/{*rest}').pattern.exec('/api/files/a/b')?.[1]).toBe('a/b');
  });
});

describe('the local host', () => {
  it('fires a registered timer on POST /admin/functions/{name} and routes methods like the real host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fnapp-'));
    writeFileSync(join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { http: { routePrefix: 'api' } } }));
    const fired: string[] = [];
    app.timer('testTimer', { schedule: '0 */5 * * * *', handler: async (_t, ctx) => { fired.push(ctx.functionName); } });
    app.http('hello', { methods: ['GET'], route: 'hello/{name}', handler: async (req) => ({ status: 200, body: `hi ${req.params.name}` }) });
    const host = await startFunctionsHost({ appRoot: dir, functionsDir: dir });
    try {
      expect((await fetch(`${host.url}/admin/functions/testTimer`, { method: 'POST' })).status).toBe(202);
      expect(fired).toEqual(['testTimer']);
      expect(await (await fetch(`${host.url}/api/hello/you`)).text()).toBe('hi you');
      expect((await fetch(`${host.url}/api/hello/you`, { method: 'DELETE' })).status).toBe(405);
      expect((await fetch(`${host.url}/api/nothing`)).status).toBe(404);
    } finally {
      await host.close();
    }
  });
});
