import { readSettings } from '../../shared/config';
import { publicUrlOf, transportFor } from '../../shared/notify/notifierSetup';
import { unresolvedSetting } from '../../tools/localHost/functionsHost';

const base = { SCIM_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };

it('has the documented notifier defaults', () => {
  const s = readSettings(base);
  expect(s).toMatchObject({
    SCIM_NOTIFY_SCHEDULE: '0 */5 * * * *',
    SCIM_NOTIFY_TO: [],
    SCIM_NOTIFY_RECOVERY_MINUTES: 60,
    SCIM_MAIL_OUTBOX: './outbox',
    SCIM_ENTRA_JOBS: {},
    SCIM_NOTIFY_RULES: {
      credentialsRejections: 3,
      credentialsWindowMinutes: 60,
      failureRateMinimum: 20,
      failureRatePercent: 40,
      serviceFaults: 10,
      serviceFaultsWindowMinutes: 15,
      silenceMinutes: 90,
      silenceCycles: 3,
      backoffWarningDays: [21, 27],
      tokenExpiryDays: [14, 7, 1],
    },
  });
  expect(transportFor(s, () => {}).name).toBe('outbox');
  expect(publicUrlOf(s)).toBeUndefined();
});

it('reads recipients, a recovery time of 0, rule overrides, Entra jobs, the transport and the public URL', () => {
  const s = readSettings({
    ...base,
    SCIM_NOTIFY_TO: ' ops@example.com, oncall@example.com ',
    SCIM_NOTIFY_RECOVERY_MINUTES: '0',
    SCIM_NOTIFY_RULES: '{"failureRatePercent": 30}',
    SCIM_ENTRA_JOBS: '{"acme": {"servicePrincipalId": "sp", "jobId": "scim.1"}}',
    SCIM_SMTP_URL: 'smtp://127.0.0.1:2525',
    WEBSITE_HOSTNAME: 'scim-contoso.azurewebsites.net',
  });
  expect(s.SCIM_NOTIFY_TO).toEqual(['ops@example.com', 'oncall@example.com']);
  expect(s.SCIM_NOTIFY_RECOVERY_MINUTES).toBe(0);
  expect(s.SCIM_NOTIFY_RULES.failureRatePercent).toBe(30);
  expect(s.SCIM_NOTIFY_RULES.failureRateMinimum).toBe(20);
  expect(s.SCIM_ENTRA_JOBS.acme.jobId).toBe('scim.1');
  expect(transportFor(s, () => {}).name).toBe('smtp');
  expect(transportFor({ ...s, SCIM_ACS_ENDPOINT: 'https://contoso.communication.azure.com' }, () => {}).name).toBe(
    'acs',
  );
  expect(publicUrlOf(s)).toBe('https://scim-contoso.azurewebsites.net');
  expect(publicUrlOf({ ...s, SCIM_PUBLIC_URL: 'https://scim.contoso.com' })).toBe('https://scim.contoso.com');
});

it.each([
  [
    { SCIM_NOTIFY_TO: 'ops@example.com,not-an-address' },
    /SCIM_NOTIFY_TO.*: SCIM_NOTIFY_TO holds comma-separated mail addresses/,
  ],
  [{ SCIM_NOTIFY_RECOVERY_MINUTES: '-5' }, /SCIM_NOTIFY_RECOVERY_MINUTES/],
  [
    { SCIM_NOTIFY_RULES: '{"failureRatePercnt": 30}' },
    /SCIM_NOTIFY_RULES: Unrecognized key\(s\) in object: 'failureRatePercnt'/,
  ],
  [{ SCIM_NOTIFY_SCHEDULE: '*/5 * * * *' }, /six-field NCRONTAB/],
  [{ SCIM_ACS_ENDPOINT: 'https://contoso.communication.azure.com' }, /SCIM_ACS_ENDPOINT needs SCIM_MAIL_FROM/],
  [{ SCIM_SMTP_URL: 'http://relay' }, /SCIM_SMTP_URL starts with smtp:\/\//],
  [{ SCIM_ENTRA_JOBS: '{"acme": {"jobId": "x"}}' }, /SCIM_ENTRA_JOBS\.acme\.servicePrincipalId: Required/],
])('refuses %j with a message naming the setting', (given, message) => {
  expect(() => readSettings({ ...base, ...given })).toThrow(message);
});

it('resolves a %NAME% timer schedule from the app settings like the Functions host, or names the missing one', () => {
  expect(unresolvedSetting('%SCIM_NOTIFY_SCHEDULE%', { SCIM_NOTIFY_SCHEDULE: '0 */5 * * * *' })).toBeUndefined();
  expect(unresolvedSetting('%SCIM_NOTIFY_SCHEDULE%', {})).toBe('SCIM_NOTIFY_SCHEDULE');
  expect(unresolvedSetting('0 */5 * * * *', {})).toBeUndefined();
});
