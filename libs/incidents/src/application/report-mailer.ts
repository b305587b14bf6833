import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { INCIDENTS_CONFIG, type IncidentsConfig, type SmtpConfig } from './incidents.config';

/** One report by email: the exact bytes go as the attachment `report.json`. */
export interface ReportMail {
  /** Plain address (the part after `mailto:` of the recorded destination). */
  to: string;
  subject: string;
  text: string;
  bytes: Buffer;
  sha256: string;
  /** `X-Oversight-Signature` value over `bytes`. */
  signature: string;
  notificationId: string;
  attempt: number;
}

/** The SMTP server refused or could not be reached; `responseCode` when it answered. */
export class MailError extends Error {
  constructor(
    message: string,
    readonly responseCode: number | null,
  ) {
    super(message);
  }
}

/**
 * Sends report emails through `SMTP_URL` with nodemailer: one connection per message (reports
 * are rare), no pooling, nodemailer's file and URL access off (attachments are in memory).
 */
@Injectable()
export class ReportMailer implements OnApplicationShutdown {
  private transporter?: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(@Inject(INCIDENTS_CONFIG) private readonly config: IncidentsConfig) {}

  get configured(): boolean {
    return this.config.smtp !== null;
  }

  /** Returns the server's reply accepting the message (e.g. `250 2.0.0 Ok: queued as …`). */
  async send(mail: ReportMail): Promise<string> {
    const smtp = this.config.smtp;
    if (!smtp) throw new MailError('SMTP is not configured (SMTP_URL)', null);
    let info: SMTPTransport.SentMessageInfo;
    try {
      info = await this.transport(smtp).sendMail({
        from: smtp.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        // The same on every attempt, like X-Oversight-Delivery: mail systems can de-duplicate.
        messageId: `<${mail.notificationId}@${domainOf(smtp.from)}>`,
        headers: {
          'X-Oversight-Report-SHA256': mail.sha256,
          'X-Oversight-Signature': mail.signature,
          'X-Oversight-Delivery': mail.notificationId,
          'X-Oversight-Attempt': String(mail.attempt),
        },
        attachments: [{ filename: 'report.json', content: mail.bytes, contentType: 'application/json' }],
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number; response?: string; code?: string };
      const detail = e.response ?? e.message;
      throw new MailError(`SMTP ${e.responseCode ?? e.code ?? 'error'}: ${detail}`.trim(), e.responseCode ?? null);
    }
    if (info.rejected.length > 0) throw new MailError(`SMTP: recipient refused (${info.response})`, null);
    return info.response;
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }

  private transport(smtp: SmtpConfig): Transporter<SMTPTransport.SentMessageInfo> {
    const timeout = this.config.delivery.timeoutMs;
    this.transporter ??= createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTLS,
      auth: smtp.user !== null ? { user: smtp.user, pass: smtp.pass ?? '' } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
    return this.transporter;
  }
}

/** Domain of the sender address, for the Message-ID. */
function domainOf(from: string): string {
  return /@([^\s>]+)/.exec(from)?.[1] ?? 'oversight-registry.invalid';
}
