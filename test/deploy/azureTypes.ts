import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { BicepFile, properties, propertyName, stringValue } from './bicep';

/**
 * Property names and literal values of each declared resource checked against Azure's published resource type
 * definitions (Azure/bicep-types-az, vendored by tools/build/vendorAzureTypes.ts): what `az bicep build` would reject
 * as an unknown property, a read-only one, a missing required one or a value outside an enum.
 */
interface TypeEntry {
  $type: string;
  name?: string;
  properties?: Record<string, { type: Ref; flags: number }>;
  additionalProperties?: Ref;
  itemType?: Ref;
  elements?: Ref[] | Record<string, Ref>;
  discriminator?: string;
  baseProperties?: Record<string, { type: Ref; flags: number }>;
  value?: string;
  body?: Ref;
}
type Ref = { $ref: string };

const REQUIRED = 1;
const READ_ONLY = 2;
/** Bicep's own keywords in a resource body; they are not properties of the resource type. */
const BICEP_KEYWORDS = new Set(['parent', 'scope', 'dependsOn']);

export const AZURE_TYPES = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'azureTypes.json'), 'utf8')) as {
  commit: string;
  resources: Record<string, number>;
  types: TypeEntry[];
};

const resolve = (ref: Ref) => AZURE_TYPES.types[Number(ref.$ref.slice(2))];

export function typeFindings(file: BicepFile): string[] {
  const findings: string[] = [];
  const report = (node: Node, message: string) =>
    findings.push(`${file.path}:${node.startPosition.row + 1} ${message}`);

  function check(node: Node, type: TypeEntry, path: string, topLevel = false): void {
    switch (type.$type) {
      case 'DiscriminatedObjectType': {
        if (node.type !== 'object') return;
        const tag = properties(node).find((p) => propertyName(p) === type.discriminator);
        const element =
          tag && (type.elements as Record<string, Ref>)[stringValue(tag.namedChildren[1] ?? undefined) ?? ''];
        if (!element) return; // an expression or unknown tag: the compiler's job
        return checkObject(
          node,
          { ...type.baseProperties, ...resolve(element).properties },
          resolve(element).additionalProperties,
          path,
          topLevel,
        );
      }
      case 'ObjectType':
        if (node.type === 'object') checkObject(node, type.properties ?? {}, type.additionalProperties, path, topLevel);
        return;
      case 'ArrayType':
        if (node.type === 'array')
          for (const item of node.namedChildren)
            if (item && item.type !== 'comment') check(item, resolve(type.itemType!), `${path}[]`);
        return;
      case 'UnionType': {
        const options = (type.elements as Ref[]).map(resolve);
        const literal = stringValue(node);
        if (literal !== undefined && options.every((o) => o.$type === 'StringLiteralType')) {
          if (!options.some((o) => o.value === literal))
            report(node, `${path}: '${literal}' is not one of ${options.map((o) => `'${o.value}'`).join(', ')}`);
        }
        return;
      }
      case 'StringLiteralType':
        if (stringValue(node) !== undefined && stringValue(node) !== type.value)
          report(node, `${path} must be '${type.value}'`);
        return;
      case 'StringType':
      case 'IntegerType':
      case 'BooleanType': {
        const literalKind = { string: 'StringType', number: 'IntegerType', boolean: 'BooleanType' }[
          node.type as 'string'
        ];
        if (literalKind && literalKind !== type.$type)
          report(node, `${path} takes a ${type.$type.replace('Type', '').toLowerCase()}, not ${node.text}`);
        return;
      }
      default:
        return;
    }
  }

  function checkObject(
    node: Node,
    known: Record<string, { type: Ref; flags: number }>,
    additional: Ref | undefined,
    path: string,
    topLevel: boolean,
  ) {
    const written = properties(node);
    for (const property of written) {
      const name = propertyName(property);
      if (topLevel && BICEP_KEYWORDS.has(name)) continue;
      const value = property.namedChildren[1];
      const declared = known[name];
      if (!declared) {
        if (additional) {
          if (value) check(value, resolve(additional), `${path}.${name}`);
        } else report(property, `${path}: unknown property '${name}' (known: ${Object.keys(known).join(', ')})`);
        continue;
      }
      if (declared.flags & READ_ONLY && !(declared.flags & REQUIRED)) report(property, `${path}.${name} is read-only`);
      if (value) check(value, resolve(declared.type), `${path}.${name}`);
    }
    const names = new Set(written.map(propertyName));
    for (const [name, p] of Object.entries(known))
      if (p.flags & REQUIRED && !names.has(name)) report(node, `${path}: required property '${name}' is missing`);
  }

  for (const resource of file.resources) {
    if (!resource.body) continue;
    const key = Object.keys(AZURE_TYPES.resources).find(
      (k) => k.toLowerCase() === `${resource.type}@${resource.apiVersion}`.toLowerCase(),
    );
    if (!key) {
      report(
        resource.node,
        `${resource.type}@${resource.apiVersion}: no type definition vendored (run tools/build/vendorAzureTypes.ts)`,
      );
      continue;
    }
    // An `existing` resource only names what is there; its properties are not written.
    if (resource.existing) continue;
    check(resource.body, resolve(resolve({ $ref: `#/${AZURE_TYPES.resources[key]}` }).body!), resource.symbol, true);
  }
  return findings;
}
