import { randomUUID } from 'node:crypto';
import { isJsonObject, JsonValue, objectsIn, parseJson } from '../scim/document';
import { errorMessage } from '../scim/errors';

/**
 * An Entra-like provisioning cycle against a deployed SCIM endpoint, in the order and the forms Entra sends
 * (docs/architecture.md#entra-quirks): Test Connection probe, create, match, PATCHes, manager, disable, groups and
 * memberships, delete. Everything it creates is named under one unique prefix and deleted at the end, also after
 * a failure. Used by `npm run check` (cli/check.ts).
 */
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const PO = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface StepResult {
  step: string;
  ok: boolean;
  /** Wall time of the step's requests, in milliseconds. */
  ms: number;
  /** What was seen: the status, or why the step failed (never the token). */
  detail: string;
}

export interface CheckOptions {
  base: string;
  token: string;
  /** Per-request limit; Entra itself gives up after about 60 s. */
  timeoutMs?: number;
  /** Names of everything created start with it (default `scimcheck-<random>`). */
  prefix?: string;
}

interface Reply {
  status: number;
  headers: Headers;
  body: JsonValue | undefined;
}

class StepFailure extends Error {}

/** A body that is not JSON is reported by the step that expected JSON, not thrown here. */
function jsonOrNothing(text: string): JsonValue | undefined {
  try {
    return text ? parseJson(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The value at `path` (member names, list indexes) in a reply's body; undefined where the body has none. */
function at(value: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  for (const key of path) {
    if (typeof key === 'number') value = Array.isArray(value) ? value[key] : undefined;
    else value = isJsonObject(value) ? value[key] : undefined;
  }
  return value;
}

const stringAt = (value: JsonValue | undefined, ...path: (string | number)[]): string | undefined => {
  const v = at(value, ...path);
  return typeof v === 'string' ? v : undefined;
};

/** The list at `path`; anything else (absent, a lone value) counts as no list. */
const listAt = (value: JsonValue | undefined, ...path: (string | number)[]): JsonValue[] => {
  const list = at(value, ...path);
  return Array.isArray(list) ? list : [];
};

/** A ListResponse's totalResults as the reply gave it, for a step's failure detail. */
const count = (r: Reply): string => JSON.stringify(at(r.body, 'totalResults')) ?? 'no';

function expectThat(condition: unknown, detail: string): asserts condition {
  if (!condition) throw new StepFailure(detail);
}

/** A step whose precondition failed earlier reports that, not a confusing 404 on `/Users/undefined`. */
function needs(...resources: [unknown, string][]): void {
  for (const [resource, what] of resources) expectThat(resource, `not run: ${what} was not created`);
}

export async function runCheck(options: CheckOptions): Promise<StepResult[]> {
  const base = options.base.replace(/\/+$/, '');
  const prefix = options.prefix ?? `scimcheck-${randomUUID().slice(0, 8)}`;
  const results: StepResult[] = [];
  const created: { users: string[]; groups: string[] } = { users: [], groups: [] };

  async function call(method: string, path: string, body?: unknown, token = options.token): Promise<Reply> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    return { status: res.status, headers: res.headers, body: jsonOrNothing(await res.text()) };
  }

  /** `expected` status, a SCIM content type on every body, and a readable reason otherwise. */
  async function expectStatus(reply: Promise<Reply>, expected: number): Promise<Reply> {
    const r = await reply;
    const detail = stringAt(r.body, 'detail');
    const scimError = detail ? `: ${detail.slice(0, 120)}` : '';
    expectThat(r.status === expected, `expected ${expected}, got ${r.status}${scimError}`);
    if (r.body !== undefined)
      expectThat(
        /application\/scim\+json/.test(r.headers.get('content-type') ?? ''),
        `Content-Type is ${r.headers.get('content-type')}, not application/scim+json`,
      );
    return r;
  }

  // Like Entra, which stops when Test Connection fails: nothing else can pass, and each request would only add
  // to the service's failure count (and wait on its throttling of unknown tokens).
  let blocked: string | undefined;

  async function step(name: string, run: () => Promise<string | void>): Promise<void> {
    if (blocked) {
      results.push({ step: name, ok: false, ms: 0, detail: `not run: ${blocked}` });
      return;
    }
    const started = performance.now();
    try {
      const detail = await run();
      results.push({ step: name, ok: true, ms: performance.now() - started, detail: detail || 'ok' });
    } catch (e) {
      const detail = e instanceof StepFailure ? e.message : `request failed: ${errorMessage(e)}`;
      results.push({ step: name, ok: false, ms: performance.now() - started, detail });
    }
  }

  const filter = (expression: string) => `filter=${encodeURIComponent(expression)}`;
  const userBody = (userName: string) => ({
    schemas: [U, EU],
    externalId: `${prefix}-${randomUUID()}`,
    userName,
    active: true,
    displayName: 'Check User',
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Check User', familyName: 'User', givenName: 'Check' },
    roles: [],
    [EU]: { department: 'Provisioning check' },
  });
  /** The id the service gave what a step created; the step fails without one. */
  const createdId = (r: Reply, what: string): string => {
    const id = stringAt(r.body, 'id');
    expectThat(id !== undefined, `the created ${what} has no id`);
    return id;
  };
  let user: { id: string; externalId: string | undefined } | undefined;
  let manager: { id: string } | undefined;
  let group: { id: string } | undefined;

  await step('Test Connection probe (userName eq <random GUID>)', async () => {
    const r = await expectStatus(call('GET', `/Users?${filter(`userName eq "${randomUUID()}"`)}`), 200);
    expectThat(
      at(r.body, 'totalResults') === 0 && Array.isArray(at(r.body, 'Resources')),
      'expected an empty ListResponse',
    );
    return '200, empty ListResponse';
  });
  if (!results[0].ok) blocked = 'the Test Connection probe failed';
  await step('group probe (displayName eq <random GUID>)', async () => {
    const r = await expectStatus(
      call('GET', `/Groups?excludedAttributes=members&${filter(`displayName eq "${randomUUID()}"`)}`),
      200,
    );
    expectThat(at(r.body, 'totalResults') === 0, 'expected an empty ListResponse');
  });
  await step('wrong token is refused', async () => {
    const r = await expectStatus(call('GET', '/Users?count=1', undefined, `wrong-${randomUUID()}`), 401);
    return `401, WWW-Authenticate: ${r.headers.get('www-authenticate') ?? 'missing'}`;
  });
  await step("create user (Entra's body)", async () => {
    const r = await expectStatus(call('POST', '/Users', userBody(`${prefix}-user@example.com`)), 201);
    user = { id: createdId(r, 'user'), externalId: stringAt(r.body, 'externalId') };
    created.users.push(user.id);
    expectThat(at(r.body, 'active') === true, 'active is not the boolean true');
    return `201, id ${user.id}`;
  });
  await step('create manager', async () => {
    const r = await expectStatus(call('POST', '/Users', userBody(`${prefix}-manager@example.com`)), 201);
    manager = { id: createdId(r, 'manager') };
    created.users.push(manager.id);
  });
  await step('duplicate userName is a conflict', async () => {
    const r = await expectStatus(call('POST', '/Users', userBody(`${prefix}-USER@example.com`)), 409);
    return `409 ${stringAt(r.body, 'scimType') ?? ''}`.trim();
  });
  await step('match user by userName (any case)', async () => {
    needs([user, 'the user']);
    const r = await expectStatus(
      call('GET', `/Users?${filter(`userName eq "${prefix.toUpperCase()}-USER@EXAMPLE.COM"`)}`),
      200,
    );
    expectThat(
      at(r.body, 'totalResults') === 1 && at(r.body, 'Resources', 0, 'id') === user?.id,
      `expected exactly the created user, got ${count(r)} result(s)`,
    );
  });
  await step('match user by externalId', async () => {
    needs([user, 'the user']);
    const r = await expectStatus(call('GET', `/Users?${filter(`externalId eq "${user?.externalId}"`)}`), 200);
    expectThat(at(r.body, 'totalResults') === 1, `expected 1 result, got ${count(r)}`);
  });
  await step('PATCH user as Entra does (work email, name, department)', async () => {
    needs([user, 'the user']);
    const r = await expectStatus(
      call('PATCH', `/Users/${user?.id}`, {
        schemas: [PO],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: `${prefix}-renamed@example.com` },
          { op: 'Replace', path: 'name.familyName', value: 'Renamed' },
          { op: 'Replace', path: `${EU}:department`, value: 'Checked' },
        ],
      }),
      200,
    );
    expectThat(
      at(r.body, 'name', 'familyName') === 'Renamed' && at(r.body, EU, 'department') === 'Checked',
      'the PATCHed values did not come back',
    );
  });
  await step('set manager (URN path, bare id)', async () => {
    needs([user, 'the user'], [manager, 'the manager']);
    const r = await expectStatus(
      call('PATCH', `/Users/${user?.id}`, {
        schemas: [PO],
        Operations: [{ op: 'add', path: `${EU}:manager`, value: manager?.id }],
      }),
      200,
    );
    expectThat(at(r.body, EU, 'manager', 'value') === manager?.id, "manager.value is not the manager's id");
  });
  await step('disable user ("False" as Entra sends it)', async () => {
    needs([user, 'the user']);
    const r = await expectStatus(
      call('PATCH', `/Users/${user?.id}`, {
        schemas: [PO],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      }),
      200,
    );
    expectThat(at(r.body, 'active') === false, 'active is not the boolean false');
  });
  await step('read user', async () => {
    needs([user, 'the user']);
    const r = await expectStatus(call('GET', `/Users/${user?.id}`), 200);
    expectThat(
      at(r.body, 'active') === false && at(r.body, 'emails', 0, 'value') === `${prefix}-renamed@example.com`,
      'the read user does not show the updates',
    );
  });
  await step("create group (Entra's body)", async () => {
    const r = await expectStatus(
      call('POST', '/Groups', {
        schemas: [G, ADSCIM_GROUP],
        externalId: randomUUID(),
        displayName: `${prefix}-group`,
        meta: { resourceType: 'Group' },
      }),
      201,
    );
    group = { id: createdId(r, 'group') };
    created.groups.push(group.id);
    return `201, id ${group.id}`;
  });
  await step('match group by displayName without members', async () => {
    needs([group, 'the group']);
    const r = await expectStatus(
      call('GET', `/Groups?excludedAttributes=members&${filter(`displayName eq "${prefix}-group"`)}`),
      200,
    );
    expectThat(
      at(r.body, 'totalResults') === 1 &&
        isJsonObject(at(r.body, 'Resources', 0)) &&
        at(r.body, 'Resources', 0, 'members') === undefined,
      'expected the group, without members',
    );
  });
  await step('add two members', async () => {
    needs([group, 'the group'], [user, 'the user'], [manager, 'the manager']);
    await expectStatus(
      call('PATCH', `/Groups/${group?.id}`, {
        schemas: [PO],
        Operations: [
          {
            op: 'Add',
            path: 'members',
            value: [
              { $ref: null, value: user?.id },
              { $ref: null, value: manager?.id },
            ],
          },
        ],
      }),
      204,
    );
    const r = await expectStatus(call('GET', `/Groups/${group?.id}`), 200);
    expectThat(listAt(r.body, 'members').length === 2, `expected 2 members, read ${listAt(r.body, 'members').length}`);
  });
  await step('remove one member (value list)', async () => {
    needs([group, 'the group'], [user, 'the user'], [manager, 'the manager']);
    await expectStatus(
      call('PATCH', `/Groups/${group?.id}`, {
        schemas: [PO],
        Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: manager?.id }] }],
      }),
      204,
    );
    const r = await expectStatus(call('GET', `/Groups/${group?.id}`), 200);
    expectThat(
      listAt(r.body, 'members').length === 1 && at(r.body, 'members', 0, 'value') === user?.id,
      'expected only the user to remain',
    );
  });
  await step('rename group', async () => {
    needs([group, 'the group']);
    await expectStatus(
      call('PATCH', `/Groups/${group?.id}`, {
        schemas: [PO],
        Operations: [{ op: 'Replace', path: 'displayName', value: `${prefix}-group-renamed` }],
      }),
      204,
    );
  });
  await step('delete group', async () => {
    needs([group, 'the group']);
    await expectStatus(call('DELETE', `/Groups/${group?.id}`), 204);
    created.groups.splice(created.groups.indexOf(group?.id ?? ''), 1);
    await expectStatus(call('GET', `/Groups/${group?.id}`), 404);
  });
  await step('delete user', async () => {
    needs([user, 'the user']);
    await expectStatus(call('DELETE', `/Users/${user?.id}`), 204);
    created.users.splice(created.users.indexOf(user?.id ?? ''), 1);
    await expectStatus(call('GET', `/Users/${user?.id}`), 404);
  });
  await step(`clean up everything named ${prefix}-*`, async () => {
    // Also what a failed step left behind, found by name in case a create answered but its reply was lost.
    const users = await expectStatus(
      call('GET', `/Users?count=200&attributes=id&${filter(`userName sw "${prefix}-"`)}`),
      200,
    );
    const groups = await expectStatus(
      call('GET', `/Groups?count=200&attributes=id&${filter(`displayName sw "${prefix}-"`)}`),
      200,
    );
    const ids = (list: Reply) =>
      objectsIn(at(list.body, 'Resources')).flatMap((r) => (typeof r.id === 'string' ? [r.id] : []));
    const left = [...new Set([...created.users, ...ids(users)])].map((id) => `/Users/${id}`);
    left.push(...new Set([...created.groups, ...ids(groups)].map((id) => `/Groups/${id}`)));
    for (const path of left)
      expectThat([204, 404].includes((await call('DELETE', path)).status), `could not delete ${path}`);
    return `deleted ${left.length} remaining (the manager, and whatever a failed step left)`;
  });
  return results;
}
