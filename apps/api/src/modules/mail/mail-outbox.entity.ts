import { defineEntity, p } from '@mikro-orm/core';

/** A message written in the transaction of the change that causes it, sent after commit (modules/mail/mailer.ts). */
export const MailOutboxSchema = defineEntity({
  name: 'MailOutbox',
  tableName: 'mail_outbox',
  properties: {
    id: p.uuid().primary(),
    toAddress: p.string(),
    subject: p.string(),
    textBody: p.text(),
    htmlBody: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class MailOutbox extends MailOutboxSchema.class {}
MailOutboxSchema.setClass(MailOutbox);
