import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { percentile as pct, startBenchService, timed } from './benchService';

/**
 * `npm run bench`: p50/p95 latency of the main user operations through the local host over HTTP, next to a raw
 * `@azure/data-tables` point read against the same Azurite in the same run (the floor any request pays).
 * Usage: npm run bench -- [iterations=300]
 */
const iterations = Number(process.argv[2] ?? 300);

async function main() {
  const { azurite, call: request, close } = await startBenchService();
  const call = async (method: string, path: string, body?: unknown) => (await request(method, path, body))!;
  const user = (i: number) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: `bench_${i}_${randomUUID()}@contoso.com`,
    externalId: randomUUID(),
    active: true,
    emails: [{ type: 'work', primary: true, value: `bench_${i}@contoso.com` }],
    name: { givenName: 'Bench', familyName: `User ${i}` },
  });

  // Warm up connections and JIT so the first samples are not measuring start-up.
  for (let i = 0; i < 20; i++) await call('POST', '/Users', user(-i));

  const users: Array<{ id: string; userName: string }> = [];
  const timings: Record<string, number[]> = { 'POST /Users': [], 'GET /Users/{id}': [], 'GET /Users?filter=userName eq': [], 'PATCH /Users/{id}': [], 'raw data-tables getEntity': [] };
  const time = async (name: string, fn: () => Promise<unknown>) => timings[name].push(await timed(fn));
  for (let i = 0; i < iterations; i++) await time('POST /Users', async () => users.push(await call('POST', '/Users', user(i)) as { id: string; userName: string }));
  for (const u of users) await time('GET /Users/{id}', () => call('GET', `/Users/${u.id}`));
  for (const u of users) await time('GET /Users?filter=userName eq', () => call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${u.userName}"`)}`));
  for (const u of users) {
    await time('PATCH /Users/{id}', () => call('PATCH', `/Users/${u.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'title', value: 'Benchmarked' }] }));
  }
  const raw = TableClient.fromConnectionString(azurite.connectionString, 'scim', { allowInsecureConnection: true });
  for (const u of users) await time('raw data-tables getEntity', () => raw.getEntity('default', `R~User~${u.id}`));

  const floor = pct(timings['raw data-tables getEntity'], 50);
  console.log(`\n${iterations} sequential requests each, local host over HTTP, embedded Azurite (in memory), Node ${process.version}\n`);
  console.log('| operation | p50 ms | p95 ms | p50 / raw point read |');
  console.log('|---|---:|---:|---:|');
  for (const [name, xs] of Object.entries(timings)) {
    console.log(`| ${name} | ${pct(xs, 50).toFixed(2)} | ${pct(xs, 95).toFixed(2)} | ${(pct(xs, 50) / floor).toFixed(1)}× |`);
  }
  await close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
