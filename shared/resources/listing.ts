import { badRequest } from '../scim/errors';
import { JsonObject } from '../scim/document';
import { matches, validateFilter } from '../scim/filterEvaluation';
import { CursorPosition, decodeCursor, encodeCursor, ListQuery, queryFingerprint } from '../scim/listQuery';
import { planQuery } from '../scim/queryPlan';
import { RELATION, relationIdsInFilter } from '../scim/relationFilter';
import { ResourceSchema } from '../scim/resourceSchema';
import { parseSort, sortBy, sortKey, SortSpec } from '../scim/sort';
import { TtlCache } from '../ttlCache';
import { Repository, StoredResource } from './repository';

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

/** The start of the requested page: the cursor's position, else `startIndex`. */
export function pageStart(query: ListQuery, fingerprint: string): CursorPosition {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, fingerprint);
  return cursor ?? { offset: query.startIndex - 1 };
}

/** RFC 9865 `nextCursor` for a page, absent on the last one. */
export const nextCursorOf = (page: { next?: CursorPosition }, fingerprint: string) =>
  page.next ? encodeCursor(page.next, fingerprint) : undefined;

/**
 * Lists and queries one resource type. Its paging state is kept per instance (RFC 7644 §3.4.2.4 lets pages of a
 * changing set be inconsistent), and all of it is a shortcut: a request that misses it (another instance,
 * expired) reads storage and gets the same answer.
 *  - `readAhead`: a plain listing reads 1,000 rows per storage request and keeps the rest for the next pages;
 *  - `positions`: the id at an offset of a plain listing, so `startIndex` paging resumes instead of re-skipping;
 *  - `results`: the ordered ids of a filtered or sorted query with more than one page.
 */
export class Listing {
  private readonly readAheads = new TtlCache<string, { items: StoredResource[]; exhausted: boolean }>(64, 15_000);
  private readonly positions = new TtlCache<string, string>(10_000, 600_000);
  private readonly results = new TtlCache<string, string[]>(16, 60_000);

  constructor(
    private readonly repo: Repository,
    private readonly maxScan: number,
  ) {}

  /**
   * The query's page for one resource type. Filters are validated against the type's schema first.
   * `withMemberships`: resources found by id or index come with `memberOf` (see ResourceRepository.candidates).
   */
  async page(
    tenant: string,
    schema: ResourceSchema,
    query: ListQuery,
    start: CursorPosition,
    withMemberships = false,
  ): Promise<ListPage> {
    if (query.filter) validateFilter(query.filter, schema);
    const sort = parseSort(query.sortBy, query.sortOrder, schema);
    // Memberships are rows, not part of the documents being sorted: every resource would look as if it had none.
    if (sort?.attr.def.name === RELATION[schema.name])
      throw badRequest(
        'invalidPath',
        `sortBy "${query.sortBy}": ${schema.name} resources cannot be sorted by ${RELATION[schema.name]}.`,
      );
    // Without a filter the total is the counter's, whatever the order: count=0 need not read (or sort) every row.
    if (!query.filter && (!sort || query.count === 0)) return this.plainPage(tenant, schema, query.count, start);
    return this.evaluatedPage(tenant, schema, query, sort, 'offset' in start ? start.offset : 0, withMemberships);
  }

  /** Every resource of a type in id order: total from the counters, rows read ahead 1,000 at a time. */
  private async plainPage(
    tenant: string,
    schema: ResourceSchema,
    count: number,
    start: CursorPosition,
  ): Promise<ListPage> {
    const total = await this.repo.resources.count(tenant, schema.name);
    if (count === 0) return { resources: [], total };
    const positionKey = (offset: number) => `${tenant}|${schema.name}|${offset}`;
    let after: string | undefined;
    if ('after' in start) after = start.after;
    else if (start.offset > 0) {
      after = this.positions.get(positionKey(start.offset)) ?? (await this.idAt(tenant, schema, start.offset));
      if (after === undefined) return { resources: [], total };
    }
    const { items, more } = await this.readAhead(tenant, schema, after, count);
    const last = items.at(-1)?.meta.id;
    if (last !== undefined && 'offset' in start) this.positions.set(positionKey(start.offset + items.length), last);
    return {
      resources: items,
      total,
      next: more && last !== undefined ? { after: last } : undefined,
      consecutive: true,
    };
  }

  /** The id at a 1-based position of the listing, reading row keys only; undefined past the end. */
  private async idAt(tenant: string, schema: ResourceSchema, position: number) {
    let seen = 0;
    for await (const id of this.repo.resources.ids(tenant, schema.name)) if (++seen === position) return id;
    return undefined;
  }

  private async readAhead(tenant: string, schema: ResourceSchema, after: string | undefined, count: number) {
    const key = (id: string | undefined) => `${tenant}|${schema.name}|${id ?? ''}`;
    const buffer = this.readAheads.get(key(after)) ?? { items: [], exhausted: false };
    this.readAheads.delete(key(after));
    // One item beyond the page tells whether another page follows.
    while (buffer.items.length <= count && !buffer.exhausted) {
      const from = buffer.items.at(-1)?.meta.id ?? after;
      const chunk = await this.repo.resources.pageAfter(tenant, schema.name, from, READ_AHEAD);
      buffer.items.push(...chunk.items);
      buffer.exhausted = chunk.exhausted;
    }
    const items = buffer.items.splice(0, count);
    const more = buffer.items.length > 0;
    const last = items.at(-1);
    if (more && last) this.readAheads.set(key(last.meta.id), buffer);
    return { items, more };
  }

  /**
   * A filtered or sorted query: the planned candidates, the full filter applied in memory, sorted if asked. A query
   * with more than one page keeps its ordered ids, so later pages are point reads rather than a new evaluation.
   */
  private async evaluatedPage(
    tenant: string,
    schema: ResourceSchema,
    query: ListQuery,
    sort: SortSpec | undefined,
    offset: number,
    withMemberships: boolean,
  ): Promise<ListPage> {
    const key = `${tenant}|${queryFingerprint(schema.name, query)}`;
    const cached = offset > 0 ? this.results.get(key) : undefined;
    let ids: string[];
    let page: StoredResource[];
    if (cached) {
      ids = cached;
      const read = await Promise.all(
        ids
          .slice(offset, offset + query.count)
          .map((id) => this.repo.resources.get(tenant, schema.name, id, withMemberships)),
      );
      page = read.filter((r): r is StoredResource => r !== undefined);
    } else {
      const hits = await this.evaluate(tenant, schema, query, sort, withMemberships);
      ids = hits.map((r) => r.meta.id);
      if (ids.length > query.count) this.results.set(key, ids);
      page = hits.slice(offset, offset + query.count);
    }
    return {
      resources: page,
      total: ids.length,
      next: offset + query.count < ids.length && query.count > 0 ? { offset: offset + query.count } : undefined,
    };
  }

  private async evaluate(
    tenant: string,
    schema: ResourceSchema,
    query: ListQuery,
    sort: SortSpec | undefined,
    withMemberships: boolean,
  ): Promise<StoredResource[]> {
    const relationIdsNamed = relationIdsInFilter(query.filter, schema);
    const hits: Array<{ r: StoredResource; view: JsonObject }> = [];
    let examined = 0;
    const plan = planQuery(query.filter, schema, this.repo.resources.layout[schema.name]);
    for await (const r of this.repo.resources.candidates(tenant, schema.name, plan, withMemberships)) {
      if (++examined > this.maxScan) {
        throw badRequest(
          'tooMany',
          `The query would examine more than ${this.maxScan} resources; filter on an indexed attribute (userName, externalId, id, work email, displayName) instead.`,
        );
      }
      const memberships = relationIdsNamed.length
        ? await this.relationFacts(tenant, schema, r.meta.id, relationIdsNamed)
        : undefined;
      const view = filterable(r, schema, memberships);
      if (!query.filter || matches(query.filter, view, schema)) hits.push({ r, view });
    }
    const ordered = sort
      ? sortBy(
          hits,
          sort,
          (h) => sortKey(h.view, sort),
          (h) => h.r.meta.id,
        )
      : hits;
    return ordered.map((h) => h.r);
  }

  /** The membership facts a filter needs: which of the ids it names are members of this group, or groups of this user. */
  private async relationFacts(
    tenant: string,
    schema: ResourceSchema,
    resourceId: string,
    ids: string[],
  ): Promise<JsonObject[]> {
    const hits = await Promise.all(
      ids.map(async (id) => {
        const [groupId, memberId] = schema.name === 'Group' ? [resourceId, id] : [id, resourceId];
        return (await this.repo.memberships.isMember(tenant, groupId, memberId)) ? { value: id } : undefined;
      }),
    );
    return hits.filter((h): h is { value: string } => !!h);
  }
}

/**
 * Filters may test server-owned attributes too (`id eq`, `meta.lastModified gt`), which live outside the document,
 * and the memberships the filter names (`members` of a group, `groups` of a user), which live in membership rows.
 */
const filterable = (r: StoredResource, schema: ResourceSchema, memberships?: JsonObject[]): JsonObject => ({
  ...r.data,
  ...(memberships ? { [RELATION[schema.name]]: memberships } : {}),
  id: r.meta.id,
  meta: {
    resourceType: schema.name,
    created: r.meta.created,
    lastModified: r.meta.lastModified,
    version: r.meta.version,
  },
});
