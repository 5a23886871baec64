import { buildStatusReport, StatusPorts, statusSources } from '../activity/statusReport';
import { renderStatusPage, statusJson } from '../activity/statusPage';
import { errorFields } from '../azureFaults';
import { HistorySearch } from '../activity/historySection';
import { DEFAULT_TENANT } from '../auth/tenantId';
import { ScimError } from '../scim/errors';
import { ChangesPorts, lookUpHistory } from './changesEndpoint';
import { InvalidSettings } from '../config';
import { misconfigured } from './misconfiguration';
import { Logger, ScimHttpResponse } from './scimHttp';

const DAY_MS = 86_400_000;

/** No script, no external asset: the page needs nothing but its own inline styles. */
const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:",
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * `GET /scim/status`: the last 24 hours of every tenant, as HTML for people and as JSON when the request's Accept
 * asks for application/json (or `?format=json`). The page's search box sends `tenant` and `q` back here, and the
 * page answers with that resource's history too. Operators only — Azure requires a Functions key for it. `ports`
 * is called per request, so the app is built by the first one, and throws InvalidSettings while it cannot be.
 */
export function statusEndpoint(ports: () => StatusPorts & ChangesPorts) {
  return async (
    req: { headers: { get(name: string): string | null }; query: URLSearchParams },
    log: Logger,
  ): Promise<ScimHttpResponse> => {
    const json = req.query.get('format') === 'json' || wantsJson(req.headers.get('accept'));
    try {
      const to = new Date();
      const reading = buildStatusReport(statusSources(ports()), new Date(to.getTime() - DAY_MS), to);
      if (json)
        return {
          status: 200,
          headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
          body: JSON.stringify(statusJson(await reading)),
        };
      const [report, search] = await Promise.all([reading, historySearch(ports, req.query)]);
      return {
        status: search.problem === undefined ? 200 : search.status,
        headers: PAGE_HEADERS,
        body: renderStatusPage(report, search),
      };
    } catch (e) {
      if (e instanceof InvalidSettings) {
        const message = misconfigured(e, log).detail;
        return json
          ? {
              status: 500,
              headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
              body: JSON.stringify({ error: message }),
            }
          : { status: 500, headers: PAGE_HEADERS, body: plainPage(message) };
      }
      const err = errorFields(e);
      log.error(
        `status view: the activity log could not be read (${[err.name, err.code, err.statusCode].filter(Boolean).join(' ')})`,
      );
      const message = 'The activity log cannot be read right now (storage unavailable); retry in a minute.';
      return json
        ? {
            status: 503,
            headers: { 'Content-Type': 'application/json', 'Retry-After': '60' },
            body: JSON.stringify({ error: message }),
          }
        : { status: 503, headers: { ...PAGE_HEADERS, 'Retry-After': '60' }, body: plainPage(message) };
    }
  };
}

/**
 * The search box's state: with `q`, the history it asks for (GET /scim/status/history's answer), or the SCIM
 * error's detail and status when the question is malformed or names nothing.
 */
async function historySearch(
  ports: () => ChangesPorts,
  query: URLSearchParams,
): Promise<HistorySearch & { status: number }> {
  const code = query.get('code') ?? undefined;
  const search = {
    tenant: query.get('tenant') ?? DEFAULT_TENANT,
    q: query.get('q') ?? '',
    ...(code === undefined ? {} : { code }),
    status: 200,
  };
  if (query.get('q') === null) return search;
  try {
    return { ...search, found: await lookUpHistory(ports(), { query }) };
  } catch (e) {
    if (e instanceof ScimError) return { ...search, problem: e.detail, status: e.status };
    throw e;
  }
}

/** A page with one message (plain text: setting names and fixed wording, nothing to escape). */
const plainPage = (message: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SCIM provisioning status</title></head><body><p>${message}</p></body></html>`;

/** JSON when application/json is acceptable and ranked above HTML (a browser's Accept lists text/html first). */
function wantsJson(accept: string | null): boolean {
  if (!accept) return false;
  const rank = (type: RegExp) => {
    const i = accept.split(',').findIndex((part) => type.test(part.trim()));
    return i < 0 ? Infinity : i;
  };
  return rank(/^application\/json\b/i) < rank(/^text\/html\b/i);
}
