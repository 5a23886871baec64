import { runtime } from '../../shared/runtime';
import { startTestServer, TestServer, TOKEN } from '../support/scimServer';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await runtime().activity.recorder?.close(); // its failure record is still being retried against the stopped storage
  await s.host.close();
});

it('answers 503 with Retry-After, not a 500 with internals, when storage is unreachable', async () => {
  expect((await s.scim('GET', '/Users?count=1')).status).toBe(200);
  await s.azurite.close();
  const res = await s.scim('POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'during.outage',
  });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(res.body).toMatchObject({ status: '503' });
  expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|\n\s+at /);
  expect(s.logs.join('\n')).not.toContain(TOKEN);
}, 60_000);
