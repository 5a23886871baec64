import { bearerToken } from '../auth/bearer';
import { tenantOfRoute } from '../auth/tenantId';
import { notFound } from '../scim/errors';
import { Runtime, runtime } from '../runtime';
import { errorResponse, Logger, ScimHttpRequest, ScimHttpResponse } from './scimHttp';

export interface RequestContext {
  req: ScimHttpRequest;
  rt: Runtime;
  tenant: string;
  log: Logger;
}

/**
 * One path for every SCIM request: find the tenant in the route, authenticate against that tenant's tokens, run
 * the endpoint, and turn any error into a SCIM Error response. Bindings in functions/ wrap their endpoint with
 * this and nothing else. `rt` is replaceable only so a benchmark can compare against skipped authentication.
 */
export function scimEndpoint(endpoint: (ctx: RequestContext) => Promise<ScimHttpResponse>, rt: () => Runtime = runtime) {
  return async (req: ScimHttpRequest, log: Logger): Promise<ScimHttpResponse> => {
    try {
      const current = rt();
      const tenant = tenantOfRoute(req.params.tenant);
      if (!tenant) throw notFound('Not a SCIM tenant URL: a tenant id in /scim/{tenant}/v2 is 1-63 lower-case letters, digits and inner hyphens.');
      await current.auth.authenticate(tenant, bearerToken(req.headers.get('authorization')));
      return await endpoint({ req, rt: current, tenant, log });
    } catch (e) {
      return errorResponse(e, log);
    }
  };
}
