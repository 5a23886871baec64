import type { Node } from 'web-tree-sitter';
import { BicepFile, descendants, properties, propertyName, stringValue, valueAt } from './bicep';

/**
 * Bicep expressions evaluated as ARM would at deployment, for the parts known before it: literals, parameters,
 * `string()`, `json()`, `empty()`, conditions on them. Whatever depends on a resource (its outputs, ids, names
 * from uniqueString) is UNKNOWN, and so is everything built from it.
 */
export const UNKNOWN = Symbol('known only at deployment');
export type BicepValue =
  string | number | boolean | null | BicepValue[] | { [key: string]: BicepValue } | typeof UNKNOWN;
export type Scope = Map<string, BicepValue>;

const ESCAPES: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };

export function evaluate(node: Node, scope: Scope): BicepValue {
  switch (node.type) {
    case 'string': {
      const parts = node.namedChildren.map((c) =>
        c!.type === 'interpolation'
          ? evaluate(c!.namedChildren[0]!, scope)
          : c!.type === 'escape_sequence'
            ? (ESCAPES[c!.text] ?? UNKNOWN)
            : c!.text,
      );
      const texts = parts.map((p) => (typeof p === 'string' ? p : armString(p)));
      return texts.every((t): t is string => typeof t === 'string') ? texts.join('') : UNKNOWN;
    }
    case 'number':
      return Number(node.text);
    case 'boolean':
      return node.text === 'true';
    case 'null':
      return null;
    case 'array': {
      const items = node.namedChildren.map((c) => evaluate(c!, scope));
      return items.includes(UNKNOWN) ? UNKNOWN : items;
    }
    case 'object': {
      const entries = properties(node).map((p) => [propertyName(p), evaluate(p.namedChildren[1]!, scope)] as const);
      return entries.some(([, v]) => v === UNKNOWN) ? UNKNOWN : Object.fromEntries(entries);
    }
    case 'identifier':
      return scope.has(node.text) ? scope.get(node.text)! : UNKNOWN;
    case 'parenthesized_expression':
      return evaluate(node.namedChildren[0]!, scope);
    case 'ternary_expression': {
      const condition = evaluate(node.childForFieldName('condition')!, scope);
      if (typeof condition !== 'boolean') return UNKNOWN;
      return evaluate(node.childForFieldName(condition ? 'consequence' : 'alternative')!, scope);
    }
    case 'call_expression':
      return call(node, scope);
    default:
      return UNKNOWN;
  }
}

function call(node: Node, scope: Scope): BicepValue {
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).map((a) => evaluate(a!, scope));
  if (args.includes(UNKNOWN)) return UNKNOWN;
  const [first] = args;
  switch (node.childForFieldName('function')?.text) {
    case 'string':
      return typeof first === 'string' ? first : armString(first);
    case 'json':
      return typeof first === 'string' ? (JSON.parse(first) as BicepValue) : UNKNOWN;
    case 'empty':
      return (
        first === null ||
        first === '' ||
        (Array.isArray(first) ? first.length === 0 : typeof first === 'object' && Object.keys(first).length === 0)
      );
    default:
      return UNKNOWN;
  }
}

/** ARM's string() of an array or object is its compact JSON; of a number, its digits. Booleans are not emulated. */
function armString(value: BicepValue): BicepValue {
  if (typeof value === 'boolean' || value === UNKNOWN) return UNKNOWN;
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** A template's scope: its parameters (given values over their defaults); variables are not followed. */
export function templateScope(file: BicepFile, given: Map<string, BicepValue>): Scope {
  const scope: Scope = new Map();
  for (const p of descendants(file.root, 'parameter_declaration')) {
    const [name, , value] = p.namedChildren as Node[];
    scope.set(name.text, given.has(name.text) ? given.get(name.text)! : value ? evaluate(value, new Map()) : UNKNOWN);
  }
  return scope;
}

/** The `params` a template passes to the module declared from `path`, evaluated in the template's scope. */
export function moduleParams(file: BicepFile, path: string, scope: Scope): Map<string, BicepValue> {
  const module = descendants(file.root, 'module_declaration').find((m) => stringValue(m.namedChildren[1]!) === path);
  if (!module) throw new Error(`${file.path} declares no module from ${path}`);
  const params = valueAt(module.namedChildren.find((c) => c?.type === 'object') ?? undefined, 'params');
  return new Map(params ? properties(params).map((p) => [propertyName(p), evaluate(p.namedChildren[1]!, scope)]) : []);
}
