import { randomBytes } from 'node:crypto';
import { startAppProcess } from './benchAppProcess';
import { addMembersOp, benchArgs, inParallel, patchOp, percentile, scimClient, scimUser, timed } from './benchService';
import { startStorage } from './storageProcess';

/**
 * `npm run bench:feed -- [samples=60] [--in-process-storage]`: what the change feed adds to a write. Two app
 * processes on one patched Azurite, one with SCIM_CHANGES=on (the default) and one with it off, called over HTTP
 * alternately sample by sample, so the machine's noise falls on both sides alike. Operations: create a user,
 * PATCH one (3 replaces), add 1 member to a group, add 100 members to a fresh group. The goal is ≤ 10 % added.
 */
const {
  numbers: [samples],
  flags,
} = benchArgs([60]);
const WARM_UP = 5;

async function main() {
  const storage = await startStorage({ inProcess: flags.has('--in-process-storage') });
  const token = randomBytes(32).toString('base64url');
  const sides = await Promise.all(
    (['on', 'off'] as const).map(async (feed) => {
      const app = await startAppProcess(storage.connectionString, token, { SCIM_CHANGES: feed });
      return { feed, app, ...scimClient(app.info.url, token) };
    }),
  );
  type Side = (typeof sides)[number];
  // Per side: users to add (1 + 100 per sample) and a group per sample.
  const members = new Map<Side, string[]>();
  const need = (samples + WARM_UP) * 101;
  for (const side of sides) {
    members.set(
      side,
      await inParallel(
        Array.from({ length: need }, (_, i) => i),
        16,
        async (i) =>
          (await side.call('POST', '/Users', scimUser(`m${i}-${side.feed}@contoso.com`, i))).body.id as string,
      ),
    );
  }
  const group = async (side: Side, i: number) =>
    (
      await side.call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `g${i}-${Math.random()}`,
      })
    ).body.id as string;
  const operations: Array<[string, (side: Side, i: number) => Promise<() => Promise<unknown>>]> = [
    [
      'POST /Users',
      async (side, i) => () =>
        side.call('POST', '/Users', scimUser(`u${i}-${side.feed}-${Math.random()}@contoso.com`, i)),
    ],
    [
      'PATCH /Users/{id}, 3 replaces',
      async (side, i) => {
        const id = members.get(side)![i];
        return () =>
          side.call(
            'PATCH',
            `/Users/${id}`,
            patchOp(
              { op: 'Replace', path: 'title', value: `T${i}` },
              { op: 'Replace', path: 'displayName', value: `D${i}` },
              { op: 'Replace', path: 'name.familyName', value: `F${i}` },
            ),
          );
      },
    ],
    [
      'PATCH /Groups/{id}, add 1 member',
      async (side, i) => {
        const g = await group(side, i);
        return () => side.call('PATCH', `/Groups/${g}`, addMembersOp([members.get(side)![i * 101]]));
      },
    ],
    [
      'PATCH /Groups/{id}, add 100 members',
      async (side, i) => {
        const g = await group(side, i);
        return () =>
          side.call('PATCH', `/Groups/${g}`, addMembersOp(members.get(side)!.slice(i * 101 + 1, i * 101 + 101)));
      },
    ],
  ];
  console.log(
    `p50 of ${samples} samples each, feed on and off alternating, local host over HTTP in its own process per side, patched Azurite ${flags.has('--in-process-storage') ? 'in this process' : 'in its own process'}, Node ${process.version}\n`,
  );
  console.log('| operation | feed off ms | feed on ms | added |');
  console.log('|---|---:|---:|---:|');
  for (const [name, prepare] of operations) {
    const times = new Map<Side, number[]>(sides.map((s) => [s, []]));
    for (let i = 0; i < samples + WARM_UP; i++) {
      for (const side of i % 2 ? sides : [...sides].reverse()) {
        const run = await prepare(side, i);
        const ms = await timed(run);
        if (i >= WARM_UP) times.get(side)!.push(ms);
      }
    }
    const [on, off] = sides.map((s) => percentile(times.get(s)!, 50));
    console.log(`| ${name} | ${off.toFixed(2)} | ${on.toFixed(2)} | ${(((on - off) / off) * 100).toFixed(1)} % |`);
  }
  await Promise.all(sides.map((s) => s.app.close()));
  await storage.close();
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
