import { builder } from '../builder.ts';
import { InvitationPreviewRef, OutboxMailRef } from '../types/invitation.ts';
import { previewInvitation, type InvitationPreview } from '../../modules/invitations/invitation.service.ts';
import { listOutbox } from '../../modules/mail/mailer.ts';
import { pageArgs, toPage } from '../pagination.ts';

builder.queryField('invitationPreview', (t) =>
  t.field({
    type: InvitationPreviewRef,
    nullable: true,
    description:
      'Public: what an invitation link offers (R8). Null for unknown, revoked or replaced tokens alike. ' +
      'Roles and accountExists are shown only while the invitation can be accepted.',
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => inviteeView(await previewInvitation(ctx.em, args.token)),
  }),
);

/**
 * R1 for an anonymous reader holding a token: only what the invitee needs. While the invitation can
 * be accepted: the organization, who invited, the roles, and whether to sign in or create an account.
 * Once accepted or expired, only that (and whom to ask for a new one): whether an account exists for
 * the address and which roles it offered are nobody's business any more, e.g. of someone who finds an
 * old link in a forwarded mail.
 */
function inviteeView(preview: InvitationPreview | null): InvitationPreview | null {
  if (!preview || preview.status === 'PENDING') return preview;
  return { ...preview, roles: [], accountExists: false };
}

builder.queryField('devOutbox', (t) =>
  t.connection({
    type: OutboxMailRef,
    // Off in production whoever asks; elsewhere platform admins only: it holds other people's invitation links.
    authScopes: (_r, _a, ctx) => (ctx.app.config.env === 'production' ? false : { platformAdmin: true }),
    description:
      'Development and tests only, for platform admins: mail kept in the outbox when no SMTP_URL is configured, newest first. ' +
      'Off in production (FORBIDDEN): mail carries single-use tokens for other people.',
    args: { to: t.arg.string({ description: 'Only mail to this address.' }) },
    resolve: async (_r, args, ctx) => {
      const page = pageArgs(args, { list: 'devOutbox', sort: 'timestamp', id: 'uuid' });
      const rows = await listOutbox(ctx.em, { to: args.to }, page);
      return toPage(rows, page, (m) => [m.sortKey, m.id]);
    },
  }, { name: 'OutboxMailConnection' }),
);
