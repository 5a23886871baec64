import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

/**
 * What azd does to an npm service deployed to a function app, step for step, read from Azure/azure-dev:
 * - cli/azd/pkg/project/service_manager.go: `Package` restores first (the Node framework requires it), then runs
 *   the framework's and the target's package inside the service's `package` event, whose pre/post hooks run around
 *   it (`runCommand` → `serviceConfig.Invoke`); `restore` has its own hooks.
 * - cli/azd/pkg/project/framework_service_node.go and cli/azd/pkg/tools/node/{node,detect}.go: restore is
 *   `npm install --no-audit --no-fund --prefer-offline`, skipped when node_modules/.package-lock.json is newer than
 *   package-lock.json; package is `npm run build --if-present` (never a script named `package`), then `dist` must
 *   exist and hold an entry ("package source '…' is empty or does not exist").
 * - cli/azd/pkg/project/service_target_functionapp.go: with `remoteBuild: false`, the project's .funcignore must not
 *   exclude node_modules.
 * - cli/azd/pkg/project/project_utils.go (`createDeployableZip`) and cli/azd/pkg/rzip/rzip.go: the zip holds the
 *   `dist` folder's files (no directory entries), without `.azure` folders, any file named like the ignore file
 *   (`.funcignore`), `local.settings.json`, and what the `.funcignore` *in that folder* excludes — an excluded folder
 *   is not descended into.
 * - cli/azd/pkg/ext/hooks_runner.go and cli/azd/pkg/tools/bash/bash.go: an inline `sh` hook runs as a temporary
 *   script `#!/bin/sh`, `set -e`, then the hook's text, in the project (or service) folder, with the azd
 *   environment's values added to the process environment.
 * - cli/azd/internal/cmd/up_graph.go: `azd up` runs project prepackage → each service's package → project
 *   postpackage → preprovision → provision → postprovision → predeploy → publish/deploy → postdeploy.
 * The .funcignore patterns are matched by git's own gitignore matcher (azd uses denormal/go-gitignore, an
 * implementation of the same format).
 */
export interface HookConfig {
  shell?: string;
  run: string;
}
type Hooks = Record<string, HookConfig | HookConfig[]>;

export interface ServiceConfig {
  project: string;
  dist?: string;
  language: string;
  host: string;
  remoteBuild?: boolean;
  hooks?: Hooks;
}

export interface AzureYaml {
  name: string;
  services: Record<string, ServiceConfig>;
  hooks?: Hooks;
}

export const readAzureYaml = (projectDir: string) =>
  parse(readFileSync(join(projectDir, 'azure.yaml'), 'utf8')) as AzureYaml;

/** A command azd ran, for the test's record of the flow. */
export interface Step {
  what: string;
  cwd: string;
}

/** Runs the hooks of one event (`prepackage`, …) of a project or a service; none configured is no step. */
export function runHooks(
  hooks: Hooks | undefined,
  event: string,
  cwd: string,
  env: Record<string, string>,
  steps: Step[],
): void {
  const configured = hooks?.[event];
  for (const hook of configured === undefined ? [] : Array.isArray(configured) ? configured : [configured]) {
    if ((hook.shell ?? 'sh') !== 'sh') throw new Error(`${event}: only sh hooks are emulated, not ${hook.shell}`);
    const dir = mkdtempSync(join(tmpdir(), 'azd-hook-'));
    const script = join(dir, `${event}.sh`);
    writeFileSync(script, `#!/bin/sh\nset -e\n\n# Auto generated file from Azure Developer CLI\n${hook.run}\n`);
    try {
      run('/bin/sh', [script], cwd, env);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    steps.push({ what: `${event} hook: ${hook.run.trim().split('\n')[0]}`, cwd });
  }
}

/** `IsDependenciesUpToDate` for npm: azd skips the install only when this holds. */
export function npmDependenciesUpToDate(dir: string): boolean {
  const marker = join(dir, 'node_modules', '.package-lock.json');
  if (!existsSync(join(dir, 'package-lock.json')) || !existsSync(marker)) return false;
  return statSync(marker).mtimeMs >= statSync(join(dir, 'package-lock.json')).mtimeMs;
}

export function run(command: string, args: string[], cwd: string, env: Record<string, string>, input?: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      input,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    const failed = e as { status: number; stdout: string; stderr: string };
    throw new Error(`${command} ${args.join(' ')} exited with ${failed.status}:\n${failed.stdout}\n${failed.stderr}`, {
      cause: e,
    });
  }
}

/**
 * Which of `paths` (folders ending in `/`) the gitignore-format `patterns` exclude. Matched against an empty work
 * tree, so that no .gitignore of the real folder joins in.
 */
export function ignoredBy(patterns: string, paths: string[]): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'azd-ignore-'));
  try {
    run('git', ['init', '-q', '--bare', join(dir, 'git')], dir, {});
    writeFileSync(join(dir, 'git', 'info', 'exclude'), patterns);
    mkdirSync(join(dir, 'tree'));
    const out = execFileSync(
      'git',
      ['--git-dir', join(dir, 'git'), '--work-tree', join(dir, 'tree'), 'check-ignore', '--no-index', '--stdin'],
      { cwd: dir, input: paths.join('\n'), encoding: 'utf8' },
    );
    return new Set(out.split('\n').filter(Boolean));
  } catch (e) {
    // check-ignore exits 1 when nothing is ignored.
    if ((e as { status: number }).status === 1) return new Set();
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The files `createDeployableZip` puts in the zip, relative to `root` (the service's `dist`). */
export function deployableFiles(root: string, ignoreFile = '.funcignore'): string[] {
  const patterns = existsSync(join(root, ignoreFile))
    ? readFileSync(join(root, ignoreFile), 'utf8').replace(/^\uFEFF/, '')
    : undefined;
  const walk = (dir: string): string[] => {
    const entries = readdirSync(dir)
      .sort()
      .map((name) => {
        const path = join(dir, name);
        const isDir = statSync(path).isDirectory();
        return { name, path, isDir, rel: relative(root, path) + (isDir ? '/' : '') };
      });
    const kept = entries.filter(
      (e) =>
        !(e.isDir && e.name === '.azure') && !(!e.isDir && (e.name === ignoreFile || e.name === 'local.settings.json')),
    );
    const ignored =
      patterns === undefined
        ? new Set<string>()
        : ignoredBy(
            patterns,
            kept.map((e) => e.rel),
          );
    return kept.filter((e) => !ignored.has(e.rel)).flatMap((e) => (e.isDir ? walk(e.path) : [relative(root, e.path)]));
  };
  if (lstatSync(root).isSymbolicLink()) throw new Error('a symlinked dist is not emulated');
  return walk(root);
}
