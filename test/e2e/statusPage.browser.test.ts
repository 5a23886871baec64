import { Browser, chromium } from 'playwright-core';
import { statusJsonSchema } from '../../shared/activity/statusPage';
import { runtime } from '../../shared/runtime';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { G, PO, U } from '../support/urns';

/** Debian's chromium (`.ci/run` installs it when missing), driven headless through playwright-core. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let s: TestServer;
let browser: Browser;
beforeAll(async () => {
  s = await startTestServer({ SCIM_ACTIVITY_FLUSH_SECONDS: '1' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await s.close();
});

it('renders the status page in Chromium with the numbers the log holds, its chart, and no console errors', async () => {
  const created = await s.scim('POST', '/Users', { schemas: [U], userName: 'page.viewer@contoso.com' });
  expect(created.status).toBe(201);
  await s.scim('GET', `/Users/${created.body.id}`);
  const missing = await s.scim('GET', '/Users/no-such-user');
  await s.scim('POST', '/Users', '{not json');
  await runtime().activity.recorder!.flush();
  const json = statusJsonSchema.parse(
    (await request(`${s.host.url}/scim/status`, 'GET', undefined, { Accept: 'application/json' })).body,
  );
  const tenant = json.tenants.find((t) => t.tenant === 'default')!;
  expect(tenant.last24h).toMatchObject({ requests: 4, failures: 2 });

  const page = await browser.newPage();
  const problems: string[] = [];
  const requested: string[] = [];
  page.on(
    'console',
    (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`),
  );
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requested.push(r.url()));
  const response = await page.goto(`${s.host.url}/scim/status`);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-type']).toMatch(/^text\/html/);
  expect(await page.title()).toBe('SCIM provisioning status');

  const section = page.locator('section[data-tenant="default"]');
  expect(await section.locator('[data-field="requests"]').innerText()).toBe(String(tenant.last24h.requests));
  expect(await section.locator('[data-field="failures"]').innerText()).toBe(String(tenant.last24h.failures));
  expect(await section.locator('table.failures').innerText()).toContain(missing.headers.get('x-correlation-id')!);
  expect(await section.locator('table.by-operation').innerText()).toMatch(/create\s+2\s+1/);
  const chart = section.locator('svg.chart');
  expect(await chart.locator('g').count()).toBe(24);
  expect((await chart.boundingBox())!.width).toBeGreaterThan(300);
  // The newest bar holds this test's requests: its red part is drawn (failures > 0) inside the grey one.
  const lastBar = chart.locator('g').last();
  expect(await lastBar.locator('title').textContent()).toMatch(/4 requests, 2 failures/);
  expect(Number(await lastBar.locator('rect').nth(1).getAttribute('height'))).toBeGreaterThan(0);

  expect(problems).toEqual([]);
  expect(requested).toEqual([`${s.host.url}/scim/status`]); // no external assets, no favicon fetch either
  await page.close();
}, 60_000);

it('finds a deleted user by its last userName in the search box and shows its changes newest first, escaped', async () => {
  const userName = 'timeline.user@contoso.com';
  const user = (await s.scim('POST', '/Users', { schemas: [U], userName, externalId: 'tl-1' })).body.id as string;
  const other = (await s.scim('POST', '/Users', { schemas: [U], userName: 'timeline.other@contoso.com' })).body
    .id as string;
  await s.scim('PATCH', `/Users/${user}`, {
    schemas: [PO],
    Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
  });
  // A name that is markup: the page must show it as text.
  const group = (await s.scim('POST', '/Groups', { schemas: [G], displayName: '<img src=x onerror=alert(1)>Finance' }))
    .body.id as string;
  const added = await s.scim('PATCH', `/Groups/${group}`, {
    schemas: [PO],
    Operations: [{ op: 'Add', path: 'members', value: [{ value: user }, { value: other }] }],
  });
  expect(added.status).toBe(204);
  expect((await s.scim('DELETE', `/Users/${user}`)).status).toBe(204);

  const page = await browser.newPage();
  const problems: string[] = [];
  page.on(
    'console',
    (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`),
  );
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${s.host.url}/scim/status`);
  const history = page.locator('section.history');
  await history.locator('input[name="tenant"]').fill('default');
  await history.locator('input[name="q"]').fill(userName.toUpperCase());
  await Promise.all([page.waitForURL(/[?&]q=/), history.locator('button[type="submit"]').click()]);

  expect(new URL(page.url()).searchParams.get('q')).toBe(userName.toUpperCase());
  expect(await history.locator('[data-field="state"]').innerText()).toBe('deleted');
  expect(await history.locator('table.resource').innerText()).toContain(userName);
  const rows = history.locator('table.timeline tr');
  const cells = async (i: number) => (await rows.nth(i).locator('td').allInnerTexts()).map((c) => c.trim());
  expect(await rows.count()).toBe(5); // the heading and four changes
  const operations = await Promise.all([1, 2, 3, 4].map(async (i) => (await cells(i))[1]));
  expect(operations).toEqual(['delete', 'members', 'patch', 'create']);
  const [, , of, attributes, membersAdded, , versions, correlation] = await cells(2);
  expect(of).toBe('Group <img src=x onerror=alert(1)>Finance');
  expect(attributes).toBe('members');
  // The user's copy of the group's event names the user only, not the other member added with it.
  expect(membersAdded).toBe(user);
  expect(versions).toMatch(/^W\/".+" → W\/".+"$/);
  expect(correlation).toBe(added.headers.get('x-correlation-id'));
  expect((await cells(3))[3]).toBe('active');
  expect(await history.locator('img').count()).toBe(0);

  expect(problems).toEqual([]);

  // Nothing named: the page says so (404, like GET /scim/status/history, which Chromium notes in its console),
  // with the search kept for correcting it.
  await history.locator('input[name="q"]').fill('nobody@contoso.com');
  const [missing] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('q=nobody')),
    history.locator('button[type="submit"]').click(),
  ]);
  expect(missing.status()).toBe(404);
  await page.waitForURL(/q=nobody/);
  expect(await history.locator('[data-field="problem"]').innerText()).toMatch(/No user or group of tenant "default"/);
  expect(await history.locator('input[name="q"]').inputValue()).toBe('nobody@contoso.com');
  expect(problems).toEqual([expect.stringMatching(/status of 404/)]);
  await page.close();
}, 60_000);
