import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * `npm run package`: writes `package/`, exactly the folder azd zips and deploys (azure.yaml `dist: package`, local
 * build): host.json, one esbuild bundle of every function file with the SDKs it uses, a package.json whose `main`
 * names that bundle and that has no dependencies at all (nothing to install in Azure), and .funcignore.
 * One bundle rather than one per function: the functions share one runtime (token cache, paging caches) per
 * instance, and requiring one file is what keeps cold start short (README § Deploy).
 */
export const PACKAGE_ENTRY = 'main.js';

export interface PackageResult {
  dir: string;
  bytes: number;
  files: string[];
  /** Every source file in the bundle, relative to the repository root (what tests check for tools/ and dev code). */
  bundled: string[];
}

export async function packageApp(root: string, outDir = join(root, 'package')): Promise<PackageResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const functionFiles = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort();
  const { metafile } = await build({
    stdin: { contents: functionFiles.map((f) => `import './functions/${f.replace(/\.ts$/, '')}';`).join('\n'), resolveDir: root, loader: 'ts', sourcefile: 'functions.ts' },
    bundle: true,
    platform: 'node',
    // Azure runs Node 22; this machine and `npm start` run Node 20, and the artifact must load on both.
    target: 'node20',
    format: 'cjs',
    outfile: join(outDir, PACKAGE_ENTRY),
    // Injected by the Functions worker at run time; bundling a copy would register functions nowhere.
    external: ['@azure/functions-core'],
    minify: true,
    legalComments: 'external',
    logLevel: 'warning',
    metafile: true,
    absWorkingDir: root,
  });
  const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; description: string; engines: object };
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: source.name, version: source.version, private: true, description: source.description, main: PACKAGE_ENTRY, engines: source.engines }, null, 2)}\n`,
  );
  copyFileSync(join(root, 'host.json'), join(outDir, 'host.json'));
  copyFileSync(join(root, '.funcignore'), join(outDir, '.funcignore'));
  const files = readdirSync(outDir).sort();
  return { dir: outDir, files, bytes: files.reduce((sum, f) => sum + statSync(join(outDir, f)).size, 0), bundled: Object.keys(metafile.inputs) };
}

if (require.main === module) {
  packageApp(resolve(__dirname, '..', '..'))
    .then((r) => console.log(`${r.dir}: ${r.files.join(', ')} (${(r.bytes / 1024).toFixed(0)} KiB)`))
    .catch((e: Error) => {
      console.error(`Packaging failed: ${e.message}`);
      process.exit(1);
    });
}
