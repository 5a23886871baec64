import type { TenantAlarm, TenantAlarmSource } from '../activity/statusReport';
import type { AlarmBook } from './notifier';
import { parseAlarmState } from './notifier';
import { REASON_TEXT } from './reasons';

/**
 * The notifier's verdict per tenant, read from its alarm state: the open incident and its reason, or `ok`, each
 * with the data problems (404 on a read, 409) and expiring tokens of its last evaluation. Undefined for a
 * tenant the notifier has not judged yet.
 */
export function alarmStatus(alarms: Pick<AlarmBook, 'read'>): TenantAlarmSource {
  return {
    async alarmOf(tenant: string): Promise<TenantAlarm | undefined> {
      const { document } = await alarms.read(tenant);
      if (document === undefined) return undefined;
      const state = parseAlarmState(document);
      const notes = [
        ...(state.last?.notFoundOnRead ? [`${state.last.notFoundOnRead} × 404 on a read by id`] : []),
        ...(state.last?.conflicts ? [`${state.last.conflicts} × 409 uniqueness`] : []),
        ...(state.last?.tokenWarnings ?? []).map((w) => `token ${w}`),
        ...(state.pending.length ? [`${state.pending.length} mail(s) waiting to be sent`] : []),
      ];
      const incident = state.incident;
      if (!incident)
        return {
          state: 'ok',
          since: state.last?.at,
          reason: notes.length ? `data problems and warnings (24 h): ${notes.join('; ')}` : undefined,
        };
      const clear = incident.quietSince
        ? ` — no condition since ${incident.quietSince}, waiting for authenticated requests to call it recovered`
        : '';
      return {
        state: 'incident',
        since: incident.since,
        reason: `${REASON_TEXT[incident.reason].title}${clear}${notes.length ? `; ${notes.join('; ')}` : ''}`,
      };
    },
  };
}
