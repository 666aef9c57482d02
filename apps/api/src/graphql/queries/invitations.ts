import { builder } from '../builder.ts';
import { InvitationPreviewRef, OutboxMailRef } from '../types/invitation.ts';
import { previewInvitation } from '../../modules/invitations/invitation.service.ts';
import { listOutbox } from '../../modules/mail/mailer.ts';
import { encodeCursor, pageArgs, toPage } from '../pagination.ts';

builder.queryField('invitationPreview', (t) =>
  t.field({
    type: InvitationPreviewRef,
    nullable: true,
    description: 'Public: what an invitation link offers (R8). Null for unknown, revoked or replaced tokens alike.',
    args: { token: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => previewInvitation(ctx.em, args.token),
  }),
);

builder.queryField('devOutbox', (t) =>
  t.connection({
    type: OutboxMailRef,
    authScopes: { platformAdmin: true },
    description: 'Platform admins: mail kept in the development outbox when no SMTP_URL is configured, newest first.',
    args: { to: t.arg.string({ description: 'Only mail to this address.' }) },
    resolve: async (_r, args, ctx) => {
      const page = pageArgs(args);
      const rows = await listOutbox(ctx.em, { to: args.to }, page);
      return toPage(rows, page.first, Boolean(page.after), (m) => encodeCursor(m.sortKey, m.id));
    },
  }, { name: 'OutboxMailConnection' }),
);
