import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * `node dist/tools/build/vendorAzureTypes.js <Azure/bicep-types-az git dir>`: writes test/fixtures/azureTypes.json,
 * the resource type definitions (bicep-types `types.json` format, descriptions dropped) of every `type@apiVersion`
 * that infra/ declares, and nothing else they do not reach, with the source commit. The repository is not on npm;
 * test/deploy/azureTypes.test.ts checks the templates' property names and literal values against this file.
 * Run it again after changing a resource type or an API version in infra/.
 */
interface TypeEntry {
  $type: string;
  name?: string;
  [key: string]: unknown;
}

const ROOT = resolve(__dirname, '..', '..', '..');
const OUT = join(ROOT, 'test', 'fixtures', 'azureTypes.json');

function bicepFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? bicepFiles(join(dir, f)) : f.endsWith('.bicep') ? [join(dir, f)] : [],
  );
}

function main() {
  const gitDir = process.argv[2];
  if (!gitDir) throw new Error('usage: vendorAzureTypes <path to a git dir or clone of Azure/bicep-types-az>');
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const commit = git('rev-parse', 'HEAD').trim();
  const paths = git('ls-tree', '-r', '--name-only', 'HEAD', 'generated')
    .split('\n')
    .filter((p) => p.endsWith('/types.json'));
  const declared = [
    ...new Set(
      bicepFiles(join(ROOT, 'infra')).flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/^resource \w+ '([^']+@[^']+)'/gm)].map((m) => m[1]),
      ),
    ),
  ].sort();

  const types: TypeEntry[] = [];
  const resources: Record<string, number> = {};
  const files: Record<string, string> = {};
  for (const resourceType of declared) {
    const [type, version] = resourceType.split('@');
    const namespace = type.split('/')[0].toLowerCase();
    const candidates = paths.filter((p) => p.toLowerCase().endsWith(`/${namespace}/${version}/types.json`));
    const found = candidates
      .map((path) => ({ path, entries: JSON.parse(git('show', `HEAD:${path}`)) as TypeEntry[] }))
      .map(({ path, entries }) => ({
        path,
        entries,
        index: entries.findIndex(
          (e) => e.$type === 'ResourceType' && e.name?.toLowerCase() === resourceType.toLowerCase(),
        ),
      }))
      .find((c) => c.index >= 0);
    if (!found) throw new Error(`${resourceType}: no type definition in ${candidates.join(', ') || 'any types.json'}`);
    files[resourceType] = found.path;
    // Copy what the resource type reaches, renumbering its $refs into this file's one array.
    const copied = new Map<number, number>();
    const copy = (index: number): number => {
      const known = copied.get(index);
      if (known !== undefined) return known;
      const at = types.length;
      copied.set(index, at);
      types.push({ $type: 'placeholder' });
      types[at] = rewrite(found.entries[index]) as TypeEntry;
      return at;
    };
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      const ref = (value as { $ref?: string }).$ref;
      if (typeof ref === 'string') return { $ref: `#/${copy(Number(ref.slice(2)))}` };
      return Object.fromEntries(
        Object.entries(value)
          .filter(([k]) => k !== 'description')
          .map(([k, v]) => [k, rewrite(v)]),
      );
    };
    resources[found.entries[found.index].name!] = copy(found.index);
  }
  writeFileSync(
    OUT,
    `${JSON.stringify({ source: 'https://github.com/Azure/bicep-types-az', commit, files, resources, types })}\n`,
  );
  console.log(`${OUT}: ${declared.length} resource types, ${types.length} type entries, from ${commit}`);
}

main();
