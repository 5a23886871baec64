import { join } from 'node:path';
import { forkService, serveAsChild } from '../../tools/bench/benchChildProcess';
import { startFunctionsHost } from '../../tools/localHost/functionsHost';
import { request, ScimReply, TOKEN } from './scimServer';

/**
 * Scale-out as Azure runs it: app instances that share nothing but the storage account. Each instance is a child
 * process of its own (the local Functions host serving the function files from source, through
 * test/support/typescriptHook.js), and storage is one Azurite in another (tools/bench/storageProcess.ts), so a test can SIGKILL an instance mid-request — what a
 * recycled or crashed Functions worker does — while the others and storage carry on.
 */
export interface AppInstance {
  base: string;
  pid: number;
  scim(method: string, path: string, body?: unknown): Promise<ScimReply>;
  /** SIGKILL: no handler runs, requests in flight are cut off; resolves once the process is gone. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export interface ScaledOut {
  instances: AppInstance[];
  /** The shared storage's, to check rows directly. */
  connectionString: string;
  close(): Promise<void>;
}

const HOOK = join(__dirname, 'typescriptHook.js');
const NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${HOOK}`.trim();

export async function startScaledOut(count: number, env: Record<string, string> = {}): Promise<ScaledOut> {
  const storage = await forkService<{ connectionString: string }>(require.resolve('../../tools/bench/storageProcess'), {
    ...process.env,
    NODE_OPTIONS,
  });
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startInstance(storage.info.connectionString, env)),
  );
  const instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(instances.map((i) => i.close()));
    await storage.close();
    throw failed.reason;
  }
  return {
    instances,
    connectionString: storage.info.connectionString,
    close: async () => {
      await Promise.all(instances.map((i) => i.close()));
      await storage.close();
    },
  };
}

async function startInstance(connectionString: string, env: Record<string, string>): Promise<AppInstance> {
  const child = await forkService<{ url: string }>(__filename, {
    ...process.env,
    ...env,
    SCIM_STORAGE_CONNECTION_STRING: connectionString,
    SCIM_TOKEN: TOKEN,
    NODE_OPTIONS,
  });
  const base = `${child.info.url}/scim/v2`;
  let killed = false;
  return {
    base,
    pid: child.pid,
    scim: (method, path, body) => request(`${base}${path}`, method, body, { Authorization: `Bearer ${TOKEN}` }),
    kill: async () => {
      killed = true;
      process.kill(child.pid, 'SIGKILL');
      while (isAlive(child.pid)) await new Promise((r) => setTimeout(r, 20));
    },
    close: () => (killed ? Promise.resolve() : child.close()),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (require.main === module) {
  serveAsChild(async () => {
    const root = join(__dirname, '..', '..');
    const host = await startFunctionsHost({ appRoot: root, functionsDir: join(root, 'functions') });
    return { info: { url: host.url }, close: host.close };
  });
}
