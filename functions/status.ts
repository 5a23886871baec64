import { app } from '@azure/functions';
import { statusEndpoint } from '../shared/http/statusEndpoint';
import { runtime } from '../shared/runtime';

const endpoint = statusEndpoint(runtime);

/**
 * `GET /scim/status` for operators (not for Entra). authLevel 'function': in Azure it needs a Functions key, not a
 * SCIM token; the local host serves it on 127.0.0.1 without one. The name must not start with `admin`/`runtime`,
 * which the Functions host refuses.
 */
app.http('scimStatus', {
  methods: ['GET'],
  authLevel: 'function',
  route: 'status',
  handler: async (request, context) =>
    endpoint(request, { warn: (...a) => context.warn(...a), error: (...a) => context.error(...a) }),
});
