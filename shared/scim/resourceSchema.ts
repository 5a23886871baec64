import { AttrPath } from './filter';
import { badRequest } from './errors';
import {
  AttributeDef,
  commonAttributes,
  ENTERPRISE_USER_SCHEMA,
  enterpriseUserSchema,
  ExtensionConfig,
  GROUP_SCHEMA,
  groupSchema,
  SchemaDef,
  USER_SCHEMA,
  userSchema,
} from './schemaDefinitions';

export type ResourceTypeName = 'User' | 'Group';

/** Where an attribute lives in a stored resource: top level (`urn` undefined) or under its extension URN key. */
export interface ResolvedAttr {
  urn?: string;
  def: AttributeDef;
  sub?: AttributeDef;
}

/** A resource type with its core schema and extensions: the one place attribute names are resolved. */
export class ResourceSchema {
  private readonly byLower = new Map<string, AttributeDef>();
  private readonly extensionsByLower = new Map<string, SchemaDef>();

  constructor(
    readonly name: ResourceTypeName,
    readonly endpoint: string,
    readonly core: SchemaDef,
    readonly extensions: SchemaDef[],
  ) {
    for (const a of [...commonAttributes, ...core.attributes]) this.byLower.set(a.name.toLowerCase(), a);
    for (const e of extensions) this.extensionsByLower.set(e.id.toLowerCase(), e);
  }

  get schemaIds(): string[] {
    return [this.core.id, ...this.extensions.map((e) => e.id)];
  }

  extension(urn: string): SchemaDef | undefined {
    return this.extensionsByLower.get(urn.toLowerCase());
  }

  /**
   * Resolves a path, case-insensitively (RFC 7643 §2.1). Throws `invalidPath` naming what is unknown, so a path
   * that names a sub-attribute resolves with it (the first signature says so to callers).
   */
  resolve(path: AttrPath & { sub: string }): ResolvedAttr & { sub: AttributeDef };
  resolve(path: AttrPath): ResolvedAttr;
  resolve(path: AttrPath): ResolvedAttr {
    let def: AttributeDef | undefined;
    let urn: string | undefined;
    if (path.urn && path.urn.toLowerCase() !== this.core.id.toLowerCase()) {
      const ext = this.extension(path.urn);
      if (!ext)
        throw badRequest(
          'invalidPath',
          `Unknown schema "${path.urn}" for ${this.name}; known: ${this.schemaIds.join(', ')}.`,
        );
      urn = ext.id;
      def = findAttr(ext.attributes, path.attr);
    } else {
      def = this.byLower.get(path.attr.toLowerCase());
      if (!def) {
        // Entra sends `"path":"manager"` unqualified (docs/architecture.md#entra-quirks): an attribute that exists in exactly one extension
        // and not in the core schema is taken to mean that extension's attribute.
        const owners = this.extensions.filter((e) => findAttr(e.attributes, path.attr));
        if (owners.length === 1) {
          urn = owners[0].id;
          def = findAttr(owners[0].attributes, path.attr);
        }
      }
    }
    if (!def) throw badRequest('invalidPath', `Unknown attribute "${formatPath(path)}" for ${this.name}.`);
    if (path.sub === undefined) return { urn, def };
    const sub = def.subAttributes && findAttr(def.subAttributes, path.sub);
    if (!sub) throw badRequest('invalidPath', `"${def.name}" has no sub-attribute "${path.sub}".`);
    return { urn, def, sub };
  }
}

export const findAttr = (defs: AttributeDef[], name: string) =>
  defs.find((d) => d.name.toLowerCase() === name.toLowerCase());

export const formatPath = (p: AttrPath) => `${p.urn ? p.urn + ':' : ''}${p.attr}${p.sub ? '.' + p.sub : ''}`;

/** All schemas this deployment serves, built once from config. */
export interface SchemaRegistry {
  user: ResourceSchema;
  group: ResourceSchema;
  all: SchemaDef[];
}

export function buildSchemaRegistry(extensions: ExtensionConfig): SchemaRegistry {
  const toDef = (e: ExtensionConfig[number]): SchemaDef => ({
    id: e.id,
    name: e.name ?? e.id.split(':').slice(-3, -2)[0] ?? e.id,
    description: `Extension ${e.id}`,
    attributes: e.attributes,
  });
  const userExt = [enterpriseUserSchema, ...extensions.filter((e) => e.resourceType === 'User').map(toDef)];
  const groupExt = extensions.filter((e) => e.resourceType === 'Group').map(toDef);
  return {
    user: new ResourceSchema('User', 'Users', userSchema, userExt),
    group: new ResourceSchema('Group', 'Groups', groupSchema, groupExt),
    all: [userSchema, groupSchema, ...userExt, ...groupExt],
  };
}

export { USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA };
