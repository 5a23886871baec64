import { readSettings } from '../../shared/config';
import { createRuntime, Runtime } from '../../shared/runtime';
import { createNotifier } from '../../shared/notify/notifierSetup';
import { MinuteCount } from '../../shared/store/activityRecords';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { SmtpSink, startSmtpSink } from '../../tools/fakes/smtpSink';
import { TestClock } from '../support/testClock';

/**
 * Flex Consumption scales each non-HTTP function on instances of its own: the notifier's timer runs where no
 * request was recorded, while the HTTP instance still holds its success counts in memory (until its next flush,
 * SCIM_ACTIVITY_FLUSH_SECONDS) and has already written its failures. Here the HTTP instance is the local host with
 * the app's function files; the timer's instance is a second runtime over the same Azurite with its own recorder
 * and reader, as a separate worker would have. Taking the HTTP instance away is the local host's terminate(), which
 * follows Azure/azure-functions-nodejs-worker `src/eventHandlers/terminateWorker.ts`: on the host's WorkerTerminate
 * the worker runs the `appTerminate` hooks the app registered (`src/hooks/executeHooks.ts`), then exits.
 */
const MIN = 60_000;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const clock = new TestClock();
const ACME_TOKEN = 'acme-token-0123456789abcdef0123456789';
const acme = (token: string) =>
  request(`${s.host.url}/scim/acme/v2/Users?count=1`, 'GET', undefined, { Authorization: `Bearer ${token}` });

let s: TestServer;
let sink: SmtpSink;
const instances: Runtime[] = [];
beforeAll(async () => {
  sink = await startSmtpSink();
  // Default flush interval (60 s): the recorder's own timer runs on real time and does not fire during the test.
  s = await startTestServer(
    {
      SCIM_NOTIFY_TO: 'ops@example.com',
      SCIM_SMTP_URL: sink.url,
      SCIM_ACTIVITY_FLUSH_SECONDS: '60',
      SCIM_TENANT_TOKENS: JSON.stringify({ acme: ACME_TOKEN }),
    },
    { clock },
  );
});
afterAll(async () => {
  await Promise.all(instances.map(async (rt) => rt.activity.recorder?.close()));
  await s.close();
  await sink.close();
});

/** Another instance of the app over the same storage; `settleMs` 0 makes its notifier judge every ended minute. */
function instance(settings: Record<string, string> = {}, settleMs?: number) {
  const rt = createRuntime(readSettings({ ...process.env, ...settings }), { clock });
  if (settleMs !== undefined) rt.activity = { ...rt.activity, settleMs };
  instances.push(rt);
  return {
    rt,
    notifier: createNotifier(
      rt,
      rt.activity.reader,
      () => {},
      () => new Date(clock.now()),
    ),
  };
}

const patch = (id: string, path: string) =>
  s.scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path, value: 'x' }] });

/** Requests per operation and status, summed over minutes. */
const totals = (counts: MinuteCount[]) => {
  const out: Record<string, number> = {};
  for (const c of counts) out[`${c.operation} ${c.status}`] = (out[`${c.operation} ${c.status}`] ?? 0) + c.count;
  return out;
};

/** What the log holds for both tenants over [from, to), as an instance reads it. */
const logged = async (rt: Runtime, from: number, to: number) => ({
  acme: totals(await rt.activity.reader.counts('acme', new Date(from), new Date(to))),
  default: totals(await rt.activity.reader.counts('default', new Date(from), new Date(to))),
});
/** Only the failures: the successes are still in the HTTP instance's memory. */
const FAILURES_ONLY = { acme: { 'list 401': 3 }, default: { 'update 400': 20 } };

it('the timer judges only settled minutes: successes still in the HTTP instance never make a false incident; appTerminate makes the counts whole', async () => {
  clock.advance(MIN - (clock.now() % MIN) + 5_000); // a few seconds into a minute, so each step below has its own
  const m0 = clock.now() - 5_000;

  // Minute m0: tenant acme's three rejected tokens (each failure is written at once).
  // Together: an unknown token waits for the tenant's next token read, and these share one.
  expect((await Promise.all([1, 2, 3].map(() => acme('not-the-token-0123456789abcdef')))).map((r) => r.status)).toEqual(
    [401, 401, 401],
  );
  // Minute m0 + 1: acme's token works again (counted in memory). The default tenant: 20 bad PATCHes (written at
  // once), 40 good ones and a create (counted in memory).
  clock.advance(MIN);
  for (let i = 0; i < 5; i++) expect((await acme(ACME_TOKEN)).status).toBe(200);
  const created = await s.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'ada@contoso.com',
  });
  expect(created.status).toBe(201);
  const id = (created.body as { id: string }).id;
  for (let i = 0; i < 20; i++) expect((await patch(id, 'noSuchAttribute')).status).toBe(400);
  for (let i = 0; i < 40; i++) expect((await patch(id, 'displayName')).status).toBe(200);

  // A minute later the timer fires on its own instance.
  clock.advance(MIN);
  const timer = instance();
  // What judging every ended minute would do there: failures without their successes look like two incidents.
  const naive = instance({ SCIM_TABLE_NAME: 'naivejudge' }, 0);
  const misjudged = await naive.notifier.run();
  expect(misjudged.sent.map((m) => `${m.tenant} ${m.reason}`)).toEqual(['acme credentials', 'default failureRate']);
  expect(await logged(naive.rt, m0, m0 + 2 * MIN)).toEqual(FAILURES_ONLY);
  sink.mails.length = 0;
  // The settled past ends before m0: nothing is judged yet, nothing is mailed.
  expect((await timer.notifier.run()).sent).toEqual([]);

  // Past the settling time the minutes are judged; had the HTTP instance vanished with its counts, they would
  // still be missing (the flush timer has not fired: real time barely moved).
  clock.advance(timer.rt.activity.settleMs);
  expect(await logged(timer.rt, m0, m0 + 2 * MIN)).toEqual(FAILURES_ONLY);

  // The platform takes the HTTP instance away: the worker's appTerminate hooks run, and the app's writes its counts.
  await s.host.terminate();
  expect(await logged(timer.rt, m0, m0 + 2 * MIN)).toEqual({
    acme: { 'list 401': 3, 'list 200': 5 },
    default: { 'create 201': 1, 'update 400': 20, 'update 200': 40 },
  });
  const run = await timer.notifier.run();
  expect(run.evaluated).toBeGreaterThan(0);
  expect(run.sent).toEqual([]);
  expect(sink.mails).toEqual([]);
  for (const tenant of ['acme', 'default'])
    expect((await timer.rt.alarmStates.read(tenant)).document).toMatchObject({ last: { reasons: [] } });
});
