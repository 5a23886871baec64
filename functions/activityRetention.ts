import { app } from '@azure/functions';
import { dropExpiredDays } from '../shared/activity/retention';
import { runtime } from '../shared/runtime';

/** Drops activity-log days older than SCIM_ACTIVITY_RETENTION_DAYS. Hourly: a run costs one table listing. */
app.timer('activityRetention', {
  schedule: '0 7 * * * *',
  handler: async (_timer, context) => {
    const { activity, settings } = runtime();
    const dropped = await dropExpiredDays(activity.tables, settings.SCIM_ACTIVITY_RETENTION_DAYS);
    if (dropped.length)
      context.log(
        `activity log: dropped ${dropped.join(', ')} (older than ${settings.SCIM_ACTIVITY_RETENTION_DAYS} days)`,
      );
  },
});
