import { z } from 'zod';
import { parseJson } from './scim/document';
import { ScimError, unavailable } from './scim/errors';

/**
 * What the Azure SDKs' RestError and Node's system errors carry: the HTTP status in `statusCode`, a code in `code`
 * (Node: `ECONNREFUSED`; Table transactions: the service's code), Table Storage's own code in `details.errorCode`.
 * A field of another type, or a thrown value that is no object, reads as absent.
 */
const thrownErrorSchema = z
  .object({
    name: z.string().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
    statusCode: z.number().optional().catch(undefined),
    code: z.string().optional().catch(undefined),
    details: z
      .object({ errorCode: z.string().optional().catch(undefined) })
      .optional()
      .catch(undefined),
  })
  .catch({});
export type ThrownError = z.infer<typeof thrownErrorSchema>;

/** The fields of whatever a `catch` received, typed; the value itself is left as it is. */
export const errorFields = (e: unknown): ThrownError => thrownErrorSchema.parse(e);

export const statusOf = (e: unknown): number | undefined => errorFields(e).statusCode;

/** The one way to accept some answers as outcomes rather than errors (404 on a delete that raced, 409 on a create). */
export async function tolerating<T, F>(operation: Promise<T>, fallback: F, ...statuses: number[]): Promise<T | F> {
  try {
    return await operation;
  } catch (e) {
    if (statuses.includes(statusOf(e) ?? -1)) return fallback;
    throw e;
  }
}

/** A call to Table Storage or Key Vault that got no complete answer within SCIM_STORAGE_TIMEOUT_MS. */
export class DependencyTimeout extends Error {
  override readonly name = 'DependencyTimeout';
  /** @param lastAnswer what the service answered to the tries before (e.g. `503 ServerBusy`), if it answered at all */
  constructor(host: string, timeoutMs: number, lastAnswer?: string) {
    super(
      `no answer from ${host} within ${timeoutMs} ms (SCIM_STORAGE_TIMEOUT_MS), retries included${lastAnswer ? `; the last try was answered ${lastAnswer}` : ''}`,
    );
  }
}

/** What a dependency's failure means to the client, and the line that tells the operators: the error, then why. */
export interface DependencyFault {
  error: ScimError;
  log: string;
}

/**
 * Classifies a failure of Table Storage or Key Vault by its cause, or undefined when `e` is not one. Whatever the
 * dependency did, the client gets a SCIM answer, never a 500: a fault on our side of the line (outage, throttling,
 * a role or firewall rule missing, a write lost to a concurrent one) is 503 with Retry-After; storage refusing
 * what this request asked it to store is 400 naming the reason.
 */
export function dependencyFault(e: unknown): DependencyFault | undefined {
  const err = errorFields(e);
  if (err.name === 'DependencyTimeout' || err.name === 'AbortError') {
    return { error: unavailable('Storage did not answer in time.'), log: `${describe(e)} (storage unavailable)` };
  }
  if (err.name !== 'RestError') return undefined;
  const status = err.statusCode;
  // No status: the connection failed (refused, reset, DNS). 408, 429, 5xx: Azure's own "busy, try again".
  if (status === undefined || status === 408 || status === 429 || status >= 500) {
    return { error: unavailable('Storage is temporarily unavailable.'), log: `${describe(e)} (storage unavailable)` };
  }
  if (status === 401 || status === 403) {
    return {
      error: unavailable(
        'The service cannot use its storage right now (a fault in its deployment, not in this request).',
      ),
      log: `${describe(e)} (storage refused this app: a deployment fault; check the app identity's data role on the account and the account's firewall)`,
    };
  }
  // The stores retry these races a few times; one still escaping means the resource kept changing under the request.
  if (status === 404 || status === 409 || status === 412) {
    return {
      error: unavailable('The resource kept changing while this request wrote it.'),
      log: `${describe(e)} (a write lost to concurrent writes)`,
    };
  }
  const detail = `Table Storage refused this request (${errorCode(err) ?? status}): ${firstSentence(e)} Shorten or correct the values it names and retry.`;
  return { error: new ScimError(400, detail, 'invalidValue'), log: `${describe(e)} (storage refused the request)` };
}

/** Message and error code only: SDK errors can carry request headers, and those hold credentials. */
export function describe(e: unknown): string {
  const err = errorFields(e);
  return [err.name ?? 'Error', errorCode(err), err.statusCode, serviceMessage(e).replace(/\s+/g, ' ').slice(0, 300)]
    .filter((p) => p !== undefined && p !== '')
    .join(' ');
}

/**
 * The service's own words. For single operations the Tables SDK leaves Table Storage's whole error body in
 * `message` (`{"odata.error":{"code":…,"message":{"value":…}}}`); transactions and Key Vault give the text.
 */
function serviceMessage(e: unknown): string {
  const message = errorFields(e).message ?? String(e);
  try {
    const body = odataErrorSchema.safeParse(parseJson(message));
    return body.success ? body.data['odata.error'].message.value : message;
  } catch {
    return message;
  }
}

const odataErrorSchema = z.object({ 'odata.error': z.object({ message: z.object({ value: z.string() }) }) });

/** Transactions put the service's code in `code`; single operations in `details.errorCode`. */
const errorCode = (err: ThrownError): string | undefined => err.details?.errorCode ?? err.code;

/** Storage messages continue with "RequestId:… Time:…" lines that mean nothing to a client. */
const firstSentence = (e: unknown) => serviceMessage(e).split('\n')[0].slice(0, 300);
