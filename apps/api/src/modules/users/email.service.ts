import { LockMode } from '@mikro-orm/core';
import { canonicalEmail, emailIssue } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import type { App } from '../../context.ts';
import { transaction } from '../../db/retry.ts';
import { ConflictError, InvalidEmailTokenError, ValidationError } from '../../errors.ts';
import { hashToken, newOpaqueToken } from '../../auth/refresh-token.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { countAttempt, recordSuccess, throttleKeys } from '../../auth/throttle.ts';
import { recordAudit, type Actor } from '../audit/audit.service.ts';
import { User } from './user.entity.ts';
import { EmailToken, type EmailTokenPurpose } from './email-token.entity.ts';
import { emailChangedNotice, emailChangeRequestedNotice, emailConfirmationMail } from './email.mail.ts';

/** How long a confirmation link works. */
const LINK_TTL_MS = 24 * 3_600_000;

/**
 * Replaces the user's pending link (one live link per account) with a new one and returns its
 * secret. Runs inside the caller's transaction, after the account row is locked.
 */
async function issueLink(tx: Em, user: User, purpose: EmailTokenPurpose, email: string): Promise<string> {
  // Set-based on purpose: whatever unused link the account has (none or one) goes without reading it first.
  await tx.nativeDelete(EmailToken, { user: user.id, usedAt: null });
  const { token, hash } = newOpaqueToken();
  tx.create(EmailToken, { id: crypto.randomUUID(), user, purpose, email, tokenHash: hash, expiresAt: new Date(Date.now() + LINK_TTL_MS) });
  await tx.flush();
  return token;
}

/**
 * R20: changing one's own email needs the current password (counted by the sign-in throttle, so it
 * is no password oracle) and a confirmation from the new address. The old address is told at once and
 * stays in force until the link is followed.
 */
export async function requestEmailChange(app: App, em: Em, actor: Actor, userId: string, currentPassword: string, newEmailInput: string): Promise<User> {
  const current = await em.findOneOrFail(User, { id: userId });
  const keys = throttleKeys(current.email, actor.ip);
  await countAttempt(em, keys);
  const newEmail = canonicalEmail(newEmailInput);
  const issues = newEmail ? [] : [{ path: ['newEmail'], message: emailIssue(newEmailInput) ?? 'Not a valid email address' }];
  const passwordOk = current.passwordHash ? await verifyPassword(current.passwordHash, currentPassword) : false;
  if (!passwordOk) issues.unshift({ path: ['currentPassword'], message: 'The current password is incorrect' });
  else await recordSuccess(em, keys);
  if (newEmail && newEmail === current.email) issues.push({ path: ['newEmail'], message: 'This is already your email address' });
  if (issues.length) throw new ValidationError(issues);
  return startEmailChange(app, em, actor, userId, newEmail!, current.passwordHash);
}

/**
 * Sends a CHANGE link to `newEmail` for `userId` and tells the current address. Used by the account
 * holder (after the password check) and by administrators editing someone's basic info: either way
 * nothing changes until the new address's holder follows the link.
 */
export async function startEmailChange(app: App, em: Em, actor: Actor, userId: string, newEmail: string, verifiedHash?: string | null): Promise<User> {
  const { user, token } = await transaction(em, async (tx) => {
    const user = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (verifiedHash !== undefined && user.passwordHash !== verifiedHash) throw ValidationError.field('currentPassword', 'The current password is incorrect');
    if (await tx.count(User, { email: newEmail, id: { $ne: user.id } })) throw new ConflictError('Another account already uses this email', ['newEmail']);
    const token = await issueLink(tx, user, 'CHANGE', newEmail);
    recordAudit(tx, actor, {
      orgId: null,
      action: 'user.email_change_requested',
      target: { type: 'User', id: user.id, label: user.email },
      before: { email: user.email },
      after: { pendingEmail: newEmail },
    });
    return { user, token };
  });
  await app.mailer.send(emailConfirmationMail({ publicUrl: app.config.publicUrl, to: newEmail, token, purpose: 'CHANGE' }));
  await app.mailer.send(emailChangeRequestedNotice({ to: user.email, newEmail }));
  return user;
}

/** R20: a link to prove the account's current address (accounts created by an administrator). */
export async function requestEmailVerification(app: App, em: Em, actor: Actor, userId: string): Promise<User> {
  const { user, token } = await transaction(em, async (tx) => {
    const user = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (user.emailVerifiedAt) return { user, token: null };
    const token = await issueLink(tx, user, 'VERIFY', user.email);
    recordAudit(tx, actor, { orgId: null, action: 'user.email_verification_requested', target: { type: 'User', id: user.id, label: user.email } });
    return { user, token };
  });
  if (token) await app.mailer.send(emailConfirmationMail({ publicUrl: app.config.publicUrl, to: user.email, token, purpose: 'VERIFY' }));
  return user;
}

/**
 * Follows a confirmation link: the holder of the address proved it. Single use, expires, and a link
 * for an address the account no longer has (VERIFY) or one taken meanwhile (CHANGE) is refused.
 */
export async function confirmEmail(app: App, em: Em, actor: Actor, token: string): Promise<User> {
  const outcome = await transaction(em, async (tx) => {
    const found = await tx.findOne(EmailToken, { tokenHash: hashToken(token) }, { populate: ['user'] });
    if (!found) throw new InvalidEmailTokenError();
    const user = await tx.findOneOrFail(User, { id: found.user.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    const link = await tx.findOne(EmailToken, { id: found.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!link || link.usedAt || link.expiresAt <= new Date()) throw new InvalidEmailTokenError();
    link.usedAt = new Date();
    const before = { email: user.email, emailVerified: Boolean(user.emailVerifiedAt) };
    if (link.purpose === 'VERIFY') {
      if (link.email !== user.email) throw new InvalidEmailTokenError();
      user.emailVerifiedAt = new Date();
    } else {
      if (await tx.count(User, { email: link.email, id: { $ne: user.id } })) throw new ConflictError('Another account already uses this email', ['token']);
      user.email = link.email;
      user.emailVerifiedAt = new Date();
    }
    recordAudit(tx, { ...actor, userId: actor.userId ?? user.id, label: actor.userId ? actor.label : user.email }, {
      orgId: null,
      action: link.purpose === 'VERIFY' ? 'user.email_verified' : 'user.email_changed',
      target: { type: 'User', id: user.id, label: user.email },
      before,
      after: { email: user.email, emailVerified: true },
    });
    await tx.flush();
    return { user, oldEmail: before.email };
  });
  if (outcome.oldEmail !== outcome.user.email) {
    await app.mailer.send(emailChangedNotice({ to: outcome.oldEmail, newEmail: outcome.user.email }));
  }
  return outcome.user;
}

/** The address waiting for confirmation, if any (shown to the account holder and its administrators). */
export async function pendingEmailOf(em: Em, userId: string): Promise<string | null> {
  const link = await em.findOne(EmailToken, { user: userId, purpose: 'CHANGE', usedAt: null, expiresAt: { $gt: new Date() } });
  return link?.email ?? null;
}
