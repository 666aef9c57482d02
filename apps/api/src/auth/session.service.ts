import { LockMode } from '@mikro-orm/core';
import type { Em } from '../db/orm.ts';
import type { App } from '../context.ts';
import { tokenSettings } from '../context.ts';
import { User } from '../modules/users/user.entity.ts';
import { Session } from '../modules/sessions/session.entity.ts';
import { recordAudit, type Actor } from '../modules/audit/audit.service.ts';
import {
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  ValidationError,
  type FieldIssue,
} from '../errors.ts';
import { hashPassword, passwordIssues, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { assertNotThrottled, clearAccountFailures, recordFailure, throttleKeys } from './throttle.ts';
import { hashToken, newOpaqueToken } from './refresh-token.ts';
import { signAccessToken } from './access-token.ts';

export interface IssuedTokens {
  user: User;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** R16: identical answer and similar timing for an unknown email and a wrong password. */
export async function signIn(app: App, em: Em, actor: Actor, email: string, password: string): Promise<IssuedTokens> {
  const normalized = normalizeEmail(email);
  const issues: FieldIssue[] = [];
  if (normalized === '') issues.push({ path: ['email'], message: 'Enter your email address' });
  if (password === '') issues.push({ path: ['password'], message: 'Enter your password' });
  if (password.length > 1024) issues.push({ path: ['password'], message: 'Password is too long' });
  if (issues.length) throw new ValidationError(issues);

  const keys = throttleKeys(normalized, actor.ip);
  await assertNotThrottled(em, keys);
  const user = await em.findOne(User, { email: normalized });
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
  if (!user || !ok || user.status !== 'ACTIVE') {
    await recordFailure(em, keys);
    throw new InvalidCredentialsError();
  }
  await clearAccountFailures(em, keys.account);
  return em.transactional(async (tx) => {
    const u = await tx.findOneOrFail(User, { id: user.id });
    u.lastLoginAt = new Date();
    recordAudit(tx, { ...actor, userId: u.id, label: u.email }, {
      orgId: null,
      action: 'session.signed_in',
      target: { type: 'User', id: u.id, label: u.email },
    });
    return issueTokens(app, tx, u, crypto.randomUUID(), actor);
  });
}

/** Starts a new session family for a user who just proved who they are (sign-in, accepted invitation). */
export function startSession(app: App, em: Em, user: User, actor: Actor): Promise<IssuedTokens> {
  return issueTokens(app, em, user, crypto.randomUUID(), actor);
}

async function issueTokens(app: App, em: Em, user: User, familyId: string, actor: Actor): Promise<IssuedTokens> {
  const { token, hash } = newOpaqueToken();
  const refreshTokenExpiresAt = new Date(Date.now() + app.config.refreshTokenTtlDays * 86_400_000);
  em.create(Session, {
    id: crypto.randomUUID(),
    user,
    familyId,
    tokenHash: hash,
    expiresAt: refreshTokenExpiresAt,
    userAgent: actor.userAgent ?? null,
    ip: actor.ip ?? null,
  });
  await em.flush();
  const access = await signAccessToken(app.keys, tokenSettings(app.config), { userId: user.id, sessionId: familyId });
  return { user, accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: token, refreshTokenExpiresAt };
}

/**
 * R17: rotate on every use. Presenting a token that was already rotated means it leaked or was
 * replayed, so the whole family is revoked.
 */
export async function refreshSession(app: App, em: Em, actor: Actor, refreshToken: string): Promise<IssuedTokens> {
  const outcome = await em.transactional(async (tx) => {
    const session = await tx.findOne(
      Session,
      { tokenHash: hashToken(refreshToken) },
      { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['user'] },
    );
    if (!session || session.revokedAt) return 'invalid' as const;
    if (session.rotatedAt) {
      await revokeFamily(tx, session.familyId);
      recordAudit(tx, actor, {
        orgId: null,
        action: 'session.reuse_detected',
        target: { type: 'User', id: session.user.id, label: session.user.email },
      });
      return 'reused' as const;
    }
    const user = session.user;
    if (session.expiresAt <= new Date() || user.status !== 'ACTIVE') return 'invalid' as const;
    session.rotatedAt = new Date();
    return issueTokens(app, tx, user, session.familyId, actor);
  });
  // The revocation must commit even though the caller gets an error, so it is thrown after the transaction.
  if (outcome === 'invalid' || outcome === 'reused') throw new InvalidRefreshTokenError();
  return outcome;
}

export async function revokeFamily(em: Em, familyId: string): Promise<void> {
  await em.execute(`update session set revoked_at = now() where family_id = ? and revoked_at is null`, [familyId]);
}

export async function revokeAllSessions(em: Em, userId: string): Promise<void> {
  await em.execute(`update session set revoked_at = now() where user_id = ? and revoked_at is null`, [userId]);
}

export async function signOut(em: Em, actor: Actor, sessionId: string): Promise<void> {
  await em.transactional(async (tx) => {
    await revokeFamily(tx, sessionId);
    recordAudit(tx, actor, { orgId: null, action: 'session.signed_out', target: userTarget(actor) });
  });
}

export async function signOutEverywhere(em: Em, actor: Actor, userId: string): Promise<void> {
  await em.transactional(async (tx) => {
    await revokeAllSessions(tx, userId);
    recordAudit(tx, actor, { orgId: null, action: 'session.signed_out_everywhere', target: userTarget(actor) });
  });
}

/** Ends every session of the user (R17) and starts a fresh one for the caller. */
export async function changePassword(
  app: App,
  em: Em,
  actor: Actor,
  userId: string,
  currentPassword: string,
  newPassword: string,
): Promise<IssuedTokens> {
  const user = await em.findOneOrFail(User, { id: userId });
  const issues = passwordIssues(newPassword, ['newPassword'], { email: user.email });
  if (newPassword === currentPassword) issues.push({ path: ['newPassword'], message: 'Choose a password different from the current one' });
  const currentOk = user.passwordHash ? await verifyPassword(user.passwordHash, currentPassword) : false;
  if (!currentOk) issues.unshift({ path: ['currentPassword'], message: 'The current password is incorrect' });
  if (issues.length) throw new ValidationError(issues);
  const passwordHash = await hashPassword(newPassword);
  return em.transactional(async (tx) => {
    const u = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    u.passwordHash = passwordHash;
    u.mustChangePassword = false;
    u.passwordChangedAt = new Date();
    await revokeAllSessions(tx, u.id);
    recordAudit(tx, actor, { orgId: null, action: 'user.password_changed', target: { type: 'User', id: u.id, label: u.email } });
    return issueTokens(app, tx, u, crypto.randomUUID(), actor);
  });
}

function userTarget(actor: Actor) {
  return actor.userId ? { type: 'User', id: actor.userId, label: actor.label } : undefined;
}
