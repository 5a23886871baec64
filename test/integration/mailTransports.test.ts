import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { TokenCredential } from '@azure/identity';
import { AcsTransport } from '../../shared/notify/acsTransport';
import { SmtpTransport } from '../../shared/notify/smtpTransport';
import { OutboxTransport } from '../../shared/notify/outboxTransport';
import type { MailMessage } from '../../shared/notify/mailTransport';
import { FakeAcsEmail, startFakeAcsEmail } from '../../tools/fakes/fakeAcsEmail';
import { SmtpSink, startSmtpSink } from '../../tools/fakes/smtpSink';
import { localTls } from '../support/localTls';

const MESSAGE: MailMessage = {
  from: 'DoNotReply@contoso.azurecomm.net',
  to: ['ops@example.com', 'oncall@example.com'],
  subject: '[SCIM connector] tenant acme: Entra is using a Secret Token this connector rejects (invalid credentials)',
  text: 'What happened\n  20 requests were rejected with 401.',
  html: '<p>20 requests were rejected with 401 &amp; none authenticated.</p>',
};

/** What a managed identity hands the SDK; the fake checks the same value. */
const staticCredential = (token: string, scopes: string[] = []): TokenCredential => ({
  getToken: async (scope) => {
    scopes.push(...(Array.isArray(scope) ? scope : [scope]));
    return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
});

describe('Azure Communication Services Email through the real SDK and a fake of its REST protocol', () => {
  let acs: FakeAcsEmail;
  let tlsAcs: FakeAcsEmail;
  const tls = localTls();
  beforeAll(async () => {
    acs = await startFakeAcsEmail();
    tlsAcs = await startFakeAcsEmail({ bearerToken: 'managed-identity-token', tls });
  });
  afterAll(async () => {
    await acs.close();
    await tlsAcs.close();
  });

  it('sends with an access key: the HMAC signature (with host and port) checks out, and polling reaches Succeeded', async () => {
    await new AcsTransport(acs.connectionString).send(MESSAGE);
    expect(acs.auth).toEqual(['hmac', 'hmac', 'hmac']); // the send, then two polls of its operation (Running, Succeeded)
    const sent = acs.messages[acs.messages.length - 1];
    expect(sent).toMatchObject({
      senderAddress: MESSAGE.from,
      content: { subject: MESSAGE.subject, plainText: MESSAGE.text, html: MESSAGE.html },
      recipients: { to: [{ address: 'ops@example.com' }, { address: 'oncall@example.com' }] },
      userEngagementTrackingDisabled: true,
    });
  });

  it('sends with a token credential (the managed identity path, https only) for the Communication Services scope', async () => {
    const scopes: string[] = [];
    await new AcsTransport(tlsAcs.endpoint, staticCredential('managed-identity-token', scopes), {
      agent: tls.agent,
    }).send(MESSAGE);
    expect(tlsAcs.auth).toEqual(['bearer', 'bearer', 'bearer']);
    expect(scopes).toContain('https://communication.azure.com//.default');
    await expect(
      new AcsTransport(tlsAcs.endpoint, staticCredential('some other token'), { agent: tls.agent }).send(MESSAGE),
    ).rejects.toThrow();
    expect(tlsAcs.auth[tlsAcs.auth.length - 1]).toBe('wrong bearer token');
  });

  it('rejects when the key is wrong, when the service drops the mail, and when the quota is exceeded', async () => {
    const wrongKey = acs.connectionString.replace(
      /accesskey=.*/,
      `accesskey=${Buffer.from('not the key').toString('base64')}`,
    );
    await expect(new AcsTransport(wrongKey).send(MESSAGE)).rejects.toThrow();
    expect(acs.auth[acs.auth.length - 1]).toBe('bad signature');

    acs.failNext = 1;
    await expect(new AcsTransport(acs.connectionString).send(MESSAGE)).rejects.toThrow(/EmailDropped|dropped/);

    acs.throttled = true;
    try {
      const before = acs.auth.length;
      await expect(new AcsTransport(acs.connectionString).send(MESSAGE)).rejects.toThrow(/Too many requests/);
      expect(acs.auth.length - before).toBe(3); // the send and the transport's two retries, then the notifier's next run
    } finally {
      acs.throttled = false;
    }
  }, 30_000);
});

describe('SMTP through nodemailer to a real SMTP server', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(() => sink.close());

  it('delivers one multipart mail (text and HTML) to every recipient', async () => {
    await new SmtpTransport(sink.url).send(MESSAGE);
    expect(sink.envelopes).toEqual([['ops@example.com', 'oncall@example.com']]);
    const mail = sink.mails[0];
    expect(mail.subject).toBe(MESSAGE.subject);
    expect(mail.text?.trim()).toBe(MESSAGE.text);
    expect(mail.html).toBe(MESSAGE.html);
    expect(mail.from?.value[0].address).toBe(MESSAGE.from);
  });

  it('rejects when no server listens, so the claim is released for a later run', async () => {
    await expect(new SmtpTransport('smtp://127.0.0.1:1').send(MESSAGE)).rejects.toThrow();
  });
});

describe('the .eml outbox (the npm start default)', () => {
  it('writes a mail any client opens and says so on the console', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    const lines: string[] = [];
    await new OutboxTransport(join(dir, 'nested'), (l) => lines.push(l)).send(MESSAGE);
    const [file] = readdirSync(join(dir, 'nested'));
    expect(file).toMatch(/\.eml$/);
    const mail = await simpleParser(readFileSync(join(dir, 'nested', file)));
    expect(mail.subject).toBe(MESSAGE.subject);
    expect(mail.html).toBe(MESSAGE.html);
    expect(lines).toEqual([
      `mail to ops@example.com, oncall@example.com: "${MESSAGE.subject}" → ${join(dir, 'nested', file)}`,
    ]);
  });
});
