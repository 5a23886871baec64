import { ActivityReader, settledBefore, UNKNOWN_TENANT } from '../store/activityRecords';
import { errorMessage, ScimError } from '../scim/errors';
import { retryOnConflict } from '../store/optimisticRetry';
import type { EntraJobStatus } from './entraJobs';
import { AlarmState, alarmStateSchema, EMPTY_STATE, MailIntent, PendingMail, ruleMemory, step } from './incident';
import { MailContent, renderMail, renderStorageMail } from './mailContent';
import type { MailTransport } from './mailTransport';
import { ACTIVITY_WINDOW_MS, evaluate, Evaluation, RuleInput, RuleThresholds } from './rules';
import { SendLimit } from './sendLimit';

/** What the notifier needs to know about tenants, apart from their activity. */
export interface TenantFacts {
  /** Tenants that exist (directory, issued tokens, settings). */
  tenants(): Promise<string[]>;
  /** The tenant's own recipients; empty for the default ones. */
  recipients(tenant: string): Promise<string[]>;
  tokens(tenant: string): Promise<RuleInput['tokens']>;
}

/** The alarm state rows (shared/store/alarmStates.ts), written only under the ETag they were read with. */
export interface AlarmBook {
  read(tenant: string): Promise<{ document?: unknown; etag?: string }>;
  write(tenant: string, document: AlarmState, etag: string | undefined): Promise<string | undefined>;
  list(): Promise<{ tenant: string; document: unknown; etag: string }[]>;
}

export interface NotifierOptions {
  thresholds: RuleThresholds;
  recoveryMinutes: number;
  defaultTo: string[];
  from: string;
  publicUrl?: string;
  /** Only minutes that ended this long ago are judged (ActivityLog.settleMs): younger ones may still be partial. */
  settleMs: number;
}

export interface NotifierDeps {
  activity: ActivityReader;
  facts: TenantFacts;
  alarms: AlarmBook;
  transport: MailTransport;
  entra?: { status(tenant: string): Promise<EntraJobStatus | undefined> };
  clock: () => Date;
  log: (line: string) => void;
  options: NotifierOptions;
}

export interface SentMail {
  at: string;
  tenant?: string;
  kind: string;
  reason?: string;
  to: string[];
  subject: string;
}

export interface NotifierRun {
  at: string;
  evaluated: number;
  sent: SentMail[];
  problems: string[];
}

/** A claim older than this belongs to a run that crashed (a send takes seconds; a timer run at most minutes). */
const CLAIM_TTL_MS = 10 * 60_000;
const STORAGE_MAIL_EVERY_MS = 3_600_000;
const FAILURES_READ = 200;

/** Reading what the notifier judges by failed: the storage (or the activity log on it) is unreachable. */
class StorageUnreadable extends Error {}
/** A write under an ETag found the row changed since it was read. */
class LostToAnotherWriter extends Error {}

const reading = async <T>(p: Promise<T>): Promise<T> => {
  try {
    return await p;
  } catch (e) {
    throw new StorageUnreadable(errorMessage(e).split('\n')[0]);
  }
};

/** Equal but for the time of the last evaluation: not worth a write every few minutes per tenant. */
const unchanged = (a: AlarmState, b: AlarmState) =>
  JSON.stringify({ ...a, last: { ...a.last, at: '' } }) === JSON.stringify({ ...b, last: { ...b.last, at: '' } });

export const parseAlarmState = (document: unknown): AlarmState =>
  document === undefined ? EMPTY_STATE : alarmStateSchema.parse(document);

/**
 * One timer run: judge every tenant, decide mails through the incident state machine, and send each decided mail
 * once. A mail is claimed in the tenant's alarm state under its ETag before it is sent and removed after, so two
 * instances never send the same mail, and a crash in between leaves a stale claim that one later run resends.
 */
export class Notifier {
  private readonly limit: SendLimit;
  private lastStorageMail = -Infinity;

  constructor(private readonly deps: NotifierDeps) {
    this.limit = new SendLimit(deps.clock);
  }

  async run(): Promise<NotifierRun> {
    const { activity, facts, alarms, clock } = this.deps;
    const now = clock();
    const report: NotifierRun = { at: now.toISOString(), evaluated: 0, sent: [], problems: [] };
    try {
      const settled = settledBefore(now, this.deps.options.settleMs);
      const [known, active, judged] = await reading(
        Promise.all([
          facts.tenants(),
          activity.tenants(new Date(settled.getTime() - ACTIVITY_WINDOW_MS), settled),
          alarms.list(),
        ]),
      );
      const tenants = [...new Set([...known, ...active, ...judged.map((j) => j.tenant)])]
        .filter((t) => t !== UNKNOWN_TENANT)
        .sort();
      const rows = new Map(judged.map((j) => [j.tenant, j]));
      for (const tenant of tenants) {
        try {
          await this.judge(tenant, rows.get(tenant) ?? {}, now, report);
          report.evaluated++;
        } catch (e) {
          // One tenant's unexpected fault (say, a row another version wrote) must not silence the others.
          if (e instanceof StorageUnreadable) throw e;
          report.problems.push(`${tenant}: not judged: ${errorMessage(e).split('\n')[0]}`);
        }
      }
    } catch (e) {
      if (!(e instanceof StorageUnreadable)) throw e;
      await this.storageIncident(e.message, now, report);
    }
    return report;
  }

  /** `row` is the tenant's alarm state as listed at the start of the run; its ETag catches any later change. */
  private async judge(tenant: string, row: { document?: unknown; etag?: string }, now: Date, report: NotifierRun) {
    const { activity, facts, alarms, entra, options } = this.deps;
    let etag = row.etag;
    let state = parseAlarmState(row.document);
    if (state.pending.length) {
      const flushed = await this.retryPending(tenant, state, etag, now, report);
      if (!flushed) return;
      ({ state, etag } = flushed);
    }
    // Judged as of the end of the settled past: with each function scaled on instances of its own, successes
    // counted elsewhere may not be written yet, while failures are written at once. Younger minutes wait a run.
    const settled = settledBefore(now, options.settleMs);
    const from = new Date(settled.getTime() - ACTIVITY_WINDOW_MS);
    const [counts, failures, recipients] = await reading(
      Promise.all([
        activity.counts(tenant, from, settled),
        activity.failures(tenant, from, settled, FAILURES_READ),
        facts.recipients(tenant),
      ]),
    );
    // Tokens may live in Key Vault: a vault outage is not the connector's storage, and the other rules still apply.
    const tokens = await facts.tokens(tenant).catch((e: Error) => {
      report.problems.push(`${tenant}: token expiry not checked: ${e.message.split('\n')[0]}`);
      return [];
    });
    const ev = evaluate({
      tenant,
      now: settled,
      thresholds: options.thresholds,
      counts,
      failures,
      tokens,
      memory: ruleMemory(state),
      entra: await entra?.status(tenant),
    });
    const { next, mails } = step(state, ev, {
      recoveryMinutes: options.recoveryMinutes,
      seriesWarningDays: options.thresholds.backoffWarningDays,
    });
    const to = recipients.length ? recipients : options.defaultTo;
    if (mails.length && !to.length)
      report.problems.push(
        `${tenant}: ${mails.length} mail(s) decided but nobody to send them to: set SCIM_NOTIFY_TO or npm run admin -- tenant set ${tenant} --notify …`,
      );
    const pending: PendingMail[] = to.length
      ? mails.map((intent) => ({
          key: `${intent.kind}:${intent.reason ?? intent.tokenId ?? ''}:${now.toISOString()}`,
          kind: intent.kind,
          reason: intent.reason,
          to,
          ...this.render(tenant, intent, ev, state, next),
          claimedAt: now.toISOString(),
          attempts: 1,
        }))
      : [];
    if (!pending.length && unchanged(state, next)) return;
    const claimed = await reading(alarms.write(tenant, { ...next, pending }, etag));
    if (!claimed) {
      this.deps.log(`notifier: ${tenant} was judged by another run at the same time; it sends what it decided`);
      return;
    }
    if (pending.length) await this.sendClaimed(tenant, pending, report);
  }

  private render(
    tenant: string,
    intent: MailIntent,
    ev: Evaluation,
    before: AlarmState,
    after: AlarmState,
  ): MailContent {
    const incidentSince = (intent.kind === 'recovered' ? before.incident : after.incident)?.since;
    return renderMail({ tenant, intent, evaluation: ev, incidentSince, publicUrl: this.deps.options.publicUrl });
  }

  /**
   * Mails claimed by an earlier run. A fresh claim means that run is still sending: leave the tenant to it. A stale
   * one means it crashed, maybe after sending: send once more, then give up. Released ones (refused, over the
   * limit) are simply sent. Returns the state to go on from, or nothing while mails remain pending.
   */
  private async retryPending(
    tenant: string,
    state: AlarmState,
    etag: string | undefined,
    now: Date,
    report: NotifierRun,
  ) {
    const nowMs = now.getTime();
    if (state.pending.some((p) => p.claimedAt && nowMs - Date.parse(p.claimedAt) < CLAIM_TTL_MS)) return undefined;
    const dropped = state.pending.filter((p) => p.claimedAt && p.attempts >= 2);
    for (const p of dropped) report.problems.push(`${tenant}: gave up on "${p.subject}" after 2 unconfirmed sends`);
    const retry = state.pending
      .filter((p) => !dropped.includes(p))
      .map((p) => ({ ...p, claimedAt: now.toISOString(), attempts: p.attempts + 1 }));
    const claimed = await reading(this.deps.alarms.write(tenant, { ...state, pending: retry }, etag));
    if (!claimed) return undefined;
    if (retry.length) await this.sendClaimed(tenant, retry, report);
    const fresh = await reading(this.deps.alarms.read(tenant));
    const after = parseAlarmState(fresh.document);
    return after.pending.length ? undefined : { state: after, etag: fresh.etag };
  }

  /** Sends claimed mails, then records which went out and releases the others for a later run. */
  private async sendClaimed(tenant: string, mails: PendingMail[], report: NotifierRun) {
    const sent = new Set<string>();
    const released = new Set<string>();
    for (const mail of mails) {
      if (!this.limit.take()) {
        report.problems.push(`${tenant}: "${mail.subject}" waits for the mail service's limit (30/min, 100/h)`);
        released.add(mail.key);
        continue;
      }
      try {
        await this.deps.transport.send({
          from: this.deps.options.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
        });
        sent.add(mail.key);
        report.sent.push({
          at: report.at,
          tenant,
          kind: mail.kind,
          reason: mail.reason,
          to: mail.to,
          subject: mail.subject,
        });
      } catch (e) {
        this.limit.giveBack();
        released.add(mail.key);
        report.problems.push(
          `${tenant}: ${this.deps.transport.name} refused "${mail.subject}": ${errorMessage(e).split('\n')[0]}`,
        );
      }
    }
    await this.updatePending(tenant, (pending) =>
      pending
        .filter((p) => !sent.has(p.key))
        .map((p) => (released.has(p.key) ? { ...p, claimedAt: undefined, attempts: p.attempts - 1 } : p)),
    );
  }

  /** Read-modify-write of the pending mails under the ETag, retried when another writer came between. */
  private async updatePending(tenant: string, change: (pending: PendingMail[]) => PendingMail[]) {
    const attempt = async () => {
      const { document, etag } = await reading(this.deps.alarms.read(tenant));
      const state = parseAlarmState(document);
      if (!(await reading(this.deps.alarms.write(tenant, { ...state, pending: change(state.pending) }, etag))))
        throw new LostToAnotherWriter();
    };
    try {
      await retryOnConflict(attempt, (e) => e instanceof LostToAnotherWriter);
    } catch (e) {
      // What the retry gives up with is a SCIM 503 for a request; here it is the run's storage problem.
      if (e instanceof ScimError && e.status === 503)
        throw new StorageUnreadable(`the alarm state of ${tenant} kept changing while recording sent mail`);
      throw e;
    }
  }

  /** Its dedupe state may be what cannot be read, so this mail is limited per instance: once an hour. */
  private async storageIncident(problem: string, now: Date, report: NotifierRun) {
    report.problems.push(`storage unreadable: ${problem}`);
    const { options, transport } = this.deps;
    if (now.getTime() - this.lastStorageMail < STORAGE_MAIL_EVERY_MS || !options.defaultTo.length || !this.limit.take())
      return;
    this.lastStorageMail = now.getTime();
    const mail = renderStorageMail(problem, now, options.publicUrl);
    try {
      await transport.send({ from: options.from, to: options.defaultTo, ...mail });
      report.sent.push({ at: report.at, kind: 'storage', to: options.defaultTo, subject: mail.subject });
    } catch (e) {
      report.problems.push(`${transport.name} refused the storage mail: ${errorMessage(e).split('\n')[0]}`);
    }
  }
}
