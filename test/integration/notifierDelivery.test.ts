import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { SmtpTransport } from '../../shared/notify/smtpTransport';
import type { MailMessage, MailTransport } from '../../shared/notify/mailTransport';
import { parseAlarmState } from '../../shared/notify/notifier';
import { alarmStatus } from '../../shared/notify/alarmStatus';
import { MemoryActivity } from '../support/memoryActivity';
import { fixedFacts, notifierOn } from '../support/notifierHarness';
import { SmtpSink, startSmtpSink } from '../../tools/fakes/smtpSink';

const T0 = Date.parse('2026-06-01T10:00:00Z');
const MIN = 60_000;

let azurite: EmbeddedAzurite;
let sink: SmtpSink;
beforeAll(async () => {
  [azurite, sink] = await Promise.all([startAzurite(), startSmtpSink()]);
});
afterAll(async () => {
  await Promise.all([azurite.close(), sink.close()]);
});
beforeEach(() => {
  sink.mails.length = 0;
  sink.envelopes.length = 0;
});

/** Twenty rejected requests of tenant acme a minute before T0: a credentials incident. */
function rejected(): MemoryActivity {
  const activity = new MemoryActivity();
  for (let i = 0; i < 20; i++)
    activity.record({ tenant: 'acme', at: new Date(T0 - MIN + i * 1000), operation: 'match', status: 401 });
  return activity;
}

/** A transport that sends, then never reports back: the process died between sending and recording it. */
class CrashAfterSending implements MailTransport {
  readonly name = 'crashing';
  constructor(private readonly inner: MailTransport) {}
  async send(message: MailMessage): Promise<void> {
    await this.inner.send(message);
    await new Promise(() => {});
  }
}

let table = 0;
const setup = (
  activity: MemoryActivity,
  transport: MailTransport,
  clock: () => Date,
  tableName = `delivery${++table}`,
) => notifierOn(azurite.connectionString, tableName, { activity, transport, clock, facts: fixedFacts(['acme']) });

it('two instances judging at the same moment send the incident mail once', async () => {
  const activity = rejected();
  const clock = () => new Date(T0);
  const name = `delivery${++table}`;
  const one = setup(activity, new SmtpTransport(sink.url), clock, name);
  const two = setup(activity, new SmtpTransport(sink.url), clock, name);
  const runs = await Promise.all([one.notifier.run(), two.notifier.run(), one.notifier.run(), two.notifier.run()]);
  expect(runs.flatMap((r) => r.sent.map((m) => m.kind))).toEqual(['opened']);
  expect(sink.mails.map((m) => m.subject)).toEqual([
    '[SCIM connector] tenant acme: Entra is using a Secret Token this connector rejects (invalid credentials)',
  ]);
  expect(sink.envelopes).toEqual([['ops@example.com']]);
  // Later runs of either instance add nothing while the incident lasts.
  await one.notifier.run();
  await two.notifier.run();
  expect(sink.mails).toHaveLength(1);
});

it('a crash between sending and recording resends the mail once after the claim expires, and never a third time', async () => {
  const activity = rejected();
  let now = T0;
  const name = `delivery${++table}`;
  const crashing = setup(activity, new CrashAfterSending(new SmtpTransport(sink.url)), () => new Date(now), name);
  void crashing.notifier.run(); // dies after sending
  await until(() => sink.mails.length === 1);

  // Another instance a minute later: the claim is fresh, the first run may still be sending.
  now = T0 + MIN;
  const other = setup(activity, new CrashAfterSending(new SmtpTransport(sink.url)), () => new Date(now), name);
  expect((await other.notifier.run()).sent).toEqual([]);
  expect(sink.mails).toHaveLength(1);

  // Past the claim's lifetime the crashed run is presumed dead: one more send (which crashes again).
  now = T0 + 11 * MIN;
  void other.notifier.run();
  await until(() => sink.mails.length === 2);

  now = T0 + 22 * MIN;
  const third = setup(activity, new SmtpTransport(sink.url), () => new Date(now), name);
  const run = await third.notifier.run();
  expect(run.sent).toEqual([]);
  expect(run.problems).toEqual([
    expect.stringMatching(/gave up on ".*invalid credentials\)" after 2 unconfirmed sends/),
  ]);
  expect(sink.mails).toHaveLength(2);
  expect(parseAlarmState((await third.alarms.read('acme')).document).pending).toEqual([]);
});

it('a refused send is released and goes out on the next run', async () => {
  const activity = rejected();
  let now = T0;
  const name = `delivery${++table}`;
  const down = setup(activity, new SmtpTransport('smtp://127.0.0.1:1'), () => new Date(now), name);
  const first = await down.notifier.run();
  expect(first.sent).toEqual([]);
  expect(first.problems).toEqual([expect.stringMatching(/^acme: smtp refused/)]);
  now += 5 * MIN;
  const up = setup(activity, new SmtpTransport(sink.url), () => new Date(now), name);
  expect((await up.notifier.run()).sent.map((m) => m.kind)).toEqual(['opened']);
  expect(sink.mails).toHaveLength(1);
});

it('keeps to the mail service limit of 30 a minute: the rest wait for the next runs', async () => {
  const activity = new MemoryActivity();
  const tenants = Array.from({ length: 35 }, (_, i) => `t${String(i).padStart(2, '0')}`);
  for (const tenant of tenants)
    for (let i = 0; i < 3; i++)
      activity.record({ tenant, at: new Date(T0 - MIN + i * 1000), operation: 'match', status: 401 });
  let now = T0;
  const { notifier } = notifierOn(azurite.connectionString, `delivery${++table}`, {
    activity,
    transport: new SmtpTransport(sink.url),
    clock: () => new Date(now),
    facts: fixedFacts(tenants),
  });
  const first = await notifier.run();
  expect(first.sent).toHaveLength(30);
  expect(first.problems.filter((p) => p.includes('waits for the mail service'))).toHaveLength(5);
  now += 61_000;
  expect((await notifier.run()).sent).toHaveLength(5);
  expect(new Set(sink.mails.map((m) => m.subject)).size).toBe(35);
}, 60_000);

it('mails the default recipients once an hour per instance when its own storage cannot be read', async () => {
  const activity = rejected();
  let now = T0;
  const { notifier } = notifierOn(
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1',
    'unreachable',
    {
      activity,
      transport: new SmtpTransport(sink.url),
      clock: () => new Date(now),
      facts: fixedFacts(['acme']),
      storageRetries: 0,
    },
  );
  const first = await notifier.run();
  expect(first.sent.map((m) => m.subject)).toEqual(['[SCIM connector] the connector cannot reach its storage']);
  now += 30 * MIN;
  expect((await notifier.run()).sent).toEqual([]);
  now += 31 * MIN;
  expect((await notifier.run()).sent).toHaveLength(1);
  expect(sink.envelopes).toEqual([['ops@example.com'], ['ops@example.com']]);
}, 60_000);

async function until(done: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

it("shows each tenant's alarm state for the status view: the open incident, then ok after recovery", async () => {
  const activity = rejected();
  let now = T0;
  const { notifier, alarms } = setup(activity, new SmtpTransport(sink.url), () => new Date(now));
  const status = alarmStatus(alarms);
  expect(await status.alarmOf('acme')).toBeUndefined();
  await notifier.run();
  expect(await status.alarmOf('acme')).toEqual({
    state: 'incident',
    since: new Date(T0 - MIN).toISOString(),
    reason: 'Entra is using a Secret Token this connector rejects (invalid credentials)',
  });
  activity.record({ tenant: 'acme', at: new Date(T0 + MIN), operation: 'read', status: 404 });
  now = T0 + 2 * MIN;
  await notifier.run();
  now = T0 + 70 * MIN;
  await notifier.run();
  expect(await status.alarmOf('acme')).toEqual({
    state: 'ok',
    since: new Date(now).toISOString(),
    reason: 'data problems and warnings (24 h): 1 × 404 on a read by id',
  });
  expect(sink.mails.map((m) => m.subject)).toEqual([
    expect.stringContaining('tenant acme: Entra is using'),
    expect.stringContaining('tenant acme: recovered'),
  ]);
});

it("judges the other tenants when one tenant's alarm row is unreadable or its tokens cannot be listed", async () => {
  const activity = rejected();
  const name = `delivery${++table}`;
  const { notifier, alarms } = notifierOn(azurite.connectionString, name, {
    activity,
    transport: new SmtpTransport(sink.url),
    clock: () => new Date(T0),
    facts: {
      ...fixedFacts(['acme', 'broken']),
      tokens: async () => {
        throw new Error('Key Vault answered 503');
      },
    },
  });
  await alarms.write('broken', { incident: { reason: 'no such reason' } }, undefined);
  const run = await notifier.run();
  expect(run.sent.map((m) => `${m.tenant} ${m.kind}`)).toEqual(['acme opened']);
  expect(run.problems).toEqual([
    'acme: token expiry not checked: Key Vault answered 503',
    expect.stringMatching(/^broken: not judged: /),
  ]);
});
