import { bearerToken } from '../auth/tokenVerifier';
import { ScimError } from '../scim/errors';
import { DEFAULT_TENANT, Runtime, runtime } from '../runtime';
import { errorResponse, Logger, ScimHttpRequest, ScimHttpResponse } from './scimHttp';

export interface RequestContext {
  req: ScimHttpRequest;
  rt: Runtime;
  tenant: string;
  log: Logger;
}

const unauthorized = () =>
  new ScimError(401, 'Missing or invalid bearer token. Send the Secret Token as "Authorization: Bearer <token>".', undefined, {
    'WWW-Authenticate': 'Bearer realm="scim"',
  });

/**
 * One path for every SCIM request: authenticate against the tenant's tokens, run the endpoint, and turn any error
 * into a SCIM Error response. Bindings in functions/ wrap their endpoint with this and nothing else.
 */
export function scimEndpoint(endpoint: (ctx: RequestContext) => Promise<ScimHttpResponse>) {
  return async (req: ScimHttpRequest, log: Logger): Promise<ScimHttpResponse> => {
    try {
      const rt = runtime();
      const tenant = DEFAULT_TENANT;
      const token = bearerToken(req.headers.get('authorization'));
      if (!token || !(await rt.tokens.verify(tenant, token))) throw unauthorized();
      return await endpoint({ req, rt, tenant, log });
    } catch (e) {
      return errorResponse(e, log);
    }
  };
}
