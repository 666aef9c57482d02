import type { MailMessage } from '../mail/mailer.ts';
import { secretLink } from '../../http/links.ts';

export interface InvitationMailInput {
  to: string;
  token: string;
  publicUrl: string;
  organizationName: string;
  inviterName: string | null;
  roleNames: string[];
  expiresAt: Date;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The SPA's accept page; the token travels in the fragment, so it never reaches a server log or a Referer. */
export function invitationLink(publicUrl: string, token: string): string {
  return secretLink(publicUrl, '/invitations/accept', token);
}

/** Plain-text and HTML parts with the accept link. */
export function invitationMail(input: InvitationMailInput): MailMessage {
  const link = invitationLink(input.publicUrl, input.token);
  const org = input.organizationName.replace(/[\r\n]+/g, ' ');
  const who = input.inviterName?.replace(/[\r\n]+/g, ' ') || 'Someone';
  const roles = input.roleNames.join(', ');
  const expires = input.expiresAt.toUTCString();
  const text = [
    `${who} invited you to join ${org} on Gatehouse as ${roles}.`,
    '',
    'Accept the invitation:',
    link,
    '',
    `The link works once and expires on ${expires}.`,
    "If you did not expect this invitation, ignore this email.",
    '',
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family: system-ui, sans-serif; line-height: 1.5">
<p>${escapeHtml(who)} invited you to join <strong>${escapeHtml(org)}</strong> on Gatehouse as ${escapeHtml(roles)}.</p>
<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:8px 16px;background:#2563eb;color:#fff;border-radius:6px;text-decoration:none">Accept the invitation</a></p>
<p style="color:#555">Or open this link: <a href="${escapeHtml(link)}">${escapeHtml(link)}</a><br>
It works once and expires on ${escapeHtml(expires)}. If you did not expect this invitation, ignore this email.</p>
</body></html>
`;
  return { to: input.to, subject: `Join ${org} on Gatehouse`, text, html };
}
