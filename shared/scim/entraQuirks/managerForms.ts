import { isJsonObject } from '../document';

/**
 * Entra quirk: `manager` arrives in three shapes (docs/architecture.md#entra-quirks):
 * - RFC 7643 §4.3 form: `{"value":"<id>"}` (optionally with `$ref`/`displayName`);
 * - Entra's documented form: `[{"$ref":"…/Users/<id>","value":"<id>"}]` (an array for a single-valued attribute);
 * - Entra's observed form: `"<id>"` (a bare string on the URN-qualified path).
 * All become `{"value":"<id>"}` (plus `$ref` when given). An empty string, empty array or empty object means
 * "remove the manager", which is how Microsoft's validator clears it.
 */
export function normaliseManager(value: unknown): unknown {
  if (value === null || value === '') return undefined;
  if (typeof value === 'string') return { value };
  if (Array.isArray(value)) return value.length === 0 ? undefined : normaliseManager(value[0]);
  if (isJsonObject(value) && (Object.keys(value).length === 0 || value.value === '')) return undefined;
  return value;
}
