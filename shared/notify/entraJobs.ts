import { z } from 'zod';
import type { TokenCredential } from '@azure/identity';
import { errorMessage } from '../scim/errors';

/**
 * Optional ground truth from Microsoft Graph: the provisioning job's own status
 * (`GET /servicePrincipals/{id}/synchronization/jobs/{jobId}`, application permission Synchronization.Read.All).
 * Plain fetch and a managed-identity token: two GETs do not justify the Graph SDK.
 */
export const entraJobsSchema = z.record(
  z.string(),
  z.object({ servicePrincipalId: z.string().min(1), jobId: z.string().min(1) }).strict(),
);
type EntraJobs = z.infer<typeof entraJobsSchema>;

/** Graph answers empty strings for unset instants, and `quarantine: null` when the job is not quarantined. */
const instant = z
  .string()
  .optional()
  .nullable()
  .transform((s) => (s ? s : undefined));
const jobSchema = z.object({
  status: z.object({
    code: z.string(),
    quarantine: z
      .object({
        reason: z
          .string()
          .optional()
          .nullable()
          .transform((s) => s ?? undefined),
        currentBegan: instant,
        nextAttempt: instant,
        seriesBegan: instant,
        seriesCount: z
          .number()
          .optional()
          .nullable()
          .transform((n) => n ?? undefined),
        error: z
          .object({ code: z.string().optional().nullable(), message: z.string().optional().nullable() })
          .optional()
          .nullable(),
      })
      .nullable()
      .optional(),
  }),
});

export interface EntraJobStatus {
  /** `NotConfigured | NotRun | Active | Paused | Quarantine`, or `unreadable` when Graph could not be asked. */
  code: string;
  quarantine?: {
    reason?: string;
    currentBegan?: string;
    nextAttempt?: string;
    seriesBegan?: string;
    seriesCount?: number;
    error?: { code?: string; message?: string };
  };
  /** Why the status could not be read (shown in the mail; never an incident by itself). */
  problem?: string;
}

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export class EntraJobReader {
  constructor(
    private readonly jobs: EntraJobs,
    private readonly credential: TokenCredential,
    private readonly graphUrl = 'https://graph.microsoft.com/v1.0',
  ) {}

  /** Undefined when the tenant has no job configured in SCIM_ENTRA_JOBS. */
  async status(tenant: string): Promise<EntraJobStatus | undefined> {
    const job = this.jobs[tenant];
    if (!job) return undefined;
    try {
      const token = await this.credential.getToken(GRAPH_SCOPE);
      if (!token) return { code: 'unreadable', problem: 'no token for Microsoft Graph (managed identity)' };
      const url = `${this.graphUrl}/servicePrincipals/${encodeURIComponent(job.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(job.jobId)}`;
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${token.token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
      if (res.status === 401 || res.status === 403) {
        return {
          code: 'unreadable',
          problem: `Graph answered ${res.status}: grant the app's managed identity Synchronization.Read.All (docs/operations.md#notifications); it only works in the Entra tenant that hosts the Function App`,
        };
      }
      if (!res.ok) return { code: 'unreadable', problem: `Graph answered ${res.status} for job ${job.jobId}` };
      const parsed = jobSchema.safeParse(await res.json());
      if (!parsed.success) return { code: 'unreadable', problem: 'Graph answered a job without a status' };
      const { code, quarantine } = parsed.data.status;
      return {
        code,
        quarantine: quarantine
          ? {
              ...quarantine,
              error: quarantine.error
                ? { code: quarantine.error.code ?? undefined, message: quarantine.error.message ?? undefined }
                : undefined,
            }
          : undefined,
      };
    } catch (e) {
      return { code: 'unreadable', problem: `Graph could not be reached: ${errorMessage(e).split('\n')[0]}` };
    }
  }
}
