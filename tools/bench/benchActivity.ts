import { randomBytes, randomUUID } from 'node:crypto';
import { startAppProcess } from './benchAppProcess';
import { percentile, ScimAnswer, scimClient, timed } from './benchService';
import { startStorage } from './storageProcess';

/**
 * `npm run bench:activity -- [samples=300]`: what recording a request in the activity log adds to its latency.
 * Two app processes on one storage process, one as deployed (recording on), one with SCIM_ACTIVITY=off; each
 * sample of each operation goes to both, alternating which goes first, so drift and the shared CPU hit both
 * columns alike. Successes cost a counter update (written later by the flush); a failure waits for its row (at
 * most 200 ms, and at most 120 rows a tenant and minute per instance — beyond that failures are only counted),
 * shown separately because Entra's traffic is mostly successes.
 */
const samples = Number(process.argv[2] ?? 300);

async function main() {
  const storage = await startStorage();
  const token = randomBytes(32).toString('base64url');
  const [onApp, offApp] = await Promise.all([
    startAppProcess(storage.connectionString, token, { SCIM_ACTIVITY: 'on', SCIM_ACTIVITY_FLUSH_SECONDS: '60' }),
    startAppProcess(storage.connectionString, token, { SCIM_ACTIVITY: 'off' }),
  ]);
  const on = scimClient(onApp.info.url, token);
  const off = scimClient(offApp.info.url, token);
  const user = (
    await on.call('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `bench.activity.${randomUUID()}@contoso.com`,
      active: true,
    })
  ).body;
  const expect = (status: number) => (answer: ScimAnswer) => {
    if (answer.status !== status) throw new Error(`expected ${status}, got ${answer.status}`);
  };
  type Client = typeof on;
  const operations: Array<[string, (c: Client) => Promise<unknown>]> = [
    ['GET /Users/{id} (read, 200)', (c) => c.call('GET', `/Users/${user.id}`)],
    [
      'GET /Users?filter=userName eq (match, 200)',
      (c) => c.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`),
    ],
    [
      'PATCH /Users/{id} (update, 200)',
      (c) =>
        c.call('PATCH', `/Users/${user.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'Replace', path: 'title', value: `t${Math.random()}` }],
        }),
    ],
    [
      'GET /Users/{unknown} (read, 404: row written before the answer)',
      (c) => c.scim('GET', `/Users/${randomUUID()}`).then(expect(404)),
    ],
  ];
  console.log(
    `p50 / p95 of ${samples} samples per cell, interleaved on/off, two app processes on one storage process, Node ${process.version}\n`,
  );
  console.log('| operation | p50 on ms | p50 off ms | p50 added | p95 on ms | p95 off ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, fn] of operations) {
    for (let i = 0; i < 30; i++) await fn(i % 2 ? on : off); // warm up JIT and connections
    const withLog: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < samples; i++) {
      const pair: Array<[number[], Client]> = [
        [withLog, on],
        [without, off],
      ];
      for (const [into, client] of i % 2 ? pair.reverse() : pair) into.push(await timed(() => fn(client)));
    }
    const [a, b] = [percentile(withLog, 50), percentile(without, 50)];
    console.log(
      `| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(((a - b) / b) * 100).toFixed(1)} % | ${percentile(withLog, 95).toFixed(2)} | ${percentile(without, 95).toFixed(2)} |`,
    );
  }
  await Promise.all([onApp.close(), offApp.close()]);
  await storage.close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
