import { ChildProcess, spawn } from 'node:child_process';

/**
 * A Functions app folder served by tools/localHost/serveApp.ts (`runner`, a built copy) on `node`, with only PATH and `env`
 * as its environment; resolves once it prints its ready line `{"url","node","readyMs"}`.
 */
export async function serveAppFolder(
  node: string,
  runner: string,
  appDir: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; ready: { url: string; node: string } }> {
  const child = spawn(node, [runner, appDir], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const ready = await new Promise<{ url: string; node: string }>((ok, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) ok(JSON.parse(out.split('\n')[0]));
    });
    child.once('exit', (code) => fail(new Error(`the app in ${appDir} exited with ${code}: ${stderr}`)));
  });
  return { child, ready };
}
