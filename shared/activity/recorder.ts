import { randomBytes } from 'node:crypto';
import { ActivityTables, ActivityWrite, countWrite, MinuteTally, tenantIndexWrite } from '../store/activityTables';
import { MAX_TRANSACTION } from '../store/partitionTable';
import { errorFields } from '../azureFaults';
import { hourOf, minuteOf } from '../store/activityGrid';
import { isFailure, RequestOutcome } from '../store/activityRecords';

export interface RecorderOptions {
  /** Successes are counted in memory and written this often (SCIM_ACTIVITY_FLUSH_SECONDS). */
  flushMs: number;
  /** How long a failing request waits for its record before the response goes out anyway (200 ms: docs/operations.md#activity-log-and-status-view). */
  failureWaitMs?: number;
  /**
   * Failures stored one by one per tenant and minute by this instance; beyond that (a flood of bad tokens) they
   * are only counted, so an attacker cannot turn each request into a storage write.
   */
  failureRowsPerMinute?: number;
  instanceId?: string;
  now?: () => number;
  /** Where lost records and flush problems are reported; must not throw. */
  log: (line: string) => void;
}

/** What this instance's recorder has done with failure records, for the log, the benchmark and the tests. */
export interface RecorderStats {
  failuresStored: number;
  /** Not stored within failureWaitMs: the response went out first (the write went on in the background). */
  failuresLate: number;
  /** Never stored (the log store failed or was known to be down): counted in the minute totals instead. */
  failuresLost: number;
}

interface Tally extends MinuteTally {
  /** The count this tally's row holds in the table. */
  written: number;
}

/**
 * A minute's tally is kept in memory this long after it ends and is written: a request is counted in the minute
 * it arrived, and may finish up to the 60 s function timeout later. A tally made again after that (or for an
 * old instant, as in tests) gets a new row of its own (its serial is in the key), so nothing is ever overwritten.
 */
const KEEP_MS = 5 * 60_000;
/** After a record could not be stored, failures are only counted for this long instead of each waiting again. */
const STORE_PAUSE_MS = 10_000;
const RESOLVED = Promise.resolve();

/**
 * Records request outcomes for one process. Recording never fails a request: a failure's record gets at most
 * `failureWaitMs` of the response's time; successes cost a map update and are written as per-minute totals by a
 * flush every `flushMs`, in this instance's own rows (see shared/store/activityTables.ts), so a crash loses at most one flush
 * interval of success counts and concurrent instances never lose each other's counts.
 */
export class ActivityRecorder {
  readonly stats: RecorderStats = { failuresStored: 0, failuresLate: 0, failuresLost: 0 };
  readonly instanceId: string;
  private readonly tallies = new Map<string, Tally>();
  /** `{hour}|{tenant}` → whether this instance has written the tenant-index row. */
  private readonly indexed = new Map<string, { hour: number; tenant: string; written: boolean }>();
  private rowBudget = { minute: 0, used: new Map<string, number>() };
  private storeDownUntil = 0;
  private serial = 0;
  private lateLoggedAt = -Infinity;
  private flushing?: Promise<void>;
  private lastFlush: number;
  private readonly timer: NodeJS.Timeout;
  /** Failure writes not yet settled (some may outlive their request's failureWaitMs). */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(
    private readonly tables: ActivityTables,
    private readonly options: RecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.instanceId = options.instanceId ?? randomBytes(6).toString('hex');
    this.lastFlush = this.now();
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref(); // a pending flush never keeps a process alive; observe() also flushes when one is due
  }

  /** Resolves once the outcome is recorded or counted; a failure waits at most failureWaitMs. Never rejects. */
  observe(outcome: RequestOutcome): Promise<void> {
    const at = Date.parse(outcome.at);
    const hour = hourOf(at);
    const indexKey = `${hour}|${outcome.tenant}`;
    if (!this.indexed.has(indexKey)) this.indexed.set(indexKey, { hour, tenant: outcome.tenant, written: false });
    const pending =
      isFailure(outcome.status) && this.mayStoreOneByOne(outcome.tenant, at)
        ? this.storeFailure(outcome, at)
        : (this.count(outcome, at), RESOLVED);
    if (!this.flushing && this.now() - this.lastFlush >= this.options.flushMs) void this.flush();
    return pending;
  }

  /** Writes the counts and tenant-index rows not yet written; one flush at a time. Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.writeTallies().finally(() => {
      this.flushing = undefined;
      this.lastFlush = this.now();
    });
    return this.flushing;
  }

  /** Stops the timer, lets failure writes finish and writes the counts left (tests, a clean shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.inFlight]);
    await this.flush();
  }

  private count(o: RequestOutcome, at: number) {
    const minute = minuteOf(at);
    const key = `${minute}|${o.tenant}|${o.operation}|${o.status}`;
    const tally = this.tallies.get(key);
    if (tally) tally.count++;
    else
      this.tallies.set(key, {
        tenant: o.tenant,
        minute,
        operation: o.operation,
        status: o.status,
        count: 1,
        written: 0,
        writer: `${this.instanceId}.${(this.serial++).toString(36)}`,
      });
  }

  private mayStoreOneByOne(tenant: string, at: number): boolean {
    if (this.now() < this.storeDownUntil) return false;
    const minute = minuteOf(at);
    if (this.rowBudget.minute !== minute) this.rowBudget = { minute, used: new Map() };
    const used = this.rowBudget.used.get(tenant) ?? 0;
    if (used >= (this.options.failureRowsPerMinute ?? 120)) return false;
    this.rowBudget.used.set(tenant, used + 1);
    return true;
  }

  private storeFailure(o: RequestOutcome, at: number): Promise<void> {
    const write = this.tables.putFailure(o).then(
      () => {
        this.stats.failuresStored++;
      },
      (e: unknown) => {
        this.stats.failuresLost++;
        this.count(o, at);
        if (this.now() >= this.storeDownUntil) {
          this.options.log(
            `activity log: failure record ${o.correlationId} (${o.status} ${o.operation}) could not be stored (${describe(e)}); it is counted in the minute totals, and failures are only counted for the next ${STORE_PAUSE_MS / 1000} s`,
          );
        }
        this.storeDownUntil = this.now() + STORE_PAUSE_MS;
      },
    );
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((ok) => (timer = setTimeout(ok, this.options.failureWaitMs ?? 200, 'late')));
    return Promise.race([write, deadline]).then((result) => {
      clearTimeout(timer);
      if (result !== 'late') return;
      this.stats.failuresLate++;
      // One line per interval, so a slow store does not flood the log; a write that then fails is logged as lost.
      if (this.now() - this.lateLoggedAt < STORE_PAUSE_MS) return;
      this.lateLoggedAt = this.now();
      this.options.log(
        `activity log: failure record ${o.correlationId} not stored within ${this.options.failureWaitMs ?? 200} ms (${this.stats.failuresLate} so far); answered without waiting, the write continues`,
      );
    });
  }

  private async writeTallies(): Promise<void> {
    const dirty = [...this.tallies.values()].filter((t) => t.count !== t.written);
    const unindexed = [...this.indexed.values()].filter((i) => !i.written);
    const batches = new Map<string, { day: number; writes: Array<{ write: ActivityWrite; done: () => void }> }>();
    const add = (write: ActivityWrite, done: () => void) => {
      const key = `${write.day}|${write.partition}`;
      let batch = batches.get(key);
      if (!batch) batches.set(key, (batch = { day: write.day, writes: [] }));
      batch.writes.push({ write, done });
    };
    for (const t of dirty) {
      const count = t.count;
      add(countWrite({ ...t, count }), () => (t.written = count));
    }
    for (const i of unindexed) add(tenantIndexWrite(i.hour, i.tenant), () => (i.written = true));
    const results = await Promise.allSettled(
      [...batches.values()].map(async ({ day, writes }) => {
        // A transaction spans one partition and at most 100 rows; every batch here is one partition.
        for (let i = 0; i < writes.length; i += MAX_TRANSACTION) {
          const chunk = writes.slice(i, i + MAX_TRANSACTION);
          await this.tables.write(
            day,
            chunk.map((w) => w.write),
          );
          chunk.forEach((w) => w.done());
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed)
      this.options.log(
        `activity log: could not write request counts (${describe(failed.reason)}); they stay in memory and are retried at the next flush`,
      );
    this.prune();
  }

  private prune() {
    const horizon = this.now() - KEEP_MS;
    for (const [key, t] of this.tallies) if (t.count === t.written && t.minute < horizon) this.tallies.delete(key);
    const currentHour = hourOf(this.now());
    for (const [key, i] of this.indexed) if (i.written && i.hour < currentHour - 3_600_000) this.indexed.delete(key);
  }
}

/** Status and codes only: SDK errors can carry request URLs and headers, and those may hold credentials. */
function describe(e: unknown): string {
  const err = errorFields(e);
  return [err.name ?? 'Error', err.code, err.statusCode].filter((x) => x !== undefined).join(' ');
}
