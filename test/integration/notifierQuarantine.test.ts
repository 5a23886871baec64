import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { OutboxTransport } from '../../shared/notify/outboxTransport';
import { MemoryActivity } from '../support/memoryActivity';
import { fixedFacts, notifierOn } from '../support/notifierHarness';

const START = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let azurite: EmbeddedAzurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(() => azurite.close());

/**
 * A token revoked for good: Entra quarantines on the first rejected cycle (hour 2), retries after 6 h, 12 h, then
 * every 24 h, each retry rejected again, and would disable the job after 28 days. Judged hourly for 28 days.
 */
it("follows a credentials quarantine through Entra's backoff to the day-21 and day-27 warnings, one mail a day at most", async () => {
  const activity = new MemoryActivity();
  for (let t = START; t < START + 2 * HOUR; t += 40 * 60_000)
    for (let i = 0; i < 4; i++)
      activity.record({ tenant: 'q', at: new Date(t + i * 15_000), operation: 'update', status: 204 });
  const attempts = [2 * HOUR, 8 * HOUR, 20 * HOUR];
  for (let t = 20 * HOUR + DAY; t < 28 * DAY; t += DAY) attempts.push(t);
  for (const a of attempts)
    for (let i = 0; i < 3; i++)
      activity.record({ tenant: 'q', at: new Date(START + a + i * 15_000), operation: 'match', status: 401 });

  const outbox = mkdtempSync(join(tmpdir(), 'outbox-'));
  let now = START;
  const { notifier } = notifierOn(azurite.connectionString, 'quarantine', {
    activity,
    clock: () => new Date(now),
    transport: new OutboxTransport(outbox, () => {}),
    facts: fixedFacts(['q']),
  });
  const mails: string[] = [];
  for (; now < START + 28 * DAY; now += HOUR) {
    const run = await notifier.run();
    expect(run.problems).toEqual([]);
    mails.push(
      ...run.sent.map(
        (m) =>
          `day ${Math.floor((now - START) / DAY) + 1} ${String(((now - START) % DAY) / HOUR).padStart(2, '0')}h ${m.kind} ${m.reason}`,
      ),
    );
  }
  expect(mails.slice(0, 4)).toEqual([
    'day 1 03h opened credentials',
    'day 1 09h reasonChanged backoff',
    'day 2 09h reminder backoff',
    'day 3 09h reminder backoff',
  ]);
  expect(mails.filter((m) => m.includes('seriesWarning'))).toEqual([
    'day 21 02h seriesWarning backoff',
    'day 27 02h seriesWarning backoff',
  ]);
  // The warnings come as day 21 and 27 of the series begin (it began at 02:00) and stand in for that day's
  // reminder: from day 2 on, exactly one mail a day.
  const later = mails.slice(2).map((m) => Number(m.split(' ')[1]));
  expect(later).toEqual(Array.from({ length: 27 }, (_, i) => i + 2));
  expect(readdirSync(outbox)).toHaveLength(mails.length);
}, 300_000);
