import { app } from '@azure/functions';
import { runtime } from '../shared/runtime';

/** Finishes purging the membership rows of deleted groups that a DELETE left for later (see ResourceService.delete). */
app.timer('membershipCleanup', {
  schedule: '0 */5 * * * *',
  handler: async (_timer, context) => {
    const done = await runtime().service.purgeMemberships(50_000);
    if (!done) context.log('membership purge continues at the next run');
  },
});
