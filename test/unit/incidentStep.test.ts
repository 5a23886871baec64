import { AlarmState, EMPTY_STATE, step, StepOptions } from '../../shared/notify/incident';
import type { Condition, Evaluation } from '../../shared/notify/rules';
import type { Reason } from '../../shared/notify/reasons';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const MIN = 60_000;
const OPTIONS: StepOptions = { recoveryMinutes: 60, seriesWarningDays: [21, 27] };

const condition = (reason: Reason, since = new Date(T0).toISOString()): Condition => ({
  reason,
  since,
  summary: reason,
  facts: [],
});
const evaluation = (atMs: number, reasons: Reason[], extra: Partial<Evaluation> = {}): Evaluation => ({
  tenant: 'acme',
  at: new Date(T0 + atMs).toISOString(),
  conditions: reasons.map((r) => condition(r)),
  tokenWarnings: [],
  dataProblems: { notFoundOnRead: 0, conflicts: 0 },
  totals: { requests: 0, authenticatedSuccesses: 0, failures: 0, rateOperations: 0, rateFailures: 0 },
  successesSinceLastHeld: 0,
  lastFailures: [],
  memory: {},
  ...extra,
});

/** Runs the state machine over evaluations and lists the mails as "minute kind reason". */
function play(evaluations: Evaluation[], options = OPTIONS, state: AlarmState = EMPTY_STATE) {
  const mails: string[] = [];
  for (const ev of evaluations) {
    const r = step(state, ev, options);
    state = r.next;
    mails.push(...r.mails.map((m) => `${(Date.parse(ev.at) - T0) / MIN} ${m.kind} ${m.reason ?? m.tokenId}`));
  }
  return { mails, state };
}

it('mails once when an incident opens, again only when its reason changes', () => {
  const { mails } = play([
    evaluation(0, ['credentials']),
    evaluation(5 * MIN, ['credentials']),
    evaluation(10 * MIN, ['credentials', 'serviceFaults']),
    evaluation(15 * MIN, ['matching']),
  ]);
  expect(mails).toEqual(['0 opened credentials', '15 reasonChanged matching']);
});

it('reminds at most once a day while a condition holds, and not while none does', () => {
  const evs = [0, 600, 1439, 1440, 1445, 2000, 2880].map((m) => evaluation(m * MIN, m === 2880 ? [] : ['failureRate']));
  expect(play(evs).mails).toEqual(['0 opened failureRate', '1440 reminder failureRate']);
});

it('mails recovered after the recovery time without any condition and with authenticated requests since', () => {
  const ok = (m: number, successes: number) => evaluation(m * MIN, [], { successesSinceLastHeld: successes });
  expect(play([evaluation(0, ['serviceFaults']), ok(5, 0), ok(30, 4), ok(64, 9), ok(65, 9), ok(70, 9)]).mails).toEqual([
    '0 opened serviceFaults',
    '65 recovered serviceFaults',
  ]);
  // Without successes the incident stays open, however long it is quiet.
  const quiet = play([evaluation(0, ['silence']), ok(120, 0), ok(3000, 0)]);
  expect(quiet.mails).toEqual(['0 opened silence']);
  expect(quiet.state.incident?.reason).toBe('silence');
  // A condition returning before the recovery time restarts the count.
  expect(
    play([
      evaluation(0, ['credentials']),
      ok(5, 1),
      evaluation(40 * MIN, ['credentials']),
      ok(70, 1),
      ok(129, 1),
      ok(130, 1),
    ]).mails,
  ).toEqual(['0 opened credentials', '130 recovered credentials']);
});

it('with a recovery time of 0 recovers at the first clear evaluation that saw an authenticated request', () => {
  expect(
    play([evaluation(0, ['credentials']), evaluation(MIN, [], { successesSinceLastHeld: 3 })], {
      ...OPTIONS,
      recoveryMinutes: 0,
    }).mails,
  ).toEqual(['0 opened credentials', '1 recovered credentials']);
});

it("warns on day 21 and 27 of a failure series (as that day's reminder) and keeps the series start across reasons", () => {
  const day = 24 * 60;
  const evs = [0, 1, 5, 19, 20, 21, 26, 27].map((d) =>
    evaluation((d * day + 1) * MIN, [d === 0 ? 'credentials' : 'backoff']),
  );
  const { mails, state } = play(evs);
  expect(mails).toEqual([
    '1 opened credentials',
    `${day + 1} reasonChanged backoff`,
    `${5 * day + 1} reminder backoff`,
    `${19 * day + 1} reminder backoff`,
    `${20 * day + 1} seriesWarning backoff`,
    `${21 * day + 1} reminder backoff`,
    `${26 * day + 1} seriesWarning backoff`,
    `${27 * day + 1} reminder backoff`,
  ]);
  expect(state.incident?.seriesStart).toBe(new Date(T0).toISOString());
});

it('mails each token expiry stage once per token', () => {
  const warn = (m: number, stage: number, tokenId = 'tok') =>
    evaluation(m * MIN, [], {
      tokenWarnings: [{ tokenId, expires: '2026-06-15T00:00:00.000Z', daysLeft: stage, stage }],
    });
  expect(play([warn(0, 14), warn(5, 14), warn(10, 7), warn(15, 7), warn(20, 1), warn(25, 14, 'other')]).mails).toEqual([
    '0 tokenExpiry tok',
    '10 tokenExpiry tok',
    '20 tokenExpiry tok',
    '25 tokenExpiry other',
  ]);
});
