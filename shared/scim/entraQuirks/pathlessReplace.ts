import { isJsonObject, JsonObject } from '../document';

/**
 * Entra quirk (aadOptscim062020; docs/architecture.md#entra-quirks): a path-less replace whose value object uses attribute *paths* as keys:
 * `{"displayName":"…","name.givenName":"…","urn:…:enterprise:2.0:User:employeeNumber":"…"}`.
 * The RFC form nests instead: `{"name":{"givenName":"…"},"urn:…:enterprise:2.0:User":{"employeeNumber":"…"}}`.
 * Each key becomes its own pathed operation so both forms go through the same attribute rules; an RFC nested
 * value for a complex attribute stays a single operation on that attribute.
 */
export function splitPathlessValue(
  value: JsonObject,
  isExtensionUrn: (key: string) => boolean,
): Array<{ path: string; value: unknown }> {
  const ops: Array<{ path: string; value: unknown }> = [];
  for (const [key, v] of Object.entries(value)) {
    if (isExtensionUrn(key) && isJsonObject(v)) {
      for (const [extKey, extValue] of Object.entries(v)) ops.push({ path: `${key}:${extKey}`, value: extValue });
    } else {
      ops.push({ path: key, value: v });
    }
  }
  return ops;
}
