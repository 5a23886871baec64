import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { check, parseCheckArgs } from '../../cli/check';

/** `npm run check` against the local host: a conformant service passes every step and is left as it was found. */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const printed: string[] = [];
  const code = await check(argv, env, (text) => printed.push(text));
  return { code, output: printed.join('\n') };
}

describe('npm run check', () => {
  it('replays an Entra cycle against the local host, every step passing, and prints the table', async () => {
    const { code, output } = await run(['--base', s.base, '--token', TOKEN]);
    expect(output).toMatch(/^1 +pass +\d+ ms +Test Connection probe/m);
    for (const step of [
      'create user',
      'match user by userName',
      'PATCH user as Entra does',
      'set manager',
      'disable user',
      'add two members',
      'remove one member',
      'delete group',
      'delete user',
      'clean up',
    ]) {
      expect(output).toMatch(new RegExp(`^\\d+ +pass +\\d+ ms +${step}`, 'm'));
    }
    expect(output).toMatch(/^20 passed, 0 failed$/m);
    expect(output).not.toContain(TOKEN);
    expect(code).toBe(0);
  });

  it('takes the token from SCIM_CHECK_TOKEN', async () => {
    expect((await run(['--base', s.base], { SCIM_CHECK_TOKEN: TOKEN })).code).toBe(0);
  });

  it('leaves nothing behind (after the runs above)', async () => {
    const users = await s.scim('GET', `/Users?filter=${encodeURIComponent('userName sw "scimcheck-"')}`);
    const groups = await s.scim('GET', `/Groups?filter=${encodeURIComponent('displayName sw "scimcheck-"')}`);
    expect([users.body.totalResults, groups.body.totalResults]).toEqual([0, 0]);
  });

  it('fails, exiting 1, with a wrong token: the probe is refused and the rest reports what it could not run', async () => {
    const { code, output } = await run(['--base', s.base, '--token', 'not-the-token-0123456789']);
    expect(code).toBe(1);
    expect(output).toMatch(/^1 +FAIL +\d+ ms +Test Connection probe.*expected 200, got 401/m);
    expect(output).toMatch(/FAIL .*match user by userName.*not run: the Test Connection probe failed/);
    expect(output).toMatch(/^0 passed, 20 failed$/m);
    expect(output).not.toContain('not-the-token-0123456789');
  });

  it('fails against a service that answers 200 to everything', async () => {
    const lenient: Server = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'),
    );
    await new Promise<void>((ok) => lenient.listen(0, '127.0.0.1', ok));
    try {
      const { code, output } = await run([
        '--base',
        `http://127.0.0.1:${(lenient.address() as AddressInfo).port}/scim/v2`,
        '--token',
        TOKEN,
      ]);
      expect(code).toBe(1);
      expect(output).toMatch(/Test Connection probe.*Content-Type is application\/json, not application\/scim\+json/);
    } finally {
      lenient.close();
    }
  });

  it.each([
    [[], /usage: npm run check/],
    [['--base', 'host/scim/v2', '--token', 'x'], /--base must be the Tenant URL/],
    [['--base', 'https://h/scim/v2', '--token', 'x', '--retries', '3'], /unknown option --retries/],
  ])('refuses the arguments %j with usage', (argv, message) => {
    expect(parseCheckArgs(argv, {})).toMatch(message);
  });
});
