import type { IndexedFunction } from './functionsCoreStub';

/**
 * The real Functions host's HTTP routing rules, for the local host: which registrations it refuses at load time,
 * how a route template matches a path, and in which order routes are tried. Sources (azure-functions-host,
 * azure-webjobs-sdk-extensions): `ScriptHost.ValidateHttpFunction`/`HttpRoutesConflict`,
 * `WebJobsRouteBuilder.RouteComparison`, and the `HttpMethodRouteConstraint` each function's route carries.
 */
export interface HostRoute<R extends IndexedFunction = IndexedFunction> {
  registration: R;
  template: string;
  /** The template under the prefix, as the host compares it: `scim/v2/Users/{id?}`. */
  segments: Segment[];
  pattern: RegExp;
  names: string[];
  methods: Set<string>;
}

type Segment = { literal: string } | { parameter: string; catchAll: boolean; optional: boolean; constraints: number };

const SEGMENT = /^\{(\*)?([A-Za-z_]\w*)((?::[^}:?]+)*)(\?)?\}$/;

function parseSegment(text: string): Segment {
  const m = SEGMENT.exec(text);
  if (!m) return { literal: text };
  return { parameter: m[2], catchAll: !!m[1], optional: !!m[4], constraints: m[3] ? m[3].split(':').length - 1 : 0 };
}

const templateSegments = (prefix: string, template: string) =>
  [prefix, ...template.split('/')].filter(Boolean).map(parseSegment);

/**
 * A template as a matcher: literal segments match in any letter case, `{name}` one segment, `{name?}` an optional
 * one, `{*rest}` everything that follows (possibly nothing). Inline constraints (`{id:int}`) are not evaluated.
 */
export function compileRoute(prefix: string, template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const parts = templateSegments(prefix, template).map((seg) => {
    if ('literal' in seg) return `/${seg.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    names.push(seg.parameter);
    if (seg.catchAll) return '(?:/(.*))?';
    return seg.optional ? '(?:/([^/]+))?' : '/([^/]+)';
  });
  return { pattern: new RegExp(`^${parts.join('')}/?$`, 'i'), names };
}

/**
 * The order the real host tries routes in (`WebJobsRouteBuilder.RouteComparison`), segment by segment: a literal
 * before a parameter (a catch-all is a parameter), of two parameters the one with more inline constraints, of two
 * literals the lexically smaller (they cannot both match anyway); when one template is a prefix of the other, the
 * longer first. So `v2/Users/{id?}` beats `{tenant}/v2/{*rest}`, which beats `{*path}`, whatever the registration
 * order — and a literal route added later (`status`) is never shadowed by a catch-all.
 */
export function compareRoutes(x: Segment[], y: Segment[]): number {
  for (let i = 0; i < x.length; i++) {
    if (i >= y.length) return -1;
    const a = x[i];
    const b = y[i];
    if ('literal' in a !== 'literal' in b) return 'literal' in a ? -1 : 1;
    if ('literal' in a && 'literal' in b) {
      const c = a.literal.toLowerCase().localeCompare(b.literal.toLowerCase());
      if (c !== 0) return c;
    } else if ('parameter' in a && 'parameter' in b && a.constraints !== b.constraints) {
      return b.constraints - a.constraints;
    }
  }
  return y.length > x.length ? 1 : 0;
}

/** Function names the host accepts (`Utility.FunctionNameValidationRegex`). */
const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;

/**
 * The registrations' HTTP routes in the order the host tries them. Throws, like the host at startup, for what it
 * refuses: an invalid or duplicate function name, a route (the function name when none is given) starting with
 * `admin` or `runtime` — the host's own API, whatever the route prefix — and two functions with the same route and
 * a method in common.
 */
export function hostRoutes<R extends IndexedFunction>(prefix: string, registrations: R[]): HostRoute<R>[] {
  const seen = new Map<string, R>();
  const routes: HostRoute<R>[] = [];
  for (const registration of registrations) {
    const name = registration.name;
    if (!FUNCTION_NAME.test(name) || name.toLowerCase() === 'host')
      throw new Error(`Function name "${name}" is invalid: use letters, digits, "_" and "-", starting with a letter.`);
    if (seen.has(name.toLowerCase())) throw new Error(`Two functions are named "${name}".`);
    seen.set(name.toLowerCase(), registration);
    const trigger = Object.values(registration.bindings).find((b) => b.type === 'httpTrigger');
    if (!trigger) continue;
    const template = trigger.route || name;
    const route = trimmed(template);
    if (route.startsWith('admin') || route.startsWith('runtime')) {
      throw new Error(
        `Function "${name}": the route "${template}" conflicts with the host's built-in routes (admin…, runtime…).`,
      );
    }
    // An empty method list means every method, as in the host.
    const methods = new Set((trigger.methods ?? []).map((m) => m.toUpperCase()));
    const clash = routes.find(
      (r) =>
        trimmed(r.template) === route &&
        (!methods.size || !r.methods.size || [...methods].some((m) => r.methods.has(m))),
    );
    if (clash)
      throw new Error(
        `Function "${name}": the route "${template}" conflicts with the route of function "${clash.registration.name}".`,
      );
    routes.push({
      registration,
      template,
      segments: templateSegments(prefix, template),
      methods,
      ...compileRoute(prefix, template),
    });
  }
  // Array.prototype.sort is stable; the host's List.Sort is not, so ties (which only ambiguous routes have) may differ.
  return routes.sort((a, b) => compareRoutes(a.segments, b.segments));
}

const trimmed = (template: string) => template.replace(/^\/+|\/+$/g, '').toLowerCase();

/**
 * The first route that matches the (decoded, see `decodePath`) path and accepts the method. The method is a route constraint in the host, not
 * a separate check: a route whose methods do not include it is passed over, so the next one (e.g. a catch-all) may
 * answer, and when none does the answer is 404 — the host itself never answers 405.
 */
export function matchRoute<R extends IndexedFunction>(
  routes: HostRoute<R>[],
  method: string,
  path: string,
): { route: HostRoute<R>; params: Record<string, string> } | undefined {
  for (const route of routes) {
    if (route.methods.size && !route.methods.has(method)) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((n, i) => {
      if (m[i + 1] !== undefined) params[n] = m[i + 1];
    });
    return { route, params };
  }
  return undefined;
}

/**
 * The path as Kestrel decodes it before routing: `%2F` stays encoded (it must not split a segment), and an escape
 * that is not `%` plus two hex digits, or bytes that are not UTF-8, stay as they were sent. Never throws, so a
 * malformed URL reaches the function — which answers it — instead of failing in the host.
 */
export function decodePath(raw: string): string {
  return raw.replace(/(?:%(?!2[Ff])[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
