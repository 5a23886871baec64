import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, ParsedMail } from 'mailparser';

export interface SmtpSink {
  url: string;
  mails: ParsedMail[];
  /** SMTP envelope recipients of each mail, in order. */
  envelopes: string[][];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (no TLS, no auth) that parses every mail it receives. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const envelopes: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          envelopes.push(session.envelope.rcptTo.map((r) => r.address));
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    envelopes,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
