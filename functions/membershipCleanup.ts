import { app } from '@azure/functions';
import { runtime } from '../shared/runtime';

/** Finishes purging the membership rows of deleted groups that a DELETE left for later (see resourceEndpoint). */
app.timer('membershipCleanup', {
  schedule: '0 */5 * * * *',
  handler: async (_timer, context) => {
    const { store, memberships } = runtime();
    const done = await memberships.purge((tenant, groupId) => store.get(tenant, 'Group', groupId).then(Boolean), 50_000);
    if (!done) context.log('membership purge continues at the next run');
  },
});
