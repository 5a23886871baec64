import { badRequest } from './errors';
import { AttrPath, parseAttrPath } from './filter';
import { isJsonObject, JsonArray, JsonObject, objectAt } from './document';
import { ResourceSchema } from './resourceSchema';
import { AttributeDef } from './schemaDefinitions';

/** Server-owned facts about a stored resource, kept apart from the client's attributes. */
export interface ResourceMeta {
  id: string;
  created: string;
  lastModified: string;
  version: string;
}

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), parsed from their comma-separated form. */
export interface Projection {
  attributes?: AttrPath[];
  excludedAttributes?: AttrPath[];
}

export function parseProjection(attributes?: string | null, excluded?: string | null): Projection {
  const list = (s?: string | null) => {
    if (s === undefined || s === null || s.trim() === '') return undefined;
    return s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        try {
          // Microsoft's validator asks for `attributes=emails[type eq "work"]`; RFC 7644 §3.10 notation has no value
          // filter, so the request is read as the whole attribute (the filter never widens what is returned).
          return parseAttrPath(p.replace(/\[[^\]]*\]/, ''));
        } catch {
          throw badRequest('invalidValue', `"${p}" in attributes/excludedAttributes is not an attribute path.`);
        }
      });
  };
  return { attributes: list(attributes), excludedAttributes: list(excluded) };
}

/** The resource as a client sees it: `schemas`, `id`, attributes per the projection and `returned` rules, `meta`. */
export function toRepresentation(
  stored: JsonObject,
  meta: ResourceMeta,
  schema: ResourceSchema,
  baseUrl: string,
  projection: Projection = {},
): JsonObject {
  const wants = (urn: string | undefined, def: AttributeDef, sub?: AttributeDef): boolean => {
    const ret =
      sub?.returned === 'never' || def.returned === 'never'
        ? 'never'
        : def.returned === 'always'
          ? 'always'
          : (sub?.returned ?? def.returned);
    if (ret === 'never') return false;
    if (ret === 'always') return true;
    const hit = (paths: AttrPath[] | undefined, wholeOnly: boolean) =>
      paths?.some((p) => matchesPath(p, schema, urn, def, sub, wholeOnly)) ?? false;
    if (projection.attributes) return hit(projection.attributes, false);
    if (hit(projection.excludedAttributes, true)) return false;
    return ret !== 'request';
  };

  const schemas: JsonArray = [schema.core.id];
  const out: JsonObject = { schemas, id: meta.id };
  const copy = (src: JsonObject, dst: JsonObject, urn: string | undefined, defs: AttributeDef[]) => {
    for (const def of defs) {
      const value = src[def.name];
      if (value === undefined || def.name === 'id' || def.name === 'meta') continue;
      if (def.type === 'complex' && def.subAttributes) {
        const subs = def.subAttributes.filter((s) => wants(urn, def, s));
        if (!subs.length) continue;
        const pick = (el: JsonObject) =>
          Object.fromEntries(subs.filter((s) => el[s.name] !== undefined).map((s) => [s.name, el[s.name]]));
        // An element with none of the wanted sub-attributes is left out rather than returned as `{}`.
        const picked = Array.isArray(value)
          ? value
              .filter(isJsonObject)
              .map(pick)
              .filter((el) => Object.keys(el).length)
          : isJsonObject(value)
            ? pick(value)
            : {};
        if (Array.isArray(picked) ? picked.length : Object.keys(picked).length) dst[def.name] = picked;
      } else if (wants(urn, def)) {
        dst[def.name] = value;
      }
    }
  };
  copy(stored, out, undefined, schema.core.attributes);
  for (const ext of schema.extensions) {
    const src = objectAt(stored, ext.id);
    if (!src) continue;
    const dst: JsonObject = {};
    copy(src, dst, ext.id, ext.attributes);
    if (Object.keys(dst).length) {
      out[ext.id] = dst;
      schemas.push(ext.id);
    }
  }
  const metaDef = schema.resolve({ attr: 'meta' }).def;
  if (wants(undefined, metaDef)) {
    out.meta = {
      resourceType: schema.name,
      created: meta.created,
      lastModified: meta.lastModified,
      location: `${baseUrl}/${schema.endpoint}/${meta.id}`,
      version: meta.version,
    };
  }
  return out;
}

/** Does a requested path name this attribute (or, unless `wholeOnly`, one of its sub-attributes)? */
function matchesPath(
  p: AttrPath,
  schema: ResourceSchema,
  urn: string | undefined,
  def: AttributeDef,
  sub: AttributeDef | undefined,
  wholeOnly: boolean,
): boolean {
  // `attributes=urn:…:enterprise:2.0:User` asks for the whole extension.
  if (urn && p.urn === undefined && `${urn}`.toLowerCase() === `${p.attr}`.toLowerCase()) return true;
  if (p.urn && !p.sub && urn && `${p.urn}:${p.attr}`.toLowerCase() === urn.toLowerCase()) return true;
  let resolved;
  try {
    resolved = schema.resolve(p);
  } catch {
    return false;
  }
  if (resolved.urn !== urn || resolved.def !== def) return false;
  if (!resolved.sub) return true;
  if (!sub) return !wholeOnly;
  return resolved.sub === sub;
}
