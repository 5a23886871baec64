import { loadavg } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  addMembersOp,
  benchArgs,
  BenchService,
  filterPath,
  floorUser,
  httpCall,
  inParallel,
  patchOp,
  percentile,
  scimUser,
  seedUsers,
  startBenchService,
  timed,
} from './benchService';
import { RawFloor } from './benchFloor';
import { startBareServer } from './benchBareServer';
import { startFunctionsFloor } from './benchFunctionsFloor';

/**
 * `npm run bench -- [samples=300] [mixedTasks=800] [--in-process-storage]`: each SCIM operation through the app
 * (over HTTP, local host in its own process) next to its raw `@azure/data-tables` floor, interleaved sample by
 * sample in one run, with a bare `node:http` round trip as the HTTP floor and a one-function app through the same
 * host as the Functions floor; then a mixed Entra-like workload's
 * throughput next to the same raw operations' at 8 and 32 in flight, alternating app and raw in rounds.
 * Ratios, not milliseconds, are the result: the machine is shared, and interleaving puts its noise on both sides.
 */
const {
  numbers: [samples, mixedTasks],
  flags,
} = benchArgs([300, 800]);
/** Samples run first and dropped, so that connections, JIT and caches are warm on both sides. */
const WARM_UP = Math.min(5, samples);
const MIXED_ROUNDS = 4;

type Side = 'app' | 'floor';
/** One sample's state on one side: the user created in it and the group its member adds go to. */
type Sample = { i: number; userName: string; id?: string; group?: string };
type Operation = {
  name: string;
  floorIs: string;
  app(s: Sample): Promise<unknown>;
  floor(s: Sample): Promise<unknown>;
};

async function main() {
  const svc = await startBenchService({ inProcessStorage: flags.has('--in-process-storage') });
  const floor = await RawFloor.open(svc.connectionString);
  const bare = await startBareServer();
  const functions = await startFunctionsFloor();
  const load = loadavg()[0];

  // Members for the group adds: the same 101 users are added to a fresh group in every sample.
  const appMembers = (await appUsers(svc, 'member', 101)).map((u) => u.id);
  const floorMembers = await inParallel(range(101), 8, (i) =>
    floor.createUser(floorUser(`member-${i}-${randomUUID()}@contoso.com`, i)),
  );

  const operations: Operation[] = [
    {
      name: 'POST /Users',
      floorIs: 'one transaction: resource + 3 index rows + counter shard (ETag kept from its last write)',
      app: async (s) => (s.id = (await svc.call('POST', '/Users', scimUser(s.userName, s.i))).body.id),
      floor: async (s) => (s.id = await floor.createUser(floorUser(s.userName, s.i))),
    },
    {
      name: 'GET /Users/{id}',
      floorIs: 'one point read',
      app: (s) => svc.call('GET', `/Users/${s.id}`),
      floor: (s) => floor.getUser(s.id!),
    },
    {
      name: 'GET /Users?filter=userName eq',
      floorIs: 'two point reads: index row, resource',
      app: (s) => svc.call('GET', filterPath('Users', 'userName', s.userName)),
      floor: (s) => floor.findByUserName(s.userName),
    },
    {
      name: 'PATCH /Users/{id}, 3 replaces, no index change',
      floorIs: 'point read + update under its ETag',
      app: (s) =>
        svc.call(
          'PATCH',
          `/Users/${s.id}`,
          patchOp(
            { op: 'Replace', path: 'title', value: `Title ${s.i}` },
            { op: 'Replace', path: 'displayName', value: `Patched ${s.i}` },
            { op: 'Replace', path: 'name.familyName', value: `Patched ${s.i}` },
          ),
        ),
      floor: (s) =>
        floor.patchUser(s.id!, {
          title: `Title ${s.i}`,
          displayName: `Patched ${s.i}`,
          name: { givenName: 'Bench', familyName: `Patched ${s.i}` },
        }),
    },
    {
      name: 'PATCH /Groups/{id}, add 1 member',
      floorIs:
        'group + member checked by key (parallel), one transaction: the member row touched, its guard, the 2 membership rows',
      app: (s) => svc.call('PATCH', `/Groups/${s.group}`, addMembersOp([appMembers[100]])),
      floor: (s) => floor.addMembers(s.group!, [floorMembers[100]]),
    },
    {
      name: 'PATCH /Groups/{id}, add 100 members',
      floorIs:
        'group + 100 members checked by key (all at once), four 100-row transactions in parallel (member row, guard, 2 membership rows each)',
      app: (s) => svc.call('PATCH', `/Groups/${s.group}`, addMembersOp(appMembers.slice(0, 100))),
      floor: (s) => floor.addMembers(s.group!, floorMembers.slice(0, 100)),
    },
    {
      name: 'DELETE /Users/{id}',
      floorIs:
        'point read + one transaction deleting resource, index rows, counter shard and writing the membership guard, then its removal',
      app: (s) => svc.call('DELETE', `/Users/${s.id}`),
      floor: (s) => floor.deleteUser(s.id!),
    },
  ];

  const times = new Map(operations.map((op) => [op.name, { app: [] as number[], floor: [] as number[] }]));
  const bareTimes: number[] = [];
  const functionsTimes: number[] = [];
  for (let i = -WARM_UP; i < samples; i++) {
    const sample = (side: Side): Sample => ({ i, userName: `bench-${side}-${i}-${randomUUID()}@contoso.com` });
    const app = sample('app');
    const raw = sample('floor');
    // Untimed: a fresh group per sample, so every add adds members the group does not have yet.
    app.group = (
      await svc.call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `bench-${i}-${randomUUID()}`,
      })
    ).body.id;
    raw.group = await floor.createGroup(`bench-${i}-${randomUUID()}`);
    const bareMs = await timed(() => httpCall(bare.info.url).then((r) => JSON.parse(r.text)));
    const functionsMs = await timed(() => httpCall(functions.info.url).then((r) => JSON.parse(r.text)));
    if (i >= 0) bareTimes.push(bareMs);
    if (i >= 0) functionsTimes.push(functionsMs);
    for (const op of operations) {
      // Alternate which side goes first, so neither always runs on the other's warmed caches.
      const order: Side[] = i % 2 ? ['floor', 'app'] : ['app', 'floor'];
      for (const side of order) {
        const ms = await timed(() => (side === 'app' ? op.app(app) : op.floor(raw)));
        if (i >= 0) times.get(op.name)![side].push(ms);
      }
    }
    if (i >= 0 && (i + 1) % 25 === 0) process.stderr.write(`[bench] ${i + 1}/${samples} samples\n`);
  }

  const mixed = [];
  for (const inFlight of [8, 32]) {
    mixed.push({ inFlight, ...(await mixedWorkload(svc, floor, appMembers, floorMembers, inFlight)) });
    process.stderr.write(`[bench] mixed workload at ${inFlight} in flight done\n`);
  }

  const appMemory = await svc.app.memory();
  console.log(
    `\n${samples} samples per operation and side, interleaved sample by sample (${WARM_UP} warm-up samples dropped); app = ${process.env.BENCH_APP_ROOT ? `the build in ${process.env.BENCH_APP_ROOT}` : 'this checkout'}, local host over HTTP in its own process${process.env.SCIM_CHANGES ? `, SCIM_CHANGES=${process.env.SCIM_CHANGES}` : ''}; storage = patched Azurite ${flags.has('--in-process-storage') ? 'IN THIS PROCESS' : 'in its own process'}, in memory; Node ${process.version}; load average ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}\n`,
  );
  const f = (ms: number) => ms.toFixed(2);
  // The other ratios add what the floor cannot have: the hop client → app at its bare cost (an app doing exactly
  // the floor's storage calls with no code would score 1.00×), and that hop through the host and @azure/functions
  // (1.00×: the app's own code costs nothing beyond what every Functions app pays).
  const hop = percentile(bareTimes, 50);
  const functionsHop = percentile(functionsTimes, 50);
  console.log(
    '| operation | app p50 ms | app p95 ms | floor p50 ms | floor p95 ms | p50 ratio | p50 / (floor + HTTP floor) | p50 / (floor + Functions floor) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const op of operations) {
    const { app, floor: raw } = times.get(op.name)!;
    const [p50, floorP50] = [percentile(app, 50), percentile(raw, 50)];
    console.log(
      `| ${op.name} | ${f(p50)} | ${f(percentile(app, 95))} | ${f(floorP50)} | ${f(percentile(raw, 95))} | ${(p50 / floorP50).toFixed(2)}× | ${(p50 / (floorP50 + hop)).toFixed(2)}× | ${(p50 / (floorP50 + functionsHop)).toFixed(2)}× |`,
    );
  }
  console.log(
    `| bare node:http round trip, fixed JSON (HTTP floor) | ${f(hop)} | ${f(percentile(bareTimes, 95))} | | | | | |`,
  );
  console.log(
    `| local host + @azure/functions, one function, same JSON (Functions floor) | ${f(functionsHop)} | ${f(percentile(functionsTimes, 95))} | | | | | |`,
  );
  console.log('\nFloors (raw @azure/data-tables from this process, same table, own partition, same row layout):');
  for (const op of operations) console.log(`- ${op.name}: ${op.floorIs}`);

  console.log(
    `\nMixed Entra-like workload: ${mixedTasks} tasks per side and concurrency, in ${MIXED_ROUNDS} alternating rounds; a task is a match (filter userName eq) + create (25 %), a match + PATCH (35 %), a GET by id (20 %) or a group add of 1 member (20 %); raw = the same tasks as floor operations\n`,
  );
  console.log('| in flight | app tasks/s | raw tasks/s | app / raw | app errors |');
  console.log('|---:|---:|---:|---:|---|');
  for (const m of mixed)
    console.log(
      `| ${m.inFlight} | ${m.app.toFixed(1)} | ${m.raw.toFixed(1)} | ${((100 * m.app) / m.raw).toFixed(0)} % | ${m.errors || 'none'} |`,
    );
  console.log(
    `\napp process RSS at the end: ${(appMemory.rss / 2 ** 20).toFixed(0)} MiB (peak ${(appMemory.maxRss / 2 ** 20).toFixed(0)} MiB)`,
  );

  await bare.close();
  await functions.close();
  await svc.close();
}

/** The mixed workload at `inFlight` concurrent tasks, app and raw alternating in rounds; tasks per second. */
async function mixedWorkload(
  svc: BenchService,
  floor: RawFloor,
  appMembers: string[],
  floorMembers: string[],
  inFlight: number,
) {
  // Users to match and patch: enough that no two tasks in flight patch the same one.
  const appPool = await appUsers(svc, `mixed${inFlight}`, 2 * inFlight);
  const rawPool = await inParallel(range(2 * inFlight), 8, async (i) => {
    const userName = `mixed${inFlight}-${i}-${randomUUID()}@contoso.com`;
    return { userName, id: await floor.createUser(floorUser(userName, i)) };
  });
  const appGroups = await inParallel(
    range(4),
    4,
    async (k) =>
      (await svc.call('POST', '/Groups', { displayName: `mixed${inFlight}-${k}-${randomUUID()}` })).body.id as string,
  );
  const rawGroups = await inParallel(range(4), 4, (k) => floor.createGroup(`mixed${inFlight}-${k}-${randomUUID()}`));
  const errors = new Map<number, number>();
  const ok = async (answer: Promise<{ status: number; body: { Resources?: Array<{ id: string }> } }>) => {
    const { status, body } = await answer;
    if (status >= 300) errors.set(status, (errors.get(status) ?? 0) + 1);
    return body;
  };

  const appTask = async (t: number) => {
    const kind = taskKind(t);
    const u = appPool[t % appPool.length];
    if (kind === 'create') {
      const userName = `mixed-new-${randomUUID()}@contoso.com`;
      await ok(svc.scim('GET', filterPath('Users', 'userName', userName)));
      await ok(svc.scim('POST', '/Users', scimUser(userName, t)));
    } else if (kind === 'update') {
      const found = await ok(svc.scim('GET', filterPath('Users', 'userName', u.userName)));
      await ok(
        svc.scim(
          'PATCH',
          `/Users/${found.Resources?.[0]?.id ?? u.id}`,
          patchOp({ op: 'Replace', path: 'title', value: `Title ${t}` }),
        ),
      );
    } else if (kind === 'read') {
      await ok(svc.scim('GET', `/Users/${u.id}`));
    } else {
      await ok(
        svc.scim(
          'PATCH',
          `/Groups/${appGroups[t % appGroups.length]}`,
          addMembersOp([appMembers[t % appMembers.length]]),
        ),
      );
    }
  };
  const rawTask = async (t: number) => {
    const kind = taskKind(t);
    const u = rawPool[t % rawPool.length];
    if (kind === 'create') {
      const userName = `mixed-new-${randomUUID()}@contoso.com`;
      await floor.findByUserName(userName);
      await floor.createUser(floorUser(userName, t));
    } else if (kind === 'update') {
      await floor.findByUserName(u.userName);
      await floor.patchUser(u.id, { title: `Title ${t}` });
    } else if (kind === 'read') {
      await floor.getUser(u.id);
    } else {
      await floor.addMembers(rawGroups[t % rawGroups.length], [floorMembers[t % floorMembers.length]]);
    }
  };

  let appMs = 0;
  let rawMs = 0;
  const perRound = Math.ceil(mixedTasks / MIXED_ROUNDS);
  for (let round = 0; round < MIXED_ROUNDS; round++) {
    const tasks = range(perRound).map((k) => round * perRound + k);
    const runApp = async () => (appMs += await timed(() => inParallel(tasks, inFlight, appTask)));
    const runRaw = async () => (rawMs += await timed(() => inParallel(tasks, inFlight, rawTask)));
    if (round % 2) await runRaw().then(runApp);
    else await runApp().then(runRaw);
  }
  const total = perRound * MIXED_ROUNDS;
  return {
    app: (1000 * total) / appMs,
    raw: (1000 * total) / rawMs,
    errors: [...errors].map(([s, n]) => `${n}× ${s}`).join(', '),
  };
}

/** Task t's kind: a fixed repeating mix of 20, so both sides run exactly the same sequence. */
function taskKind(t: number): 'create' | 'update' | 'read' | 'add member' {
  const k = t % 20;
  return k < 5 ? 'create' : k < 12 ? 'update' : k < 16 ? 'read' : 'add member';
}

/** `n` users created through the app, with their userNames and ids. */
async function appUsers(svc: BenchService, prefix: string, n: number) {
  const names = range(n).map((i) => `${prefix}-${i}-${randomUUID()}@contoso.com`);
  const ids = await seedUsers(svc, n, (i) => scimUser(names[i], i), 8);
  return names.map((userName, i) => ({ userName, id: ids[i] }));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
