import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAzurite, EmbeddedAzurite } from '../../tools/localHost/embeddedAzurite';
import { FunctionsHost, startFunctionsHost } from '../../tools/localHost/functionsHost';
import { request } from '../support/scimServer';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/** Three settings wrong in three ways; none of these values may ever be printed, logged or answered. */
const BAD = {
  SCIM_TOKEN: 'short-secret-1',
  SCIM_MAX_SCAN: 'lots-of-them',
  SCIM_EXTENSIONS: '[{"id": "urn:acme:ext", "attributes": [',
};
const VALUES = Object.values(BAD);
const REASONS = [
  /SCIM_TOKEN: a Secret Token must be at least 16 characters/,
  /SCIM_MAX_SCAN: must be a number/,
  /SCIM_EXTENSIONS: SCIM_EXTENSIONS must be JSON/,
];
const STACK = /\n\s+at /;

function expectNamesEveryBadSettingWithoutValues(text: string) {
  for (const reason of REASONS) expect(text).toMatch(reason);
  for (const value of VALUES) expect(text).not.toContain(value);
  expect(text).not.toMatch(STACK);
}

/** `node dist/<script>`, as `npm start` and `npm run admin` run it; resolves with the exit code and output. */
async function runCompiled(script: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'dist', script), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('invalid app settings stop the command lines', () => {
  beforeAll(async () => {
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
    });
  }, 120_000);

  it('npm start exits 1 naming each bad setting and why, before serving anything', async () => {
    const { code, output } = await runCompiled('tools/localHost/localHost.js', [], { ...BAD, PORT: '0' });
    expect(code).toBe(1);
    expectNamesEveryBadSettingWithoutValues(output);
    expect(output).not.toContain('SCIM endpoint:');
  });

  it('npm run admin exits 1 with the same list', async () => {
    const { code, output } = await runCompiled('cli/admin.js', ['tenant', 'list'], {
      ...BAD,
      SCIM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    });
    expect(code).toBe(1);
    expectNamesEveryBadSettingWithoutValues(output);
  });
});

describe('an app deployed with invalid settings', () => {
  let azurite: EmbeddedAzurite;
  let host: FunctionsHost;
  const logs: string[] = [];
  beforeAll(async () => {
    azurite = await startAzurite();
    Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString, ...BAD });
    host = await startFunctionsHost({
      appRoot: ROOT,
      functionsDir: join(ROOT, 'functions'),
      log: (line) => logs.push(line),
    });
  });
  afterAll(async () => {
    await host.close();
    await azurite.close();
  });

  it('answers every SCIM request with a SCIM 500 naming the settings to fix, and logs why once', async () => {
    const answers = [
      await request(`${host.url}/scim/v2/Users`, 'GET', undefined, { Authorization: `Bearer ${BAD.SCIM_TOKEN}` }),
      await request(
        `${host.url}/scim/acme/v2/Groups`,
        'POST',
        { displayName: 'x' },
        { Authorization: 'Bearer whatever-token-0123456789' },
      ),
      await request(`${host.url}/scim/v2/ServiceProviderConfig`, 'GET'),
    ];
    for (const res of answers) {
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/scim+json');
      expect(res.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '500',
        detail: expect.stringContaining('misconfigured'),
      });
      for (const setting of Object.keys(BAD)) expect(res.body.detail).toContain(setting);
      for (const value of VALUES) expect(res.text).not.toContain(value);
    }
    const reports = logs.filter((line) => line.includes('cannot serve requests'));
    expect(reports).toHaveLength(1);
    expectNamesEveryBadSettingWithoutValues(reports[0]);
  });

  it('shows the same on the status page, and a timer fails naming the settings instead of failing silently', async () => {
    const status = await request(`${host.url}/scim/status?format=json`, 'GET');
    expect(status.status).toBe(500);
    expect(status.body.error).toMatch(/misconfigured.*SCIM_TOKEN, SCIM_EXTENSIONS, SCIM_MAX_SCAN/);
    const before = logs.length;
    const timer = await fetch(`${host.url}/admin/functions/activityRetention`, { method: 'POST' });
    expect(timer.status).toBe(500);
    const logged = logs.slice(before).join('\n');
    expectNamesEveryBadSettingWithoutValues(logged);
    for (const value of VALUES) expect(logs.join('\n')).not.toContain(value);
  });
});
