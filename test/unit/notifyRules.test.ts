import type { Operation } from '../../shared/store/activityRecords';
import { ACTIVITY_WINDOW_MS, DEFAULT_THRESHOLDS, evaluate, RuleInput, RuleMemory } from '../../shared/notify/rules';
import { MemoryActivity } from '../support/memoryActivity';

const NOW = new Date('2026-06-02T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

type Req = [msAgo: number, operation: Operation, status: number, scimType?: string];

async function judge(requests: Req[], extra: Partial<RuleInput> = {}, memory: RuleMemory = {}) {
  const activity = new MemoryActivity();
  for (const [msAgo, operation, status, scimType] of requests)
    activity.record({ tenant: 'acme', at: ago(msAgo), operation, status, scimType });
  const from = ago(ACTIVITY_WINDOW_MS);
  return evaluate({
    tenant: 'acme',
    now: NOW,
    thresholds: DEFAULT_THRESHOLDS,
    counts: await activity.counts('acme', from, NOW),
    failures: await activity.failures('acme', from, NOW, 200),
    tokens: [],
    memory,
    ...extra,
  });
}
const reasons = async (requests: Req[], extra: Partial<RuleInput> = {}, memory: RuleMemory = {}) =>
  (await judge(requests, extra, memory)).conditions.map((c) => c.reason);
const times = (n: number, make: (i: number) => Req): Req[] => Array.from({ length: n }, (_, i) => make(i));
/** Entra's regular cycles: a few matches and updates every 40 minutes, from `fromAgo` back to a day ago. */
const cycles = (fromAgo: number): Req[] =>
  Array.from({ length: 36 }, (_, i) => fromAgo + i * 40 * MIN)
    .filter((a) => a < 24 * HOUR)
    .flatMap((a): Req[] => [
      [a, 'match', 200],
      [a, 'update', 204],
    ]);

describe('credentials', () => {
  it('opens at 3 rejections within 60 minutes with no authenticated request since the first', async () => {
    expect(await reasons(times(3, (i) => [10 * MIN - i * 1000, 'match', 401]))).toEqual(['credentials']);
    expect(await reasons(times(2, (i) => [10 * MIN - i * 1000, 'match', 401]))).toEqual([]);
    expect(await reasons(times(3, (i) => [61 * MIN - i * 1000, 'match', 401]))).toEqual([]);
  });

  it('does not open when a request was authenticated after the first rejection (a 400 counts: the token worked)', async () => {
    const rejected = times(3, (i): Req => [10 * MIN - i * 1000, 'match', 401]);
    expect(await reasons([...rejected, [5 * MIN, 'update', 400]])).toEqual([]);
    expect(await reasons([...rejected, [5 * MIN, 'update', 503]])).toEqual(['credentials']);
  });

  it("counts successes in the first rejection's own minute only beyond what that minute held when first judged", async () => {
    const rejected = times(3, (i): Req => [30_000 - i * 1000, 'match', 401]);
    const first = await judge([[40_000, 'match', 200], ...rejected]);
    expect(first.conditions.map((c) => c.reason)).toEqual(['credentials']); // the success came before the rejections
    const later = await judge(
      [[40_000, 'match', 200], ...rejected, [20_000, 'match', 200]],
      {},
      { credentialsBaseline: first.memory.credentialsBaseline },
    );
    expect(later.conditions).toEqual([]);
  });
});

describe('failure rate over the last 24 h of writes and reads by id', () => {
  it('opens at ≥ 20 failures that are > 40 % of them', async () => {
    const fail = times(20, (i): Req => [HOUR + i * MIN, 'update', 400, 'invalidValue']);
    expect(await reasons([...fail, ...times(29, (i): Req => [HOUR + i * MIN, 'update', 204])])).toEqual([
      'failureRate',
    ]); // 20/49
    expect(await reasons([...fail, ...times(30, (i): Req => [HOUR + i * MIN, 'update', 204])])).toEqual([]); // 20/50 = 40 %
    expect(await reasons([...fail.slice(1), ...times(5, (i): Req => [HOUR + i * MIN, 'update', 204])])).toEqual([]); // 19
  });

  it('leaves 404 on a read and 409 out of it and reports them as data problems', async () => {
    const ev = await judge([
      ...times(30, (i): Req => [HOUR + i * MIN, 'read', 404]),
      ...times(30, (i): Req => [HOUR + i * MIN, 'create', 409, 'uniqueness']),
    ]);
    expect(ev.conditions).toEqual([]);
    expect(ev.dataProblems).toEqual({ notFoundOnRead: 30, conflicts: 30 });
  });

  it('counts 429 and 5xx, and ignores matching queries and old requests', async () => {
    expect(await reasons(times(20, (i): Req => [HOUR + i * MIN, 'delete', 429]))).toEqual(['failureRate']);
    expect(await reasons(times(20, (i): Req => [HOUR + i * MIN, 'list', 500]))).toEqual([]);
    expect(await reasons(times(20, (i): Req => [25 * HOUR + i * MIN, 'update', 400]))).toEqual([]);
  });
});

describe('matching', () => {
  it('opens at once on a 400 or 404 to a filter query, or a 5xx to Test Connection', async () => {
    expect(await reasons([[5 * MIN, 'match', 400, 'invalidFilter']])).toEqual(['matching']);
    expect(await reasons([[5 * MIN, 'probe', 404]])).toEqual(['matching']);
    expect(await reasons([[5 * MIN, 'probe', 500]])).toEqual(['matching']);
    expect(await reasons([[5 * MIN, 'match', 500]])).toEqual([]);
    expect(await reasons([[61 * MIN, 'match', 400]])).toEqual([]);
  });
});

describe('service faults', () => {
  it('opens at ≥ 10 answers ≥ 500 within 15 minutes', async () => {
    expect(await reasons(times(10, (i): Req => [14 * MIN - i * 1000, 'match', 503]))).toEqual(['serviceFaults']);
    expect(await reasons(times(9, (i): Req => [14 * MIN - i * 1000, 'match', 503]))).toEqual([]);
    expect(await reasons(times(10, (i): Req => [16 * MIN + i * 1000, 'match', 503]))).toEqual([]);
  });
});

describe('silence', () => {
  it('opens when a regularly provisioned tenant has had no request for more than 90 minutes', async () => {
    expect(await reasons(cycles(95 * MIN))).toEqual(['silence']);
    expect(await reasons(cycles(85 * MIN))).toEqual([]);
  });

  it('needs requests in at least 3 distinct 40-minute cycles of the last day', async () => {
    expect(await reasons(cycles(95 * MIN).slice(0, 4))).toEqual([]); // two cycles
    expect(await reasons(cycles(95 * MIN).slice(0, 6))).toEqual(['silence']);
  });

  it("is not a new reason while a failure series is open: that quiet is Entra's quarantine", async () => {
    expect(
      await reasons(cycles(95 * MIN), {}, { reason: 'credentials', seriesStart: ago(3 * HOUR).toISOString() }),
    ).toEqual([]);
  });
});

describe('quarantine backoff', () => {
  const series = { reason: 'credentials' as const, seriesStart: ago(7 * HOUR).toISOString() };
  const failedThenRetry = (retryAgo: number): Req[] => [
    ...times(5, (i): Req => [7 * HOUR - i * 1000, 'match', 401]),
    ...times(3, (i): Req => [retryAgo - i * 1000, 'match', 401]),
  ];

  it("replaces the failure when requests come back only after Entra's retry gap and still fail", async () => {
    const ev = await judge(failedThenRetry(10 * MIN), {}, series);
    expect(ev.conditions.map((c) => c.reason)).toEqual(['backoff', 'credentials']);
    expect(ev.conditions[0].summary).toMatch(/day 1 of the failure series/);
    expect(ev.conditions[0].facts[1]).toMatch(/^Entra disables the job around 2026-06-30T05:00:00\.000Z$/);
  });

  it('is not backoff when the gap is short or the retry succeeds', async () => {
    expect(
      await reasons(
        [
          ...times(5, (i): Req => [3 * HOUR - i * 1000, 'match', 401]),
          ...times(3, (i): Req => [10 * MIN - i * 1000, 'match', 401]),
        ],
        {},
        { ...series, seriesStart: ago(3 * HOUR).toISOString() },
      ),
    ).toEqual(['credentials']);
    expect(
      await reasons(
        [...times(5, (i): Req => [7 * HOUR - i * 1000, 'match', 401]), [10 * MIN, 'match', 200]],
        {},
        series,
      ),
    ).toEqual([]);
  });

  it('stays backoff on a later retry whose previous one has left the window', async () => {
    expect(
      await reasons(
        times(3, (i): Req => [10 * MIN - i * 1000, 'match', 401]),
        {},
        { reason: 'backoff', seriesStart: ago(20 * 24 * HOUR).toISOString() },
      ),
    ).toEqual(['backoff', 'credentials']);
  });
});

describe('token expiry', () => {
  const token = (days: number, extra: object = {}) => ({
    id: 'tok',
    expires: new Date(NOW.getTime() + days * 24 * HOUR),
    usable: true,
    ...extra,
  });
  it('warns at 14, 7 and 1 day(s) before the token in use expires', async () => {
    const stage = async (days: number) =>
      (await judge([], { tokens: [token(days)] })).tokenWarnings.map((w) => w.stage);
    expect(await stage(15)).toEqual([]);
    expect(await stage(14)).toEqual([14]);
    expect(await stage(7)).toEqual([7]);
    expect(await stage(0.5)).toEqual([1]);
  });

  it('ignores a token Entra no longer uses and tokens without expiry', async () => {
    const tokens = [token(3, { lastUsed: ago(2 * 24 * HOUR) }), { id: 'new', usable: true, lastUsed: ago(MIN) }];
    expect((await judge([], { tokens })).tokenWarnings).toEqual([]);
  });
});

it('orders the conditions most severe first', async () => {
  const ev = await judge([
    ...times(3, (i): Req => [5 * MIN - i * 1000, 'match', 401]),
    ...times(10, (i): Req => [4 * MIN - i * 1000, 'update', 503]),
  ]);
  expect(ev.conditions.map((c) => c.reason)).toEqual(['credentials', 'serviceFaults']);
});
