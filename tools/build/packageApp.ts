import { build, Plugin } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/**
 * `npm run package`: writes `package/`, exactly the folder azd zips and deploys (azure.yaml: the service's
 * prepackage hook runs this, `dist: package`, no remote build): host.json, one esbuild bundle of every function file with the SDKs it uses, a package.json whose `main`
 * names that bundle and that has no dependencies at all (nothing to install in Azure), and .funcignore.
 * One bundle rather than one per function: the functions share one runtime (token cache, paging caches) per
 * instance, and requiring one file is what keeps cold start short (docs/operations.md#azd-up-step-by-step). The SDKs that only some
 * settings or paths use are files of their own in `lazy/`, required the first time they are needed.
 */
export const PACKAGE_ENTRY = 'main.js';

/**
 * Needed only with a managed identity, Key Vault tokens, Entra JWTs or the notifier's mail: ~70 % of the bytes.
 * A cold start compiles the whole of main.js even where its modules are never run (V8 pre-parses every function),
 * so keeping these out of it took compiling from ~105 to ~30 ms here. The app reaches them only through
 * `import()` or a call-time `require`, which is what keeps them lazy in the bundle too (a test loads the bundle
 * and checks that none of them was).
 */
export const LAZY_MODULES = [
  '@azure/identity',
  '@azure/keyvault-secrets',
  '@azure/communication-email',
  'jose',
  'nodemailer',
] as const;

/** `lazy/identity.js` for `@azure/identity`: where the bundle requires a lazy module from. */
export const lazyFile = (module: string) => `lazy/${module.replace(/^@azure\//, '').replace(/\//g, '-')}.js`;

/** How every file of the package is bundled (bench:coldstart packages its one-function app the same way). */
// Azure runs Node 22; this machine and `npm start` run Node 20, and the artifact must load on both.
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'external',
  logLevel: 'warning',
  metafile: true,
} as const;

export interface PackageResult {
  dir: string;
  bytes: number;
  files: string[];
  /** Every source file in the bundle, relative to the repository root (what tests check for cli/, tools/ and dev code). */
  bundled: string[];
}

export async function packageApp(root: string, outDir = join(root, 'package')): Promise<PackageResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const functionFiles = readdirSync(join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const main = await build({
    ...BUNDLE_OPTIONS,
    stdin: {
      contents: functionFiles.map((f) => `import './functions/${f.replace(/\.ts$/, '')}';`).join('\n'),
      resolveDir: root,
      loader: 'ts',
      sourcefile: 'functions.ts',
    },
    outfile: join(outDir, PACKAGE_ENTRY),
    // Injected by the Functions worker at run time; bundling a copy would register functions nowhere.
    external: ['@azure/functions-core'],
    plugins: [lazyModules],
    // `import()` of a lazy file becomes `require()`, as tsc compiles it for dist/: one module format throughout.
    supported: { 'dynamic-import': false },
    absWorkingDir: root,
  });
  const lazy = await Promise.all(
    LAZY_MODULES.map((module) =>
      build({
        ...BUNDLE_OPTIONS,
        stdin: {
          contents: `module.exports = require('${module}');`,
          resolveDir: root,
          loader: 'js',
          sourcefile: `${module}.js`,
        },
        outfile: join(outDir, lazyFile(module)),
        absWorkingDir: root,
      }),
    ),
  );
  const bundled = [main, ...lazy]
    .flatMap(({ metafile }) => Object.keys(metafile.inputs))
    .filter((f) => !f.startsWith('<stdin>'));
  const source = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    description: string;
    engines: object;
  };
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: source.name, version: source.version, private: true, description: source.description, main: PACKAGE_ENTRY, engines: source.engines }, null, 2)}\n`,
  );
  copyFileSync(join(root, 'host.json'), join(outDir, 'host.json'));
  copyFileSync(join(root, '.funcignore'), join(outDir, '.funcignore'));
  const files = (readdirSync(outDir, { recursive: true }) as string[])
    .filter((f) => statSync(join(outDir, f)).isFile())
    .map((f) => f.split(sep).join('/'))
    .sort();
  return {
    dir: outDir,
    files,
    bytes: files.reduce((sum, f) => sum + statSync(join(outDir, f)).size, 0),
    bundled: [...new Set(bundled)],
  };
}

/** Resolves each lazy module, in the main bundle, to its own file next to it. */
const lazyModules: Plugin = {
  name: 'lazy-modules',
  setup(b) {
    const names = new RegExp(`^(${LAZY_MODULES.map((m) => m.replace(/[./]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter: names }, (args) => ({ path: `./${lazyFile(args.path)}`, external: true }));
  },
};

/** The bytes of the files a cold start loads, next to the whole artifact's (bench:coldstart prints both). */
export function startBytes(result: PackageResult): number {
  return statSync(join(result.dir, PACKAGE_ENTRY)).size;
}

if (require.main === module) {
  packageApp(resolve(__dirname, '..', '..', '..'))
    .then((r) => console.log(`${r.dir}: ${r.files.join(', ')} (${(r.bytes / 1024).toFixed(0)} KiB)`))
    .catch((e: Error) => {
      console.error(`Packaging failed: ${e.message}`);
      process.exit(1);
    });
}
