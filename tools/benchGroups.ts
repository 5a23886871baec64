import { percentile, startBenchService, timed } from './benchService';
import { runtime } from '../shared/runtime';
import { DEFAULT_TENANT } from '../shared/auth/tenantId';
import { Member } from '../shared/resources/repository';

/**
 * `npm run bench:groups -- [members=100000] [samples=40]`: group operations on an empty group and on a group with
 * many members, through the local host over HTTP, with the ratio large/empty. The goal (issue #3) is ≤ 1.2 for
 * each: a group operation must cost the same whatever the group's size.
 */
const size = Number(process.argv[2] ?? 100_000);
const samples = Number(process.argv[3] ?? 40);

async function main() {
  const { call, close } = await startBenchService();
  const { resources: store, memberships } = runtime().repository;

  // Seed through the product's own store: real users, then the large group's membership rows.
  const t0 = Date.now();
  const userIds: string[] = [];
  const needed = size + samples * 101 * 2 + 100;
  for (let i = 0; i < needed; i += 32) {
    const batch = await Promise.all(Array.from({ length: Math.min(32, needed - i) }, (_, j) => store.create(DEFAULT_TENANT, 'User', { userName: `seed_${i + j}@contoso.com` }, 'seed')));
    userIds.push(...batch.map((u) => u.meta.id));
  }
  const empty = (await call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Empty' }))!.id;
  const large = (await call('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Large' }))!.id;
  const seedMembers: Member[] = userIds.slice(0, size).map((value) => ({ value, type: 'User' }));
  const slices = 8;
  await Promise.all(Array.from({ length: slices }, (_, k) => memberships.change(DEFAULT_TENANT, large, { add: seedMembers.filter((_, i) => i % slices === k), remove: [] })));
  console.log(`seeded ${needed} users and a group of ${size} members in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  let next = size;
  const take = (n: number) => userIds.slice(next, (next += n));
  const patchAdd = (group: string, ids: string[]) =>
    call('PATCH', `/Groups/${group}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) }] });
  const ops: Array<[string, (group: string) => Promise<unknown>]> = [
    ['PATCH add 1 member', (g) => patchAdd(g, take(1))],
    ['PATCH add 100 members', (g) => patchAdd(g, take(100))],
    ['GET /Groups/{id}?excludedAttributes=members', (g) => call('GET', `/Groups/${g}?excludedAttributes=members`)],
    ['GET /Groups?filter=displayName eq (Entra match)', (g) => call('GET', `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${g === empty ? 'Empty' : 'Large'}"`)}`)],
  ];
  const p50 = (xs: number[]) => percentile(xs, 50);
  console.log(`\np50 of ${samples} samples each, alternating empty/large, local host over HTTP, embedded Azurite, Node ${process.version}\n`);
  console.log(`| operation | empty group ms | ${size}-member group ms | ratio large/empty |`);
  console.log('|---|---:|---:|---:|');
  for (const [name, op] of ops) {
    const e: number[] = [];
    const l: number[] = [];
    for (let i = 0; i < 3; i++) { await op(empty); await op(large); } // warm-up
    for (let i = 0; i < samples; i++) {
      e.push(await timed(() => op(empty)));
      l.push(await timed(() => op(large)));
    }
    console.log(`| ${name} | ${p50(e).toFixed(2)} | ${p50(l).toFixed(2)} | ${(p50(l) / p50(e)).toFixed(2)} |`);
  }
  await close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
