import {
  addMembersOp,
  benchArgs,
  filterPath,
  percentile,
  seedMembers,
  seedUsers,
  startBenchService,
  timed,
} from './benchService';

/**
 * `npm run bench:groups -- [members=100000] [samples=40] [--in-process-storage]`: group operations on an empty
 * group and on a group with many members, through the local host over HTTP, alternating sample by sample, with the
 * ratio large/empty. The goal is ≤ 1.2 for each: a group operation must cost the same whatever the
 * group's size. Everything is seeded over HTTP too, so the script does not depend on how the app stores rows.
 */
const {
  numbers: [size, samples],
  flags,
} = benchArgs([100_000, 40]);

async function main() {
  const svc = await startBenchService({ inProcessStorage: flags.has('--in-process-storage') });
  const { call } = svc;

  const t0 = Date.now();
  const needed = size + (samples + 3) * 101 * 2;
  const userIds = await seedUsers(svc, needed, (i) => ({ userName: `seed_${i}@contoso.com` }));
  const empty = (
    await call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Empty' })
  ).body.id as string;
  const large = (
    await call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Large' })
  ).body.id as string;
  await seedMembers(svc, large, userIds.slice(0, size));
  console.log(`seeded ${needed} users and a group of ${size} members in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  let next = size;
  const take = (n: number) => userIds.slice(next, (next += n));
  const ops: Array<[string, (group: string) => Promise<unknown>]> = [
    ['PATCH add 1 member', (g) => call('PATCH', `/Groups/${g}`, addMembersOp(take(1)))],
    ['PATCH add 100 members', (g) => call('PATCH', `/Groups/${g}`, addMembersOp(take(100)))],
    ['GET /Groups/{id}?excludedAttributes=members', (g) => call('GET', `/Groups/${g}?excludedAttributes=members`)],
    [
      'GET /Groups?filter=displayName eq (Entra match)',
      (g) =>
        call(
          'GET',
          `${filterPath('Groups', 'displayName', g === empty ? 'Empty' : 'Large')}&excludedAttributes=members`,
        ),
    ],
  ];
  const p50 = (xs: number[]) => percentile(xs, 50);
  console.log(
    `\np50 of ${samples} samples each, alternating empty/large, local host over HTTP in its own process, patched Azurite ${flags.has('--in-process-storage') ? 'in this process' : 'in its own process'}, Node ${process.version}\n`,
  );
  console.log(`| operation | empty group ms | ${size}-member group ms | ratio large/empty |`);
  console.log('|---|---:|---:|---:|');
  for (const [name, op] of ops) {
    const e: number[] = [];
    const l: number[] = [];
    for (let i = 0; i < 3; i++) {
      await op(empty);
      await op(large);
    } // warm-up
    for (let i = 0; i < samples; i++) {
      e.push(await timed(() => op(empty)));
      l.push(await timed(() => op(large)));
    }
    console.log(`| ${name} | ${p50(e).toFixed(2)} | ${p50(l).toFixed(2)} | ${(p50(l) / p50(e)).toFixed(2)} |`);
  }
  await svc.close();
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
