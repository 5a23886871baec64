import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAzurite } from '../localHost/embeddedAzurite';
import { percentile } from './benchService';
import { BUNDLE_OPTIONS, packageApp, startBytes } from '../build/packageApp';
import { locateNodeWorker, NodeWorker } from '../workerHost/nodeWorker';
import { startWorkerHost } from '../workerHost/workerHost';

/**
 * `npm run bench:coldstart -- [rounds=15] [--node <path to another node binary>]`: process start → first answered
 * request, for the packaged app (`npm run package`: main.js, with the SDKs only some settings need in lazy/) next to the unbundled build (tsc output
 * + node_modules), with a bare node:http server as the floor of what starting Node costs. Each round starts every
 * variant in turn (the order rotating), so drift hits each column alike. The request is
 * `GET /scim/v2/ServiceProviderConfig` with the token from SCIM_TOKEN; Azurite runs in this process, not in the
 * measured ones. A fourth column serves a one-function app, bundled the same way, through the same local host:
 * what the stand-in host costs by itself (in Azure the Functions host and worker are already running), so the
 * packaged app's start splits into the host's part and the app's own. With Azure's Node.js worker at hand
 * (FUNCTIONS_NODE_WORKER_DIR), a fifth column runs the packaged app in it, as Azure does: from spawning the worker
 * (the Functions host is already running, here in this process) through worker init, indexing and function loads
 * to the first answered request.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const args = process.argv.slice(2);
const nodeFlag = args.indexOf('--node');
const node = nodeFlag >= 0 ? args.splice(nodeFlag, 2)[1] : process.execPath;
const rounds = Number(args[0] ?? 15);
const TOKEN = 'bench-coldstart-token-0123456789abcdef';
const FLOOR = `require('node:http').createServer((q, r) => r.end('{}')).listen(0, '127.0.0.1', function () {
  console.log(JSON.stringify({ url: 'http://127.0.0.1:' + this.address().port }));
});`;

interface Start {
  /** spawn → the process says it listens */
  listening: number;
  /** listening → first response */
  firstRequest: number;
  total: number;
  status: number;
}

async function coldStart(argv: string[], path: string, env: Record<string, string>): Promise<Start> {
  const t0 = performance.now();
  const child = spawn(node, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) ok((JSON.parse(out.split('\n')[0]) as { url: string }).url);
      });
      child.once('exit', (code) => fail(new Error(`${argv.join(' ')} exited with ${code}`)));
    });
    const t1 = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await res.text();
    const t2 = performance.now();
    return { listening: t1 - t0, firstRequest: t2 - t1, total: t2 - t0, status: res.status };
  } finally {
    child.kill();
  }
}

/** Worker process start → first answered request, the worker driven by tools/workerHost/ from this process. */
async function workerColdStart(
  worker: NodeWorker,
  appRoot: string,
  path: string,
  env: Record<string, string>,
): Promise<Start> {
  const t0 = performance.now();
  const host = await startWorkerHost({ appRoot, worker, node, env: { PATH: process.env.PATH, ...env } });
  try {
    const t1 = performance.now();
    const res = await fetch(`${host.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await res.text();
    const t2 = performance.now();
    return { listening: t1 - t0, firstRequest: t2 - t1, total: t2 - t0, status: res.status };
  } finally {
    await host.close();
  }
}

/** The benchmarks' one-function app (tools/bench/benchPing), packaged like ours: one bundle with @azure/functions. */
async function oneFunctionApp(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'tools', 'bench', 'benchPing', 'ping.ts')],
    external: ['@azure/functions-core'],
    outfile: join(dir, 'main.js'),
  });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ main: 'main.js' }));
  copyFileSync(join(ROOT, 'host.json'), join(dir, 'host.json'));
  return dir;
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'scim-coldstart-'));
  const azurite = await startAzurite();
  try {
    const artifact = await packageApp(ROOT, join(work, 'package'));
    const serveApp = join(ROOT, 'dist', 'tools', 'localHost', 'serveApp.js');
    const settings = { SCIM_TOKEN: TOKEN, SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString };
    const ping = await oneFunctionApp(join(work, 'one-function'));
    const variants: [string, () => Promise<Start>][] = [
      ['bare node:http server (floor)', () => coldStart(['-e', FLOOR], '/', {})],
      ["local host, one-function app (the host's own part)", () => coldStart([serveApp, ping], '/scim/ping', {})],
      [
        `packaged (${(startBytes(artifact) / 1024).toFixed(0)} KiB loaded at start, ${(artifact.bytes / 1024).toFixed(0)} KiB in all)`,
        () => coldStart([serveApp, artifact.dir], '/scim/v2/ServiceProviderConfig', settings),
      ],
      [
        'unbundled (dist/ + node_modules)',
        () => coldStart([serveApp, ROOT], '/scim/v2/ServiceProviderConfig', settings),
      ],
    ];
    const worker = locateNodeWorker(ROOT);
    if ('missing' in worker) console.log(`Without the column for Azure's Node.js worker: ${worker.missing}\n`);
    else
      variants.push([
        `packaged, in Azure's Node.js worker ${worker.version} (worker spawn → initialised, indexed, loaded)`,
        () => workerColdStart(worker, artifact.dir, '/scim/v2/ServiceProviderConfig', settings),
      ]);

    // Storage excluded means the first request must not need it: with storage unreachable it should still be 200.
    const unreachable =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1';
    const probe = await coldStart([serveApp, artifact.dir], '/scim/v2/ServiceProviderConfig', {
      ...settings,
      SCIM_STORAGE_CONNECTION_STRING: unreachable,
    });

    const samples = variants.map(() => [] as Start[]);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < variants.length; k++) {
        const v = (round + k) % variants.length;
        const start = await variants[v][1]();
        if (start.status !== 200) throw new Error(`${variants[v][0]}: first request answered ${start.status}`);
        samples[v].push(start);
      }
    }

    console.log(
      `${rounds} cold starts each, interleaved, Node ${node === process.execPath ? process.version : node}; storage: Azurite in the benchmark's process\n`,
    );
    console.log('| app | spawn → listening p50 (ms) | first request p50 (ms) | total p50 (ms) | total p95 (ms) |');
    console.log('|---|---|---|---|---|');
    const p = (xs: Start[], key: keyof Start, q: number) =>
      percentile(
        xs.map((s) => s[key]),
        q,
      );
    variants.forEach(([name], v) => {
      console.log(
        `| ${name} | ${p(samples[v], 'listening', 50).toFixed(0)} | ${p(samples[v], 'firstRequest', 50).toFixed(1)} | ${p(samples[v], 'total', 50).toFixed(0)} | ${p(samples[v], 'total', 95).toFixed(0)} |`,
      );
    });
    const [floor, host, packaged, unbundled, inWorker] = samples.map((s) => p(s, 'total', 50));
    console.log(
      `\npackaged / floor: ${(packaged / floor).toFixed(2)}; packaged / unbundled: ${(packaged / unbundled).toFixed(2)}; above the floor: packaged ${(packaged - floor).toFixed(0)} ms (the host's part ${(host - floor).toFixed(0)} ms, the app's ${(packaged - host).toFixed(0)} ms), unbundled ${(unbundled - floor).toFixed(0)} ms`,
    );
    if (inWorker !== undefined)
      console.log(
        `in Azure's Node.js worker: ${(inWorker - floor).toFixed(0)} ms above the floor, ${(inWorker / packaged).toFixed(2)} × the local host's packaged start`,
      );
    console.log(
      probe.status === 200
        ? 'The first request needs no storage (200 with storage unreachable).'
        : `Note: the first request reads storage (with storage unreachable it answered ${probe.status} after ${probe.firstRequest.toFixed(0)} ms), so "first request" above includes Azurite round trips.`,
    );
  } finally {
    await azurite.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
