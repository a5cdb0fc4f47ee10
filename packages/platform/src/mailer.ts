import type { Transporter } from 'nodemailer'
import type { Logger } from 'pino'

export interface Mail {
  to: string
  subject: string
  text: string
}

export interface SentMail extends Mail {
  created_at: string
}

export interface Mailer {
  send(mail: Mail): Promise<void>
  /** Mails kept for the dev mailbox page (embedded mode), newest first. */
  outbox(): SentMail[]
}

const OUTBOX_LIMIT = 200

/**
 * Sends through SMTP when `SMTP_URL` is set; always keeps a copy for the dev mailbox, and in
 * development also writes the mail to the log (reset links included, as seed 000 does).
 */
export class PlatformMailer implements Mailer {
  private readonly sent: SentMail[] = []
  private transport?: Promise<Transporter>

  constructor(
    private readonly options: { smtpUrl?: string; from: string; logMails: boolean; keepOutbox: boolean },
    private readonly log: Logger,
  ) {}

  async send(mail: Mail) {
    const transport = this.smtp()
    if (transport) await (await transport).sendMail({ from: this.options.from, ...mail })
    if (this.options.keepOutbox) {
      this.sent.unshift({ ...mail, created_at: new Date().toISOString() })
      this.sent.length = Math.min(this.sent.length, OUTBOX_LIMIT)
    }
    if (this.options.logMails)
      this.log.info({ mail: { to: mail.to, subject: mail.subject, text: mail.text } }, 'mail sent (dev)')
    else this.log.info({ subject: mail.subject }, 'mail sent')
  }

  /** The SMTP transport, created on first use (nodemailer loads only when SMTP_URL is set). */
  private smtp(): Promise<Transporter> | undefined {
    const url = this.options.smtpUrl
    if (!url) return undefined
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(url))
    return this.transport
  }

  outbox() {
    return [...this.sent]
  }
}
