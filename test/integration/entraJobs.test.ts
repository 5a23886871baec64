import type { AccessToken } from '@azure/identity';
import { EntraJobReader, GRAPH_SCOPE } from '../../shared/notify/entraJobs';
import { evaluate, DEFAULT_THRESHOLDS } from '../../shared/notify/rules';
import { FakeGraph, startFakeGraph } from '../../tools/fakes/fakeGraph';

const SP = '5f8b1d2e-0000-4000-8000-00000000aaaa';
const JOB = 'scim.4c1a3b2e0d9f4e0aa1b2c3d4e5f6a7b8.5f8b1d2e-0000-4000-8000-00000000aaaa';
let graph: FakeGraph;
const scopes: string[] = [];
const credential = {
  getToken: async (scope: string | string[]) => (
    scopes.push(String(scope)),
    { token: 'graph-token', expiresOnTimestamp: Date.now() + 3_600_000 } as AccessToken
  ),
};

beforeAll(async () => {
  graph = await startFakeGraph('graph-token');
});
afterAll(() => graph.close());

const reader = () => new EntraJobReader({ acme: { servicePrincipalId: SP, jobId: JOB } }, credential, graph.url);

it("reads a healthy job's status with a token for Microsoft Graph", async () => {
  graph.setJob(SP, JOB, { code: 'Active' });
  expect(await reader().status('acme')).toEqual({ code: 'Active', quarantine: undefined });
  expect(scopes).toContain(GRAPH_SCOPE);
  expect(graph.requests).toContain(`GET /v1.0/servicePrincipals/${SP}/synchronization/jobs/${JOB}`);
  expect(await reader().status('globex')).toBeUndefined(); // no job configured: nothing asked
});

it("reports Entra's own quarantine reason and next attempt, which then names the incident", async () => {
  graph.setJob(SP, JOB, {
    code: 'Quarantine',
    quarantine: {
      reason: 'EncounteredQuarantineException',
      currentBegan: '2026-06-01T03:20:00Z',
      nextAttempt: '2026-06-01T09:20:00Z',
      seriesBegan: '2026-06-01T03:20:00Z',
      seriesCount: 1,
      error: {
        code: 'SystemForCrossDomainIdentityManagementCredentialValidationUnavailable',
        message: 'You appear to have entered invalid credentials.',
        tenantActionable: true,
      },
    },
  });
  const status = await reader().status('acme');
  expect(status).toMatchObject({
    code: 'Quarantine',
    quarantine: {
      reason: 'EncounteredQuarantineException',
      nextAttempt: '2026-06-01T09:20:00Z',
      error: { code: expect.stringContaining('Credential') },
    },
  });
  const ev = evaluate({
    tenant: 'acme',
    now: new Date('2026-06-01T04:00:00Z'),
    thresholds: DEFAULT_THRESHOLDS,
    counts: [],
    failures: [],
    tokens: [],
    memory: {},
    entra: status,
  });
  expect(ev.conditions.map((c) => c.reason)).toEqual(['entraQuarantine']);
  expect(ev.conditions[0].facts).toEqual([
    "Entra's error: SystemForCrossDomainIdentityManagementCredentialValidationUnavailable — You appear to have entered invalid credentials.",
    "Entra's next attempt: 2026-06-01T09:20:00Z",
    'quarantine series began 2026-06-01T03:20:00Z, re-evaluated 1 time(s)',
  ]);
});

it('says how to grant the permission when Graph refuses, without failing the run', async () => {
  graph.forbidden = true;
  try {
    const status = await reader().status('acme');
    expect(status).toEqual({
      code: 'unreadable',
      problem: expect.stringMatching(
        /403: grant the app's managed identity Synchronization\.Read\.All .* Entra tenant that hosts the Function App/,
      ),
    });
    const ev = evaluate({
      tenant: 'acme',
      now: new Date(),
      thresholds: DEFAULT_THRESHOLDS,
      counts: [],
      failures: [],
      tokens: [],
      memory: {},
      entra: status,
    });
    expect(ev.conditions).toEqual([]);
  } finally {
    graph.forbidden = false;
  }
});
