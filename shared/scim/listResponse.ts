import { badRequest } from './errors';

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** RFC 7644 §3.4.2.4 paging parameters after clamping. */
export interface Paging {
  startIndex: number;
  count: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 200;

/** `startIndex` < 1 means 1 and `count` < 0 means 0 (RFC 7644 §3.4.2.4); `count` is clamped to MAX_PAGE_SIZE. */
export function parsePaging(startIndex?: string | null, count?: string | null): Paging {
  const int = (name: string, v: string | null | undefined, fallback: number) => {
    if (v === undefined || v === null || v.trim() === '') return fallback;
    if (!/^-?\d+$/.test(v.trim())) throw badRequest('invalidValue', `"${name}" must be an integer; got "${v}".`);
    return Number(v);
  };
  return {
    startIndex: Math.max(1, int('startIndex', startIndex, 1)),
    count: Math.min(MAX_PAGE_SIZE, Math.max(0, int('count', count, DEFAULT_PAGE_SIZE))),
  };
}

/**
 * An RFC 7644 §3.4.2 ListResponse. Index paging echoes `startIndex`; cursor paging (RFC 9865) gives `nextCursor`
 * on every page but the last instead.
 */
export function listResponse(
  resources: unknown[],
  totalResults: number,
  position: { startIndex: number } | { nextCursor?: string },
) {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    ...position,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
