import { startTestServer, TestServer } from '../support/scimServer';
import { U } from '../support/urns';

/** A query no index narrows may examine at most SCIM_MAX_SCAN resources (a runtime is per process: its own file). */
describe('the scan limit', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ SCIM_MAX_SCAN: '10' });
    for (let i = 0; i < 12; i++)
      await small.scim('POST', '/Users', { schemas: [U], userName: `scan${i}@contoso.com`, title: 'Sales' });
  });
  afterAll(() => small.close());

  it('answers a query that would examine more resources than allowed with 400 tooMany, naming what to do', async () => {
    for (const path of [
      '/Users?filter=title eq "Sales"',
      '/Users?sortBy=userName',
      '/Users?filter=userName co "scan"',
    ]) {
      const res = await small.scim('GET', encodeURI(path));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        scimType: 'tooMany',
        detail: expect.stringMatching(/more than 10 resources.*indexed attribute/),
      });
    }
  });

  it('still answers what an index narrows, and plain listings', async () => {
    expect(
      (await small.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "scan3@contoso.com"')}`)).body
        .totalResults,
    ).toBe(1);
    expect((await small.scim('GET', '/Users?count=5')).body.totalResults).toBe(12);
  });
});
