import { notFound } from './errors';
import { DEFAULT_PAGE_SIZE, listResponse, MAX_PAGE_SIZE } from './listResponse';
import { SchemaRegistry } from './resourceSchema';
import { AttributeDef, SchemaDef } from './schemaDefinitions';

/**
 * The discovery documents of RFC 7644 §4, built from the same definitions the rest of the core enforces.
 * Every URN in a `schemas` list here is one /Schemas serves or a core schema of RFC 7643 §5–§7, because strict
 * clients resolve each one and refuse a document naming a schema they cannot find. That is why the request
 * body limit is not advertised here: RFC 7643 §5 has no place for it, and the 413 states it.
 */
export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865 §4. No cursorTimeout: a cursor names a position, not server state, so it does not expire.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: DEFAULT_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'The Secret Token configured in the Entra provisioning job, sent as "Authorization: Bearer <token>".',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(registry: SchemaRegistry, baseUrl: string) {
  return [registry.user, registry.group].map((rt) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: rt.name,
    name: rt.name,
    endpoint: `/${rt.endpoint}`,
    description: rt.name === 'User' ? 'User Account' : 'Group',
    schema: rt.core.id,
    schemaExtensions: rt.extensions.map((e) => ({ schema: e.id, required: false })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${rt.name}` },
  }));
}

/** Attribute definitions as RFC 7643 §7 shows them: camelCase characteristics, no nulls. */
function attributeDocument(a: AttributeDef): Record<string, unknown> {
  return {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description ?? a.name,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
    ...(a.canonicalValues ? { canonicalValues: a.canonicalValues } : {}),
    ...(a.referenceTypes ? { referenceTypes: a.referenceTypes } : {}),
    ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attributeDocument) } : {}),
  };
}

export function schemaDocuments(registry: SchemaRegistry, baseUrl: string) {
  return registry.all.map((s: SchemaDef) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
  }));
}

/** `/ResourceTypes` or `/Schemas`, as a ListResponse or, with an id, the one document (404 if unknown). */
export function listOrOne<T extends { id: string }>(docs: T[], id: string | undefined, what: string) {
  if (id === undefined) return listResponse(docs, docs.length, { startIndex: 1 });
  const doc = docs.find((d) => d.id.toLowerCase() === id.toLowerCase());
  if (!doc) throw notFound(`${what} "${id}" not found.`);
  return doc;
}
