import { app, HttpMethod } from '@azure/functions';
import { scimHttp } from '../shared/http/azureFunctions';
import { noSuchEndpoint, notATenantUrl } from '../shared/http/fallbackEndpoint';
import { runtime } from '../shared/runtime';

/**
 * Catch-alls, so every answer under /scim is a SCIM Error, also where no endpoint matches. The host tries literal
 * segments before parameters and longer templates before their prefixes (tools/localHost/hostRoutes.ts), so these only get
 * what every other route passed over: unknown paths, and methods an endpoint does not serve.
 */
const EVERY_METHOD: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'];

scimHttp('noSuchEndpoint', { methods: EVERY_METHOD, path: '{*rest}', endpoint: noSuchEndpoint, ports: runtime });
app.http('notATenantUrl', {
  methods: EVERY_METHOD,
  authLevel: 'anonymous',
  route: '{*path}',
  handler: async () => notATenantUrl(),
});
