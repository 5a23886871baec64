import { ScimError } from '../scim/errors';
import { isJsonObject, JsonObject, parseJson } from '../scim/document';

/*
 * Table Storage limits, counted the way Azure counts them: a string property holds at most 64 KiB of UTF-16
 * (32 K characters); an entity at most 1 MiB, each string costing 8 bytes + 2 per character of its name + 4 +
 * 2 per character of its value, keys and system columns included; at most 252 properties.
 */
const PART_CHARS = 32_000;
const ENTITY_BYTES = 1_048_576;
/** Typed columns hold at most this many characters of their value (see boundedColumn). */
export const MAX_COLUMN_CHARS = 1_024;
/**
 * What the entity's other properties may take: keys (≤ 1 KiB each), Timestamp, created, lastModified, version
 * and the typed columns, each bounded by MAX_COLUMN_CHARS. The rest is the document's.
 */
const RESERVED_BYTES = 32_768;
const DOCUMENT_BYTES = ENTITY_BYTES - RESERVED_BYTES;
const MAX_PARTS = Math.ceil(DOCUMENT_BYTES / (2 * PART_CHARS));

const partName = (i: number) => (i === 0 ? 'doc' : `doc${i}`);

export type DocumentProperties = { doc: string; [part: `doc${number}`]: string };

const highSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** Where `n` characters of `s` from `start` end, one later if that would split a surrogate pair. */
function partEnd(s: string, start: number, n: number): number {
  const end = Math.min(s.length, start + n);
  return end < s.length && highSurrogate(s.charCodeAt(end - 1)) ? end + 1 : end;
}

/**
 * A resource's JSON as string properties `doc`, `doc1`, `doc2`…, each within the per-property limit, so a document
 * may use what one entity can hold (about 500 K characters). Beyond that: 413, naming what to shorten. Entities
 * are always written whole (Replace), so a shorter document leaves no stale parts behind.
 */
export function encodeDocument(type: string, data: JsonObject): DocumentProperties {
  const json = JSON.stringify(data);
  const parts: string[] = [];
  for (let at = 0, end: number; at < json.length; at = end) {
    end = partEnd(json, at, PART_CHARS);
    parts.push(json.slice(at, end));
  }
  const bytes = parts.reduce((sum, part, i) => sum + 12 + 2 * partName(i).length + 2 * part.length, 0);
  if (bytes > DOCUMENT_BYTES || parts.length > MAX_PARTS) throw tooLarge(type, data, bytes);
  const [doc, ...more] = parts;
  return { doc, ...Object.fromEntries(more.map((part, i) => [partName(i + 1), part])) };
}

/** The resource's JSON from its `doc`, `doc1`, … properties (a select may return absent ones as null). */
export function decodeDocument(entity: Record<string, unknown>): JsonObject {
  let json = '';
  for (let i = 0, part = entity.doc; typeof part === 'string'; part = entity[partName(++i)]) json += part;
  const doc = parseJson(json);
  // encodeDocument writes objects only; anything else is a row this code did not write.
  if (!isJsonObject(doc)) throw new Error('The stored document is not a JSON object.');
  return doc;
}

/**
 * A typed column keeps the first MAX_COLUMN_CHARS characters of its value: a 200 K-character displayName must not
 * fail the write (32 K per property), and no filter needs more. Comparing a cut value with a shorter literal gives
 * the same answer as comparing the whole value, since the cut keeps a prefix at least as long as the literal;
 * only longer literals cannot be answered by the column (see pushableLiteral).
 */
export const boundedColumn = (value: string): string => value.slice(0, partEnd(value, 0, MAX_COLUMN_CHARS));

/** Whether a comparison with this literal can be pushed down to a bounded column. */
export const pushableLiteral = (value: string | boolean): boolean =>
  typeof value !== 'string' || value.length < MAX_COLUMN_CHARS;

function tooLarge(type: string, data: JsonObject, bytes: number): ScimError {
  const sizes = Object.entries(data).map(([name, value]) => [name, JSON.stringify(value)?.length ?? 0] as const);
  const [largest, chars] = sizes.reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0] as const);
  return new ScimError(
    413,
    `This ${type} needs ${bytes} bytes of storage (Table Storage counts 2 bytes per character); one ${type} can hold at most ${DOCUMENT_BYTES}. ` +
      `Its largest attribute is "${largest}" (${chars} characters as JSON): shorten it, or leave out attributes the application does not need.`,
  );
}
