import { badRequest } from '../scim/errors';
import { Json, matches, validateFilter } from '../scim/filterEvaluation';
import { CursorPosition, decodeCursor, encodeCursor, ListQuery, queryFingerprint } from '../scim/listQuery';
import { planQuery } from '../scim/queryPlan';
import { parseSort, sortBy, sortKey, SortSpec } from '../scim/sort';
import { ResourceSchema } from '../scim/resourceSchema';
import { ResourceStore, StoredResource } from '../store/resourceStore';
import { TtlCache } from '../ttlCache';
import { RELATION, relationFacts, relationIdsInFilter } from './memberships';
import { RequestContext } from './pipeline';

/** Rows read per storage request when paging a plain listing: Table Storage's largest page. */
const READ_AHEAD = 1000;

/** One page of a list: the resources, how many match in all, and where the next page starts (if any). */
export interface ListPage {
  resources: StoredResource[];
  total: number;
  next?: CursorPosition;
  /** The resources are consecutive in id order (nothing between them is left out), as in a plain listing. */
  consecutive?: boolean;
}

/** Where the client asked the page to start: an offset (`startIndex` − 1 or an offset cursor) or after an id. */
export type PageStart = CursorPosition;

/**
 * Paging state kept per process (RFC 7644 §3.4.2.4 lets pages of a changing set be inconsistent). All of it is a
 * shortcut: a request that misses it (another instance, expired) reads storage and gets the same answer.
 *  - `readAhead`: a plain listing reads 1,000 rows per storage request and keeps the rest for the next pages;
 *  - `positions`: the id at an offset of a plain listing, so `startIndex` paging resumes instead of re-skipping;
 *  - `results`: the ordered ids of a filtered or sorted query with more than one page.
 */
interface PagingCaches {
  readAhead: TtlCache<string, { items: StoredResource[]; exhausted: boolean }>;
  positions: TtlCache<string, string>;
  results: TtlCache<string, string[]>;
}

const cachesByStore = new WeakMap<ResourceStore, PagingCaches>();
function cachesOf(store: ResourceStore): PagingCaches {
  let caches = cachesByStore.get(store);
  if (!caches) {
    caches = { readAhead: new TtlCache(64, 15_000), positions: new TtlCache(10_000, 600_000), results: new TtlCache(16, 60_000) };
    cachesByStore.set(store, caches);
  }
  return caches;
}

/** The query's page for one resource type. Filters are validated against the type's schema first. */
export async function listPage(ctx: RequestContext, schema: ResourceSchema, query: ListQuery, start: PageStart): Promise<ListPage> {
  if (query.filter) validateFilter(query.filter, schema);
  const sort = parseSort(query.sortBy, query.sortOrder, schema);
  // Memberships are rows, not part of the documents being sorted: every resource would look as if it had none.
  if (sort?.attr.def.name === RELATION[schema.name]) throw badRequest('invalidPath', `sortBy "${query.sortBy}": ${schema.name} resources cannot be sorted by ${RELATION[schema.name]}.`);
  // Without a filter the total is the counter's, whatever the order: count=0 need not read (or sort) every row.
  if (!query.filter && (!sort || query.count === 0)) return plainPage(ctx, schema, query.count, start);
  return evaluatedPage(ctx, schema, query, sort, 'offset' in start ? start.offset : 0);
}

/** The start of the requested page: the cursor's position, else `startIndex`. */
export function pageStart(query: ListQuery, fingerprint: string): PageStart {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, fingerprint);
  return cursor ?? { offset: query.startIndex - 1 };
}

/** RFC 9865 `nextCursor` for a page, absent on the last one. */
export const nextCursorOf = (page: { next?: CursorPosition }, fingerprint: string) => (page.next ? encodeCursor(page.next, fingerprint) : undefined);

export const fingerprintOf = (scope: string, query: ListQuery) => queryFingerprint(scope, query);

/** Every resource of a type in id order: total from the counter rows, rows read ahead 1,000 at a time. */
async function plainPage(ctx: RequestContext, schema: ResourceSchema, count: number, start: PageStart): Promise<ListPage> {
  const { store } = ctx.rt;
  const caches = cachesOf(store);
  const total = await store.count(ctx.tenant, schema.name);
  if (count === 0) return { resources: [], total };
  const positionKey = (offset: number) => `${ctx.tenant}|${schema.name}|${offset}`;
  let after: string | undefined;
  if ('after' in start) after = start.after;
  else if (start.offset > 0) {
    after = caches.positions.get(positionKey(start.offset)) ?? (await idAt(store, ctx.tenant, schema, start.offset));
    if (after === undefined) return { resources: [], total };
  }
  const { items, more } = await readAhead(ctx, schema, after, count);
  const last = items.at(-1)?.meta.id;
  if (last !== undefined && 'offset' in start) caches.positions.set(positionKey(start.offset + items.length), last);
  return { resources: items, total, next: more && last !== undefined ? { after: last } : undefined, consecutive: true };
}

/** The id at a 1-based position of the listing, reading row keys only; undefined past the end. */
async function idAt(store: ResourceStore, tenant: string, schema: ResourceSchema, position: number) {
  let seen = 0;
  for await (const id of store.ids(tenant, schema.name)) if (++seen === position) return id;
  return undefined;
}

async function readAhead(ctx: RequestContext, schema: ResourceSchema, after: string | undefined, count: number) {
  const cache = cachesOf(ctx.rt.store).readAhead;
  const key = (id: string | undefined) => `${ctx.tenant}|${schema.name}|${id ?? ''}`;
  const buffer = cache.get(key(after)) ?? { items: [], exhausted: false };
  cache.delete(key(after));
  // One item beyond the page tells whether another page follows.
  while (buffer.items.length <= count && !buffer.exhausted) {
    const from = buffer.items.at(-1)?.meta.id ?? after;
    const chunk = await ctx.rt.store.pageAfter(ctx.tenant, schema.name, from, READ_AHEAD);
    buffer.items.push(...chunk.items);
    buffer.exhausted = chunk.exhausted;
  }
  const items = buffer.items.splice(0, count);
  const more = buffer.items.length > 0;
  if (more) cache.set(key(items.at(-1)!.meta.id), buffer);
  return { items, more };
}

/**
 * Filters may test server-owned attributes too (`id eq`, `meta.lastModified gt`), which live outside the document,
 * and the memberships the filter names (`members` of a group, `groups` of a user), which live in membership rows.
 */
const filterable = (r: StoredResource, schema: ResourceSchema, memberships?: Json[]): Json => ({
  ...r.data,
  ...(memberships ? { [RELATION[schema.name]]: memberships } : {}),
  id: r.meta.id,
  meta: { resourceType: schema.name, created: r.meta.created, lastModified: r.meta.lastModified, version: r.meta.version },
});

/**
 * A filtered or sorted query: the planned candidates, the full filter applied in memory, sorted if asked. A query
 * with more than one page keeps its ordered ids, so later pages are point reads rather than a new evaluation.
 */
async function evaluatedPage(ctx: RequestContext, schema: ResourceSchema, query: ListQuery, sort: SortSpec | undefined, offset: number): Promise<ListPage> {
  const { results } = cachesOf(ctx.rt.store);
  const key = `${ctx.tenant}|${queryFingerprint(schema.name, query)}`;
  const cached = offset > 0 ? results.get(key) : undefined;
  let ids: string[];
  let page: StoredResource[];
  if (cached) {
    ids = cached;
    const read = await Promise.all(ids.slice(offset, offset + query.count).map((id) => ctx.rt.store.get(ctx.tenant, schema.name, id)));
    page = read.filter((r): r is StoredResource => r !== undefined);
  } else {
    const hits = await evaluate(ctx, schema, query, sort);
    ids = hits.map((r) => r.meta.id);
    if (ids.length > query.count) results.set(key, ids);
    page = hits.slice(offset, offset + query.count);
  }
  return { resources: page, total: ids.length, next: offset + query.count < ids.length && query.count > 0 ? { offset: offset + query.count } : undefined };
}

async function evaluate(ctx: RequestContext, schema: ResourceSchema, query: ListQuery, sort: SortSpec | undefined): Promise<StoredResource[]> {
  const relationIdsNamed = relationIdsInFilter(query.filter, schema);
  const hits: Array<{ r: StoredResource; view: Json }> = [];
  let examined = 0;
  for await (const r of ctx.rt.store.candidates(ctx.tenant, schema.name, planQuery(query.filter, schema))) {
    if (++examined > ctx.rt.settings.SCIM_MAX_SCAN) {
      throw badRequest('tooMany', `The query would examine more than ${ctx.rt.settings.SCIM_MAX_SCAN} resources; filter on an indexed attribute (userName, externalId, id, work email, displayName) instead.`);
    }
    const memberships = relationIdsNamed.length ? await relationFacts(ctx, schema.name, r.meta.id, relationIdsNamed) : undefined;
    const view = filterable(r, schema, memberships);
    if (!query.filter || matches(query.filter, view, schema)) hits.push({ r, view });
  }
  const ordered = sort ? sortBy(hits, sort, (h) => sortKey(h.view, sort), (h) => h.r.meta.id) : hits;
  return ordered.map((h) => h.r);
}
