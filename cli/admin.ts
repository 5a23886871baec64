import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { InvalidSettings, readSettings } from '../shared/config';
import { createRuntime, Runtime } from '../shared/runtime';
import { DEFAULT_TENANT, tenantIdSchema } from '../shared/auth/tenantId';
import { knownTenants, tokenInventory } from '../shared/auth/tokenInventory';
import { UNKNOWN_TENANT } from '../shared/store/activityRecords';
import { buildStatusReport, statusSources } from '../shared/activity/statusReport';
import { deleteTenant } from '../shared/admin/tenantDeletion';
import { historyOf } from '../shared/resources/changeHistory';

const USAGE = `Usage: npm run admin -- <command>
  tenant create <tenant> [--entra-tenant <Entra tenant id>]...   create a tenant (optionally accepting Entra-issued tokens)
  tenant list                                                    tenants, with their Entra tenant ids, token counts and mail recipients
  tenant set <tenant> --notify <a@x,b@y>                         who the notifier mails about this tenant ("" = SCIM_NOTIFY_TO)
  tenant delete <tenant> [--purge-data]                          revoke all its tokens (and delete its users and groups)
  token issue <tenant> [--expires <date> | --days <n>]           issue a 256-bit token, printed once
  token list <tenant>                                            id, source, created, expires, last used (never the value)
  token revoke <tenant> <token id>                               the token stops working within SCIM_TOKEN_CACHE_SECONDS
  status [tenant] [--since 24h]                                  requests, failures and tokens per tenant (activity log)
  changes <tenant> [--after <cursor>] [--follow]                 change events as JSON lines, then "next <cursor>"; --follow keeps waiting
  history <tenant> <id | userName | externalId | displayName>    the resource as it is (or "deleted") and its changes, newest first
The tenant of /scim/v2 is "${DEFAULT_TENANT}". Settings come from the environment, as for the app (docs/operations.md#configuration-app-settings).`;

/** A problem the operator can fix: printed without a stack trace. */
class UsageError extends Error {}

/**
 * The operator's command line for tenants and Secret Tokens. It uses the app's own runtime, so tokens go to the
 * same place the service reads them from: Key Vault when SCIM_KEY_VAULT_URL is set (through the real SDK, with
 * the operator's Azure login), else the table. Returns the exit code; all output goes through `print`. `compose`
 * builds the runtime (a test adds the notifier's alarm states to it).
 */
export async function runAdmin(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  compose: typeof createRuntime = createRuntime,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'entra-tenant': { type: 'string', multiple: true },
        notify: { type: 'string' },
        'purge-data': { type: 'boolean' },
        expires: { type: 'string' },
        days: { type: 'string' },
        since: { type: 'string' },
        after: { type: 'string' },
        follow: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (e) {
    print(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [noun, verb, ...args] = positionals;
  if (values.help || !noun) {
    print(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    const rt = compose(readSettings(env));
    if (noun === 'status')
      await printStatus(rt, verb === undefined ? undefined : tenantOrBucket(verb), sinceOf(values.since), print);
    else if (noun === 'changes') await printChanges(rt, tenantArg([verb]), values.after, values.follow ?? false, print);
    else if (noun === 'history') await printHistory(rt, tenantArg([verb]), args[0], print);
    else await dispatch(rt, `${noun} ${verb ?? ''}`.trim(), args, values, print);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      print(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof InvalidSettings) {
      print(`error: ${e.message}`); // every bad setting, one a line
      return 1;
    }
    print(`error: ${(e as Error).message.split('\n')[0]}`);
    return 1;
  }
}

type Options = {
  'entra-tenant'?: string[];
  notify?: string;
  'purge-data'?: boolean;
  expires?: string;
  days?: string;
  since?: string;
};

async function dispatch(rt: Runtime, command: string, args: string[], options: Options, print: (line: string) => void) {
  switch (command) {
    case 'tenant create': {
      const tenant = tenantArg(args);
      const entra = (options['entra-tenant'] ?? []).map((id) => {
        if (!/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(id))
          throw new UsageError(`--entra-tenant ${id}: an Entra tenant id is a GUID`);
        return id.toLowerCase();
      });
      if (!(await rt.tenants.create(tenant, entra))) throw new UsageError(`tenant ${tenant} already exists`);
      print(`created tenant ${tenant}${entra.length ? `, accepting Entra tokens from ${entra.join(', ')}` : ''}`);
      print(
        `Tenant URL: https://<app>.azurewebsites.net/scim/${tenant === DEFAULT_TENANT ? '' : `${tenant}/`}v2 — issue its token with: npm run admin -- token issue ${tenant}`,
      );
      return;
    }
    case 'tenant list': {
      const records = new Map((await rt.tenants.list()).map((r) => [r.tenant, r]));
      for (const tenant of await knownTenants(rt)) {
        const tokens = await tokenInventory(rt, tenant);
        const entra = records.get(tenant)?.entraTenantIds ?? [];
        const notify = records.get(tenant)?.notify ?? [];
        print(
          `${tenant}\t${tokens.filter((t) => t.usable).length} usable token(s)${entra.length ? `\tEntra: ${entra.join(', ')}` : ''}${notify.length ? `\tnotify: ${notify.join(', ')}` : ''}${records.has(tenant) ? '' : '\t(not in the directory)'}`,
        );
      }
      return;
    }
    case 'tenant set': {
      const tenant = tenantArg(args);
      if (options.notify === undefined)
        throw new UsageError('tenant set needs --notify <a@x,b@y> (or --notify "" for the default recipients)');
      const addresses = options.notify
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean);
      const bad = addresses.filter((a) => !z.string().email().safeParse(a).success);
      if (bad.length) throw new UsageError(`--notify: not a mail address: ${bad.join(', ')}`);
      if (!(await knownTenants(rt)).includes(tenant))
        throw new UsageError(`no tenant ${tenant} (create it with: npm run admin -- tenant create ${tenant})`);
      // A tenant known only from settings (the default tenant with SCIM_TOKEN) gets its directory entry now.
      if (!(await rt.tenants.setNotify(tenant, addresses))) {
        await rt.tenants.create(tenant, []);
        await rt.tenants.setNotify(tenant, addresses);
      }
      print(
        addresses.length
          ? `tenant ${tenant}: notifications go to ${addresses.join(', ')}`
          : `tenant ${tenant}: notifications go to SCIM_NOTIFY_TO (${rt.settings.SCIM_NOTIFY_TO.join(', ') || 'not set'})`,
      );
      return;
    }
    case 'tenant delete': {
      const tenant = tenantArg(args);
      const { existed, purgedRows } = await deleteTenant(rt, tenant, { purgeData: options['purge-data'] === true });
      print(`${existed ? 'deleted' : 'no directory entry for'} tenant ${tenant}; its issued tokens are removed`);
      if (purgedRows !== undefined) print(`deleted ${purgedRows} rows of its users, groups and memberships`);
      return;
    }
    case 'token issue': {
      const tenant = tenantArg(args);
      const expires = expiryOf(options);
      const value = randomBytes(32).toString('base64url');
      const token = await rt.tokens.issue(tenant, value, expires);
      print(
        `issued token ${token.id} for tenant ${tenant}${expires ? `, expires ${expires.toISOString()}` : ', no expiry'}`,
      );
      print('Secret Token (shown once, paste it into Entra now):');
      print(value);
      return;
    }
    case 'token list': {
      const tenant = tenantArg(args);
      print('id\tsource\tcreated\texpires\tlast used\tusable');
      for (const t of await tokenInventory(rt, tenant)) {
        print([t.id, t.source, iso(t.created), iso(t.expires), iso(t.lastUsed), t.usable ? 'yes' : 'no'].join('\t'));
      }
      return;
    }
    case 'token revoke': {
      const tenant = tenantArg(args);
      const id = args[1];
      if (!id) throw new UsageError('token revoke needs <tenant> <token id> (see token list)');
      if (!(await rt.tokens.revoke(tenant, id))) throw new UsageError(`tenant ${tenant} has no issued token ${id}`);
      print(
        `revoked token ${id} of tenant ${tenant}; it stops working within ${rt.settings.SCIM_TOKEN_CACHE_SECONDS} s`,
      );
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

/** How often `changes --follow` asks for new events once it has caught up. */
const FOLLOW_INTERVAL_MS = 2_000;

/** The feed as `GET /scim/status/changes` pages it: one event a JSON line, then the cursor to resume after. */
async function printChanges(
  rt: Runtime,
  tenant: string,
  after: string | undefined,
  follow: boolean,
  print: (line: string) => void,
) {
  if (after !== undefined && !/^[0-9]{15}-[0-9a-f]{12}$/.test(after))
    throw new UsageError('--after takes a cursor: the "next" an earlier run printed');
  let cursor = after;
  for (;;) {
    const page = await rt.changes.page(tenant, cursor, 1000);
    for (const event of page.changes) print(JSON.stringify(event));
    cursor = page.next || cursor;
    if (page.changes.length === 1000) continue;
    if (!follow) break;
    await new Promise((r) => setTimeout(r, FOLLOW_INTERVAL_MS));
  }
  print(`next ${cursor ?? ''}`.trim());
}

async function printHistory(rt: Runtime, tenant: string, q: string | undefined, print: (line: string) => void) {
  if (!q) throw new UsageError('history needs what to look for: an id, userName, externalId or displayName');
  const found = await historyOf(rt.repository.resources, rt.changes, tenant, q);
  if (!found.length)
    throw new UsageError(
      `no user or group of tenant ${tenant} has, or had within the retention period, "${q}" as id, userName, externalId or displayName`,
    );
  for (const { resource, changes } of found) {
    print(
      `${resource.resourceType} ${resource.id} (${resource.state})${[
        resource.userName,
        resource.externalId,
        resource.displayName,
      ]
        .filter(Boolean)
        .map((n) => ` ${n}`)
        .join('')}`,
    );
    for (const c of changes) {
      const members = [...c.membersAdded.map((m) => `+${m}`), ...c.membersRemoved.map((m) => `-${m}`)];
      print(
        `  ${c.time}  ${c.operation.padEnd(7)} ${c.resourceType === resource.resourceType && c.resourceId === resource.id ? '' : `${c.resourceType} ${c.displayName ?? c.resourceId} `}${[...c.attributes, ...members].join(' ')}  ${c.versionBefore ?? '-'} → ${c.versionAfter ?? '-'}  correlation ${c.correlationId}  token ${c.tokenId}`,
      );
    }
  }
}

function tenantArg(args: (string | undefined)[]): string {
  const parsed = tenantIdSchema.safeParse(args[0]);
  if (!parsed.success) throw new UsageError(`tenant "${args[0] ?? ''}": ${parsed.error.issues[0].message}`);
  return parsed.data;
}

function expiryOf(options: Options): Date | undefined {
  if (options.expires && options.days) throw new UsageError('give --expires or --days, not both');
  if (options.days) {
    const days = Number(options.days);
    if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a positive whole number');
    return new Date(Date.now() + days * 86_400_000);
  }
  if (!options.expires) return undefined;
  const date = new Date(options.expires);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`--expires ${options.expires}: not a date (use e.g. 2027-06-30)`);
  if (date.getTime() <= Date.now()) throw new UsageError(`--expires ${options.expires} is in the past`);
  return date;
}

const iso = (d: Date | undefined) => d?.toISOString() ?? '-';

/** The status view's tenant argument: a tenant id, or the bucket of requests for tenants that do not exist. */
const tenantOrBucket = (arg: string) => (arg === UNKNOWN_TENANT ? arg : tenantArg([arg]));

/** `--since 90m|24h|7d` → milliseconds (default 24 h). */
function sinceOf(text: string | undefined): number {
  if (text === undefined) return 24 * 3_600_000;
  const m = /^(\d+)([mhd])$/.exec(text);
  if (!m || Number(m[1]) < 1) throw new UsageError(`--since ${text}: give a duration such as 90m, 24h or 7d`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** `status`: the activity log per tenant, as the status page shows it, readable in a terminal. */
async function printStatus(rt: Runtime, tenant: string | undefined, sinceMs: number, print: (line: string) => void) {
  const to = new Date();
  const report = await buildStatusReport(statusSources(rt), new Date(to.getTime() - sinceMs), to, tenant);
  print(
    `Activity from ${report.from} to ${report.to}${rt.activity.enabled ? '' : ' (recording is off: SCIM_ACTIVITY=off)'}`,
  );
  if (!report.tenants.length) print('No tenant has tokens or requests yet.');
  for (const t of report.tenants) {
    const s = t.totals;
    print('');
    print(`== ${t.tenant}${t.tenant === UNKNOWN_TENANT ? ' (requests for tenants that do not exist)' : ''}`);
    print(`last request   ${t.lastRequestAt ?? '-'}`);
    print(
      `requests       ${s.requests}   failures ${s.failures} (${(s.failureRate * 100).toFixed(1)} %)   401: ${s.unauthorized}   5xx: ${s.serverErrors} (503: ${s.unavailable})`,
    );
    if (t.alarm)
      print(
        `alarm          ${t.alarm.state}${t.alarm.since ? ` since ${t.alarm.since}` : ''}${t.alarm.reason ? ` — ${t.alarm.reason}` : ''}`,
      );
    const ops = Object.entries(s.byOperation);
    if (ops.length) {
      print(
        columns([
          ['operation', 'requests', 'failures'],
          ...ops.map(([op, c]) => [op, String(c.requests), String(c.failures)]),
        ]),
      );
    }
    if (t.recentFailures.length) {
      print(`last ${t.recentFailures.length} failure(s):`);
      print(
        columns([
          ['time', 'operation', 'status', 'scimType', 'detail', 'correlation id'],
          ...t.recentFailures.map((f) => [
            f.at,
            f.operation,
            String(f.status),
            f.scimType ?? '-',
            f.detail ?? '-',
            f.correlationId,
          ]),
        ]),
      );
    }
    if (t.tenant !== UNKNOWN_TENANT) {
      if (!t.tokens.length) print('tokens         none: Entra cannot authenticate to this tenant');
      else
        print(
          columns([
            ['token', 'source', 'expires', 'last used', 'usable'],
            ...t.tokens.map((k) => [k.id, k.source, k.expires ?? 'never', k.lastUsed ?? '-', k.usable ? 'yes' : 'no']),
          ]),
        );
    }
  }
}

/** Rows as aligned, indented columns. */
function columns(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}`)
    .join('\n');
}

if (require.main === module) {
  runAdmin(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    // runAdmin turns every failure it knows into a message and an exit code; this is what escapes it.
    (e: Error) => {
      console.error(`error: ${e.message}`);
      process.exit(1);
    },
  );
}
