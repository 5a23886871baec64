import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where Azure's Node.js language worker (github.com/Azure/azure-functions-nodejs-worker) is found. It is not on
 * npm (an unrelated package squats its name), so it is a built checkout of that repository outside this one: its
 * `dist/src/nodejsWorker.js` and the `.proto` files of the protocol it speaks, which it carries in
 * `azure-functions-language-worker-protobuf/`. A folder next to the clone by default, so several clones or
 * worktrees share one build.
 */
export const WORKER_DIR_SETTING = 'FUNCTIONS_NODE_WORKER_DIR';

export interface NodeWorker {
  dir: string;
  /** What the Functions host starts: `node <entry> --functions-uri … ` (azure-functions-host `RpcWorkerContext.cs`). */
  entry: string;
  /** Folder of FunctionRpc.proto and the files it imports (`shared/`, `identity/`). */
  protoRoot: string;
  version: string;
}

export function defaultWorkerDir(repoRoot: string): string {
  return resolve(repoRoot, '..', 'ext', 'nodejs-worker');
}

/** The worker named by FUNCTIONS_NODE_WORKER_DIR (or the default), or why there is none usable there. */
export function locateNodeWorker(
  repoRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): NodeWorker | { missing: string } {
  const dir = resolve(env[WORKER_DIR_SETTING] || defaultWorkerDir(repoRoot));
  const entry = join(dir, 'dist', 'src', 'nodejsWorker.js');
  const protoRoot = join(dir, 'azure-functions-language-worker-protobuf', 'src', 'proto');
  const manifest = join(dir, 'package.json');
  const why = `set ${WORKER_DIR_SETTING} to a built checkout of github.com/Azure/azure-functions-nodejs-worker (its dist/ and its azure-functions-language-worker-protobuf/ folder)`;
  if (!existsSync(manifest)) return { missing: `no Node.js worker at ${dir}: ${why}` };
  const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
  if (name !== 'azure-functions-nodejs-worker' || !version)
    return { missing: `${dir} holds "${name}", not Azure's Node.js worker: ${why}` };
  if (!existsSync(entry)) return { missing: `${dir} is not built (no dist/src/nodejsWorker.js): ${why}` };
  if (!existsSync(join(protoRoot, 'FunctionRpc.proto')))
    return { missing: `${dir} has no azure-functions-language-worker-protobuf/src/proto/FunctionRpc.proto: ${why}` };
  return { dir, entry, protoRoot, version };
}
