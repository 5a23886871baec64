import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailMessage, MailTransport } from './mailTransport';

/**
 * The local default: each mail becomes an RFC 5322 `.eml` file (any mail client opens it) plus one console line,
 * so `npm start` shows what would be sent without a mail service. nodemailer composes the file.
 */
export class OutboxTransport implements MailTransport {
  readonly name = 'outbox';
  private written = 0;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const nodemailer = await import('nodemailer');
    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = await composer.sendMail({
      from: message.from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${++this.written}.eml`);
    await writeFile(file, info.message);
    this.log(`mail to ${message.to.join(', ')}: "${message.subject}" → ${file}`);
  }
}
