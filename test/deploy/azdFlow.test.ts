import { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { check } from '../../cli/check';
import { EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';
import { serveAppFolder } from './servedApp';
import {
  AzureYaml,
  deployableFiles,
  ignoredBy,
  npmDependenciesUpToDate,
  readAzureYaml,
  run,
  runHooks,
  ServiceConfig,
  Step,
} from './azdService';

/**
 * `azd up` for this repository, from a fresh clone, as azd performs it for the `api` service (test/deploy/azdService.ts
 * says which Azure/azure-dev file each step follows): restore, the hooks, `npm run build`, the `dist` check, the zip
 * with `.funcignore` applied. Provisioning and the upload are Azure's; in their place the zip is unpacked and served
 * by the local host (tools/localHost/serveApp.ts) on an embedded Azurite, and the Entra cycle of `npm run check` runs against it.
 */
const ROOT = join(__dirname, '..', '..');
const TOKEN = 'azd-flow-token-0123456789abcdef';
/** What azd has in its environment before provisioning: `azd env new` and the location prompt. */
const AZD_ENV = { AZURE_ENV_NAME: 'scim-azd-flow', AZURE_LOCATION: 'swedencentral' };

let work: string;
let clone: string;
let project: AzureYaml;
let service: ServiceConfig;
let serviceDir: string;
const steps: Step[] = [];
/** package/ as `npm run package` (the prepackage hook) left it: path → sha256. */
let builtByPackage: Map<string, string>;
let zipped: string[];
let deployed: string;

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
function filesUnder(dir: string): Map<string, string> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => statSync(join(dir, f)).isFile());
  return new Map(files.map((f) => [f.split(sep).join('/'), sha256(join(dir, f))]));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'scim-azd-'));
  clone = join(work, 'clone');
  // A fresh clone of what is committed: no node_modules, no dist/, no package/.
  run('git', ['clone', '--quiet', ROOT, clone], work, {});
  project = readAzureYaml(clone);
  service = project.services.api;
  serviceDir = join(clone, service.project);

  // `azd up`: project prepackage, then the service's package (service_manager.go: restore first, then the package event).
  runHooks(project.hooks, 'prepackage', clone, AZD_ENV, steps);
  runHooks(service.hooks, 'prerestore', serviceDir, AZD_ENV, steps);
  if (!npmDependenciesUpToDate(serviceDir)) {
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], serviceDir, AZD_ENV);
    steps.push({ what: 'npm install --no-audit --no-fund --prefer-offline', cwd: serviceDir });
  }
  runHooks(service.hooks, 'postrestore', serviceDir, AZD_ENV, steps);
  runHooks(service.hooks, 'prepackage', serviceDir, AZD_ENV, steps);
  const distDir = join(serviceDir, service.dist ?? '');
  builtByPackage = existsSync(distDir) ? filesUnder(distDir) : new Map();
  run('npm', ['run', 'build', '--if-present'], serviceDir, AZD_ENV);
  steps.push({ what: 'npm run build --if-present', cwd: serviceDir });
  if (!existsSync(distDir) || readdirSync(distDir).length === 0)
    throw new Error(`package source '${distDir}' is empty or does not exist`);
  zipped = deployableFiles(distDir);
  const zip = join(work, 'api-azddeploy.zip');
  // Info-ZIP with -D (no directory entries) and deflate, as rzip.go writes it.
  run('zip', ['-q', '-D', '-X', zip, '-@'], distDir, {}, zipped.join('\n'));
  steps.push({ what: `zip ${service.dist}`, cwd: distDir });
  runHooks(service.hooks, 'postpackage', serviceDir, AZD_ENV, steps);
  runHooks(project.hooks, 'postpackage', clone, AZD_ENV, steps);

  // What the one-deploy upload hands the Functions host: the zip's content.
  deployed = join(work, 'deployed');
  mkdirSync(deployed);
  run('unzip', ['-q', zip, '-d', deployed], work, {});
}, 600_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('azd up from a fresh clone', () => {
  it('deploys the api service as a TypeScript function app without a remote build, from package/', () => {
    expect(service).toMatchObject({
      project: '.',
      dist: 'package',
      language: 'ts',
      host: 'function',
      remoteBuild: false,
    });
  });

  it('runs npm install (no node_modules in a clone), the prepackage hook that runs `npm run package`, then `npm run build`, in that order', () => {
    expect(steps.map((s) => s.what)).toEqual([
      'npm install --no-audit --no-fund --prefer-offline',
      'prepackage hook: npm run package',
      'npm run build --if-present',
      'zip package',
    ]);
  });

  it('leaves the clone as committed: npm install changed no lockfile, nothing built is tracked', () => {
    expect(run('git', ['status', '--porcelain'], clone, {})).toBe('');
  });

  it('passes the remote-build check: with remoteBuild false, the project .funcignore must not exclude node_modules', () => {
    const patterns = readFileSync(join(serviceDir, '.funcignore'), 'utf8');
    expect([...ignoredBy(patterns, ['node_modules/'])]).toEqual([]);
    expect([...ignoredBy(`${patterns}\nnode_modules\n`, ['node_modules/'])]).toEqual(['node_modules/']);
  });

  it('zips exactly what `npm run package` built, byte for byte, less the .funcignore azd always leaves out', () => {
    expect([...builtByPackage.keys()]).toContain('main.js');
    const expected = new Map([...builtByPackage].filter(([f]) => f !== '.funcignore'));
    expect(filesUnder(deployed)).toEqual(expected);
    expect([...zipped].sort()).toEqual([...expected.keys()].sort());
  });

  it('zips the bundle, its lazy SDK files and host.json, and no source, map, test or node_modules', () => {
    expect(zipped).toEqual(expect.arrayContaining(['host.json', 'main.js', 'package.json', 'lazy/identity.js']));
    expect(zipped.filter((f) => /\.(ts|map)$|^(test|node_modules|dist|functions|shared)\//.test(f))).toEqual([]);
    expect(JSON.parse(readFileSync(join(deployed, 'package.json'), 'utf8')).main).toBe('main.js');
  });

  describe('the deployed content, served and replayed an Entra cycle against', () => {
    let azurite: EmbeddedAzurite;
    let app: ChildProcess;
    let base: string;

    beforeAll(async () => {
      azurite = await startAzurite();
      // The clone's own build of the local host, which `npm run build` above produced.
      const served = await serveAppFolder(
        process.execPath,
        join(clone, 'dist', 'tools', 'localHost', 'serveApp.js'),
        deployed,
        { SCIM_TOKEN: TOKEN, SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString },
      );
      app = served.child;
      base = `${served.ready.url}/scim/v2`;
    }, 120_000);

    afterAll(async () => {
      app?.kill();
      await azurite?.close();
    });

    it('passes every step of `npm run check`', async () => {
      const printed: string[] = [];
      const code = await check(['--base', base, '--token', TOKEN], {}, (line) => printed.push(line));
      expect(printed.join('\n')).toMatch(/^20 passed, 0 failed$/m);
      expect(code).toBe(0);
    }, 120_000);

    it('and the project hooks after provisioning and deploying run as azd runs them, with its outputs in the environment', () => {
      const outputs = { ...AZD_ENV, SCIM_BASE_URL: base };
      const after: Step[] = [];
      for (const event of ['preprovision', 'postprovision', 'predeploy'])
        runHooks(project.hooks, event, clone, outputs, after);
      runHooks(service.hooks, 'predeploy', serviceDir, outputs, after);
      runHooks(service.hooks, 'postdeploy', serviceDir, outputs, after);
      runHooks(project.hooks, 'postdeploy', clone, outputs, after);
      expect(after.map((s) => s.what.split(':')[0])).toEqual(['postprovision hook', 'postdeploy hook']);
    });
  });
});
