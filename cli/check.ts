import { runCheck, StepResult } from '../shared/conformance/entraCycle';

/**
 * `npm run check -- --base https://<app>.azurewebsites.net/scim/v2 --token <Secret Token>`: replays an Entra-like
 * provisioning cycle against a deployment and prints each step with pass/fail and latency; exits 1 on any failure.
 * The token may come from SCIM_CHECK_TOKEN instead, to keep it out of shell history. It is never printed.
 */
const USAGE =
  'usage: npm run check -- --base <Tenant URL, e.g. https://host/scim/v2> --token <Secret Token> [--timeout-ms 30000]\n       (or SCIM_CHECK_TOKEN=<token> instead of --token)';

export function parseCheckArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { base: string; token: string; timeoutMs: number } | string {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) return `unexpected argument ${argv[i]}\n${USAGE}`;
    flags.set(argv[i].slice(2), argv[i + 1]);
  }
  const unknown = [...flags.keys()].filter((k) => !['base', 'token', 'timeout-ms'].includes(k));
  if (unknown.length) return `unknown option --${unknown[0]}\n${USAGE}`;
  const base = flags.get('base');
  const token = flags.get('token') ?? env.SCIM_CHECK_TOKEN;
  if (!base || !token) return USAGE;
  if (!/^https?:\/\/[^/]+/.test(base)) return `--base must be the Tenant URL, e.g. https://host/scim/v2 (got ${base})`;
  const timeoutMs = Number(flags.get('timeout-ms') ?? 30_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) return `--timeout-ms must be a positive whole number`;
  return { base, token, timeoutMs };
}

export function formatResults(results: StepResult[]): string {
  const rows = results.map((r, i) => [
    String(i + 1),
    r.ok ? 'pass' : 'FAIL',
    `${r.ms.toFixed(0)} ms`,
    r.step,
    r.detail,
  ]);
  const header = ['#', 'result', 'latency', 'step', 'detail'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ');
  const failed = results.filter((r) => !r.ok).length;
  return [line(header), ...rows.map(line), '', `${results.length - failed} passed, ${failed} failed`].join('\n');
}

export async function check(argv: string[], env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<number> {
  const options = parseCheckArgs(argv, env);
  if (typeof options === 'string') {
    print(options);
    return 2;
  }
  print(`Replaying an Entra provisioning cycle against ${options.base}`);
  const results = await runCheck(options);
  print(formatResults(results));
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  check(process.argv.slice(2), process.env, (text) => console.log(text)).then(
    (code) => process.exit(code),
    // A failing step is a result; this is what escapes them (a crash), reported without a stack trace.
    (e: Error) => {
      console.error(`check could not run: ${e.message}`);
      process.exit(1);
    },
  );
}
