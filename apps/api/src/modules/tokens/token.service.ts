import { checkTokenPermissions, effectivePermissions, TOKEN_LIMIT_PER_MEMBER, TOKEN_MAX_DAYS } from '@gatehouse/permissions';
import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { sql } from 'kysely';
import { builder, rowOf, ShapeCache } from '../../db/kysely.ts';
import { PersonalAccessToken } from './personal-access-token.entity.ts';
import { AuthError, LimitExceededError, NotFoundError, PolicyError, ValidationError, type FieldIssue } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { generateCredential } from '../../auth/api-key.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { activeMembershipRoles, lockOrganization, withRole } from '../memberships/membership.locks.ts';
import { credentialOf } from './credential.ts';

export interface CreateTokenInput {
  orgId: string;
  name: string;
  permissions: readonly string[];
  /** Null: never expires. */
  expiresInDays: number | null;
}

/** Credentials never mint or revoke credentials: only a person signed in with a session does. */
function requireSession(acting: Acting) {
  if (!acting.user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  // A service account's stand-in carries a credential too (and no id): tokens belong to a person.
  if (credentialOf(acting.user) || acting.user.id === null) throw new AuthError('FORBIDDEN', 'A token cannot manage tokens');
  return acting.user;
}


/** The caller's own membership in the org and its current permissions, read after the lock (R2). */
async function ownMembership(tx: Em, orgId: string, userId: string) {
  const found = await activeMembershipRoles(tx, orgId, userId);
  if (!found[0]) return undefined;
  return { id: found[0].id, permissions: effectivePermissions(found.filter(withRole)) };
}

function validate(input: CreateTokenInput, ownerPerms: ReadonlySet<string>): { name: string; permissions: string[] } {
  const issues: FieldIssue[] = [];
  const name = input.name.trim();
  if (!name) issues.push({ path: ['input', 'name'], message: 'Give the token a name' });
  const permissions = [...new Set(input.permissions)];
  if (permissions.length === 0) issues.push({ path: ['input', 'permissions'], message: 'Choose at least one permission' });
  for (const issue of checkTokenPermissions(input.permissions, ownerPerms)) {
    issues.push({ path: ['input', 'permissions', String(issue.index)], message: issue.message });
  }
  const days = input.expiresInDays;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > TOKEN_MAX_DAYS)) {
    issues.push({ path: ['input', 'expiresInDays'], message: `Between 1 and ${TOKEN_MAX_DAYS} days, or none for no expiry` });
  }
  if (issues.length) throw new ValidationError(issues);
  return { name, permissions };
}

/** How many tokens of a membership are live: not revoked, not expired (the per-member limit). */
const liveTokensOf = (membershipId: string) =>
  builder
    .selectFrom('personal_access_token')
    .select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
    .where((eb) => eb.and([eb('membership_id', '=', membershipId), eb('revoked_at', 'is', null), eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)])]));

/**
 * R23: a member (tokens:create) creates a token for one organization with a subset of their own
 * permissions there. The secret is returned once; only its sha256 is stored.
 */
export async function createPersonalAccessToken(em: Em, acting: Acting, input: CreateTokenInput): Promise<{ token: PersonalAccessToken; secret: string }> {
  const user = requireSession(acting);
  if (!isUuid(input.orgId)) throw new NotFoundError('Organization');
  return inTransaction(em, acting, async (tx) => {
    // The org row lock serializes token creation per organization, so the per-member limit holds under races.
    await lockOrganization(tx, input.orgId);
    const membership = await ownMembership(tx, input.orgId, user.id);
    if (!membership) throw new NotFoundError('Organization');
    if (!membership.permissions.has('tokens:create')) throw new PolicyError('You may not create tokens in this organization');
    const clean = validate(input, membership.permissions);
    const live = await rowOf(tx, liveTokensOf(membership.id));
    if (live!.n >= TOKEN_LIMIT_PER_MEMBER) throw new LimitExceededError(`At most ${TOKEN_LIMIT_PER_MEMBER} live tokens per member and organization`, TOKEN_LIMIT_PER_MEMBER);
    const { secret, hash, hint } = generateCredential('personalAccessToken');
    const expiresAt = input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000);
    // A membership removed meanwhile fails the token's foreign key at the flush: NotFoundError (db/retry.ts).
    const token = tx.create(PersonalAccessToken, {
      id: crypto.randomUUID(), orgId: input.orgId, membershipId: membership.id, userId: user.id, name: clean.name, tokenHash: hash, hint, permissions: clean.permissions, expiresAt,
    });
    recordAudit(tx, acting.actor, {
      orgId: input.orgId,
      action: 'token.created',
      target: { type: 'PersonalAccessToken', id: token.id, label: clean.name },
      after: { name: clean.name, owner: user.email, permissions: clean.permissions, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return { token, secret };
  });
}

/** The token row (only it: `for update of t`) with its owner's address and the transaction's now(). */
const lockedToken = new ShapeCache((_: object, v: { tokenId: string }) =>
  builder
    .selectFrom('personal_access_token as t')
    .innerJoin('user as u', 'u.id', 't.user_id')
    .selectAll('t')
    .select(['u.email as owner_email', sql<Date | string>`now()`.as('db_now')])
    .where('t.id', '=', v.tokenId)
    .forUpdate('t'),
);

/**
 * Revokes a token: its owner, or a members:update holder of its organization (an admin answering a
 * leak). Anyone else, and a foreign id, gets NotFound (R1).
 */
export async function revokePersonalAccessToken(em: Em, acting: Acting, tokenId: string): Promise<PersonalAccessToken> {
  const user = requireSession(acting);
  if (!isUuid(tokenId)) throw new NotFoundError('PersonalAccessToken');
  return inTransaction(em, acting, async (tx) => {
    // The token row locked `for update`: a concurrent revoke or removal either committed before this
    // read (answered below) or waits until this transaction ends. Its columns become the managed entity.
    const found = await rowOf(tx, lockedToken.prepared({}, { tokenId }));
    if (!found) throw new NotFoundError('PersonalAccessToken');
    const { owner_email, db_now, ...columns } = found;
    const token = tx.map(PersonalAccessToken, columns);
    if (!(token.userId === user.id || (await acting.can(token.orgId, 'members:update')))) throw new NotFoundError('PersonalAccessToken');
    // Revoked already (perhaps by a concurrent revoke, which wrote the event): this one answers the same.
    if (token.revokedAt) return token;
    token.revokedAt = db_now instanceof Date ? db_now : new Date(db_now);
    recordAudit(tx, acting.actor, {
      orgId: token.orgId,
      action: 'token.revoked',
      target: { type: 'PersonalAccessToken', id: token.id, label: token.name },
      before: { name: token.name, owner: owner_email },
    });
    return token;
  });
}
