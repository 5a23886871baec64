import { app } from '@azure/functions';
import { BODY } from '../benchBareServer';

/**
 * A function app of one HTTP function answering the bare server's fixed JSON: what any request to a Functions app
 * costs through the host and `@azure/functions` before the app's own code runs (the benchmarks' Functions floor).
 */
app.http('ping', {
  route: 'ping',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ status: 200, headers: { 'Content-Type': 'application/scim+json' }, body: BODY }),
});
