import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { OutboxTransport } from '../../shared/notify/outboxTransport';
import type { Operation } from '../../shared/store/activityRecords';
import { MemoryActivity } from '../support/memoryActivity';
import { fixedFacts, notifierOn } from '../support/notifierHarness';

const START = Date.parse('2026-06-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const hhmm = (ms: number) =>
  `${String(Math.floor((ms - START) / HOUR)).padStart(2, '0')}:${String(Math.floor(((ms - START) % HOUR) / MIN)).padStart(2, '0')}`;

type Request = {
  operation: Operation;
  status: number;
  scimType?: string;
  detail?: string;
  resourceType?: 'User' | 'Group';
};
const ok = (operation: Operation, n: number): Request[] =>
  Array.from({ length: n }, () => ({
    operation,
    status: operation === 'update' ? 204 : 200,
    resourceType: 'User' as const,
  }));

/**
 * Two days of Entra-like traffic: each tenant's job runs a cycle every 40 minutes (offset per tenant) of matching
 * queries and writes, 15 s apart. Faults: A's token is revoked at hour 3 and replaced at hour 5 — Entra quarantines
 * on the first rejected cycle and retries 6 h later; B answers 503 from hour 10 for 30 minutes; C's job stops at
 * hour 20; D's token expires 7 days after the start, and from hour 30 a newly assigned group makes Entra send 20
 * writes a cycle, 45 % of them (9 of 20) answered 400 invalidValue, retried each cycle. Data problems on the side:
 * B gets a 409 every sixth cycle, C a 404 on a read every fourth.
 */
function simulate(activity: MemoryActivity) {
  const end = START + 48 * HOUR;
  const offsets: Record<string, number> = { a: 0, b: 10, c: 20, d: 30 };
  for (const tenant of Object.keys(offsets)) {
    let t = START + offsets[tenant] * MIN;
    let n = 0;
    let quarantinedAt: number | undefined;
    while (t < end) {
      const h = (t - START) / HOUR;
      let requests: Request[];
      let next = t + 40 * MIN;
      if (tenant === 'a' && h >= 3 && h < 5) {
        // Entra gives up the cycle after a few rejected calls and quarantines the job: next attempt in 6 h.
        requests = Array.from({ length: 5 }, () => ({ operation: 'match' as const, status: 401 }));
        quarantinedAt ??= t;
        next = quarantinedAt + 6 * HOUR;
      } else if (tenant === 'b' && h >= 10 && h < 10.5) {
        requests = [...ok('match', 6), ...ok('update', 6)].map((r) => ({
          ...r,
          status: 503,
          detail: 'The storage is temporarily unreachable',
        }));
      } else if (tenant === 'c' && h >= 20) {
        break;
      } else if (tenant === 'd' && h >= 30) {
        requests = [
          ...ok('match', 6),
          ...Array.from({ length: 20 }, (_, i) =>
            i < 9
              ? {
                  operation: 'update' as const,
                  status: 400,
                  scimType: 'invalidValue',
                  detail: 'Attribute "emails[0].value" is not a mail address.',
                  resourceType: 'User' as const,
                }
              : ok('update', 1)[0],
          ),
        ];
      } else {
        requests = [...ok('match', 6), ...ok('update', tenant === 'd' ? 2 : 6)];
        if (tenant === 'b' && n % 6 === 5)
          requests.push({
            operation: 'create',
            status: 409,
            scimType: 'uniqueness',
            detail: 'userName "x" is already taken',
          });
        if (tenant === 'c' && n % 4 === 3)
          requests.push({ operation: 'read', status: 404, detail: 'Resource not found' });
      }
      requests.forEach((r, i) =>
        activity.record({
          ...r,
          tenant,
          at: new Date(t + i * 15_000),
          resourceId: r.resourceType ? `id-${i}` : undefined,
        }),
      );
      t = next;
      n++;
    }
  }
}

let azurite: EmbeddedAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.close();
});

it('two simulated days of four tenants produce exactly the expected mails and nothing else', async () => {
  const activity = new MemoryActivity();
  simulate(activity);
  const outbox = mkdtempSync(join(tmpdir(), 'outbox-'));
  let now = START;
  const { notifier } = notifierOn(azurite.connectionString, 'simulation', {
    activity,
    clock: () => new Date(now),
    transport: new OutboxTransport(outbox, () => {}),
    facts: fixedFacts(['a', 'b', 'c', 'd'], {
      recipients: { a: ['a-team@example.com'] },
      tokens: { d: [{ id: 'd-token', expires: new Date(START + 7 * 24 * HOUR), usable: true }] },
    }),
  });
  const mails: string[] = [];
  const problems: string[] = [];
  for (; now <= START + 48 * HOUR; now += 5 * MIN) {
    const run = await notifier.run();
    mails.push(...run.sent.map((m) => `${hhmm(now)} ${m.tenant} ${m.kind} ${m.reason ?? ''}`.trim()));
    problems.push(...run.problems);
  }
  expect(mails).toEqual([
    '00:00 d tokenExpiry',
    '03:25 a opened credentials',
    '09:25 a recovered credentials',
    '10:15 b opened serviceFaults',
    '11:30 b recovered serviceFaults',
    '21:15 c opened silence',
    // D's cycles run at :30/:10/:50; by 39:55 the window holds 14 full failing cycles and the start of the 15th
    // (its 9 failures come first): 135 of 336 writes, 40.2 %, the first evaluation above 40 %.
    '39:55 d opened failureRate',
  ]);
  expect(problems).toEqual([]);

  // What went out is what was decided: one .eml per mail, to the tenant's recipients or the default ones.
  const files = readdirSync(outbox).sort();
  expect(files).toHaveLength(mails.length);
  const parsed = await Promise.all(files.map((f) => simpleParser(readFileSync(join(outbox, f)))));
  const to = (i: number) =>
    (Array.isArray(parsed[i].to) ? parsed[i].to : [parsed[i].to]).flatMap((a) => a!.value.map((v) => v.address));
  expect(parsed.map((p, i) => `${to(i).join(',')} ${p.subject}`)).toEqual([
    'ops@example.com [SCIM connector] tenant d: the Secret Token in use expires in 7 days',
    'a-team@example.com [SCIM connector] tenant a: Entra is using a Secret Token this connector rejects (invalid credentials)',
    'a-team@example.com [SCIM connector] tenant a: recovered — Entra is using a Secret Token this connector rejects (invalid credentials)',
    'ops@example.com [SCIM connector] tenant b: the connector is answering with server errors',
    'ops@example.com [SCIM connector] tenant b: recovered — the connector is answering with server errors',
    'ops@example.com [SCIM connector] tenant c: Entra has stopped sending requests (job stopped, quarantined or disabled)',
    'ops@example.com [SCIM connector] tenant d: many of the provisioning writes are failing',
  ]);
  // The failure-rate mail carries the evidence an admin acts on.
  const d = parsed[6].text!;
  expect(d).toMatch(/\d+ of \d+ writes and reads by id failed in the last 24 h \(4\d\.\d %; thresholds 20 and 40 %\)/);
  expect(d).toContain('invalidValue');
  expect(d).toContain('Attribute "emails[0].value" is not a mail address.');
  expect(d).toMatch(/corr-\d+/);
  expect(parsed[3].text).toMatch(/409 uniqueness: \d+/);
  expect(parsed[3].text).toContain('https://scim.example.com/scim/status');
}, 180_000);
