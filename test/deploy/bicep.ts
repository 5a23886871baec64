import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Language, Node, Parser } from 'web-tree-sitter';

/**
 * Bicep files read with the tree-sitter-bicep grammar (no Bicep compiler can be installed here): the parse tree,
 * its syntax errors, and the few views the template rules and the settings drift check need.
 */
export const INFRA = join(__dirname, '..', '..', 'infra');

let parser: Promise<Parser> | undefined;

/** One parser for the whole run: loading the grammar twice at once corrupts the wasm module's state. */
export function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    // Bytes, not a path: loading by path does a dynamic import that jest's CommonJS runtime refuses.
    const grammar = await Language.load(readFileSync(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm')));
    const created = new Parser();
    created.setLanguage(grammar);
    return created;
  })();
  return parser;
}

export interface BicepResource {
  symbol: string;
  /** e.g. `Microsoft.Storage/storageAccounts` */
  type: string;
  apiVersion: string | undefined;
  existing: boolean;
  /** The declaration's body, also inside `if (…)` and `[for …: {…}]`. */
  body: Node | undefined;
  node: Node;
}

export interface BicepFile {
  path: string;
  root: Node;
  resources: BicepResource[];
}

export async function parseBicep(path: string, text: string): Promise<BicepFile> {
  const tree = (await bicepParser()).parse(text)!;
  const root = tree.rootNode;
  const resources = root.namedChildren
    .filter((n): n is Node => n?.type === 'resource_declaration')
    .map((node) => {
      const [type, apiVersion] = stringValue(node.namedChildren.find((c) => c?.type === 'string')!)!.split('@');
      return {
        symbol: node.namedChildren[0]!.text,
        type,
        apiVersion,
        existing: node.children.some((c) => c?.type === 'existing'),
        body: declarationBody(node),
        node,
      };
    });
  return { path, root, resources };
}

export async function infraFiles(): Promise<BicepFile[]> {
  const paths = walk(INFRA)
    .filter((p) => p.endsWith('.bicep'))
    .sort();
  return Promise.all(paths.map((p) => parseBicep(relative(join(INFRA, '..'), p), readFileSync(p, 'utf8'))));
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

/** ERROR and MISSING nodes, as `line:column text`. */
export function syntaxErrors(file: BicepFile): string[] {
  const found: string[] = [];
  const visit = (n: Node) => {
    if (n.type === 'ERROR' || n.isMissing)
      found.push(
        `${file.path}:${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.isMissing ? `missing ${n.type}` : n.text.slice(0, 40)}`,
      );
    for (const c of n.children) if (c) visit(c);
  };
  visit(file.root);
  return found;
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => n !== null);
}

function declarationBody(node: Node): Node | undefined {
  for (const c of node.namedChildren) {
    if (c?.type === 'object') return c;
    if (c?.type === 'if_statement') return c.namedChildren.find((x) => x?.type === 'object') ?? undefined;
    if (c?.type === 'for_statement') return c.childForFieldName('body') ?? undefined;
  }
  return undefined;
}

/** A property's name, whether written as an identifier or a quoted string. */
export function propertyName(property: Node): string {
  const key = property.namedChildren[0]!;
  return key.type === 'string' ? (stringValue(key) ?? key.text) : key.text;
}

export function properties(object: Node): Node[] {
  return object.namedChildren.filter((n): n is Node => n?.type === 'object_property');
}

/** The value node at a dotted path of object properties, e.g. `properties.siteConfig.minTlsVersion`. */
export function valueAt(object: Node | undefined, path: string): Node | undefined {
  let current = object;
  for (const name of path.split('.')) {
    if (current?.type !== 'object') return undefined;
    const property = properties(current).find((p) => propertyName(p) === name);
    current = property?.namedChildren[1] ?? undefined;
  }
  return current;
}

/** The text of a string literal without quotes; undefined for an interpolated string or a non-string. */
export function stringValue(node: Node | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
  return node.namedChildren
    .filter((c) => c?.type === 'string_content')
    .map((c) => c!.text)
    .join('');
}

/** The decorator names (`secure`, `description`, …) written just before a declaration. */
export function decoratorsOf(declaration: Node): string[] {
  const previous = declaration.previousNamedSibling;
  if (previous?.type !== 'decorators') return [];
  return descendants(previous, 'decorator').map((d) => d.namedChildren[0]?.childForFieldName('function')?.text ?? '');
}

/**
 * The app settings a file sets, each with the node naming it: the properties of `Microsoft.Web/sites/config`
 * 'appsettings' resources and the `name`s of `siteConfig.appSettings` entries.
 */
export function appSettingsSetBy(file: BicepFile): { name: string; node: Node }[] {
  return file.resources.flatMap((r) => {
    if (r.type === 'Microsoft.Web/sites/config' && stringValue(valueAt(r.body, 'name')) === 'appsettings') {
      const values = valueAt(r.body, 'properties');
      return values ? properties(values).map((p) => ({ name: propertyName(p), node: p })) : [];
    }
    const list = r.type === 'Microsoft.Web/sites' ? valueAt(r.body, 'properties.siteConfig.appSettings') : undefined;
    return list
      ? list.namedChildren
          .filter((e): e is Node => e !== null)
          .map((entry) => ({ name: stringValue(valueAt(entry, 'name')) ?? '?', node: entry }))
      : [];
  });
}
