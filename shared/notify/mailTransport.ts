/** One outgoing mail, already rendered. */
export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Where mail goes: Azure Communication Services, an SMTP relay, or `.eml` files (docs/operations.md#notifications). */
export interface MailTransport {
  readonly name: string;
  /** Resolves once the service accepted the mail; rejects when it surely was not sent. */
  send(message: MailMessage): Promise<void>;
}
