import { LockMode } from '@mikro-orm/core';
import { sql } from 'kysely';
import type { Em } from '../db/orm.ts';
import { builder, execOf, rowOf, ShapeCache } from '../db/kysely.ts';
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
import { hashPassword, passwordIssues, PASSWORD_MAX, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { countAttempt, recordSuccess, throttleKeys } from './throttle.ts';
import { canonicalEmail, emailIssue, textIssue } from '@gatehouse/permissions';
import { hashToken, newOpaqueToken } from './refresh-token.ts';
import { transaction } from '../db/retry.ts';
import { signAccessToken } from './access-token.ts';

export interface IssuedTokens {
  user: User;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
}

/** The canonical form of a typed address (see canonicalEmail), or the trimmed lower-case text when invalid. */
export function normalizeEmail(email: string): string {
  return canonicalEmail(email) ?? email.trim().toLowerCase();
}

/**
 * R16: identical answer and similar timing for an unknown email and a wrong password. The attempt is
 * counted first (R16, issue: parallel bursts), whatever the input: a refused email still counts.
 * The gate of text rules runs here, after counting, not in the GraphQL input gate.
 */
export async function signIn(app: App, em: Em, actor: Actor, email: string, password: string): Promise<IssuedTokens> {
  const keys = throttleKeys(email, actor.ip);
  await countAttempt(em, keys);
  const issues: FieldIssue[] = [];
  if (email.trim() === '') issues.push({ path: ['email'], message: 'Enter your email address' });
  else {
    const problem = emailIssue(email);
    if (problem) issues.push({ path: ['email'], message: problem });
  }
  if (password === '') issues.push({ path: ['password'], message: 'Enter your password' });
  else {
    const problem = textIssue(password, { maxLength: PASSWORD_MAX });
    if (problem) issues.push({ path: ['password'], message: problem });
  }
  if (issues.length) throw new ValidationError(issues);

  const normalized = canonicalEmail(email)!;
  const user = await em.findOne(User, { email: normalized });
  const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
  if (!user || !ok || user.status !== 'ACTIVE') throw new InvalidCredentialsError();
  const verifiedHash = user.passwordHash;
  const tokens = await transaction(em, async (tx) => {
    // R21: lock the account (shared) as every session-creating path does, and re-check what was
    // verified: a password change, disable or delete that committed meanwhile wins.
    const u = await tx.findOne(User, { id: user.id }, { lockMode: LockMode.PESSIMISTIC_READ, refresh: true });
    if (!u || u.status !== 'ACTIVE' || u.passwordHash !== verifiedHash) return null;
    u.lastLoginAt = new Date();
    recordAudit(tx, { ...actor, userId: u.id, label: u.email }, {
      orgId: null,
      action: 'session.signed_in',
      target: { type: 'User', id: u.id, label: u.email },
    });
    return issueTokens(app, tx, u, crypto.randomUUID(), actor);
  });
  if (!tokens) throw new InvalidCredentialsError();
  await recordSuccess(em, keys);
  return tokens;
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

/** The account a refresh token belongs to, read before the account is locked (R21 lock order). */
const ownerOfToken = new ShapeCache((_: object, v: { tokenHash: string }) => builder.selectFrom('session').select('user_id').where('token_hash', '=', v.tokenHash));

/** The account row, locked: NO KEY UPDATE (see revokeSessions). */
const lockAccount = new ShapeCache((_: object, v: { userId: string }) => builder.selectFrom('user').select('id').where('id', '=', v.userId).forNoKeyUpdate());

/** The sessions of an account (or of one family of it) still open, ended now. */
const endSessions = new ShapeCache((shape: { family: boolean }, v: { userId: string; familyId: string }) =>
  builder
    .updateTable('session')
    .set({ revoked_at: sql<Date>`now()` })
    .where('user_id', '=', v.userId)
    .$if(shape.family, (qb) => qb.where('family_id', '=', v.familyId))
    .where('revoked_at', 'is', null),
);

/**
 * R17: rotate on every use. Presenting a token that was already rotated means it leaked or was
 * replayed, so the whole family is revoked.
 *
 * R21, lock order: every path that creates or ends sessions locks the account row first (refresh and
 * sign-in share it; revocations take it exclusively), then session rows. A refresh that races
 * "sign out everywhere" therefore either commits first, and the revocation's UPDATE (which starts
 * after it) ends the new session too, or waits and then finds its session revoked. No path waits for
 * a session row while holding one, so there is no deadlock.
 */
export async function refreshSession(app: App, em: Em, actor: Actor, refreshToken: string): Promise<IssuedTokens> {
  const tokenHash = hashToken(refreshToken);
  const outcome = await transaction(em, async (tx) => {
    const owner = await rowOf(tx, ownerOfToken.prepared({}, { tokenHash }));
    if (!owner) return 'invalid' as const;
    const user = await tx.findOne(User, { id: owner.user_id }, { lockMode: LockMode.PESSIMISTIC_READ, refresh: true });
    if (!user) return 'invalid' as const;
    const session = await tx.findOne(Session, { tokenHash }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!session || session.revokedAt) return 'invalid' as const;
    if (session.rotatedAt) {
      await revokeSessions(tx, user.id, session.familyId);
      recordAudit(tx, actor, {
        orgId: null,
        action: 'session.reuse_detected',
        target: { type: 'User', id: user.id, label: user.email },
      });
      return 'reused' as const;
    }
    if (session.expiresAt <= new Date() || user.status !== 'ACTIVE') return 'invalid' as const;
    session.rotatedAt = new Date();
    return issueTokens(app, tx, user, session.familyId, actor);
  });
  // The revocation must commit even though the caller gets an error, so it is thrown after the transaction.
  if (outcome === 'invalid' || outcome === 'reused') throw new InvalidRefreshTokenError();
  return outcome;
}

/**
 * Ends one session family, or every session of the user (familyId omitted). Locks the account row
 * first (R21 lock order), so no refresh of that user can be between reading its session and
 * inserting the next one while this runs. NO KEY UPDATE: memberships being inserted for the user
 * (which take KEY SHARE) are not blocked by it.
 */
export async function revokeSessions(em: Em, userId: string, familyId?: string): Promise<void> {
  await execOf(em, lockAccount.prepared({}, { userId }));
  // One set-based update: the unit of work would load every session of the account first.
  await execOf(em, endSessions.prepared({ family: Boolean(familyId) }, { userId, familyId: familyId ?? '' }));
}

export function revokeAllSessions(em: Em, userId: string): Promise<void> {
  return revokeSessions(em, userId);
}

export async function signOut(em: Em, actor: Actor, userId: string, sessionId: string): Promise<void> {
  await transaction(em, async (tx) => {
    await revokeSessions(tx, userId, sessionId);
    recordAudit(tx, actor, { orgId: null, action: 'session.signed_out', target: userTarget(actor) });
  });
}

export async function signOutEverywhere(em: Em, actor: Actor, userId: string): Promise<void> {
  await transaction(em, async (tx) => {
    await revokeSessions(tx, userId);
    recordAudit(tx, actor, { orgId: null, action: 'session.signed_out_everywhere', target: userTarget(actor) });
  });
}

/** Ends every session of the user (R17, R21) and starts a fresh one for the caller. */
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
  const verifiedHash = user.passwordHash;
  const passwordHash = await hashPassword(newPassword);
  return transaction(em, async (tx) => {
    const u = await tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    // Another change (or a reset by an admin) committed since the current password was checked.
    if (u.passwordHash !== verifiedHash) throw ValidationError.field('currentPassword', 'The current password is incorrect');
    u.passwordHash = passwordHash;
    u.mustChangePassword = false;
    u.passwordChangedAt = new Date();
    await revokeSessions(tx, u.id);
    recordAudit(tx, actor, { orgId: null, action: 'user.password_changed', target: { type: 'User', id: u.id, label: u.email } });
    return issueTokens(app, tx, u, crypto.randomUUID(), actor);
  });
}

function userTarget(actor: Actor) {
  return actor.userId ? { type: 'User', id: actor.userId, label: actor.label } : undefined;
}
