import { startTestServer, TestServer } from '../support/scimServer';
import { PO, U } from '../support/urns';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const user = (userName: string, displayName: string) => ({ schemas: [U], userName, displayName, active: true });
const replaceDisplayName = (value: string) => ({
  schemas: [PO],
  Operations: [{ op: 'replace', path: 'displayName', value }],
});

/** A displayName of `n` characters that repeats no 32,000-character part, so a misplaced part would show. */
const text = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7 + Math.floor(i / 997)) % alphabet.length]).join('');

async function usersNamed(userName: string) {
  const res = await s.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  expect(res.status).toBe(200);
  return res.body.Resources as { id: string; displayName: string }[];
}

describe('a user beyond one Table property (32 K characters) up to what one entity holds', () => {
  it.each([31_000, 33_000, 200_000])(
    'stores a displayName of %i characters and reads it back whole, also in a list',
    async (n) => {
      const displayName = text(n);
      const created = await s.scim('POST', '/Users', user(`big-${n}@contoso.com`, displayName));
      expect(created.status).toBe(201);
      expect(created.body.displayName).toBe(displayName);
      const read = await s.scim('GET', `/Users/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body.displayName).toBe(displayName);
      expect((await usersNamed(`big-${n}@contoso.com`)).map((u) => u.displayName)).toEqual([displayName]);
    },
  );

  it('keeps multi-byte text whole: 200 K characters outside the BMP (surrogate pairs) and CJK, within the default body limit', async () => {
    for (const [name, alphabet] of [
      ['emoji', ['😀', '🚀', '𝄞', '🧪']],
      ['cjk', ['漢', '字', '測', '試', 'é']],
    ] as const) {
      const displayName = Array.from(
        { length: 200_000 },
        (_, i) => alphabet[(i * 3 + Math.floor(i / 101)) % alphabet.length],
      ).join('');
      expect(Buffer.byteLength(JSON.stringify(user('x', displayName)))).toBeLessThan(1_048_576); // SCIM_MAX_BODY_BYTES' default
      const created = await s.scim('POST', '/Users', user(`${name}@contoso.com`, displayName));
      expect(created.status).toBe(201);
      expect((await s.scim('GET', `/Users/${created.body.id}`)).body.displayName).toBe(displayName);
    }
  });

  it('grows a user past one property with PATCH, and shrinks it back with PUT without leaving parts behind', async () => {
    const { body } = await s.scim('POST', '/Users', user('grows@contoso.com', 'small'));
    const big = text(150_000);
    const patched = await s.scim('PATCH', `/Users/${body.id}`, replaceDisplayName(big));
    expect(patched.status).toBe(200);
    expect((await s.scim('GET', `/Users/${body.id}`)).body.displayName).toBe(big);
    const put = await s.scim('PUT', `/Users/${body.id}`, user('grows@contoso.com', 'small again'));
    expect(put.status).toBe(200);
    const read = await s.scim('GET', `/Users/${body.id}`);
    expect(read.body.displayName).toBe('small again');
    expect(read.body.meta.version).toBe(put.body.meta.version);
  });

  it('filters on a displayName longer than its typed column holds: a long literal is matched in memory, a short one in storage', async () => {
    // Filters are at most 4,096 characters, the typed column keeps 1,024: these two agree on their first 2,000.
    const shared = text(2_000, 'QRSTUVWXYZ');
    const [a, b] = await Promise.all(
      ['a', 'b'].map((tail) => s.scim('POST', '/Users', user(`long-filter-${tail}@contoso.com`, `${shared}${tail}`))),
    );
    const search = (filter: string) =>
      s.scim('POST', '/Users/.search', { schemas: [SEARCH], filter, attributes: ['userName'] });
    const exact = await search(`displayName eq "${shared}b"`);
    expect(exact.status).toBe(200);
    expect(exact.body.Resources.map((r: { id: string }) => r.id)).toEqual([b.body.id]);
    const range = await search(`displayName ge "${shared.slice(0, 50)}" and displayName lt "${shared.slice(0, 49)}z"`);
    expect(range.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([a.body.id, b.body.id].sort());
  });
});

describe('a user beyond what one entity holds', () => {
  it('answers 413 with how big it is, the limit and what to shorten, and stores nothing', async () => {
    const res = await s.scim('POST', '/Users', user('too-big@contoso.com', text(600_000)));
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/scim\+json/);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(res.body.detail).toMatch(
      /needs \d{7} bytes .* at most \d+\b.*"displayName" \(600002 characters as JSON\): shorten it/,
    );
    expect(await usersNamed('too-big@contoso.com')).toEqual([]);
  });

  it('refuses a PATCH that would grow a user beyond it with 413 and leaves the user as it was', async () => {
    const { body } = await s.scim('POST', '/Users', user('patched-too-big@contoso.com', 'before'));
    const res = await s.scim('PATCH', `/Users/${body.id}`, replaceDisplayName(text(600_000)));
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/"displayName"/);
    const read = await s.scim('GET', `/Users/${body.id}`);
    expect(read.body.displayName).toBe('before');
    expect(read.body.meta.version).toBe(body.meta.version);
  });
});
