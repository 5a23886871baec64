import { z } from 'zod';

/**
 * The app settings of the activity log (docs/operations.md#activity-log-and-status-view), declared here so the log needs
 * nothing from shared/config.ts, which composes them into every setting the service reads.
 */
export const activitySettingsSchema = z.object({
  /** `on` | `off`: record every SCIM request's outcome in the activity log (docs/operations.md#activity-log-and-status-view). */
  SCIM_ACTIVITY: z
    .string()
    .default('on')
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['on', 'off'])),
  /** How often each instance writes its per-minute success counts; a crash loses at most this window of them. */
  SCIM_ACTIVITY_FLUSH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Days of activity kept; older day tables are dropped whole by the activityRetention timer. */
  SCIM_ACTIVITY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** The activity log's tables are `{prefix}{yyyymmdd}`, one per UTC day (8 characters are left for the date). */
  SCIM_ACTIVITY_TABLE_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9]{2,54}$/,
      'SCIM_ACTIVITY_TABLE_PREFIX must be 3-55 letters and digits, starting with a letter',
    )
    .default('scimactivity'),
});
export type ActivitySettings = z.infer<typeof activitySettingsSchema>;
