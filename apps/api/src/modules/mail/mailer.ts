import nodemailer, { type Transporter } from 'nodemailer';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import { emOf, type Em, type Orm } from '../../db/orm.ts';
import { builder, execOf, rowsOf, ShapeCache } from '../../db/kysely.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** smtp: delivered to SMTP_URL; outbox: no SMTP configured, kept in the mail_outbox table. */
  readonly mode: 'smtp' | 'outbox';
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer when SMTP_URL is set, else the development outbox. */
export function createMailer(config: Config, orm: Orm, log: Logger): Mailer {
  if (config.smtpUrl) return smtpMailer(config.smtpUrl, config.mailFrom);
  if (config.env === 'production') {
    log.warn('SMTP_URL is not set: mail is kept in the mail_outbox table and not delivered (the devOutbox query is off in production)');
  }
  return outboxMailer(orm, log, config.env !== 'production');
}

function smtpMailer(smtpUrl: string, from: string): Mailer {
  // Never logs message bodies: they carry single-use tokens.
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    mode: 'smtp',
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html });
    },
    close: () => transport.close(),
  };
}

/**
 * One message into the development outbox. created_at is the column's default (the database's clock):
 * the entity's `onCreate` makes the builder ask for it, `default` says so.
 */
const outboxInsert = new ShapeCache((_: object, v: { id: string; to: string; subject: string; text: string; html: string }) =>
  builder.insertInto('mail_outbox').values({ id: v.id, to_address: v.to, subject: v.subject, text_body: v.text, html_body: v.html, created_at: sql<Date>`default` }),
);

function outboxMailer(orm: Orm, log: Logger, printToLog: boolean): Mailer {
  return {
    mode: 'outbox',
    async send(message) {
      await execOf(emOf(orm), outboxInsert.prepared({}, { id: crypto.randomUUID(), to: message.to, subject: message.subject, text: message.text, html: message.html }));
      // Only without SMTP (the embedded development default): the body, with its link and token, is
      // printed so that a developer on a fresh machine can follow it. With SMTP_URL set, or in
      // production, mail bodies never reach the log.
      if (printToLog) log.info({ to: message.to, subject: message.subject }, `development mail (no SMTP_URL configured):\n${message.text}`);
    },
    close: () => {},
  };
}

export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: Date;
  /** created_at as text (microseconds kept), for the keyset cursor. */
  sortKey: string;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listOutbox(
  em: Em,
  filter: { to?: string | null },
  page: { first: number; after: [string | number | null, string | number] | undefined },
): Promise<OutboxMail[]> {
  const to = filter.to?.trim() ? filter.to.trim().toLowerCase() : undefined;
  const after = page.after;
  const query = builder
    .selectFrom('mail_outbox')
    .select((eb) => ['id', 'to_address', 'subject', 'text_body', 'html_body', 'created_at', eb.cast<string>('created_at', 'text').as('sort_key')])
    .$if(to !== undefined, (qb) => qb.where((eb) => eb(eb.fn<string>('lower', ['to_address']), '=', to!)))
    .$if(after !== undefined, (qb) =>
      qb.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(eb.cast<Date>(eb.val(after![0]), 'timestamptz'), eb.cast<string>(eb.val(after![1]), 'uuid')))),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.first + 1);
  const rows = await rowsOf(em, query);
  return rows.map((r) => ({ id: r.id, to: r.to_address, subject: r.subject, text: r.text_body, html: r.html_body, createdAt: new Date(r.created_at), sortKey: r.sort_key }));
}
