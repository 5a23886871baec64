import { app } from '@azure/functions';
import { runtime } from '../shared/runtime';

const DAY_MS = 86_400_000;

/**
 * Removes change events older than SCIM_CHANGES_RETENTION_DAYS with the rows derived from them. Hourly: a run reads
 * the tenants with a feed and each one's expired events, never a resource.
 */
app.timer('changeRetention', {
  schedule: '0 17 * * * *',
  handler: async (_timer, context) => {
    const { changes, settings } = runtime();
    const cutoff = Date.now() - settings.SCIM_CHANGES_RETENTION_DAYS * DAY_MS;
    for (const tenant of await changes.tenants()) {
      const removed = await changes.expire(tenant, cutoff);
      if (removed)
        context.log(
          `change feed: removed ${removed} event(s) of tenant ${tenant} older than ${settings.SCIM_CHANGES_RETENTION_DAYS} days`,
        );
    }
  },
});
