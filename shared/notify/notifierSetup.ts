import { knownTenants, tokenInventory, TokenInventorySources } from '../auth/tokenInventory';
import type { ActivityReader } from '../store/activityRecords';
import { AcsTransport } from './acsTransport';
import { EntraJobReader } from './entraJobs';
import type { MailTransport } from './mailTransport';
import { AlarmBook, Notifier } from './notifier';
import type { NotifySettings } from './notifySettings';
import { OutboxTransport } from './outboxTransport';
import { SmtpTransport } from './smtpTransport';

/** ACS when configured (Azure), else an SMTP relay, else `.eml` files (the `npm start` default). */
export function transportFor(
  settings: Pick<NotifySettings, 'SCIM_ACS_ENDPOINT' | 'SCIM_SMTP_URL' | 'SCIM_MAIL_OUTBOX'>,
  log: (line: string) => void,
): MailTransport {
  if (settings.SCIM_ACS_ENDPOINT) return new AcsTransport(settings.SCIM_ACS_ENDPOINT);
  if (settings.SCIM_SMTP_URL) return new SmtpTransport(settings.SCIM_SMTP_URL);
  return new OutboxTransport(settings.SCIM_MAIL_OUTBOX, log);
}

/** Where links in mails point: SCIM_PUBLIC_URL, else the host name Azure gives every Function App. */
export const publicUrlOf = (settings: Pick<NotifySettings, 'SCIM_PUBLIC_URL' | 'WEBSITE_HOSTNAME'>) =>
  settings.SCIM_PUBLIC_URL ?? (settings.WEBSITE_HOSTNAME ? `https://${settings.WEBSITE_HOSTNAME}` : undefined);

/** Without SCIM_MAIL_FROM the SMTP and outbox transports still need a From line. */
const LOCAL_SENDER = 'scim-notifier@localhost';

/**
 * What the notifier uses of the app: its settings, the tenants with their recipients and tokens, its alarm rows,
 * and how long the activity log takes to settle. The composition root (shared/runtime.ts) provides all of it.
 */
export interface NotifierPorts extends TokenInventorySources {
  settings: NotifySettings & TokenInventorySources['settings'];
  tenants: TokenInventorySources['tenants'] & { get(tenant: string): Promise<{ notify?: string[] } | undefined> };
  alarmStates: AlarmBook;
  activity: { settleMs: number };
}

/** The notifier of this instance, over the app's tenants and tokens and its activity log. */
export function createNotifier(
  rt: NotifierPorts,
  activity: ActivityReader,
  log: (line: string) => void,
  clock: () => Date = () => new Date(),
): Notifier {
  const s = rt.settings;
  const jobs = Object.keys(s.SCIM_ENTRA_JOBS).length ? s.SCIM_ENTRA_JOBS : undefined;
  // One credential for the instance: it caches the Graph token until shortly before it expires.
  let graph: Promise<EntraJobReader> | undefined;
  const entraJobs = (configured: typeof s.SCIM_ENTRA_JOBS) =>
    (graph ??= import('@azure/identity').then(
      ({ DefaultAzureCredential }) => new EntraJobReader(configured, new DefaultAzureCredential(), s.SCIM_GRAPH_URL),
    ));
  return new Notifier({
    activity,
    facts: {
      tenants: () => knownTenants(rt),
      recipients: async (tenant) => (await rt.tenants.get(tenant))?.notify ?? [],
      tokens: (tenant) => tokenInventory(rt, tenant, clock().getTime()),
    },
    alarms: rt.alarmStates,
    transport: transportFor(s, log),
    entra: jobs && { status: async (tenant) => (await entraJobs(jobs)).status(tenant) },
    clock,
    log,
    options: {
      thresholds: s.SCIM_NOTIFY_RULES,
      recoveryMinutes: s.SCIM_NOTIFY_RECOVERY_MINUTES,
      defaultTo: s.SCIM_NOTIFY_TO,
      from: s.SCIM_MAIL_FROM ?? LOCAL_SENDER,
      publicUrl: publicUrlOf(s),
      settleMs: rt.activity.settleMs,
    },
  });
}
