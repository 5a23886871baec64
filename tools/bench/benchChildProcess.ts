import { ChildProcess, fork } from 'node:child_process';

/**
 * Benchmarks run storage, the app and the bare HTTP floor each in a child process of its own: on a shared
 * machine, work in one process must not sit in the event loop of another's timings, and the app's memory must be
 * the app's alone. Parent and child talk over the IPC channel `fork` opens, so no endpoint is added to anything.
 */
export interface ChildService<T> {
  /** What the child announced once ready (its URL, its connection string). */
  info: T;
  pid: number;
  /** The child's resident memory now, and its peak, in bytes (asked over IPC, answered by the child). */
  memory(): Promise<{ rss: number; maxRss: number }>;
  close: () => Promise<void>;
}

type Message<T> = { ready: T } | { failed: string } | { memory: { rss: number; maxRss: number } };

/** Forks a compiled entry script that calls `serveAsChild`, and waits for its ready message. */
export async function forkService<T>(entry: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildService<T>> {
  const child = fork(entry, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const info = await new Promise<T>((ok, fail) => {
    const onExit = (code: number | null) => fail(new Error(`${entry} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.once('message', (m: Message<T>) => {
      child.off('exit', onExit);
      if ('ready' in m) ok(m.ready);
      else fail(new Error(`${entry}: ${'failed' in m ? m.failed : 'unexpected message'}`));
    });
  });
  return { info, pid: child.pid!, memory: () => askMemory(child), close: () => stop(child) };
}

function askMemory(child: ChildProcess): Promise<{ rss: number; maxRss: number }> {
  return new Promise((ok) => {
    const onMessage = (m: Message<unknown>) => {
      if (!('memory' in m)) return;
      child.off('message', onMessage);
      ok(m.memory);
    };
    child.on('message', onMessage);
    child.send('memory');
  });
}

/** Closing the IPC channel is the child's signal to stop; it also stops if this process dies, so none is orphaned. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      ok();
    });
    child.disconnect();
  });
}

/**
 * The child's side: announce `start()`'s result, answer memory questions, run `close` when the parent lets go.
 * Started by hand (no IPC channel), it prints what it would announce as one JSON line and runs until Ctrl-C, so
 * e.g. `node dist/tools/bench/storageProcess.js` gives a storage connection string to point other tools at.
 */
export function serveAsChild<T>(start: () => Promise<{ info: T; close: () => Promise<void> }>): void {
  const send = process.send?.bind(process);
  start().then(
    ({ info, close }) => {
      // The process ends whether or not close succeeds; the exit comes first, so a rejection is never unhandled.
      const stop = () => void close().finally(() => process.exit(0));
      if (!send) {
        console.log(JSON.stringify(info));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        return;
      }
      process.on('message', (m) => {
        if (m === 'memory')
          send({
            memory: { rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 },
          } satisfies Message<T>);
      });
      process.once('disconnect', stop);
      send({ ready: info } satisfies Message<T>);
    },
    (e: Error) => {
      if (send) send({ failed: e.message } satisfies Message<T>, () => process.exit(1));
      else {
        console.error(e.message);
        process.exit(1);
      }
    },
  );
}
