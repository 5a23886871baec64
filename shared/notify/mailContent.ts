import type { RequestOutcome } from '../store/activityRecords';
import type { MailIntent } from './incident';
import { REASON_TEXT } from './reasons';
import type { Evaluation } from './rules';

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface MailContext {
  tenant: string;
  intent: MailIntent;
  evaluation: Evaluation;
  /** When the incident began (for `recovered`, the one that ended). */
  incidentSince?: string;
  /** Base of the status page link; without it the mail says where to set it. */
  publicUrl?: string;
}

/** A mail is a list of sections; the text and HTML forms are two renderings of the same list. */
interface Section {
  heading: string;
  lines?: string[];
  numbered?: string[];
  table?: { head: string[]; rows: string[][] };
}

const PRODUCT = 'SCIM connector';

/** The mail an admin can act on: what happened since when, the evidence, what Entra will do, what to do. */
export function renderMail(ctx: MailContext): MailContent {
  const { subject, sections } = compose(ctx);
  return { subject, text: toText(subject, sections), html: toHtml(subject, sections) };
}

/** Mailed without tenant context when the notifier cannot read its own storage. */
export function renderStorageMail(problem: string, at: Date, publicUrl?: string): MailContent {
  const subject = `[${PRODUCT}] the connector cannot reach its storage`;
  const sections: Section[] = [
    {
      heading: 'What happened',
      lines: [
        `At ${at.toISOString()} the notifier could not read its storage: ${problem}`,
        'Requests from Entra are most likely failing with 503 too, and this notifier cannot tell which tenants are affected or which mails it already sent; it repeats this mail at most once an hour per instance.',
      ],
    },
    {
      heading: 'What Entra will do',
      lines: [
        'Entra retries failed objects each cycle (about every 40 minutes) and quarantines jobs whose calls keep failing.',
      ],
    },
    {
      heading: 'What to do',
      numbered: [
        'Check the storage account exists and its firewall admits the Function App.',
        "Check the app's managed identity has Storage Table Data Contributor on it (SCIM_TABLE_ENDPOINT) or the connection string is valid (SCIM_STORAGE_CONNECTION_STRING).",
        'Function App logs (Application Insights) show the failing calls.',
      ],
    },
    statusSection(publicUrl),
  ];
  return { subject, text: toText(subject, sections), html: toHtml(subject, sections) };
}

function compose(ctx: MailContext): { subject: string; sections: Section[] } {
  const { tenant, intent, evaluation: ev } = ctx;
  const prefix = `[${PRODUCT}] tenant ${tenant}`;
  if (intent.kind === 'tokenExpiry') {
    const w = ev.tokenWarnings.find((t) => t.tokenId === intent.tokenId);
    // step() decides a token mail only for a warning of this very evaluation; anything else is a caller's bug.
    if (!w) throw new Error(`no expiry warning for token ${intent.tokenId} in this evaluation`);
    const days = Math.max(0, Math.ceil(w.daysLeft));
    return {
      subject: `${prefix}: the Secret Token in use expires in ${days} day${days === 1 ? '' : 's'}`,
      sections: [
        {
          heading: 'What happened',
          lines: [`Token ${w.tokenId} of tenant ${tenant}, the one Entra uses, expires at ${w.expires}.`],
        },
        {
          heading: 'What Entra will do',
          lines: [
            'From that moment every request is rejected with 401 and Entra quarantines the job at once (invalid credentials).',
          ],
        },
        {
          heading: 'What to do',
          numbered: [
            `Issue a token without expiry: npm run admin -- token issue ${tenant}`,
            'Entra admin center → Enterprise applications → the app → Provisioning → Admin Credentials: paste it as Secret Token, Test Connection, Save.',
            `When npm run admin -- token list ${tenant} shows the new token used, revoke the old one: npm run admin -- token revoke ${tenant} ${w.tokenId}`,
          ],
        },
        ...dataSections(ev),
        statusSection(ctx.publicUrl),
      ],
    };
  }
  const { reason } = intent;
  const text = REASON_TEXT[reason];
  if (intent.kind === 'recovered') {
    return {
      subject: `${prefix}: recovered — ${text.title}`,
      sections: [
        {
          heading: 'What happened',
          lines: [
            `The incident "${text.title}"${ctx.incidentSince ? ` that began at ${ctx.incidentSince}` : ''} is over: no alarm condition holds and ${ev.successesSinceLastHeld} request(s) were authenticated and answered since the last one did (checked ${ev.at}).`,
          ],
        },
        {
          heading: 'What Entra will do',
          lines: [
            'Entra leaves quarantine by itself at its next cycle or retry that succeeds. If its Provisioning page still shows Quarantine, Restart provisioning there.',
          ],
        },
        ...dataSections(ev),
        statusSection(ctx.publicUrl),
      ],
    };
  }
  const top = ev.conditions.find((c) => c.reason === reason) ?? ev.conditions[0];
  const subject =
    intent.kind === 'reasonChanged'
      ? `${prefix}: ${text.title} (was: ${REASON_TEXT[intent.previousReason].title})`
      : intent.kind === 'seriesWarning'
        ? `${prefix}: day ${intent.day} of failures, Entra disables the job after 28 days — ${text.title}`
        : intent.kind === 'reminder'
          ? `${prefix}: still — ${text.title}`
          : `${prefix}: ${text.title}`;
  const others = ev.conditions.filter((c) => c !== top);
  return {
    subject,
    sections: [
      {
        heading: 'What happened',
        lines: [
          top.summary,
          `first seen ${top.since}${ctx.incidentSince && ctx.incidentSince !== top.since ? `; incident open since ${ctx.incidentSince}` : ''}`,
          ...top.facts,
        ],
      },
      ...(others.length
        ? [
            {
              heading: 'Also found',
              lines: others.map((c) => `${c.summary}${c.facts.length ? ` (${c.facts.join('; ')})` : ''}`),
            },
          ]
        : []),
      ...evidenceSections(ev),
      ...dataSections(ev),
      { heading: 'What Entra will do', lines: [text.entraWill] },
      { heading: 'What to do', numbered: text.toDo.map((s) => s.replace(/<tenant>/g, tenant)) },
      statusSection(ctx.publicUrl),
    ],
  };
}

function evidenceSections(ev: Evaluation): Section[] {
  const t = ev.totals;
  const out: Section[] = [
    {
      heading: 'Evidence (last 24 h)',
      lines: [
        `${t.requests} requests, ${t.failures} failed; ${t.rateFailures} of ${t.rateOperations} writes and reads by id failed; ${t.authenticatedSuccesses} were authenticated (any answer but 401 and 5xx).`,
      ],
    },
  ];
  if (ev.lastFailures.length)
    out.push({ heading: `The last ${ev.lastFailures.length} failing requests`, table: failureTable(ev.lastFailures) });
  if (ev.entra) {
    const e = ev.entra;
    out.push({
      heading: "Entra's own status (Microsoft Graph)",
      lines: e.problem
        ? [`not read: ${e.problem}`]
        : [
            `job status: ${e.code}${e.quarantine?.reason ? `, quarantine reason ${e.quarantine.reason}` : ''}${e.quarantine?.nextAttempt ? `, next attempt ${e.quarantine.nextAttempt}` : ''}`,
          ],
    });
  }
  return out;
}

/** Data problems are listed in every mail: they are the data's fault, Entra retries them, and they never open an incident. */
function dataSections(ev: Evaluation): Section[] {
  const { notFoundOnRead, conflicts } = ev.dataProblems;
  return [
    {
      heading: 'Data problems (last 24 h, not an incident by themselves)',
      lines: [
        `404 on a read by id: ${notFoundOnRead}${notFoundOnRead ? ' (Entra asks for an object deleted here; it re-creates or skips it)' : ''}`,
        `409 uniqueness: ${conflicts}${conflicts ? ' (two source users map to the same userName or group displayName; fix the data or the matching attribute)' : ''}`,
      ],
    },
  ];
}

function statusSection(publicUrl?: string): Section {
  return {
    heading: 'Status page',
    lines: [
      publicUrl
        ? `${publicUrl.replace(/\/+$/, '')}/scim/status`
        : 'set SCIM_PUBLIC_URL (or run in Azure, where WEBSITE_HOSTNAME gives it) to get a link here',
    ],
  };
}

function failureTable(failures: RequestOutcome[]): Section['table'] {
  return {
    head: ['time', 'operation', 'status', 'scimType', 'detail', 'correlation id'],
    rows: failures.map((f) => [
      f.at,
      `${f.operation}${f.resourceType ? ` ${f.resourceType}` : ''}${f.resourceId ? ` ${f.resourceId}` : ''}`,
      String(f.status),
      f.scimType ?? '',
      f.detail ?? '',
      f.correlationId,
    ]),
  };
}

function toText(subject: string, sections: Section[]): string {
  const out = [subject, ''];
  for (const s of sections) {
    out.push(s.heading);
    for (const l of s.lines ?? []) out.push(`  ${l}`);
    (s.numbered ?? []).forEach((l, i) => out.push(`  ${i + 1}. ${l}`));
    if (s.table) for (const r of s.table.rows) out.push(`  ${r.filter(Boolean).join(' | ')}`);
    out.push('');
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function toHtml(subject: string, sections: Section[]): string {
  const body = sections
    .map((s) => {
      const parts = [`<h3>${esc(s.heading)}</h3>`];
      if (s.lines?.length) parts.push(s.lines.map((l) => `<p>${esc(l)}</p>`).join(''));
      if (s.numbered?.length) parts.push(`<ol>${s.numbered.map((l) => `<li>${esc(l)}</li>`).join('')}</ol>`);
      if (s.table) {
        parts.push(
          `<table border="1" cellpadding="4" style="border-collapse:collapse;font-size:12px"><tr>${s.table.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${s.table.rows
            .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('')}</table>`,
        );
      }
      return parts.join('');
    })
    .join('');
  return `<!doctype html><html><body style="font-family:sans-serif"><h2>${esc(subject)}</h2>${body}</body></html>`;
}
