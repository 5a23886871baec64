import { listOrOne, resourceTypes, schemaDocuments, serviceProviderConfig } from '../scim/discovery';
import type { SchemaRegistry } from '../scim/resourceSchema';
import { RequestContext } from './pipeline';
import { baseUrlOf, scimJson } from './scimHttp';

/** `/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]` (RFC 7644 §4). */
export const serviceProviderConfigEndpoint = async (ctx: RequestContext) =>
  scimJson(200, serviceProviderConfig(baseUrlOf(ctx.req)));

export const resourceTypesEndpoint = async (ctx: RequestContext<{ schemas: SchemaRegistry }>) =>
  scimJson(200, listOrOne(resourceTypes(ctx.ports.schemas, baseUrlOf(ctx.req)), ctx.req.params.id, 'ResourceType'));

export const schemasEndpoint = async (ctx: RequestContext<{ schemas: SchemaRegistry }>) =>
  scimJson(200, listOrOne(schemaDocuments(ctx.ports.schemas, baseUrlOf(ctx.req)), ctx.req.params.id, 'Schema'));
