import { JsonObject } from './document';

/** RFC 7644 §3.12 error types (and RFC 9865 §2.1's paging ones); `scimType` is only set where an RFC names one. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A client-visible failure. Raised where it is detected; turned into a response in one place. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(): JsonObject {
    return {
      schemas: [ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

/** What went wrong, from anything a `catch` receives: an Error's message, else the thrown value as text. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, detail, scimType);
export const notFound = (detail: string) => new ScimError(404, detail);
/** The one 404 for a resource id that does not exist (or no longer does). */
export const resourceNotFound = (type: string, id: string) => notFound(`${type} "${id}" not found.`);
/** The one 503: a state Entra retries later instead of counting a hard failure; Retry-After says when. */
export const unavailable = (detail: string, retryAfterSeconds = 30) =>
  new ScimError(503, `${detail} Retry after the interval in Retry-After.`, undefined, {
    'Retry-After': String(retryAfterSeconds),
  });
export const notImplemented = (detail: string) => new ScimError(501, detail);

/** RFC 9110 §15.5.6: a 405 names the methods the resource does serve. */
export const methodNotAllowed = (method: string, path: string, allowed: readonly string[]) =>
  new ScimError(405, `${method} is not supported on ${path}; use ${allowed.join(', ')}.`, undefined, {
    Allow: allowed.join(', '),
  });

/** The one 400 for member ids that name no user or group (checked before writing, and again when a write finds one gone). */
export const unknownMembers = (ids: string[]) =>
  badRequest(
    'invalidValue',
    `Unknown member id${ids.length > 1 ? 's' : ''} ${ids
      .slice(0, 10)
      .map((u) => `"${u}"`)
      .join(
        ', ',
      )}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}: provision the user or group before adding it to a group.`,
  );
