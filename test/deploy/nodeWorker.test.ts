import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../../shared/conformance/entraCycle';
import { IndexedFunction } from '../../tools/localHost/functionsCoreStub';
import { packageApp, PackageResult } from '../../tools/build/packageApp';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { locateNodeWorker, NodeWorker, WORKER_DIR_SETTING } from '../../tools/workerHost/nodeWorker';
import { startWorkerHost, WorkerHost } from '../../tools/workerHost/workerHost';
import { NOTIFY_SCHEDULE } from '../../shared/notify/notifySettings';
import { startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { U } from '../support/urns';
import { AZURE_NODE_VERSION, azureNodeBinary } from './azureNode';

/**
 * The packaged app in Azure's own Node.js worker (github.com/Azure/azure-functions-nodejs-worker), started and
 * driven over gRPC by tools/workerHost/ as azure-functions-host's GrpcWorkerChannel.cs drives it, on Node 22 as in
 * Azure. The worker is not on npm and is not part of this repository: where FUNCTIONS_NODE_WORKER_DIR (or its
 * default) holds no built worker, these tests are skipped and say so.
 */
const ROOT = join(__dirname, '..', '..');
const found = locateNodeWorker(ROOT);
const withWorker = 'missing' in found ? describe.skip : describe;
if ('missing' in found) console.warn(`Skipping the tests in Azure's Node.js worker: ${found.missing}`);

describe('finding the worker', () => {
  it(`names ${WORKER_DIR_SETTING} when the folder holds no worker, or something else, or an unbuilt one`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-worker-'));
    try {
      const missing = (env: NodeJS.ProcessEnv) => {
        const located = locateNodeWorker(ROOT, env);
        return 'missing' in located ? located.missing : 'found';
      };
      expect(missing({ [WORKER_DIR_SETTING]: dir })).toMatch(
        new RegExp(`^no Node.js worker at .*set ${WORKER_DIR_SETTING} to a built checkout`),
      );
      // The npm package squatting the name is not the worker.
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'azure-functions-nodejs-worker-squat', version: '1.0.0' }),
      );
      expect(missing({ [WORKER_DIR_SETTING]: dir })).toMatch(
        /holds "azure-functions-nodejs-worker-squat", not Azure's Node.js worker/,
      );
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: 'azure-functions-nodejs-worker', version: '3.9.0' }),
      );
      expect(missing({ [WORKER_DIR_SETTING]: dir })).toMatch(/is not built \(no dist\/src\/nodejsWorker\.js\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** What the Functions host reads of a function's registration, binding names aside (the library generates them). */
function indexing(functions: IndexedFunction[]) {
  return functions
    .map(({ name, bindings }) => {
      const all = Object.values(bindings);
      const trigger = all.find((b) => /Trigger$/.test(b.type))!;
      return {
        name,
        trigger: trigger.type,
        route: trigger.route,
        methods: trigger.methods ? [...trigger.methods].map((m) => m.toUpperCase()).sort() : undefined,
        authLevel: trigger.authLevel,
        schedule: trigger.schedule,
        others: all
          .filter((b) => b !== trigger)
          .map((b) => `${b.direction} ${b.type}`)
          .sort(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

withWorker(`the packaged app in Azure's Node.js worker, on Node ${AZURE_NODE_VERSION}`, () => {
  const worker = found as NodeWorker;
  let work: string;
  let artifact: PackageResult;
  let azurite: EmbeddedAzurite;
  let host: WorkerHost;
  let local: TestServer;
  const logs: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'scim-worker-'));
    artifact = await packageApp(ROOT, join(work, 'package'));
    azurite = await startAzurite();
    host = await startWorkerHost({
      appRoot: artifact.dir,
      worker,
      node: azureNodeBinary(),
      env: {
        PATH: process.env.PATH,
        SCIM_TOKEN: TOKEN,
        SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString,
        SCIM_NOTIFY_SCHEDULE: NOTIFY_SCHEDULE,
      },
      log: (line) => logs.push(line),
    });
    // What `npm start` serves: the function sources through the local host.
    local = await startTestServer({ SCIM_NOTIFY_SCHEDULE: NOTIFY_SCHEDULE });
  }, 180_000);

  afterAll(async () => {
    await host?.close();
    await local?.close();
    await azurite?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('indexes every registration as the local host serves it: name, trigger, route, methods, authLevel, schedule', () => {
    expect(host.functions.length).toBeGreaterThan(0);
    expect(indexing(host.functions)).toEqual(indexing(local.host.registrations));
  });

  it('passes the Entra provisioning cycle (npm run check) through the worker', async () => {
    const results = await runCheck({ base: `${host.url}/scim/v2`, token: TOKEN });
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results.length).toBe(20);
  }, 120_000);

  it('answers what the local host answers: errors, methods, encodings, non-ASCII bodies, the status page', async () => {
    const userName = `wörker-${Date.now()}@contoso.com`;
    const requests: [string, string, Record<string, string>, string?][] = [
      ['GET', '/scim/v2/nope', {}],
      ['POST', '/scim/v2/ServiceProviderConfig', {}],
      ['GET', '/scim/v2/Users/%zz', {}],
      ['GET', '/scim/v2/Users', { Authorization: 'Bearer wrong-token-0123456789abcdef' }],
      ['GET', `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&count=5&count=7`, {}],
      [
        'POST',
        '/scim/v2/Users',
        { 'Content-Type': 'application/scim+json' },
        JSON.stringify({ schemas: [U], userName, displayName: 'Zoë Ünicode 名前' }),
      ],
      ['POST', '/scim/v2/Users', { 'Content-Type': 'application/scim+json' }, '{"schemas":'],
      ['GET', '/scim/nowhere', {}],
    ];
    const answer = async (base: string, [method, path, headers, body]: (typeof requests)[number]) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { Authorization: `Bearer ${TOKEN}`, ...headers },
        body,
      });
      const text = await res.text();
      // Ids, times, versions and correlation ids differ between two stores; the rest must not.
      const comparable = text
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
        .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
        .replace(/W\/\\?"[^"\\]+\\?"/g, '<etag>');
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        allow: res.headers.get('allow'),
        body: comparable.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<base>'),
      };
    };
    for (const r of requests) {
      expect(await answer(host.url, r)).toEqual(await answer(local.base.replace(/\/scim\/v2$/, ''), r));
    }
    const status = await fetch(`${host.url}/scim/status`);
    expect(status.status).toBe(200);
    expect(status.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('runs each timer function once when fired like the real host does', async () => {
    const timers = host.functions
      .filter((f) => Object.values(f.bindings).some((b) => b.type === 'timerTrigger'))
      .map((f) => f.name);
    expect(timers.sort()).toEqual([
      'activityRetention',
      'changeQueueSweep',
      'changeRetention',
      'membershipCleanup',
      'provisioningNotifier',
    ]);
    for (const name of timers) {
      const fired = await fetch(`${host.url}/admin/functions/${name}`, { method: 'POST' });
      expect([name, fired.status]).toEqual([name, 202]);
    }
    expect((await fetch(`${host.url}/admin/functions/noSuchTimer`, { method: 'POST' })).status).toBe(404);
    expect(logs.filter((l) => /\[(Error|Critical)\]/.test(l))).toEqual([]);
  });
});

withWorker('workerTerminate, as the Functions host sends it when it shuts an instance down', () => {
  const worker = found as NodeWorker;

  it("runs the app's appTerminate hooks, then the worker exits with 0", async () => {
    // A one-function app with a hook; the SCIM app's own hooks run the same way.
    const dir = mkdtempSync(join(tmpdir(), 'worker-hook-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ main: 'src/*.js' }));
      copyFileSync(join(ROOT, 'host.json'), join(dir, 'host.json'));
      const marker = join(dir, 'terminated.txt');
      writeFileSync(
        join(dir, 'src', 'app.js'),
        `const { app } = require(${JSON.stringify(require.resolve('@azure/functions'))});
         app.http('ping', { route: 'ping', authLevel: 'anonymous', handler: async () => ({ body: 'pong' }) });
         app.hook.appTerminate(async () => { await new Promise((ok) => setTimeout(ok, 50)); require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); });`,
      );
      const host = await startWorkerHost({ appRoot: dir, worker, env: { PATH: process.env.PATH } });
      expect(await (await fetch(`${host.url}/scim/ping`)).text()).toBe('pong');
      expect(existsSync(marker)).toBe(false);
      expect(await host.close()).toBe(0);
      expect(readFileSync(marker, 'utf8')).toBe('ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
