import { renderMail } from '../../shared/notify/mailContent';
import type { Evaluation } from '../../shared/notify/rules';

const ev: Evaluation = {
  tenant: 'acme',
  at: '2026-06-01T10:05:00.000Z',
  conditions: [
    {
      reason: 'failureRate',
      since: '2026-06-01T09:10:00.000Z',
      summary: '27 of 60 writes and reads by id failed in the last 24 h (45 %; thresholds 20 and 40 %).',
      facts: ['update 400: 27'],
    },
    {
      reason: 'serviceFaults',
      since: '2026-06-01T10:00:00.000Z',
      summary: '12 requests answered 503 in the last 15 minutes (threshold 10).',
      facts: [],
    },
  ],
  tokenWarnings: [],
  dataProblems: { notFoundOnRead: 2, conflicts: 1 },
  totals: { requests: 140, authenticatedSuccesses: 101, failures: 39, rateOperations: 60, rateFailures: 27 },
  successesSinceLastHeld: 0,
  lastFailures: [
    {
      at: '2026-06-01T10:01:00.000Z',
      tenant: 'acme',
      operation: 'update',
      resourceType: 'User',
      resourceId: 'u-1',
      status: 400,
      scimType: 'invalidValue',
      detail: 'Attribute "title" must be a string <not an object>.',
      latencyMs: 9,
      correlationId: 'c0ffee-1',
    },
  ],
  memory: {},
};

it('names the tenant and the reason in the subject and gives evidence, data problems, what Entra does and what to do', () => {
  const mail = renderMail({
    tenant: 'acme',
    intent: { kind: 'opened', reason: 'failureRate' },
    evaluation: ev,
    incidentSince: '2026-06-01T09:10:00.000Z',
    publicUrl: 'https://scim-contoso.azurewebsites.net/',
  });
  expect(mail.subject).toBe('[SCIM connector] tenant acme: many of the provisioning writes are failing');
  expect(mail.text).toContain(
    'What happened\n  27 of 60 writes and reads by id failed in the last 24 h (45 %; thresholds 20 and 40 %).\n  first seen 2026-06-01T09:10:00.000Z\n  update 400: 27\n',
  );
  expect(mail.text).toContain(
    '140 requests, 39 failed; 27 of 60 writes and reads by id failed; 101 were authenticated',
  );
  expect(mail.text).toContain('Also found\n  12 requests answered 503');
  expect(mail.text).toContain(
    '2026-06-01T10:01:00.000Z | update User u-1 | 400 | invalidValue | Attribute "title" must be a string <not an object>. | c0ffee-1',
  );
  expect(mail.text).toContain('404 on a read by id: 2');
  expect(mail.text).toContain('409 uniqueness: 1');
  expect(mail.text).toMatch(/What Entra will do\n {2}Entra keeps retrying failed objects each cycle/);
  expect(mail.text).toMatch(/What to do\n {2}1\. Read the scimType and detail/);
  expect(mail.text).toContain('Status page\n  https://scim-contoso.azurewebsites.net/scim/status');
  // The HTML form carries the same content, escaped.
  expect(mail.html).toContain('<td>Attribute &#34;title&#34; must be a string &#60;not an object&#62;.</td>');
  expect(mail.html).not.toContain('<not an object>');
});

it('subjects for a changed reason, a reminder, a recovery and an expiring token', () => {
  const subject = (intent: Parameters<typeof renderMail>[0]['intent'], e = ev) =>
    renderMail({ tenant: 'acme', intent, evaluation: e }).subject;
  expect(subject({ kind: 'reasonChanged', reason: 'serviceFaults', previousReason: 'failureRate' })).toBe(
    '[SCIM connector] tenant acme: the connector is answering with server errors (was: many of the provisioning writes are failing)',
  );
  expect(subject({ kind: 'reminder', reason: 'failureRate' })).toBe(
    '[SCIM connector] tenant acme: still — many of the provisioning writes are failing',
  );
  expect(subject({ kind: 'recovered', reason: 'credentials' })).toBe(
    '[SCIM connector] tenant acme: recovered — Entra is using a Secret Token this connector rejects (invalid credentials)',
  );
  expect(subject({ kind: 'seriesWarning', reason: 'backoff', day: 21 })).toBe(
    '[SCIM connector] tenant acme: day 21 of failures, Entra disables the job after 28 days — the provisioning job is in quarantine backoff',
  );
  const expiring = {
    ...ev,
    tokenWarnings: [{ tokenId: 'k1', expires: '2026-06-08T00:00:00.000Z', daysLeft: 6.6, stage: 7 }],
  };
  const mail = renderMail({ tenant: 'acme', intent: { kind: 'tokenExpiry', tokenId: 'k1' }, evaluation: expiring });
  expect(mail.subject).toBe('[SCIM connector] tenant acme: the Secret Token in use expires in 7 days');
  expect(mail.text).toContain('npm run admin -- token revoke acme k1');
  expect(mail.text).toContain('set SCIM_PUBLIC_URL');
});
