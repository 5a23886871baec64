import { Filter, Literal } from '../filter';

/**
 * Entra quirk (docs/architecture.md#entra-quirks): `Add`/`Replace` on `emails[type eq "work"].value` when the user has no work email yet.
 * RFC 7644 §3.5.2.3 would answer `noTarget` for replace, but Entra sends exactly this for a first value, so we create
 * the element from the filter's `eq` terms: `{type:"work", value:"…"}`. Returns undefined when the filter is not a
 * plain conjunction of `eq` comparisons (then there is no single element it could describe).
 */
export function elementFromFilter(filter: Filter): Record<string, Literal> | undefined {
  switch (filter.kind) {
    case 'compare':
      return filter.op === 'eq' && !filter.path.sub && !filter.path.urn
        ? { [filter.path.attr]: filter.value }
        : undefined;
    case 'and': {
      const left = elementFromFilter(filter.left);
      const right = elementFromFilter(filter.right);
      return left && right ? { ...left, ...right } : undefined;
    }
    default:
      return undefined;
  }
}
