import { z } from 'zod';
import { jsonSetting } from '../jsonSetting';
import { entraJobsSchema } from './entraJobs';
import { ruleThresholdsSchema } from './rules';

/** The notifier's default schedule: every 5 minutes. */
export const NOTIFY_SCHEDULE = '0 */5 * * * *';

/**
 * The app settings the notifier reads (docs/operations.md#notifications), declared here so the notifier needs nothing from
 * shared/config.ts, which composes them into every setting the service reads.
 */
export const notifySettingsSchema = z.object({
  /** NCRONTAB of the provisioningNotifier timer; the Functions host reads it as `%SCIM_NOTIFY_SCHEDULE%`. */
  SCIM_NOTIFY_SCHEDULE: z
    .string()
    .regex(/^\S+( \S+){5}$/, 'SCIM_NOTIFY_SCHEDULE is a six-field NCRONTAB expression, e.g. 0 */5 * * * *')
    .default(NOTIFY_SCHEDULE),
  /** Comma-separated addresses mailed for tenants without their own recipients (`tenant set --notify`). */
  SCIM_NOTIFY_TO: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().email('SCIM_NOTIFY_TO holds comma-separated mail addresses'))),
  /** How long an incident must stay clear (with authenticated requests) before the "recovered" mail; 0 allowed. */
  SCIM_NOTIFY_RECOVERY_MINUTES: z.coerce.number().int().min(0).default(60),
  /** JSON overriding some of the rules' thresholds, e.g. `{"failureRatePercent": 30}`. */
  SCIM_NOTIFY_RULES: jsonSetting('SCIM_NOTIFY_RULES', '{}', ruleThresholdsSchema),
  /** The sender address (ACS: a MailFrom address of a domain linked to the resource). */
  SCIM_MAIL_FROM: z.string().email('SCIM_MAIL_FROM must be an email address').optional(),
  /** ACS endpoint `https://<resource>.communication.azure.com` (managed identity), or a connection string for local tests. */
  SCIM_ACS_ENDPOINT: z
    .string()
    .refine(
      (v) => /^https:\/\/[^\s/]+/i.test(v) || /^endpoint=https?:\/\/[^;]+;accesskey=.+$/i.test(v),
      "SCIM_ACS_ENDPOINT must be the Communication Service's https:// endpoint (or, against a local fake, an endpoint=…;accesskey=… connection string)",
    )
    .optional(),
  /** `smtp://user:password@host:port` (or smtps://), used when SCIM_ACS_ENDPOINT is unset. */
  SCIM_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SCIM_SMTP_URL starts with smtp:// or smtps://')
    .optional(),
  /** Where `.eml` files go when neither ACS nor SMTP is configured. */
  SCIM_MAIL_OUTBOX: z.string().min(1).default('./outbox'),
  /** Base URL of this app for links in mails; defaults to https:// + WEBSITE_HOSTNAME (set by Azure). */
  SCIM_PUBLIC_URL: z.string().url().optional(),
  WEBSITE_HOSTNAME: z.string().optional(),
  /** JSON `{"<tenant>": {"servicePrincipalId": "…", "jobId": "…"}}`: read Entra's own job status from Microsoft Graph. */
  SCIM_ENTRA_JOBS: jsonSetting('SCIM_ENTRA_JOBS', '{}', entraJobsSchema),
  SCIM_GRAPH_URL: z.string().url().default('https://graph.microsoft.com/v1.0'),
});
export type NotifySettings = z.infer<typeof notifySettingsSchema>;
