import { randomUUID } from 'node:crypto';
import { parseJson } from '../scim/document';
import { errorMessage, ScimError } from '../scim/errors';
import { dependencyFault, describe } from '../azureFaults';
import { InvalidSettings } from '../config';
import { misconfigured } from './misconfiguration';

/** The parts of an HTTP request the endpoints use; `@azure/functions`' HttpRequest satisfies it structurally. */
export interface ScimHttpRequest {
  method: string;
  url: string;
  headers: { get(name: string): string | null };
  query: URLSearchParams;
  params: Record<string, string | undefined>;
  text(): Promise<string>;
}

export interface ScimHttpResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export interface Logger {
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export const SCIM_CONTENT_TYPE = 'application/scim+json';

export function scimJson(status: number, body: unknown, headers: Record<string, string> = {}): ScimHttpResponse {
  return { status, headers: { 'Content-Type': SCIM_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

export const noContent = (headers: Record<string, string> = {}): ScimHttpResponse => ({
  status: 204,
  headers: { 'Content-Type': SCIM_CONTENT_TYPE, ...headers },
});

/**
 * The one place errors become responses. A ScimError is the client's; a failing dependency is classified by its
 * cause (azureFaults: 503 with Retry-After, so Entra retries later instead of counting a hard failure, or 400 when
 * storage refused the data); anything else is a 500 that carries only a correlation id — the details go to the
 * log, never a stack trace or token to the client. Invalid app settings answer every request with a 500 that names
 * them (misconfiguration.ts). The id is the request's own (X-Correlation-Id, the activity
 * log's record), so the operator finds the log line from either.
 */
export function errorResponse(error: unknown, log: Logger, correlationId: string = randomUUID()): ScimHttpResponse {
  if (error instanceof InvalidSettings) return scimJson(500, misconfigured(error, log).toBody());
  if (error instanceof ScimError) {
    if (error.status >= 500 && error.cause !== undefined)
      log.error(`${error.status} ${error.detail} Cause: ${dependencyFault(error.cause)?.log ?? describe(error.cause)}`);
    return scimJson(error.status, error.toBody(), error.headers);
  }
  const fault = dependencyFault(error);
  if (fault) {
    if (fault.error.status >= 500) log.error(fault.log);
    else log.warn(fault.log);
    return scimJson(fault.error.status, fault.error.toBody(), fault.error.headers);
  }
  log.error(`unexpected error ${correlationId}: ${describe(error)}`);
  return scimJson(500, new ScimError(500, `Internal error; correlation id ${correlationId}.`).toBody());
}

/** Reads a JSON body up to `maxBytes`; 413 beyond it, 400 `invalidSyntax` for anything that is not JSON. */
export async function readJsonBody(req: ScimHttpRequest, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const text = await req.text();
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw tooLarge(maxBytes);
  if (text.trim() === '')
    throw new ScimError(400, 'The request body is empty; send a SCIM JSON document.', 'invalidSyntax');
  try {
    return parseJson(text);
  } catch (e) {
    throw new ScimError(400, `The request body is not valid JSON: ${errorMessage(e)}.`, 'invalidSyntax');
  }
}

const tooLarge = (maxBytes: number) => new ScimError(413, `The request body exceeds the limit of ${maxBytes} bytes.`);

/** `https://host/scim/v2` (or `…/scim/{tenant}/v2`) from the request URL, for `meta.location` and `Location`. */
export function baseUrlOf(req: ScimHttpRequest): string {
  const url = new URL(req.url);
  const m = /^(.*?\/v2)(?:\/|$)/i.exec(url.pathname);
  return `${url.origin}${m ? m[1] : ''}`;
}
