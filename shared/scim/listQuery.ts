import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badRequest } from './errors';
import { Filter, parseFilter } from './filter';
import { Paging, parsePaging } from './listResponse';
import { parseProjection, Projection } from './representation';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** A list or search request (RFC 7644 §3.4.2, §3.4.3; RFC 9865), however it arrived. */
export interface ListQuery extends Paging {
  filterText?: string;
  filter?: Filter;
  sortBy?: string;
  sortOrder?: string;
  projection: Projection;
  /** Present (possibly empty: the first page) when the client asked for cursor paging. */
  cursor?: string;
}

type Params = (name: string) => string | undefined;

function parseListQuery(param: Params): ListQuery {
  const filterText = param('filter');
  return {
    ...parsePaging(param('startIndex'), param('count')),
    filterText,
    filter: filterText === undefined ? undefined : parseFilter(filterText),
    sortBy: param('sortBy') || undefined,
    sortOrder: param('sortOrder') || undefined,
    projection: parseProjection(param('attributes'), param('excludedAttributes')),
    cursor: param('cursor'),
  };
}

/** `GET /Users?filter=…&cursor&count=…`: parameter names as RFC 7644 spells them. */
export const listQueryFromUrl = (query: URLSearchParams): ListQuery =>
  parseListQuery((name) => query.get(name) ?? undefined);

const listOrText = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v.join(',') : v));
const intOrText = z.union([z.number(), z.string()]).transform(String);

/** RFC 7644 §3.4.3 SearchRequest; attribute names are case-insensitive like every SCIM attribute name. */
const searchRequestSchema = z.object({
  schemas: z.array(z.string()).optional(),
  attributes: listOrText.optional(),
  excludedattributes: listOrText.optional(),
  filter: z.string().optional(),
  sortby: z.string().optional(),
  sortorder: z.string().optional(),
  startindex: intOrText.optional(),
  count: intOrText.optional(),
  cursor: z.string().optional(),
});

/** `POST …/.search`: the same query in a SearchRequest body. */
export function listQueryFromSearch(body: unknown): ListQuery {
  const lowered =
    body && typeof body === 'object' && !Array.isArray(body)
      ? Object.fromEntries(Object.entries(body).map(([k, v]) => [k.toLowerCase(), v === null ? undefined : v]))
      : body;
  const parsed = searchRequestSchema.safeParse(lowered);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest('invalidSyntax', `Invalid SearchRequest: ${issue.path.join('.') || 'body'}: ${issue.message}.`);
  }
  const r = parsed.data;
  if (r.schemas && !r.schemas.includes(SEARCH_REQUEST_SCHEMA)) {
    throw badRequest('invalidSyntax', `A SearchRequest must list "${SEARCH_REQUEST_SCHEMA}" in schemas.`);
  }
  const byName: Record<string, string | undefined> = {
    attributes: r.attributes,
    excludedAttributes: r.excludedattributes,
    filter: r.filter,
    sortBy: r.sortby,
    sortOrder: r.sortorder,
    startIndex: r.startindex,
    count: r.count,
    cursor: r.cursor,
  };
  return parseListQuery((name) => byName[name]);
}

/** Where a page starts: after a resource id (unsorted, unfiltered lists) or at an offset into the results. */
export type CursorPosition = { after: string } | { offset: number };

/**
 * Ties a cursor to its query (RFC 9865: every parameter but `cursor` must repeat), so a cursor of one query
 * presented with another is refused instead of silently paging the wrong result set.
 */
export function queryFingerprint(scope: string, q: ListQuery): string {
  return createHash('sha256')
    .update(JSON.stringify([scope, q.filterText ?? '', q.sortBy ?? '', q.sortOrder ?? '']))
    .digest('base64url')
    .slice(0, 12);
}

const cursorSchema = z.union([
  z.object({ q: z.string(), after: z.string().min(1) }).strict(),
  z.object({ q: z.string(), offset: z.number().int().min(0) }).strict(),
]);

/** Opaque to clients and URL-safe (RFC 9865 allows only unreserved characters): base64url of a small JSON. */
export const encodeCursor = (position: CursorPosition, fingerprint: string) =>
  Buffer.from(JSON.stringify({ q: fingerprint, ...position })).toString('base64url');

/** The position a cursor names; an empty cursor is the first page. */
export function decodeCursor(text: string, fingerprint: string): CursorPosition | undefined {
  if (text === '') return undefined;
  const invalid = () =>
    badRequest(
      'invalidCursor',
      "The cursor is not one this service issued for this query; send an empty cursor for the first page, then each response's nextCursor with the same filter and sort.",
    );
  let decoded: unknown;
  try {
    decoded = /^[A-Za-z0-9_-]+$/.test(text) ? JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) : undefined;
  } catch {
    throw invalid();
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success || parsed.data.q !== fingerprint) throw invalid();
  const { q: _q, ...position } = parsed.data;
  return position;
}
