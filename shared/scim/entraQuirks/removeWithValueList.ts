import { isJsonObject } from '../document';

/**
 * Entra quirk (default job; docs/architecture.md#entra-quirks): `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`
 * means "remove exactly these members", not "clear the attribute" (a known peer bug empties the whole group).
 * The RFC form is a filter path with no value: `members[value eq "<id>"]`. This returns the `value`s to remove,
 * or undefined when the operation carries no value list (then the RFC meaning applies).
 */
export function valuesToRemove(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) return undefined;
  return list.map((item) => {
    if (typeof item === 'string') return item;
    if (isJsonObject(item) && typeof item.value === 'string') return item.value;
    return JSON.stringify(item);
  });
}
