import { isJsonObject, JsonArray, JsonObject, JsonValue, objectAt } from './document';
import { badRequest, ScimType } from './errors';
import { normaliseManager, toBoolean } from './entraQuirks';
import { ResourceSchema, findAttr } from './resourceSchema';
import { AttributeDef, ENTERPRISE_USER_SCHEMA } from './schemaDefinitions';

/**
 * Turns a client's resource body (POST/PUT) into the canonical stored form: attribute names in their schema's
 * spelling, extension attributes under their URN key, booleans as JSON booleans, everything else exactly as sent.
 * Read-only attributes (`id`, `meta`, `groups`) are ignored as RFC 7643 §2.2 asks; `null` means absent; unknown
 * schema URIs in `schemas` are ignored (Entra sends odd ones). An unknown attribute is not stored and its name is
 * added to `ignored`, for the caller to log: Microsoft's SCIM validator and reference server expect a misspelled
 * attribute to be dropped rather than fail the whole resource, and the response shows what was kept.
 */
export function toStoredResource(body: unknown, schema: ResourceSchema, ignored: string[] = []): JsonObject {
  if (!isJsonObject(body)) {
    throw badRequest('invalidSyntax', `The request body must be a JSON object describing a ${schema.name}.`);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw badRequest('invalidSyntax', '"schemas" must be an array of schema URIs.');
      }
      continue;
    }
    const ext = schema.extension(key);
    if (ext) {
      if (value === null) continue;
      if (!isJsonObject(value))
        throw badRequest('invalidValue', `"${key}" must be an object of ${ext.name} attributes.`);
      const inner: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const def = findAttr(ext.attributes, k);
        if (!def) {
          ignored.push(`${ext.id}:${k}`);
          continue;
        }
        setCoerced(inner, def, v, `${ext.id}:${def.name}`, ext.id);
      }
      if (Object.keys(inner).length) out[ext.id] = inner;
      continue;
    }
    let resolved;
    try {
      resolved = schema.resolve(/^urn:/i.test(key) ? splitUrn(key) : { attr: key });
    } catch {
      ignored.push(key);
      continue;
    }
    if (resolved.def.mutability === 'readOnly' || resolved.sub) continue;
    const target = resolved.urn ? (objectAt(out, resolved.urn) ?? (out[resolved.urn] = {})) : out;
    setCoerced(target, resolved.def, value, key, resolved.urn);
  }
  assertRequired(out, schema);
  return out;
}

function splitUrn(key: string) {
  const colon = key.lastIndexOf(':');
  return { urn: key.slice(0, colon), attr: key.slice(colon + 1) };
}

/** Sets `def` on `target` after coercion; `undefined` (null, empty manager) removes it. */
export function setCoerced(target: JsonObject, def: AttributeDef, value: unknown, where: string, urn?: string): void {
  const v = coerce(def, value, where, urn);
  if (v === undefined) delete target[def.name];
  else target[def.name] = v;
}

/** Validates and canonicalises one attribute value against its definition; undefined means "absent". */
export function coerce(def: AttributeDef, value: unknown, where: string, urn?: string): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (urn === ENTERPRISE_USER_SCHEMA && def.name === 'manager') value = normaliseManager(value);
  if (value === undefined) return undefined;
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : [value];
    const items: JsonArray = [];
    list.forEach((item, i) => {
      const c = coerceSingle(def, item, `${where}[${i}]`);
      if (c !== undefined) items.push(c);
    });
    if (def.type === 'complex' && items.filter((x) => isJsonObject(x) && x.primary === true).length > 1) {
      throw badRequest('invalidValue', `At most one "${def.name}" value may have "primary": true (RFC 7643 §2.4).`);
    }
    return items;
  }
  if (Array.isArray(value))
    throw badRequest('invalidValue', `"${where}" is single-valued; send one value, not an array.`);
  return coerceSingle(def, value, where);
}

function coerceSingle(def: AttributeDef, value: unknown, where: string): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  switch (def.type) {
    case 'complex': {
      if (!isJsonObject(value)) throw typeError(where, 'an object', value);
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = findAttr(def.subAttributes ?? [], k);
        if (!sub) throw badRequest('invalidValue', `"${where}" has no sub-attribute "${k}".`);
        const c = coerceSingle(sub, v, `${where}.${sub.name}`);
        if (c !== undefined) out[sub.name] = c;
      }
      return Object.keys(out).length ? out : undefined;
    }
    case 'boolean': {
      const b = toBoolean(value);
      if (b === undefined) throw typeError(where, 'a boolean (true/false)', value);
      return b;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(where, 'an integer', value);
      return value;
    case 'decimal':
      if (typeof value !== 'number') throw typeError(where, 'a number', value);
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
        throw typeError(where, 'an xsd:dateTime string such as 2026-01-31T09:00:00Z', value);
      return value;
    default:
      if (typeof value !== 'string') throw typeError(where, 'a string', value);
      return value;
  }
}

const typeError = (where: string, expected: string, value: unknown) =>
  badRequest('invalidValue', `"${where}" must be ${expected}; got ${JSON.stringify(value)?.slice(0, 80)}.`);

/** A body without a required attribute is `invalidValue` (RFC 7644 §3.12); PATCH passes its own `scimType`. */
export function assertRequired(
  resource: JsonObject,
  schema: ResourceSchema,
  scimType: ScimType = 'invalidValue',
): void {
  for (const def of schema.core.attributes) {
    const v = resource[def.name];
    if (def.required && (v === undefined || v === '')) {
      throw badRequest(scimType, `"${def.name}" is required for a ${schema.name}.`);
    }
  }
}
