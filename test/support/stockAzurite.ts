import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devStorageConnectionString, EmbeddedAzurite } from '../../tools/localHost/embeddedAzurite';

/**
 * Azurite's table service as npm ships it, in a process of its own: none of the index shortcuts that
 * tools/localHost/embeddedAzurite.ts patches into the in-process one. Tests that run on both show those patches change speed
 * only, never an answer.
 */
export async function startStockAzurite(): Promise<EmbeddedAzurite> {
  const port = await freePort(); // azurite-table reports port 0 literally, so it gets a chosen one
  const dir = mkdtempSync(join(tmpdir(), 'azurite-stock-'));
  const bin = join(__dirname, '..', '..', 'node_modules', '.bin', 'azurite-table');
  const child = spawn(
    bin,
    [
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--silent',
      '--tableHost',
      '127.0.0.1',
      '--tablePort',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`azurite-table did not start within 20 s: ${output}`)), 20_000);
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (/successfully started/.test(output)) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`azurite-table exited with ${code}: ${output}`));
    });
  });
  return {
    connectionString: devStorageConnectionString(`http://127.0.0.1:${port}`),
    close: async () => {
      child.removeAllListeners('exit');
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}
