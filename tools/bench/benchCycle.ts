import { loadavg } from 'node:os';
import {
  addMembersOp,
  benchArgs,
  BenchService,
  filterPath,
  floorUser,
  inParallel,
  patchOp,
  percentile,
  scimUser,
  startBenchService,
  timed,
} from './benchService';
import { RawFloor } from './benchFloor';

/**
 * `npm run bench:cycle -- [users=10000] [groups=100] [memberships=20000] [managers=2000] [inFlight=16]
 * [--in-process-storage]`: a simulated Microsoft Entra provisioning job against the app (local host in its own
 * process, over HTTP): an initial cycle — every user and group matched by filter first, then created; memberships
 * added 100 per group PATCH; manager references set — then an incremental cycle of a few changes. Users/s is
 * compared with the raw floor of the same match + create, run in alternating chunks of the same run.
 * A quick run: `npm run bench:cycle -- 1000 10 2000 200`.
 */
const {
  numbers: [users, groups, memberships, managers, inFlight],
  flags,
} = benchArgs([10_000, 100, 20_000, 2_000, 16]);
const MEMBERS_PER_PATCH = 100;
const USER_CHUNKS = 10;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

type Tally = { requests: number; statuses: Map<string, number>; groupPatchMs: number[] };

async function main() {
  if (groups < 1 || Math.ceil(memberships / groups) > users)
    throw new Error('need at least 1 group, and no more memberships per group than users');
  const svc = await startBenchService({ inProcessStorage: flags.has('--in-process-storage') });
  const floor = await RawFloor.open(svc.connectionString);
  const load = loadavg()[0];
  const progress = (line: string) =>
    process.stderr.write(`[bench:cycle ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

  // The initial cycle.
  const initial: Tally = { requests: 0, statuses: new Map(), groupPatchMs: [] };
  const scim = tallied(svc, initial);
  const userNames = Array.from({ length: users }, (_, i) => `cycle-${i}@contoso.com`);
  const userIds: string[] = new Array(users);
  let appUserMs = 0;
  let rawUserMs = 0;
  const chunk = Math.ceil(users / USER_CHUNKS);
  const appCreate = async (i: number) => {
    await scim.expect(200, 'GET', filterPath('Users', 'userName', userNames[i]));
    const created = await scim.expect(201, 'POST', '/Users', scimUser(userNames[i], i));
    // A user that failed to be created makes its later references fail too, and they are counted as errors.
    userIds[i] = created?.id ?? 'not-created';
  };
  const rawCreate = async (i: number) => {
    const userName = `raw-${userNames[i]}`;
    await floor.findByUserName(userName);
    await floor.createUser(floorUser(userName, i));
  };
  for (let c = 0; c * chunk < users; c++) {
    const slice = range(Math.min(chunk, users - c * chunk)).map((k) => c * chunk + k);
    const app = async () => (appUserMs += await timed(() => inParallel(slice, inFlight, appCreate)));
    const raw = async () => (rawUserMs += await timed(() => inParallel(slice, inFlight, rawCreate)));
    if (c % 2) await raw().then(app);
    else await app().then(raw);
    progress(`users ${Math.min(users, (c + 1) * chunk)}/${users}`);
  }
  let groupIds: string[] = [];
  const groupsMs = await timed(
    async () =>
      (groupIds = await inParallel(range(groups), inFlight, async (g) => {
        const displayName = `Cycle group ${g}`;
        await scim.expect(200, 'GET', `${filterPath('Groups', 'displayName', displayName)}&excludedAttributes=members`);
        return (
          await scim.expect(201, 'POST', '/Groups', {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
            displayName,
          })
        )?.id as string;
      })),
  );
  progress(`groups ${groups}`);
  // Entra sends a group's members after the group exists, 100 per PATCH; managers after both users exist.
  const perGroup = Math.ceil(memberships / groups);
  const patches: Array<() => Promise<unknown>> = [];
  for (let g = 0; g < groups; g++) {
    const slots = range(Math.min(perGroup, memberships - g * perGroup)).map((s) => userIds[(g * perGroup + s) % users]);
    for (let s = 0; s < slots.length; s += MEMBERS_PER_PATCH) {
      const members = slots.slice(s, s + MEMBERS_PER_PATCH);
      patches.push(async () =>
        initial.groupPatchMs.push(
          await timed(() => scim.expect(204, 'PATCH', `/Groups/${groupIds[g]}`, addMembersOp(members))),
        ),
      );
    }
  }
  const managerUpdates = range(Math.min(managers, users)).map(
    (i) => () =>
      // Entra's observed form: the enterprise URN path with the manager's id as a plain string (shared/scim/entraQuirks/managerForms.ts).
      scim.expect(
        200,
        'PATCH',
        `/Users/${userIds[i]}`,
        patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: userIds[(i + 1) % users] }),
      ),
  );
  const references = interleave(patches, managerUpdates);
  const referencesMs = await timed(() => inParallel(references, inFlight, (run) => run()));
  progress(`memberships ${memberships} in ${patches.length} PATCHes, managers ${managerUpdates.length}`);
  const afterInitial = await svc.app.memory();

  // The incremental cycle: what Entra sends ~40 minutes later for a directory with a few changes.
  const incremental: Tally = { requests: 0, statuses: new Map(), groupPatchMs: [] };
  const next = tallied(svc, incremental);
  const newUsers = range(Math.ceil(users / 100)).map((k) => users + k);
  const changed = range(Math.ceil(users / 20)).map((k) => (k * 20) % users);
  const disabled = range(Math.ceil(users / 200)).map((k) => (k * 200 + 7) % users);
  const changedGroups = range(Math.ceil(groups / 10)).map((k) => (k * 10) % groups);
  const incrementalTasks: Array<() => Promise<unknown>> = [
    ...newUsers.map((i) => async () => {
      const userName = `cycle-${i}@contoso.com`;
      await next.expect(200, 'GET', filterPath('Users', 'userName', userName));
      await next.expect(201, 'POST', '/Users', scimUser(userName, i));
    }),
    ...changed.map((i) => async () => {
      await next.expect(200, 'GET', filterPath('Users', 'userName', userNames[i]));
      await next.expect(
        200,
        'PATCH',
        `/Users/${userIds[i]}`,
        patchOp(
          { op: 'Replace', path: 'title', value: 'Changed' },
          { op: 'Replace', path: 'name.familyName', value: `Changed ${i}` },
        ),
      );
    }),
    ...disabled.map((i) => async () => {
      await next.expect(200, 'GET', filterPath('Users', 'userName', userNames[i]));
      await next.expect(
        200,
        'PATCH',
        `/Users/${userIds[i]}`,
        patchOp({ op: 'Replace', path: 'active', value: 'False' }),
      );
    }),
    ...changedGroups.map((g) => async () => {
      // 5 members out (Entra's Remove with a value list), 5 new ones in.
      const current = range(Math.min(perGroup, 5)).map((s) => ({ value: userIds[(g * perGroup + s) % users] }));
      const added = range(5).map((s) => userIds[(g * perGroup + perGroup + s) % users]);
      const ms = await timed(() =>
        next.expect(
          204,
          'PATCH',
          `/Groups/${groupIds[g]}`,
          patchOp(
            { op: 'Remove', path: 'members', value: current },
            { op: 'Add', path: 'members', value: added.map((value) => ({ value })) },
          ),
        ),
      );
      incremental.groupPatchMs.push(ms);
    }),
  ];
  const incrementalMs = await timed(() => inParallel(incrementalTasks, inFlight, (run) => run()));
  const afterIncremental = await svc.app.memory();
  progress('incremental cycle done');

  // The raw floor's chunks ran between the app's: the initial cycle's time is the app's phases alone.
  const initialWallMs = appUserMs + groupsMs + referencesMs;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const rate = (n: number, ms: number) => ((1000 * n) / ms).toFixed(1);
  const errors = (t: Tally) =>
    [...t.statuses]
      .filter(([s]) => !s.startsWith('expected'))
      .map(([s, n]) => `${n}× ${s}`)
      .join(', ') || '0';
  const p = (xs: number[], q: number) => (xs.length ? percentile(xs, q).toFixed(0) : '–');
  console.log(
    `\nSimulated Entra cycles, ${inFlight} requests in flight; app = local host over HTTP in its own process; storage = patched Azurite ${flags.has('--in-process-storage') ? 'IN THIS PROCESS' : 'in its own process'}, in memory; Node ${process.version}; load average ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
  );
  console.log(
    `Initial: ${users} users and ${groups} groups, each matched by filter first, then created; ${memberships} memberships in ${patches.length} PATCHes of ≤ ${MEMBERS_PER_PATCH}; ${managerUpdates.length} manager updates.`,
  );
  console.log(
    `Incremental: ${newUsers.length} new users, ${changed.length} changed and ${disabled.length} disabled users (each matched first), ${changedGroups.length} groups with 5 members out and 5 in.\n`,
  );
  console.log('| measure | initial cycle | incremental cycle |');
  console.log('|---|---:|---:|');
  const incObjects = newUsers.length + changed.length + disabled.length + changedGroups.length;
  console.log(
    `| wall time (app requests only) | ${(initialWallMs / 1000).toFixed(1)} s | ${(incrementalMs / 1000).toFixed(1)} s |`,
  );
  console.log(
    `| objects (users + groups) per s | ${rate(users + groups, initialWallMs)} | ${rate(incObjects, incrementalMs)} |`,
  );
  console.log(
    `| requests per s | ${rate(initial.requests, initialWallMs)} | ${rate(incremental.requests, incrementalMs)} |`,
  );
  console.log(
    `| users per s (match + create): app vs raw floor (app / raw) | ${rate(users, appUserMs)} vs ${rate(users, rawUserMs)} (${((100 * rawUserMs) / appUserMs).toFixed(0)} %) | |`,
  );
  console.log(
    `| group PATCH p50 / p95 ms | ${p(initial.groupPatchMs, 50)} / ${p(initial.groupPatchMs, 95)} | ${p(incremental.groupPatchMs, 50)} / ${p(incremental.groupPatchMs, 95)} |`,
  );
  console.log(`| errors by status | ${errors(initial)} | ${errors(incremental)} |`);
  console.log(
    `| app RSS after (peak so far) | ${mib(afterInitial.rss)} (${mib(afterInitial.maxRss)}) | ${mib(afterIncremental.rss)} (${mib(afterIncremental.maxRss)}) |`,
  );
  await svc.close();
}

/** Requests that count their answers by status: an unexpected status is an error, never thrown. */
function tallied(svc: BenchService, tally: Tally) {
  return {
    async expect(status: number, method: string, path: string, body?: unknown) {
      tally.requests++;
      let key: string;
      let answer: { status: number; body: { id?: string } | undefined } | undefined;
      try {
        answer = await svc.scim(method, path, body);
        key = answer.status === status ? `expected ${status}` : String(answer.status);
      } catch (e) {
        key = `network error (${(e as Error).message})`;
      }
      tally.statuses.set(key, (tally.statuses.get(key) ?? 0) + 1);
      return answer?.status === status ? answer.body : undefined;
    },
  };
}

/** Both lists merged evenly, as Entra's queue mixes group and user changes. */
function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  for (let i = 0, j = 0; i < a.length || j < b.length;) {
    if (j >= b.length || (i < a.length && i / a.length <= j / b.length)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
