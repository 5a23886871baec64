import { randomUUID } from 'node:crypto';
import { FaultyStorage, startFaultyStorage } from '../support/faultyStorage';
import { request, startTestServer, TestServer, TOKEN } from '../support/scimServer';
import { U, PO, ERR } from '../support/urns';

/** Bad input gets a SCIM error with the right status, scimType and an actionable detail, and changes nothing. */

/** A title that is also the token: a filter on it carries the token into the storage request, which storage refuses. */
const PLANTED = TOKEN;

let s: TestServer;
let storage: FaultyStorage;
let user: { id: string; userName: string; meta: { version: string } };
beforeAll(async () => {
  s = await startTestServer(
    { SCIM_MAX_BODY_BYTES: '4096' },
    { storage: async () => (storage = await startFaultyStorage((_method, url) => url.includes(PLANTED))) },
  );
  user = (await s.scim('POST', '/Users', { schemas: [U], userName: `bad_${randomUUID()}`, title: 'Original' })).body;
});
afterAll(async () => {
  await s.close();
});

function expectScimError(
  res: { status: number; headers: Headers; body: Record<string, unknown>; text: string },
  status: number,
  scimType?: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/scim+json');
  expect(res.body.schemas).toEqual([ERR]);
  expect(res.body.status).toBe(String(status));
  expect(res.body.scimType).toBe(scimType);
  expect(typeof res.body.detail).toBe('string');
  expect(res.text).not.toMatch(/\n\s+at /); // no stack trace
}

async function unchanged() {
  const now = await s.scim('GET', `/Users/${user.id}`);
  expect(now.body.meta.version).toBe(user.meta.version);
  expect(now.body.title).toBe('Original');
}

describe('authentication', () => {
  it('answers 401 with WWW-Authenticate when the token is missing or wrong', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer wrong-token-wrong-token' },
      { Authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of attempts) {
      const res = await request(`${s.base}/Users`, 'GET', undefined, headers);
      expectScimError(res, 401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('accepts the scheme name in any letter case', async () => {
    expect(
      (await request(`${s.base}/Users?count=1`, 'GET', undefined, { Authorization: `bearer ${TOKEN}` })).status,
    ).toBe(200);
  });
});

describe('create', () => {
  it.each([
    ['malformed JSON', '{"userName": ', 400, 'invalidSyntax', /not valid JSON/],
    ['a body that is not an object', '[1,2]', 400, 'invalidSyntax', /JSON object/],
    ['a missing userName', { schemas: [U], displayName: 'x' }, 400, 'invalidValue', /userName.*required/],
    ['a wrong type', { schemas: [U], userName: 'x', active: 'maybe' }, 400, 'invalidValue', /active.*boolean/],
    [
      'an array for a single-valued attribute',
      { schemas: [U], userName: 'x', title: ['a'] },
      400,
      'invalidValue',
      /single-valued/,
    ],
  ])('refuses %s', async (_what, body, status, scimType, detail) => {
    const res = await s.scim('POST', '/Users', body);
    expectScimError(res, status, scimType);
    expect(res.body.detail).toMatch(detail);
  });

  it('drops an unknown (e.g. misspelled) attribute, keeps the rest, and logs its name but not its value', async () => {
    const res = await s.scim('POST', '/Users', {
      schemas: [U],
      userName: `typo_${randomUUID()}`,
      title: 'Kept',
      adreses: [{ country: 'SecretLand' }],
    });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe('Kept');
    expect(res.body.adreses).toBeUndefined();
    expect((await s.scim('GET', `/Users/${res.body.id}`)).body.adreses).toBeUndefined();
    expect(s.logs.some((l) => l.includes('adreses'))).toBe(true);
    expect(s.logs.join('\n')).not.toContain('SecretLand');
  });

  it('refuses a body over the documented limit with 413', async () => {
    const res = await s.scim('POST', '/Users', { schemas: [U], userName: 'big', title: 'x'.repeat(5000) });
    expectScimError(res, 413);
    expect(res.body.detail).toMatch(/4096 bytes/);
    expect((await s.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "big"')}`)).body.totalResults).toBe(0);
  });
});

describe('PATCH', () => {
  it.each([
    [
      'a body without the PatchOp schema',
      { Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      'invalidSyntax',
    ],
    ['an unknown op', { schemas: [PO], Operations: [{ op: 'merge', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['no operations', { schemas: [PO], Operations: [] }, 'invalidSyntax'],
    [
      'an unknown path',
      { schemas: [PO], Operations: [{ op: 'replace', path: 'shoeSize', value: '9' }] },
      'invalidPath',
    ],
    ['a read-only path', { schemas: [PO], Operations: [{ op: 'replace', path: 'id', value: 'mine' }] }, 'mutability'],
    ['a remove without a path', { schemas: [PO], Operations: [{ op: 'remove' }] }, 'noTarget'],
    [
      'removing the required userName',
      { schemas: [PO], Operations: [{ op: 'remove', path: 'userName' }] },
      'mutability',
    ],
    [
      'a bad value after a good one',
      {
        schemas: [PO],
        Operations: [
          { op: 'replace', path: 'title', value: 'Changed' },
          { op: 'replace', path: 'active', value: 'sometimes' },
        ],
      },
      'invalidValue',
    ],
  ])('refuses %s and changes nothing', async (_what, body, scimType) => {
    const res = await s.scim('PATCH', `/Users/${user.id}`, body);
    expectScimError(res, 400, scimType);
    await unchanged();
  });

  it('answers 412 when If-Match does not match and changes nothing', async () => {
    const res = await s.scim(
      'PATCH',
      `/Users/${user.id}`,
      { schemas: [PO], Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      { 'If-Match': 'W/"0"' },
    );
    expectScimError(res, 412);
    await unchanged();
  });
});

describe('queries', () => {
  it.each([
    ['unbalanced quotes', 'userName eq "abc', /position/],
    ['a missing operator', 'userName "abc"', /position/],
    ['an unknown attribute', 'shoeSize eq "9"', /shoeSize/],
    ['an unknown operator', 'userName like "a"', /position/],
  ])('answers 400 invalidFilter for %s', async (_what, filter, detail) => {
    const res = await s.scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expectScimError(res, 400, 'invalidFilter');
    expect(res.body.detail).toMatch(detail);
  });

  it('answers 400 for a non-numeric startIndex', async () => {
    expectScimError(await s.scim('GET', '/Users?startIndex=abc'), 400, 'invalidValue');
  });

  it('answers 404 with a SCIM body for an unknown id and 405 for a wrong method', async () => {
    expectScimError(await s.scim('GET', `/Users/${randomUUID()}`), 404);
    const res = await s.scim('POST', `/Users/${user.id}`, { schemas: [U], userName: 'x' });
    expectScimError(res, 405);
    expect(res.headers.get('allow')).toBe('GET, PUT, PATCH, DELETE');
  });
});

it('never writes the token to a log line, also when a failing storage request carried it', async () => {
  const logged = s.logs.length;
  // `title eq` is pushed down to Table Storage, so the value travels in the storage request's URL; storage refuses it.
  const res = await s.scim('GET', `/Users?filter=${encodeURIComponent(`title eq "${PLANTED}"`)}`);
  expect(storage.refused.some((r) => r.includes(PLANTED))).toBe(true); // the SDK's error holds that request
  expect(res.status).toBeGreaterThanOrEqual(500);
  expect(res.text).not.toContain(PLANTED);
  const lines = s.logs.slice(logged).join('\n');
  expect(lines).toMatch(/AuthorizationFailure/); // the failure was logged, with its cause
  expect(lines).not.toContain(TOKEN);
  expect(s.logs.join('\n')).not.toContain(TOKEN);
});
