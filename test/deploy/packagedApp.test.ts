import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAZY_MODULES, lazyFile, PACKAGE_ENTRY, packageApp, PackageResult } from '../../tools/build/packageApp';
import { entraToken, KeySetServer, SigningKey, signingKey, startKeySetServer } from '../../tools/fakes/fakeEntraKeys';
import { startAzurite, EmbeddedAzurite } from '../../tools/localHost/embeddedAzurite';
import { request } from '../support/scimServer';
import { G, PO, U } from '../support/urns';
import { AZURE_NODE_VERSION, azureNodeBinary } from './azureNode';
import { ignoredBy } from './azdService';
import { serveAppFolder } from './servedApp';

const ROOT = join(__dirname, '..', '..');
const TOKEN = 'packaged-app-token-0123456789abcdef';
const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

let work: string;
let artifact: PackageResult;
let runner: string;
let azurite: EmbeddedAzurite;
let jwks: KeySetServer;
let entraKey: SigningKey;
const ENTRA_TID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scim-package-'));
  artifact = await packageApp(ROOT, join(work, 'package'));
  // The local host itself, bundled so that it runs under a Node that has no access to this repository's tooling.
  await build({
    entryPoints: {
      serveApp: join(ROOT, 'tools', 'localHost', 'serveApp.ts'),
      functionsCoreStub: join(ROOT, 'tools', 'localHost', 'functionsCoreStub.ts'),
    },
    outdir: join(work, 'host'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['@azure/functions-core'],
    logLevel: 'warning',
  });
  runner = join(work, 'host', 'serveApp.js');
  azurite = await startAzurite();
  entraKey = await signingKey('packaged-entra-key');
  jwks = await startKeySetServer([entraKey]);
}, 120_000);

afterAll(async () => {
  await azurite?.close();
  await jwks?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the artifact that `npm run package` writes and azd deploys', () => {
  it('holds only host.json, the bundle, its lazily loaded SDK files, licence notices, .funcignore and a package.json whose main is the bundle', () => {
    const code = [...LAZY_MODULES.map(lazyFile), 'main.js'];
    expect(artifact.files.filter((f) => !f.endsWith('.LEGAL.txt'))).toEqual(
      ['.funcignore', 'host.json', ...code, 'package.json'].sort(),
    );
    expect(
      artifact.files
        .filter((f) => f.endsWith('.LEGAL.txt'))
        .every((f) => code.includes(f.replace(/\.LEGAL\.txt$/, ''))),
    ).toBe(true);
    const manifest = JSON.parse(readFileSync(join(artifact.dir, 'package.json'), 'utf8'));
    expect(manifest.main).toBe('main.js');
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(readFileSync(join(artifact.dir, 'host.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'host.json'), 'utf8'));
  });

  it('bundles the functions and shared code, never cli/, tools/, tests or a dev dependency', () => {
    expect(artifact.bundled.some((f) => f.startsWith('functions/'))).toBe(true);
    expect(artifact.bundled.some((f) => f.startsWith('shared/'))).toBe(true);
    expect(artifact.bundled.filter((f) => /^(cli|tools|test)\//.test(f))).toEqual([]);
    const devOnly = Object.keys(root.devDependencies);
    expect(artifact.bundled.filter((f) => devOnly.some((d) => f.startsWith(`node_modules/${d}/`)))).toEqual([]);
  });

  it('leaves @azure/functions-core to the Functions worker, which injects it at run time', () => {
    expect(readFileSync(join(artifact.dir, 'main.js'), 'utf8')).toContain('require("@azure/functions-core")');
    expect(artifact.bundled.some((f) => f.includes('functions-core'))).toBe(false);
  });

  it('agrees with azure.yaml: azd zips package/ as built here (no remote build), so .funcignore keeps what the bundle needs', () => {
    const azureYaml = readFileSync(join(ROOT, 'azure.yaml'), 'utf8');
    expect(azureYaml).toMatch(/^\s+dist: package$/m);
    expect(azureYaml).toMatch(/^\s+remoteBuild: false$/m);
    const patterns = readFileSync(join(artifact.dir, '.funcignore'), 'utf8');
    // Listing node_modules is how azd and Core Tools decide on a remote build; it must not be here.
    expect([...ignoredBy(patterns, ['node_modules/'])]).toEqual([]);
    expect([
      ...ignoredBy(patterns, ['host.json', 'main.js', 'package.json', 'lazy/', ...LAZY_MODULES.map(lazyFile)]),
    ]).toEqual([]);
  });
});

describe.each([
  ["this machine's Node", () => process.execPath, process.version],
  [`Node ${AZURE_NODE_VERSION}, Azure's runtime`, azureNodeBinary, `v${AZURE_NODE_VERSION}`],
])('the packaged app served on %s', (_label, binary, expectedVersion) => {
  let child: ChildProcess;
  let base: string;
  const scim = (method: string, path: string, body?: unknown) =>
    request(`${base}${path}`, method, body, { Authorization: `Bearer ${TOKEN}` });

  beforeAll(async () => {
    const started = await serveAppFolder(binary(), runner, artifact.dir, {
      SCIM_TOKEN: TOKEN,
      SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      SCIM_ENTRA_TENANTS: JSON.stringify({ default: ENTRA_TID }),
      SCIM_ENTRA_JWKS_URL: jwks.url,
    });
    child = started.child;
    expect(started.ready.node).toBe(expectedVersion);
    base = `${started.ready.url}/scim/v2`;
  }, 120_000);

  afterAll(() => {
    child?.kill();
  });

  it("answers discovery and Entra's Test Connection probe", async () => {
    expect((await scim('GET', '/ServiceProviderConfig')).status).toBe(200);
    const probe = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${crypto.randomUUID()}"`)}`);
    expect(probe.status).toBe(200);
    expect(probe.body.totalResults).toBe(0);
  });

  it('creates, matches, disables, groups and deletes a user as Entra does', async () => {
    const userName = `pkg-${expectedVersion}-${Date.now()}@contoso.com`;
    const created = await scim('POST', '/Users', { schemas: [U], userName, active: true, externalId: userName });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const match = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`);
    expect(match.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    const disabled = await scim('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.active).toBe(false);
    const group = await scim('POST', '/Groups', {
      schemas: [G],
      displayName: `Packaged ${expectedVersion} ${Date.now()}`,
    });
    expect(group.status).toBe(201);
    expect(
      (
        await scim('PATCH', `/Groups/${group.body.id}`, {
          schemas: [PO],
          Operations: [{ op: 'Add', path: 'members', value: [{ value: id }] }],
        })
      ).status,
    ).toBe(204);
    expect((await scim('GET', `/Users/${id}`)).body.groups.map((g: { value: string }) => g.value)).toEqual([
      group.body.id,
    ]);
    expect((await scim('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404);
  });

  it('loads none of the lazy SDK files with the bundle, and each of them on its own gives what the app calls', () => {
    const stub = join(work, 'host', 'functionsCoreStub.js');
    const script = `
      const Module = require('node:module');
      const resolveFilename = Module._resolveFilename;
      Module._resolveFilename = (request, ...rest) => resolveFilename.call(Module, request === '@azure/functions-core' ? ${JSON.stringify(stub)} : request, ...rest);
      require(${JSON.stringify(join(artifact.dir, PACKAGE_ENTRY))});
      const loaded = Object.keys(require.cache).filter((f) => f.includes('/lazy/'));
      const api = { identity: 'DefaultAzureCredential', 'keyvault-secrets': 'SecretClient', 'communication-email': 'EmailClient', jose: 'jwtVerify', nodemailer: 'createTransport' };
      const exported = Object.fromEntries(Object.entries(api).map(([file, name]) => [file, typeof require(${JSON.stringify(join(artifact.dir, 'lazy'))} + '/' + file + '.js')[name]]));
      console.log(JSON.stringify({ loaded, exported }));`;
    const out = execFileSync(binary(), ['-e', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    const { loaded, exported } = JSON.parse(out.trim().split('\n').pop()!);
    expect(loaded).toEqual([]);
    expect(
      Object.keys(exported)
        .map((file) => `lazy/${file}.js`)
        .sort(),
    ).toEqual(LAZY_MODULES.map(lazyFile).sort());
    expect(Object.values(exported)).toEqual(Object.values(exported).map(() => 'function'));
  });

  it('accepts an Entra-issued token: the JWT library is required from lazy/ when the first one arrives', async () => {
    const r = await request(`${base}/Users?count=1`, 'GET', undefined, {
      Authorization: `Bearer ${await entraToken(entraKey, ENTRA_TID)}`,
    });
    expect(r.status).toBe(200);
    expect(jwks.fetches).toBeGreaterThan(0);
  });

  it('runs its timer function when fired like the real host does', async () => {
    const fired = await fetch(`${base.replace(/\/scim\/v2$/, '')}/admin/functions/membershipCleanup`, {
      method: 'POST',
    });
    expect(fired.status).toBe(202);
  });
});
