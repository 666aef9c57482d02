import type { MailMessage } from '../mail/mailer.ts';
import { secretLink } from '../../http/links.ts';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function mail(to: string, subject: string, lines: string[], link?: string): MailMessage {
  const text = [...lines, ...(link ? ['', link] : []), ''].join('\n');
  const body = lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n');
  const button = link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : '';
  return { to, subject, text, html: `<!doctype html>\n<html><body style="font-family: system-ui, sans-serif; line-height: 1.5">\n${body}\n${button}\n</body></html>` };
}

/** The SPA's confirmation page; the secret travels in the fragment (never in a log or a Referer). */
export function emailConfirmationLink(publicUrl: string, token: string): string {
  return secretLink(publicUrl, '/account/confirm-email', token);
}

export function emailConfirmationMail(input: { publicUrl: string; to: string; token: string; purpose: 'VERIFY' | 'CHANGE' }): MailMessage {
  const link = emailConfirmationLink(input.publicUrl, input.token);
  return input.purpose === 'CHANGE'
    ? mail(input.to, 'Confirm your new email address', [
        'Someone asked to use this address for their Gatehouse account.',
        'If it was you, confirm it with the link below (it works once, for 24 hours). If not, ignore this email: nothing changes.',
      ], link)
    : mail(input.to, 'Confirm your email address', [
        'Confirm that this address is yours with the link below (it works once, for 24 hours).',
      ], link);
}

/** R20: the old address is told as soon as a change is asked for, and again when it happens. */
export function emailChangeRequestedNotice(input: { to: string; newEmail: string }): MailMessage {
  return mail(input.to, 'Your email address is about to change', [
    `A change of your Gatehouse account's email address to ${input.newEmail} was requested.`,
    'It takes effect only when the new address confirms it. If you did not ask for this, change your password and sign out everywhere.',
  ]);
}

export function emailChangedNotice(input: { to: string; newEmail: string }): MailMessage {
  return mail(input.to, 'Your email address was changed', [
    `Your Gatehouse account now uses ${input.newEmail}; this address no longer signs in.`,
    'If you did not make this change, contact your administrator at once.',
  ]);
}
