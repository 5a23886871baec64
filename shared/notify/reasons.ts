/**
 * Why the notifier opens an incident, most severe first: when several hold at once the first names the incident
 * (and a change of that first one is a new mail). `failure` reasons start a failure series — the run of trouble
 * after which Entra quarantines the job, backs off (6 h, 12 h, 24 h) and disables it after 28 days
 * (docs/operations.md#notifications); `backoff` outranks the failures it repeats so that every retry Entra makes
 * does not flip the reason back and forth.
 */
export const REASONS = [
  'entraQuarantine',
  'backoff',
  'credentials',
  'matching',
  'serviceFaults',
  'failureRate',
  'silence',
] as const;
export type Reason = (typeof REASONS)[number];

export const FAILURE_REASONS: ReadonlySet<Reason> = new Set([
  'entraQuarantine',
  'credentials',
  'matching',
  'serviceFaults',
  'failureRate',
]);

export interface ReasonText {
  /** Used in the subject after the tenant. */
  title: string;
  /** What Entra does next, and when. */
  entraWill: string;
  /** What the operator should do, in order. */
  toDo: string[];
}

export const REASON_TEXT: Record<Reason, ReasonText> = {
  entraQuarantine: {
    title: 'Entra reports the provisioning job in quarantine',
    entraWill:
      'Entra retries at the next attempt shown below (6 h, 12 h, then every 24 h) and disables the job 28 days after the series began.',
    toDo: [
      "Read Entra's own reason below, fix its cause (the other findings in this mail usually name it).",
      'Entra admin center → Enterprise applications → the app → Provisioning → Restart provisioning, to leave quarantine at once instead of waiting for the next attempt.',
    ],
  },
  backoff: {
    title: 'the provisioning job is in quarantine backoff',
    entraWill:
      'Entra only retries now, at growing gaps (about 6 h, 12 h, then every 24 h), and disables the job 28 days after the failures began; its changes wait until then.',
    toDo: [
      'Fix the failure named below (the last failing requests show it), then restart provisioning in Entra (the app → Provisioning → Restart provisioning) rather than waiting up to a day for the next retry.',
      "Check the job's Provisioning logs in Entra for its own error text.",
    ],
  },
  credentials: {
    title: 'Entra is using a Secret Token this connector rejects (invalid credentials)',
    entraWill:
      'Entra quarantines a job on invalid credentials at once: it stops the cycle and retries after about 6 h, 12 h, then every 24 h; after 28 days it disables the job.',
    toDo: [
      'List the tenant\'s tokens: `npm run admin -- token list <tenant>` (revoked or expired tokens show usable "no").',
      'Issue a new one: `npm run admin -- token issue <tenant>` (without --days: Entra wants a token that does not expire).',
      'Entra admin center → Enterprise applications → the app → Provisioning → Admin Credentials: paste it as Secret Token, Test Connection, Save.',
      'Check the Tenant URL there too: its tenant segment must be this tenant.',
    ],
  },
  matching: {
    title: "Entra's matching queries are failing",
    entraWill:
      'Entra cannot match users and groups: every object of the cycle fails, or duplicates get created; repeated failures quarantine the job.',
    toDo: [
      'Look at the failing filters below: a 400 names the attribute or syntax the connector refuses (an attribute outside the served schemas must be declared in SCIM_EXTENSIONS).',
      'Check the matching attribute in Entra: the app → Provisioning → Mappings → the object type → "Match objects using this attribute".',
      'A 5xx on Test Connection means the connector or its storage is failing: see the service faults, if any.',
    ],
  },
  serviceFaults: {
    title: 'the connector is answering with server errors',
    entraWill:
      'Entra retries the failed objects in its next cycles (about every 40 minutes); if most calls keep failing it quarantines the job.',
    toDo: [
      'Look up the correlation ids below in the Function App logs (Application Insights → Transaction search).',
      '503 with "storage": check the storage account firewall and the managed identity\'s Storage Table Data Contributor role; "token store": Key Vault\'s firewall and Key Vault Secrets User.',
    ],
  },
  failureRate: {
    title: 'many of the provisioning writes are failing',
    entraWill:
      'Entra keeps retrying failed objects each cycle; above its escrow thresholds (more than 40 % of events failing) it quarantines the job.',
    toDo: [
      'Read the scimType and detail of the failing requests below: they name the attribute and the problem.',
      'Fix the attribute mapping in Entra (the app → Provisioning → Mappings) or the data of the source users, then use Provision on demand on one user to check.',
    ],
  },
  silence: {
    title: 'Entra has stopped sending requests (job stopped, quarantined or disabled)',
    entraWill:
      'Nothing arrives until the job is started again or, when quarantined, until its next retry (about 6 h, 12 h, then every 24 h).',
    toDo: [
      "Entra admin center → Enterprise applications → the app → Provisioning: check the job's status (Paused, Quarantine, or a failed credential test).",
      'If it shows quarantine, its reason and the Provisioning logs say why; fix it and Restart provisioning.',
      'If someone stopped it on purpose, nothing to do: a recovery mail follows when requests come back.',
    ],
  },
};
