/**
 * JSON documents (RFC 8259): what request bodies parse into and what resources are stored as. The guards narrow a
 * value read out of a document, so the protocol code reads documents without casting them.
 */
export type JsonValue = string | number | boolean | null | JsonArray | JsonObject;
export type JsonArray = JsonValue[];
/** A member may be `undefined` while a document is built or pruned: JSON.stringify leaves such members out. */
export interface JsonObject {
  [member: string]: JsonValue | undefined;
}

export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object under `key` (an extension's attributes, a complex attribute), or undefined if it is not one. */
export function objectAt(doc: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = doc?.[key];
  return isJsonObject(v) ? v : undefined;
}

/** A multi-valued attribute's elements; a lone value counts as a list of one, absence as none. */
export const listOf = (v: JsonValue | undefined): JsonArray => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The elements of a list that are objects (elements of a multi-valued complex attribute). */
export const objectsIn = (v: JsonValue | undefined): JsonObject[] => listOf(v).filter(isJsonObject);

/**
 * JSON text as a typed value. JSON.parse is typed `any`, yet can only produce JSON values, so this is the one place
 * where parsed text gets its type; it throws a SyntaxError on text that is not JSON.
 */
export function parseJson(text: string): JsonValue {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- JSON.parse yields only JSON values; this is the one place parsed text gets its type
  return JSON.parse(text);
}
