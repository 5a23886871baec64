import { Browser, chromium } from 'playwright-core';
import { statusJsonSchema } from '../../shared/activity/statusPage';
import { runtime } from '../../shared/runtime';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { U } from '../support/urns';

/** Debian's chromium (`.ci/run` installs it when missing), driven headless through playwright-core. */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

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
  const json = statusJsonSchema.parse((await request(`${s.host.url}/scim/status`, 'GET', undefined, { Accept: 'application/json' })).body);
  const tenant = json.tenants.find((t) => t.tenant === 'default')!;
  expect(tenant.last24h).toMatchObject({ requests: 4, failures: 2 });

  const page = await browser.newPage();
  const problems: string[] = [];
  const requested: string[] = [];
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`));
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
