import { TableClient } from '@azure/data-tables';
import { percentile, startBenchService, timed } from './benchService';
import { runtime } from '../shared/runtime';
import { DEFAULT_TENANT } from '../shared/auth/tenantId';

/**
 * `npm run bench:query -- [large=100000] [small=1000] [samples=200]`: the issue #4 figures, in one run on one
 * Azurite — filter lookups at a small and a large user count with the ratio large/small, and paging through all
 * users (`count=100`, by `startIndex` and by cursor; every fifth user is in a group) next to a raw
 * `@azure/data-tables` scan of the same rows.
 * A raw point read is measured at both sizes too: it is the floor, and shows what the emulator itself does.
 */
const large = Number(process.argv[2] ?? 100_000);
const small = Number(process.argv[3] ?? 1_000);
const samples = Number(process.argv[4] ?? 200);

const userName = (i: number) => `query_${i}@contoso.com`;
const externalId = (i: number) => `ext-${i}`;

async function main() {
  const { azurite, call, close } = await startBenchService();
  const { resources: store, memberships } = runtime().repository;
  const raw = TableClient.fromConnectionString(azurite.connectionString, 'scim', { allowInsecureConnection: true });
  const ids: string[] = [];
  const seedTo = async (n: number) => {
    const t0 = Date.now();
    for (let i = ids.length; i < n; i += 16) {
      const batch = await Promise.all(Array.from({ length: Math.min(16, n - i) }, (_, j) => store.create(DEFAULT_TENANT, 'User', {
        userName: userName(i + j), externalId: externalId(i + j), active: true, title: (i + j) % 10 ? 'Sales' : 'Engineer',
        emails: [{ type: 'work', primary: true, value: userName(i + j) }], name: { givenName: 'Query', familyName: `User ${i + j}` },
      }, 'seed')));
      ids.push(...batch.map((u) => u.meta.id));
    }
    console.log(`seeded ${n} users in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  };

  const pick = (n: number) => Array.from({ length: samples }, (_, k) => Math.floor(((k * 7919) % samples) * (n / samples)));
  const lookups = async (n: number) => {
    const p50 = async (fn: (i: number) => Promise<unknown>) => {
      const xs: number[] = [];
      for (const i of pick(n).slice(0, 10)) await fn(i); // warm-up
      for (const i of pick(n)) xs.push(await timed(() => fn(i)));
      return percentile(xs, 50);
    };
    return {
      userName: await p50((i) => call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName(i)}"`)}`)),
      externalId: await p50((i) => call('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${externalId(i)}"`)}`)),
      raw: await p50((i) => raw.getEntity(DEFAULT_TENANT, `R~User~${ids[i]}`)),
    };
  };

  await seedTo(small);
  const atSmall = await lookups(small);
  await seedTo(large);
  // Every fifth user belongs to one of ten groups, so listed users' `groups` are really looked up.
  for (let k = 0; k < 10; k++) {
    const group = await store.create(DEFAULT_TENANT, 'Group', { displayName: `Bench group ${k}` }, 'seed');
    await memberships.change(DEFAULT_TENANT, group.meta.id, { add: ids.filter((_, i) => i % 50 === k * 5).map((value) => ({ value, type: 'User' as const })), remove: [] });
  }
  const atLarge = await lookups(large);

  console.log(`\np50 of ${samples} lookups of existing users, local host over HTTP, embedded Azurite, Node ${process.version}\n`);
  console.log(`| operation | ${small} users ms | ${large} users ms | ratio |`);
  console.log('|---|---:|---:|---:|');
  const row = (name: string, a: number, b: number) => console.log(`| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`);
  row('GET /Users?filter=userName eq', atSmall.userName, atLarge.userName);
  row('GET /Users?filter=externalId eq', atSmall.externalId, atLarge.externalId);
  row('raw data-tables getEntity (floor)', atSmall.raw, atLarge.raw);

  type Page = { Resources: Array<{ id: string }>; nextCursor?: string };
  const byIndex = (extra = '') => async () => {
    let seen = 0;
    for (let start = 1; ; start += 100) {
      const page = (await call('GET', `/Users?startIndex=${start}&count=100${extra}`)) as unknown as Page;
      if (!page.Resources.length) return seen;
      seen += page.Resources.length;
    }
  };
  const byCursor = (extra = '') => async () => {
    let seen = 0;
    for (let cursor = ''; ;) {
      const page = (await call('GET', `/Users?cursor=${cursor}&count=100${extra}`)) as unknown as Page;
      seen += page.Resources.length;
      if (!page.nextCursor) return seen;
      cursor = page.nextCursor;
    }
  };
  const rawScan = async (pageSize?: number) => {
    let seen = 0;
    const filter = `PartitionKey eq '${DEFAULT_TENANT}' and RowKey ge 'R~User~' and RowKey lt 'R~User~~'`;
    for await (const page of raw.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: pageSize })) seen += page.length;
    return seen;
  };
  const scans: Array<[string, () => Promise<number>]> = [
    ['raw data-tables scan of the same rows (1,000-row pages)', () => rawScan()],
    ['raw data-tables scan, 100-row pages', () => rawScan(100)],
    // Each user's `groups` is a read of its member → group rows; without it a page holds what the raw scan reads.
    ['GET /Users?startIndex=…&count=100&excludedAttributes=groups', byIndex('&excludedAttributes=groups')],
    ['GET /Users?cursor=…&count=100&excludedAttributes=groups', byCursor('&excludedAttributes=groups')],
    ['GET /Users?startIndex=…&count=100 (with groups)', byIndex()],
    ['GET /Users?cursor=…&count=100 (with groups)', byCursor()],
  ];
  const results: Array<[string, number]> = [];
  for (const [name, fn] of scans) {
    let seen = 0;
    const ms = await timed(async () => { seen = await fn(); });
    if (seen !== large) throw new Error(`${name} saw ${seen} users, expected ${large}`);
    results.push([name, ms]);
  }
  console.log(`\nPaging through all ${large} users (each read once, checked), same run\n`);
  console.log('| reader | total s | ratio to raw scan |');
  console.log('|---|---:|---:|');
  for (const [name, ms] of results) console.log(`| ${name} | ${(ms / 1000).toFixed(2)} | ${(ms / results[0][1]).toFixed(2)} |`);
  await close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
