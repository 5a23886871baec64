import type { MailMessage, MailTransport } from './mailTransport';

/** Any SMTP relay (`smtp://user:pass@host:port`, `smtps://…`), through nodemailer; loaded only when used. */
export class SmtpTransport implements MailTransport {
  readonly name = 'smtp';
  private transporter?: import('nodemailer').Transporter;

  constructor(private readonly url: string) {}

  async send(message: MailMessage): Promise<void> {
    if (!this.transporter) {
      const nodemailer = await import('nodemailer');
      this.transporter = nodemailer.createTransport(this.url);
    }
    await this.transporter.sendMail({
      from: message.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
  }
}
