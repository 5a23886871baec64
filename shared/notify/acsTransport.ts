import type { TokenCredential } from '@azure/identity';
import type { EmailClientOptions } from '@azure/communication-email';
import type { MailMessage, MailTransport } from './mailTransport';

/**
 * Azure Communication Services Email through its SDK: `SCIM_ACS_ENDPOINT` is the resource's endpoint, reached with
 * the app's managed identity (role Communication and Email Service Owner), or — for local runs against a fake or
 * a resource with local auth — a connection string `endpoint=…;accesskey=…` (HMAC-signed requests).
 * The SDK and @azure/identity are loaded only when this transport is used.
 */
export class AcsTransport implements MailTransport {
  readonly name = 'acs';
  private client?: import('@azure/communication-email').EmailClient;

  /** `credential` and `clientOptions` replace the managed identity and the SDK defaults (tests: a fake over local TLS). */
  constructor(
    private readonly endpoint: string,
    private readonly credential?: TokenCredential,
    private readonly clientOptions: EmailClientOptions = {},
  ) {}

  async send(message: MailMessage): Promise<void> {
    const client = (this.client ??= await this.createClient());
    const poller = await client.beginSend({
      senderAddress: message.from,
      content: { subject: message.subject, plainText: message.text, html: message.html },
      recipients: { to: message.to.map((address) => ({ address })) },
      // No tracking pixels or rewritten links in an operational alert.
      disableUserEngagementTracking: true,
    });
    const result = await poller.pollUntilDone();
    if (result.status !== 'Succeeded')
      throw new Error(`ACS Email ${result.status}: ${result.error?.message ?? 'no reason given'}`);
  }

  private async createClient() {
    const { EmailClient } = await import('@azure/communication-email');
    const isConnectionString = /^endpoint=/i.test(this.endpoint);
    const plainHttp = /^(endpoint=)?http:/i.test(this.endpoint);
    // Only a local fake is served over plain http; the SDK refuses that unless told. A refused or throttled send is
    // released and retried by a later timer run, so the SDK need not wait out long Retry-After answers itself.
    const options: EmailClientOptions = {
      retryOptions: { maxRetries: 2 },
      ...(plainHttp ? { allowInsecureConnection: true } : {}),
      ...this.clientOptions,
    };
    if (isConnectionString) return new EmailClient(this.endpoint, options);
    const credential = this.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
    return new EmailClient(this.endpoint, credential, options);
  }
}
