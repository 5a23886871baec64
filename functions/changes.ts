import { app } from '@azure/functions';
import { changesEndpoint, historyEndpoint } from '../shared/http/changesEndpoint';
import { runtime } from '../shared/runtime';

const log = (context: { warn(...a: unknown[]): void; error(...a: unknown[]): void }) => ({
  warn: (...a: unknown[]) => context.warn(...a),
  error: (...a: unknown[]) => context.error(...a),
});

/** The change feed and a resource's history, protected like `/scim/status` (authLevel 'function': a Functions key in Azure). */
const changes = changesEndpoint(runtime);
app.http('scimChanges', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'status/changes',
  handler: async (request, context) => changes(request, log(context)),
});

const history = historyEndpoint(runtime);
app.http('scimHistory', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'status/history',
  handler: async (request, context) => history(request, log(context)),
});
