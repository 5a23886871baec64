import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Composition at the edges: shared/runtime.ts builds everything, so it may import every layer and no layer may
 * import it back; and the layers under shared/ form no cycle, neither between files nor between folders.
 * Imports are read by TypeScript's own scanner (`ts.preProcessFile`: static and dynamic imports, `import type`,
 * re-exports and `require`), which skips comments and strings the way the compiler does.
 */
const ROOT = join(__dirname, '..', '..');
const COMPOSITION_ROOT = 'shared/runtime.ts';

/** Every TypeScript file under `dir`, relative to the repository root. */
function sources(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(ROOT, join(ROOT, dir, f)))
    .sort();
}

/** The repository files `file` imports by relative path (packages are not ours to order). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const base = resolve(ROOT, dirname(file), spec);
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
      if (!target) throw new Error(`${file} imports ${spec}, which resolves to no .ts file`);
      return relative(ROOT, target);
    });
}

type Graph = Map<string, Set<string>>;

/**
 * The cycles of `graph`: in every strongly connected component with more than one node (or a node importing
 * itself), the shortest cycle through each of its nodes, each cycle once.
 */
function cycles(graph: Graph): string[][] {
  // Tarjan's algorithm; the graph has a few hundred nodes, so recursion depth is no concern.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = new Set<string>();
    for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
      onStack.delete(w);
      component.add(w);
      if (w === v) break;
    }
    if (component.size > 1 || graph.get(v)?.has(v))
      found.push(...distinct([...component].sort().map((start) => cycleWithin(graph, component, start))));
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** Cycles that are one cycle entered at different nodes, once, as entered at their first node in sort order. */
function distinct(found: string[][]): string[][] {
  const seen = new Set<string>();
  return found.filter((cycle) => {
    const nodes = cycle.slice(1);
    const first = nodes.indexOf([...nodes].sort()[0]);
    const key = [...nodes.slice(first), ...nodes.slice(0, first)].join(' ');
    return !seen.has(key) && !!seen.add(key);
  });
}

/** A shortest path from `start` back to itself inside `component` (breadth first), as `start → … → start`. */
function cycleWithin(graph: Graph, component: Set<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift() ?? start;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path: string[] = [];
        for (let u: string | undefined = v; u !== undefined && u !== start; u = cameFrom.get(u)) path.unshift(u);
        return [start, ...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** shared/'s top-level files are nodes of their own; each subfolder (with everything under it) is one node. */
const folderOf = (file: string) => {
  const [, first, ...rest] = file.split('/');
  return rest.length ? `shared/${first}/` : file;
};

function graphOf(files: string[], node: (file: string) => string): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const from = node(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of importsOf(file).filter((t) => t.startsWith('shared/'))) {
      const to = node(target);
      if (to !== from || from === file) edges.add(to);
    }
  }
  return graph;
}

const render = (found: string[][]) => found.map((cycle) => cycle.join(' → '));

const shared = sources('shared');

describe('the architecture of shared/', () => {
  it('reads the imports it checks: a file with an import type, a dynamic import and a require is seen whole', () => {
    // Guards the scanner's reach rather than its correctness: these imports exist today in these files.
    expect(importsOf(COMPOSITION_ROOT)).toEqual(
      expect.arrayContaining(['shared/config.ts', 'shared/auth/keyVaultTokens.ts', 'shared/scim/resourceSchema.ts']),
    );
    expect(shared).toContain(COMPOSITION_ROOT);
  });

  it('imports the composition root (shared/runtime.ts) only from the edges: no file under shared/ imports it', () => {
    const importing = shared.filter((file) => file !== COMPOSITION_ROOT && importsOf(file).includes(COMPOSITION_ROOT));
    expect(importing).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(render(cycles(graphOf(shared, (file) => file)))).toEqual([]);
  });

  it('has no import cycle between its folders and top-level files', () => {
    expect(render(cycles(graphOf(shared, folderOf)))).toEqual([]);
  });

  it('finds a cycle where there is one, and names its path', () => {
    const graph: Graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set<string>()],
      ['e', new Set(['e'])],
    ]);
    expect(render(cycles(graph))).toEqual(['a → b → c → a', 'e → e']);
    expect(
      cycles(
        new Map([
          ['a', new Set(['b'])],
          ['b', new Set<string>()],
        ]),
      ),
    ).toEqual([]);
  });
});
