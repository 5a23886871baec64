import { TableClient } from '@azure/data-tables';
import { benchArgs, filterPath, percentile, seedMembers, seedUsers, startBenchService, timed } from './benchService';

/**
 * `npm run bench:query -- [large=100000] [small=1000] [samples=200] [--in-process-storage]`: size independence,
 * in one run on one Azurite — filter lookups at a small and a large user count with the ratio large/small, and
 * paging through all users (`count=100`, by `startIndex` and by cursor; every fifth user is in a group) next to a
 * raw `@azure/data-tables` scan of the same rows. Users and groups are seeded over HTTP.
 * A raw point read is measured at both sizes too: it is the floor, and shows what the emulator itself does.
 */
const {
  numbers: [large, small, samples],
  flags,
} = benchArgs([100_000, 1_000, 200]);

/**
 * The raw reads go to the app's own rows, so they name its layout (docs/architecture.md#storage-model): the default tenant's
 * partition, the users' `R~User~{id}` rows, and the predicate that skips the member → group rows among them
 * (`R~User~{id}!{group}`). Change these lines if the layout moves.
 */
const PARTITION = 'default';
const userRow = (id: string) => `R~User~${id}`;
const USER_ROWS_ONLY = 'version ge 1';

const userName = (i: number) => `query_${i}@contoso.com`;
const externalId = (i: number) => `ext-${i}`;

async function main() {
  const svc = await startBenchService({ inProcessStorage: flags.has('--in-process-storage') });
  const { call } = svc;
  const raw = TableClient.fromConnectionString(svc.connectionString, 'scim', { allowInsecureConnection: true });
  const ids: string[] = [];
  const seedTo = async (n: number) => {
    const t0 = Date.now();
    const from = ids.length;
    ids.push(
      ...(await seedUsers(svc, n - from, (k) => {
        const i = from + k;
        return {
          userName: userName(i),
          externalId: externalId(i),
          active: true,
          title: i % 10 ? 'Sales' : 'Engineer',
          emails: [{ type: 'work', primary: true, value: userName(i) }],
          name: { givenName: 'Query', familyName: `User ${i}` },
        };
      })),
    );
    console.log(`seeded ${n} users in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  };

  const pick = (n: number) =>
    Array.from({ length: samples }, (_, k) => Math.floor(((k * 7919) % samples) * (n / samples)));
  const lookups = async (n: number) => {
    const p50 = async (fn: (i: number) => Promise<unknown>) => {
      const xs: number[] = [];
      for (const i of pick(n).slice(0, 10)) await fn(i); // warm-up
      for (const i of pick(n)) xs.push(await timed(() => fn(i)));
      return percentile(xs, 50);
    };
    return {
      userName: await p50((i) => call('GET', filterPath('Users', 'userName', userName(i)))),
      externalId: await p50((i) => call('GET', filterPath('Users', 'externalId', externalId(i)))),
      raw: await p50((i) => raw.getEntity(PARTITION, userRow(ids[i]))),
    };
  };

  await seedTo(small);
  const atSmall = await lookups(small);
  await seedTo(large);
  // Every fifth user belongs to one of ten groups, so listed users' `groups` are really looked up.
  for (let k = 0; k < 10; k++) {
    const group = (
      await call('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `Bench group ${k}`,
      })
    ).body.id as string;
    await seedMembers(
      svc,
      group,
      ids.filter((_, i) => i % 50 === k * 5),
    );
  }
  const atLarge = await lookups(large);

  console.log(
    `\np50 of ${samples} lookups of existing users, local host over HTTP in its own process, patched Azurite ${flags.has('--in-process-storage') ? 'in this process' : 'in its own process'}, Node ${process.version}\n`,
  );
  console.log(`| operation | ${small} users ms | ${large} users ms | ratio |`);
  console.log('|---|---:|---:|---:|');
  const row = (name: string, a: number, b: number) =>
    console.log(`| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`);
  row('GET /Users?filter=userName eq', atSmall.userName, atLarge.userName);
  row('GET /Users?filter=externalId eq', atSmall.externalId, atLarge.externalId);
  row('raw data-tables getEntity (floor)', atSmall.raw, atLarge.raw);

  type Page = { Resources: Array<{ id: string }>; nextCursor?: string };
  const byIndex =
    (extra = '') =>
    async () => {
      let seen = 0;
      for (let start = 1; ; start += 100) {
        const page = (await call('GET', `/Users?startIndex=${start}&count=100${extra}`)).body as Page;
        if (!page.Resources.length) return seen;
        seen += page.Resources.length;
      }
    };
  const byCursor =
    (extra = '') =>
    async () => {
      let seen = 0;
      for (let cursor = ''; ;) {
        const page = (await call('GET', `/Users?cursor=${cursor}&count=100${extra}`)).body as Page;
        seen += page.Resources.length;
        if (!page.nextCursor) return seen;
        cursor = page.nextCursor;
      }
    };
  const rawScan = async (pageSize?: number) => {
    let seen = 0;
    const filter = `PartitionKey eq '${PARTITION}' and RowKey ge '${userRow('')}' and RowKey lt '${userRow('~')}' and ${USER_ROWS_ONLY}`;
    for await (const page of raw.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: pageSize }))
      seen += page.length;
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
    const ms = await timed(async () => {
      seen = await fn();
    });
    if (seen !== large) throw new Error(`${name} saw ${seen} users, expected ${large}`);
    results.push([name, ms]);
  }
  console.log(`\nPaging through all ${large} users (each read once, checked), same run\n`);
  console.log('| reader | total s | ratio to raw scan |');
  console.log('|---|---:|---:|');
  for (const [name, ms] of results)
    console.log(`| ${name} | ${(ms / 1000).toFixed(2)} | ${(ms / results[0][1]).toFixed(2)} |`);
  await svc.close();
}

main().catch((e: Error) => {
  console.error(e.stack);
  process.exit(1);
});
