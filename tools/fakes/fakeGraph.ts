import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local fake of the two Microsoft Graph routes the notifier may read (v1.0):
 * `GET /servicePrincipals/{id}/synchronization/jobs` and `…/jobs/{jobId}`, answering synchronizationJob JSON as
 * the Graph docs show it (microsoftgraph/microsoft-graph-docs-contrib, synchronization-synchronizationjob-get.md):
 * `status.quarantine` is null when the job is not quarantined, unset instants are empty strings. A bearer token is
 * required; `forbidden` answers 403 Authorization_RequestDenied, as Graph does without Synchronization.Read.All.
 */
export interface FakeGraph {
  /** Base URL like `https://graph.microsoft.com/v1.0`. */
  url: string;
  /** While set, every request is refused with 403 (permission not granted). */
  forbidden: boolean;
  setJob(servicePrincipalId: string, jobId: string, status: FakeJobStatus): void;
  requests: string[];
  close(): Promise<void>;
}

export interface FakeJobStatus {
  code: 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';
  quarantine?: {
    reason: string;
    currentBegan: string;
    nextAttempt: string;
    seriesBegan: string;
    seriesCount: number;
    error?: { code: string; message: string; tenantActionable: boolean };
  };
}

export async function startFakeGraph(bearerToken: string): Promise<FakeGraph> {
  const jobs = new Map<string, Map<string, FakeJobStatus>>();
  const server = createServer((req, res) => handle(req, res));
  const fake: FakeGraph = {
    url: '',
    forbidden: false,
    requests: [],
    setJob(sp, jobId, status) {
      if (!jobs.has(sp)) jobs.set(sp, new Map());
      jobs.get(sp)!.set(jobId, status);
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };

  const job = (id: string, s: FakeJobStatus) => ({
    id,
    templateId: 'scim',
    schedule: { expiration: null, interval: 'PT40M', state: s.code === 'Paused' ? 'Disabled' : 'Active' },
    status: {
      code: s.code,
      countSuccessiveCompleteFailures: s.code === 'Quarantine' ? 3 : 0,
      escrowsPruned: false,
      lastExecution: null,
      lastSuccessfulExecution: null,
      lastSuccessfulExecutionWithExports: null,
      progress: [],
      quarantine: s.quarantine ?? null,
      steadyStateFirstAchievedTime: '0001-01-01T00:00:00Z',
      steadyStateLastAchievedTime: '0001-01-01T00:00:00Z',
      synchronizedEntryCountByType: [],
      troubleshootingUrl: '',
    },
    synchronizationJobSettings: [],
  });

  function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://graph').pathname;
    fake.requests.push(`${req.method} ${path}`);
    if (req.headers.authorization !== `Bearer ${bearerToken}`)
      return error(res, 401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    if (fake.forbidden)
      return error(res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    const m = /^\/v1\.0\/servicePrincipals\/([^/]+)\/synchronization\/jobs(?:\/([^/]+))?$/.exec(path);
    if (req.method !== 'GET' || !m)
      return error(res, 400, 'BadRequest', `Resource not found for the segment '${path}'.`);
    const [sp, jobId] = [decodeURIComponent(m[1]), m[2] && decodeURIComponent(m[2])];
    const ofSp = jobs.get(sp);
    if (!ofSp)
      return error(
        res,
        404,
        'Request_ResourceNotFound',
        `Resource '${sp}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (!jobId) return send(res, 200, { value: [...ofSp].map(([id, s]) => job(id, s)) });
    const s = ofSp.get(jobId);
    return s ? send(res, 200, job(jobId, s)) : error(res, 404, 'NotFound', `Job ${jobId} not found.`);
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
  return fake;
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const error = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message, innerError: { date: new Date().toISOString() } } });
