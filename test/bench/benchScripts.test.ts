import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { locateNodeWorker } from '../../tools/workerHost/nodeWorker';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * The benchmark scripts as `npm run bench*` runs them (compiled, storage and app in child processes), at sizes too
 * small to mean anything: the plumbing works and every row of their tables is printed with numbers. No timing is
 * asserted here; timing targets are read from full runs (docs/benchmarks.md). About 20 s on an idle 2-core
 * machine (build included); the timeouts leave room for a machine shared with other work.
 */
const script = (name: string, ...args: string[]) =>
  run(process.execPath, [join(ROOT, 'dist', 'tools', 'bench', name), ...args], { cwd: ROOT, timeout: 170_000 }).then(
    (r) => r.stdout,
  );
const rowOf = (table: string, label: string) => table.split('\n').find((line) => line.startsWith(`| ${label} |`));
const cells = (row: string | undefined) =>
  (row ?? '')
    .split('|')
    .slice(2, -1)
    .map((c) => c.trim());
const NUMBER = /^\d+(\.\d+)?$/;

let bench: Promise<string>;
let cycle: Promise<string>;

beforeAll(async () => {
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
  });
  bench = script('bench.js', '3', '24');
  cycle = script('benchCycle.js', '30', '2', '60', '10', '4');
  // Both run at once; a rejection is reported by the test that awaits it.
  bench.catch(() => undefined);
  cycle.catch(() => undefined);
}, 120_000);

describe('npm run bench', () => {
  it('prints every operation with app and floor p50/p95 and numeric ratios, the HTTP and Functions floors, and the mixed workload at 8 and 32 in flight', async () => {
    const out = await bench;
    const hop = Number(cells(rowOf(out, 'bare node:http round trip, fixed JSON (HTTP floor)'))[0]);
    const functionsHop = Number(
      cells(rowOf(out, 'local host + @azure/functions, one function, same JSON (Functions floor)'))[0],
    );
    for (const op of [
      'POST /Users',
      'GET /Users/{id}',
      'GET /Users?filter=userName eq',
      'PATCH /Users/{id}, 3 replaces, no index change',
      'PATCH /Groups/{id}, add 1 member',
      'PATCH /Groups/{id}, add 100 members',
      'DELETE /Users/{id}',
    ]) {
      const [appP50, appP95, floorP50, floorP95, ratio, withHop, withFunctions] = cells(rowOf(out, op));
      expect([appP50, appP95, floorP50, floorP95]).toEqual([
        expect.stringMatching(NUMBER),
        expect.stringMatching(NUMBER),
        expect.stringMatching(NUMBER),
        expect.stringMatching(NUMBER),
      ]);
      expect(Number(ratio.replace('×', ''))).toBeCloseTo(Number(appP50) / Number(floorP50), 1);
      expect(Number(withHop.replace('×', ''))).toBeCloseTo(Number(appP50) / (Number(floorP50) + hop), 1);
      expect(Number(withFunctions.replace('×', ''))).toBeCloseTo(Number(appP50) / (Number(floorP50) + functionsHop), 1);
    }
    for (const floor of [
      'bare node:http round trip, fixed JSON (HTTP floor)',
      'local host + @azure/functions, one function, same JSON (Functions floor)',
    ]) {
      expect(cells(rowOf(out, floor)).slice(0, 2)).toEqual([
        expect.stringMatching(NUMBER),
        expect.stringMatching(NUMBER),
      ]);
    }
    for (const inFlight of ['8', '32']) {
      const [app, raw, share, errors] = cells(rowOf(out, inFlight));
      expect([app, raw]).toEqual([expect.stringMatching(NUMBER), expect.stringMatching(NUMBER)]);
      expect(share).toMatch(/^\d+ %$/);
      expect(errors).toBe('none');
    }
    expect(out).toMatch(/app process RSS at the end: \d+ MiB/);
  }, 180_000);
});

describe('npm run bench:cycle', () => {
  it('runs an initial and an incremental cycle without errors and reports rates, group PATCH latency and the app RSS', async () => {
    const out = await cycle;
    for (const measure of ['objects (users + groups) per s', 'requests per s']) {
      expect(cells(rowOf(out, measure))).toEqual([expect.stringMatching(NUMBER), expect.stringMatching(NUMBER)]);
    }
    expect(cells(rowOf(out, 'users per s (match + create): app vs raw floor (app / raw)'))[0]).toMatch(
      /^[\d.]+ vs [\d.]+ \(\d+ %\)$/,
    );
    expect(cells(rowOf(out, 'group PATCH p50 / p95 ms'))).toEqual([
      expect.stringMatching(/^\d+ \/ \d+$/),
      expect.stringMatching(/^\d+ \/ \d+$/),
    ]);
    expect(cells(rowOf(out, 'errors by status'))).toEqual(['0', '0']);
    expect(cells(rowOf(out, 'app RSS after (peak so far)'))).toEqual([
      expect.stringMatching(/^\d+ MiB \(\d+ MiB\)$/),
      expect.stringMatching(/^\d+ MiB \(\d+ MiB\)$/),
    ]);
  }, 180_000);
});

describe('npm run bench:query and bench:groups', () => {
  // After the two above, one at a time: each seeds its own users through the app.
  it('compare lookups at two sizes and page through every user, each counted against the raw scan of the same rows', async () => {
    await Promise.allSettled([bench, cycle]);
    const out = await script('benchQuery.js', '120', '30', '10');
    for (const op of [
      'GET /Users?filter=userName eq',
      'GET /Users?filter=externalId eq',
      'raw data-tables getEntity (floor)',
    ]) {
      expect(cells(rowOf(out, op)).map((c) => NUMBER.test(c))).toEqual([true, true, true]);
    }
    // Every reader saw exactly the 120 users (the script fails otherwise), also the raw scan among member rows.
    for (const reader of [
      'raw data-tables scan of the same rows (1,000-row pages)',
      'GET /Users?cursor=…&count=100 (with groups)',
    ]) {
      expect(cells(rowOf(out, reader)).map((c) => NUMBER.test(c))).toEqual([true, true]);
    }
  }, 180_000);

  it('compare member changes and reads on an empty and a large group', async () => {
    await Promise.allSettled([bench, cycle]);
    const out = await script('benchGroups.js', '150', '3');
    for (const op of [
      'PATCH add 1 member',
      'PATCH add 100 members',
      'GET /Groups/{id}?excludedAttributes=members',
      'GET /Groups?filter=displayName eq (Entra match)',
    ]) {
      expect(cells(rowOf(out, op)).map((c) => NUMBER.test(c))).toEqual([true, true, true]);
    }
  }, 180_000);
});

describe('npm run bench:coldstart', () => {
  it('starts the floor, the host with a one-function app, the packaged and the unbundled app cold, each answering 200, and splits the start-up', async () => {
    await Promise.allSettled([bench, cycle]); // alone, so three cold starts at once do not share two cores with them
    const out = await script('benchColdStart.js', '1');
    const rows = [
      'bare node:http server (floor)',
      "local host, one-function app (the host's own part)",
      'unbundled (dist/ + node_modules)',
    ];
    const packaged = out.split('\n').find((line) => line.startsWith('| packaged ('));
    for (const row of [...rows.map((r) => rowOf(out, r)), packaged]) {
      expect(cells(row).map((c) => NUMBER.test(c))).toEqual([true, true, true, true]);
    }
    expect(packaged).toMatch(/^\| packaged \(\d+ KiB loaded at start, \d+ KiB in all\) \|/);
    expect(out).toMatch(/above the floor: packaged -?\d+ ms \(the host's part -?\d+ ms, the app's -?\d+ ms\)/);
    expect(out).toContain('The first request needs no storage (200 with storage unreachable).');
    const worker = locateNodeWorker(join(__dirname, '..', '..'));
    if ('missing' in worker) {
      expect(out).toContain(`Without the column for Azure's Node.js worker: ${worker.missing}`);
    } else {
      const inWorker = out
        .split('\n')
        .find((line) => line.startsWith(`| packaged, in Azure's Node.js worker ${worker.version} (`));
      expect(cells(inWorker).map((c) => NUMBER.test(c))).toEqual([true, true, true, true]);
      expect(out).toMatch(
        /in Azure's Node\.js worker: -?\d+ ms above the floor, \d+\.\d\d × the local host's packaged start/,
      );
    }
  }, 180_000);
});
