import type { Node } from 'web-tree-sitter';
import { BicepFile, decoratorsOf, descendants } from './bicep';
import { BicepValue, evaluate, UNKNOWN } from './bicepValue';
import { envsubst } from './envsubst';

/**
 * What `azd provision` passes to ARM for each parameter of main.bicep, resolved as Azure/azure-dev
 * cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go does it:
 * - `loadParameters`: per parameter of main.parameters.json, by the type the template gives it. An `object` or
 *   `array` parameter whose value is a string gets envsubst on that string, the result parsed as JSON (path A);
 *   any other gets envsubst on its parameter's JSON text, which is then parsed (path B), so a value holding a `"`
 *   breaks the file. A value left empty by an unset variable is omitted (`evalParamEnvSubst` notes unset names).
 *   AZURE_PRINCIPAL_ID and AZURE_PRINCIPAL_TYPE come from the signed-in principal, not the environment.
 * - `armParameterFileValue`: a string for a `bool` or `int` parameter is converted (Go's strconv.ParseBool /
 *   ParseInt) or, failing that, dropped; an empty string for a `string` parameter is dropped unless the template's
 *   default differs from it. A dropped or omitted parameter takes the template's default; one without a default is
 *   prompted for, which here is an error.
 */
export type ParameterType = 'string' | 'bool' | 'int' | 'object' | 'array';

export interface ParameterDeclaration {
  name: string;
  type: ParameterType;
  /** The default's value, UNKNOWN when it depends on the deployment, undefined when there is none. */
  defaultValue: BicepValue | undefined;
  allowed: BicepValue[] | undefined;
}

export function parameterDeclarations(file: BicepFile): ParameterDeclaration[] {
  return descendants(file.root, 'parameter_declaration').map((p) => {
    const [name, type, value] = p.namedChildren as Node[];
    const allowed = decoratorCall(p, 'allowed');
    return {
      name: name.text,
      type: armType(type),
      defaultValue: value ? evaluate(value, new Map()) : undefined,
      allowed: allowed ? (evaluate(allowed, new Map()) as BicepValue[]) : undefined,
    };
  });
}

/** Bicep's `string[]` is ARM's `array`; the primitive names are ARM's own. */
function armType(type: Node): ParameterType {
  if (type.namedChildren[0]?.type === 'array_type') return 'array';
  const name = type.text;
  if (!['string', 'bool', 'int', 'object', 'array'].includes(name))
    throw new Error(`parameter type ${name} is not emulated`);
  return name as ParameterType;
}

/** The first argument of a decorator such as `@allowed([...])`. */
function decoratorCall(declaration: Node, name: string): Node | undefined {
  if (!decoratorsOf(declaration).includes(name)) return undefined;
  const calls = descendants(declaration.previousNamedSibling!, 'call_expression').filter(
    (c) => c.childForFieldName('function')?.text === name,
  );
  return calls[0]?.childForFieldName('arguments')?.namedChildren[0] ?? undefined;
}

export interface Principal {
  id: string;
  type: string;
}

/** Each parameter's value as azd sends it, or the template default where azd sends none (`fromDefault`). */
export interface ResolvedParameter {
  value: BicepValue;
  fromDefault: boolean;
}

export function resolveParameters(
  parametersFile: string,
  declarations: ParameterDeclaration[],
  env: Record<string, string>,
  principal: Principal,
): Map<string, ResolvedParameter> {
  const file = JSON.parse(parametersFile) as { parameters: Record<string, { value?: unknown; reference?: unknown }> };
  const loaded = new Map<string, unknown>();
  for (const [name, parameter] of Object.entries(file.parameters)) {
    const declaration = declarations.find((d) => d.name === name);
    let unset = false;
    const lookup = (variable: string) => {
      if (variable === 'AZURE_PRINCIPAL_ID') return principal.id;
      if (variable === 'AZURE_PRINCIPAL_TYPE') return principal.type;
      if (!(variable in env)) unset = true;
      return env[variable] ?? '';
    };
    if (
      declaration &&
      (declaration.type === 'object' || declaration.type === 'array') &&
      typeof parameter.value === 'string'
    ) {
      const replaced = envsubst(parameter.value, lookup);
      if (replaced === '' && unset) continue;
      try {
        loaded.set(name, JSON.parse(replaced));
      } catch (e) {
        throw new Error(
          `substituting parameter '${name}' (${declaration.type}): ${(e as Error).message}: value '${replaced}' is not valid JSON`,
          { cause: e },
        );
      }
      continue;
    }
    const replaced = envsubst(goJson(parameter), lookup);
    let resolved: { value?: unknown; reference?: unknown };
    try {
      resolved = JSON.parse(replaced);
    } catch (e) {
      throw new Error(`error unmarshalling Bicep template parameters (${name}): ${(e as Error).message}`, { cause: e });
    }
    if (resolved.value === undefined || resolved.value === null) continue;
    if (resolved.value === '' && unset) continue;
    loaded.set(name, resolved.value);
  }
  return new Map(
    declarations.map((d): [string, ResolvedParameter] => {
      const value = loaded.has(d.name) ? armParameterFileValue(d, loaded.get(d.name)) : undefined;
      if (value !== undefined) return [d.name, { value, fromDefault: false }];
      if (d.defaultValue === undefined)
        throw new Error(`azd would prompt for parameter ${d.name}: it has no value and no default`);
      return [d.name, { value: d.defaultValue, fromDefault: true }];
    }),
  );
}

/** Go's encoding/json escapes <, > and & in strings; envsubst then runs on that text. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const GO_BOOLS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

function armParameterFileValue(declaration: ParameterDeclaration, value: unknown): BicepValue | undefined {
  if (typeof value !== 'string') return value as BicepValue;
  switch (declaration.type) {
    case 'bool':
      return GO_BOOLS[value];
    case 'int':
      return /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
    case 'string':
      if (value !== '') return value;
      return typeof declaration.defaultValue === 'string' && declaration.defaultValue !== value ? value : undefined;
    default:
      return value;
  }
}

/** ARM's check of a value against its parameter's type and `@allowed` list; UNKNOWN defaults pass. */
export function typeProblem(declaration: ParameterDeclaration, value: BicepValue): string | undefined {
  if (value === UNKNOWN) return undefined;
  const actual = Array.isArray(value)
    ? 'array'
    : value === null
      ? 'null'
      : typeof value === 'number'
        ? 'int'
        : typeof value === 'boolean'
          ? 'bool'
          : typeof value;
  if (actual !== declaration.type)
    return `${declaration.name} is ${declaration.type}, got ${actual} ${JSON.stringify(value)}`;
  if (declaration.allowed && !declaration.allowed.includes(value))
    return `${declaration.name} must be one of ${JSON.stringify(declaration.allowed)}, got ${JSON.stringify(value)}`;
  return undefined;
}
