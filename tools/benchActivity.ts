import { randomUUID } from 'node:crypto';
import { ActivityLog, createActivityLog } from '../shared/activity/activityLog';
import { ActivityRecorder } from '../shared/activity/recorder';
import { runtime } from '../shared/runtime';
import { tableAccount } from '../shared/store/tableAccount';
import { percentile, startBenchService, timed } from './benchService';

/**
 * `npm run bench:activity -- [samples=300]`: what recording a request in the activity log adds to its latency.
 * Each sample of each operation runs once with recording on and once with it off (SCIM_ACTIVITY=off's no-op
 * log), alternating which goes first, in one run through the local host over HTTP — so drift and the shared
 * CPU hit both columns alike. Successes cost a counter update (written later by the flush); a failure waits for
 * its row (at most 200 ms), shown separately because Entra's traffic is mostly successes.
 */
const samples = Number(process.argv[2] ?? 300);

async function main() {
  const { call, close } = await startBenchService();
  const user = (await call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `bench.activity.${randomUUID()}@contoso.com`, active: true }))!;
  const rt = runtime(); // the same module instance the host's functions use
  if (!rt.activity.enabled) throw new Error('expected recording on (SCIM_ACTIVITY unset or on)');
  // The app's log, except that every failure gets its own row: the per-minute budget of failure rows would
  // otherwise turn most 404 samples into mere counts and hide the cost of the synchronous write.
  const recorder = new ActivityRecorder(rt.activity.tables, { flushMs: rt.settings.SCIM_ACTIVITY_FLUSH_SECONDS * 1000, failureRowsPerMinute: Infinity, log: console.warn });
  const on: ActivityLog = { ...rt.activity, observe: (o) => recorder.observe(o), recorder };
  const off = createActivityLog({ ...rt.settings, SCIM_ACTIVITY: 'off' }, tableAccount(rt.settings), rt.schemas.all);

  const notFound = async () => {
    try {
      await call('GET', `/Users/${randomUUID()}`);
    } catch (e) {
      if (/→ 404/.test((e as Error).message)) return;
      throw e;
    }
    throw new Error('expected 404');
  };
  const operations: Array<[string, () => Promise<unknown>]> = [
    ['GET /Users/{id} (read, 200)', () => call('GET', `/Users/${user.id}`)],
    ['GET /Users?filter=userName eq (match, 200)', () => call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`)],
    ['PATCH /Users/{id} (update, 200)', () => call('PATCH', `/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'Replace', path: 'title', value: `t${Math.random()}` }] })],
    ['GET /Users/{unknown} (read, 404: row written before the answer)', notFound],
  ];

  const sample = async (fn: () => Promise<unknown>, log: typeof on) => {
    rt.activity = log;
    return timed(fn);
  };
  console.log(`p50 / p95 of ${samples} samples per cell, interleaved on/off, local host over HTTP, embedded Azurite (in memory), Node ${process.version}\n`);
  console.log('| operation | p50 on ms | p50 off ms | p50 added | p95 on ms | p95 off ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, fn] of operations) {
    for (let i = 0; i < 30; i++) await sample(fn, i % 2 ? on : off); // warm up JIT and connections
    const withLog: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < samples; i++) {
      if (i % 2 === 0) {
        withLog.push(await sample(fn, on));
        without.push(await sample(fn, off));
      } else {
        without.push(await sample(fn, off));
        withLog.push(await sample(fn, on));
      }
    }
    const [a, b] = [percentile(withLog, 50), percentile(without, 50)];
    console.log(`| ${name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(((a - b) / b) * 100).toFixed(1)} % | ${percentile(withLog, 95).toFixed(2)} | ${percentile(without, 95).toFixed(2)} |`);
  }
  const { stats } = recorder;
  console.log(`\nFailure records: ${stats.failuresStored} stored, ${stats.failuresLate} past 200 ms, ${stats.failuresLost} lost.`);
  await recorder.close();
  await rt.activity.recorder?.close();
  await close();
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
