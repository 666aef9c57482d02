import { canonicalEmail, emailIssue } from '@gatehouse/permissions';
import { checkLeave, checkRoleChange, effectivePermissions, isOwnerRole, type Preset } from '@gatehouse/permissions';
import { inTransaction, personOf, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { builder, rowOf, ShapeCache } from '../../db/kysely.ts';
import { AuthError, ConflictError, LimitExceededError, NotFoundError, PolicyError, ValidationError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { revokeAllSessions } from '../../auth/session.service.ts';
import { generateTemporaryPassword, hashPassword } from '../../auth/passwords.ts';
import {
  findMembershipOf,
  createMembership,
  lockOrganization,
  permissionsAfterLock,
  lockMembershipOf,
  pickRoles,
  rolesInOrg,
  type MembershipRow,
  type RoleRow,
} from './membership.locks.ts';
import { Membership } from './membership.entity.ts';
import { lockMembershipForRoleChange, membershipForWrite } from './membership.role-change.ts';
import { Role } from '../roles/role.entity.ts';
import type { MembershipView } from '../../graphql/views.ts';
import { User } from '../users/user.entity.ts';
import { assertOwnerFloor, ownerFloorMessage, requirePermission, throwRoleChangeProblems } from './rule-errors.ts';
import { assertCanAdministerUser } from '../users/user.rules.ts';
import { applyProvisionResourceGrants, auditedGrants, checkProvisionResourceGrants } from '../resources/provision-grants.ts';
import type { ResourceGrantInput } from '../invitations/invitation.resource-grants.ts';

type Tx = Em;

const roleKeys = (roles: RoleRow[]) => roles.map((r) => r.key);

/** An account by address (the lower(email) index), and whether its holder proved it (R20). */
const accountByEmail = new ShapeCache((_: object, v: { email: string }) =>
  builder
    .selectFrom('user')
    .select((eb) => ['id', 'first_name', 'last_name', eb('email_verified_at', 'is not', null).as('verified')])
    .where((eb) => eb(eb.fn<string>('lower', ['email']), '=', v.email)),
);

const emailOf = new ShapeCache((_: object, v: { userId: string }) => builder.selectFrom('user').select('email').where('id', '=', v.userId));

/**
 * Loads a membership the actor may act on, locks its org (and the membership row) and reads the
 * actor's permissions after the lock.
 */
async function lockMembership(tx: Tx, acting: Acting, membershipId: string) {
  const user = acting.user;
  if (!user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  const locked = isUuid(membershipId) ? await lockMembershipOf(tx, membershipId, user) : undefined;
  if (!locked) throw new NotFoundError('Membership');
  const { membership, actorPerms, roles: current } = locked;
  if (!actorPerms.has('members:read')) throw new NotFoundError('Membership'); // R1: foreign = non-existent
  return { membership, actorPerms, actorId: user.id, current, rows: locked };
}


function target(m: MembershipRow) {
  return { type: 'Membership', id: m.id, label: m.email };
}

/**
 * Replaces the whole role set of a membership (R3, R4, R5, R6). Answers the membership as read under
 * the lock with its new roles, as a view (membership.role-change.ts): nothing is read again.
 */
export async function setMemberRoles(em: Em, acting: Acting, membershipId: string, roleIds: string[]): Promise<MembershipView> {
  return inTransaction(em, acting, async (tx) => {
    const user = acting.user;
    if (!user) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
    const locked = isUuid(membershipId) ? await lockMembershipForRoleChange(tx, membershipId, user, roleIds) : undefined;
    if (!locked) throw new NotFoundError('Membership');
    const { membership, actorPerms, roles: current } = locked;
    if (!actorPerms.has('members:read')) throw new NotFoundError('Membership'); // R1: foreign = non-existent
    requirePermission(actorPerms, 'members:update');
    const { roles: next, unknown } = pickRoles(roleIds, locked.requestedRoles);
    if (unknown.length) throw new ValidationError(unknown.map((i) => ({ path: ['roleIds', String(i)], message: 'Not a role of this organization' })));
    const problems = checkRoleChange({ actorUserId: user.id, targetUserId: membership.user_id, actorPerms, currentRoles: current, nextRoles: next, policy: acting.app.preset.policy });
    // The only owner lowering themselves is told why (LastOwnerError: make another user owner first)
    // rather than a bare R4 refusal, in every preset; others follow R4 or the preset's self-downgrade.
    const floorMessage = ownerFloorMessage(acting.app.preset);
    if (membership.user_id === user.id && current.some(isOwnerRole) && !next.some(isOwnerRole)) {
      await assertOwnerFloor(tx, membership.org_id, membership.id, false, floorMessage);
    }
    throwRoleChangeProblems(problems);
    if (current.some(isOwnerRole)) await assertOwnerFloor(tx, membership.org_id, membership.id, next.some(isOwnerRole), floorMessage);
    // The unit of work writes the difference: the membership as read under the lock, its role links
    // as references (nothing hydrated), then a delete of the links taken away and one insert of the
    // new ones, and the audit row, at flush.
    membershipForWrite(tx, membership, current).roles.set(next.map((r) => tx.getReference(Role, r.id)));
    recordAudit(tx, acting.actor, {
      orgId: membership.org_id,
      action: 'membership.roles_changed',
      target: target(membership),
      before: { roles: roleKeys(current) },
      after: { roles: roleKeys(next) },
    });
    return locked.withRoles(next);
  });
}

/** Disable keeps the membership and its roles but blocks the org (R10); subject to R3, R4 and R5. */
export async function setMembershipStatus(em: Em, acting: Acting, membershipId: string, status: 'ACTIVE' | 'DISABLED'): Promise<Membership> {
  return inTransaction(em, acting, async (tx) => {
    const { membership, actorPerms, actorId, current, rows } = await lockMembership(tx, acting, membershipId);
    requirePermission(actorPerms, 'members:update');
    if (membership.user_id === actorId) throw new PolicyError('You cannot disable or enable your own membership', 'SELF_ACTION');
    if (membership.status === status) return rows.entity;
    // Disabling takes every role's access away, so the grant ceiling applies to all of them.
    throwRoleChangeProblems(
      checkRoleChange({ actorUserId: actorId, targetUserId: membership.user_id, actorPerms, currentRoles: current, nextRoles: [], policy: { ...acting.app.preset.policy, ownerModel: 'multiple' } }),
      { ignore: ['NO_ROLES'] },
    );
    if (status === 'DISABLED' && current.some(isOwnerRole)) await assertOwnerFloor(tx, membership.org_id, membership.id, false, ownerFloorMessage(acting.app.preset));
    // The row is locked (lockMembershipOf), so the update at flush touches exactly it.
    rows.entity.status = status;
    recordAudit(tx, acting.actor, {
      orgId: membership.org_id,
      action: status === 'DISABLED' ? 'membership.disabled' : 'membership.enabled',
      target: target(membership),
      before: { status: membership.status },
      after: { status },
    });
    return rows.entity;
  });
}

/** R9: ends one membership; the account and its other memberships stay. */
export async function removeMember(em: Em, acting: Acting, membershipId: string): Promise<MembershipRow> {
  return inTransaction(em, acting, async (tx) => {
    const { membership, actorPerms, actorId, current, rows } = await lockMembership(tx, acting, membershipId);
    requirePermission(actorPerms, 'members:remove');
    if (membership.user_id === actorId) throw new PolicyError('To remove yourself, leave the organization', 'SELF_ACTION');
    throwRoleChangeProblems(
      checkRoleChange({ actorUserId: actorId, targetUserId: membership.user_id, actorPerms, currentRoles: current, nextRoles: [], policy: { ...acting.app.preset.policy, ownerModel: 'multiple' } }),
      { ignore: ['NO_ROLES'] },
    );
    if (current.some(isOwnerRole)) await assertOwnerFloor(tx, membership.org_id, membership.id, false, ownerFloorMessage(acting.app.preset));
    // Locked by lockMembershipOf: the delete at flush removes exactly this row (its role links and
    // resource grants go with it, by the foreign keys' cascade).
    tx.remove(rows.entity);
    recordAudit(tx, acting.actor, {
      orgId: membership.org_id,
      action: 'membership.removed',
      target: target(membership),
      before: { email: membership.email, status: membership.status, roles: roleKeys(current) },
    });
    return membership;
  });
}

/** R11: a member leaves, subject to the preset's leave rule and the owner floor (R5). */
export async function leaveOrganization(em: Em, acting: Acting, orgId: string): Promise<string> {
  const user = personOf(acting); // a service account holds no membership to leave
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    const found = await findMembershipOf(tx, orgId, user.id);
    // Read again under the org's lock (and locked itself): a removal committed meanwhile answers not found.
    const locked = found ? await lockMembershipOf(tx, found.id, user) : undefined;
    if (!locked || locked.org.id !== orgId) throw new NotFoundError('Organization');
    const { membership, roles: current } = locked;
    const leave = checkLeave(acting.app.preset.policy, effectivePermissions(current));
    if (!leave.ok) throw new PolicyError('Your role may not leave this organization; ask an administrator to remove you', 'LEAVE_NOT_ALLOWED');
    if (current.some(isOwnerRole)) {
      await assertOwnerFloor(tx, orgId, membership.id, false, 'You are the last owner: make someone else an owner before you leave');
    }
    tx.remove(locked.entity);
    recordAudit(tx, acting.actor, {
      orgId,
      action: 'membership.left',
      target: target(membership),
      before: { roles: roleKeys(current) },
    });
    return orgId;
  });
}

export interface ProvisionRow {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  roleIds: string[];
  /** Resource roles made with the new membership (R19); not made for someone already a member. */
  resourceGrants?: readonly ResourceGrantInput[];
}

export interface ProvisionResult {
  email: string;
  status: 'CREATED' | 'ADDED' | 'ALREADY_MEMBER';
  membershipId: string | null;
  userId: string;
  temporaryPassword: string | null;
}

/**
 * R7: add people by email, up to the preset's bulk limit per call. An existing account is added at
 * once; a new one is created with a temporary password returned once. All rows or none.
 */
export async function provisionMembers(em: Em, acting: Acting, orgId: string, rows: ProvisionRow[]): Promise<ProvisionResult[]> {
  const preset: Preset = acting.app.preset;
  if (!preset.policy.provisioning) throw new PolicyError('This platform adds people by invitation only', 'PRESET_DISALLOWS');
  if (rows.length === 0) throw ValidationError.field('members', 'Add at least one person');
  if (rows.length > preset.policy.bulkLimit) {
    throw new LimitExceededError(`Add at most ${preset.policy.bulkLimit} people at a time`, preset.policy.bulkLimit);
  }
  const normalized = rows.map((r) => ({ ...r, email: canonicalEmail(r.email) ?? r.email.trim().toLowerCase(), firstName: r.firstName?.trim() ?? '', lastName: r.lastName?.trim() ?? '' }));
  const issues = normalized.flatMap((r, i) => {
    const out: { path: string[]; message: string }[] = [];
    const problem = emailIssue(r.email);
    if (problem) out.push({ path: ['members', String(i), 'email'], message: problem });
    if (normalized.findIndex((o) => o.email === r.email) !== i) out.push({ path: ['members', String(i), 'email'], message: 'This email is listed twice' });
    if (r.firstName.length > 100) out.push({ path: ['members', String(i), 'firstName'], message: 'Use at most 100 characters' });
    if (r.lastName.length > 100) out.push({ path: ['members', String(i), 'lastName'], message: 'Use at most 100 characters' });
    return out;
  });
  if (issues.length) throw new ValidationError(issues);
  // Hash outside the transaction: argon2 is deliberately slow.
  const passwords = await Promise.all(normalized.map(async () => {
    const temporaryPassword = generateTemporaryPassword();
    return { temporaryPassword, hash: await hashPassword(temporaryPassword) };
  }));
  const user = acting.user!;
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    await lockOrganization(tx, orgId);
    const actorPerms = await permissionsAfterLock(tx, orgId, user);
    requirePermission(actorPerms, 'members:invite');
    const results: ProvisionResult[] = [];
    const grantedRoles: string[][] = [];
    const resourceGrants: ReturnType<typeof auditedGrants>[] = [];
    for (const [i, row] of normalized.entries()) {
      const { roles, unknown } = await rolesInOrg(tx, orgId, row.roleIds);
      grantedRoles.push(roleKeys(roles));
      if (unknown.length) throw new ValidationError(unknown.map((j) => ({ path: ['members', String(i), 'roleIds', String(j)], message: 'Not a role of this organization' })));
      const existing = await rowOf(tx, accountByEmail.prepared({}, { email: row.email }));
      throwRoleChangeProblems(
        checkRoleChange({ actorUserId: user.id, targetUserId: existing?.id ?? 'new', actorPerms, currentRoles: [], nextRoles: roles, policy: preset.policy }),
        { field: ['members', String(i), 'roleIds'] },
      );
      if (existing) {
        const already = await findMembershipOf(tx, orgId, existing.id);
        if (already) {
          results.push({ email: row.email, status: 'ALREADY_MEMBER', membershipId: already.id, userId: existing.id, temporaryPassword: null });
          continue;
        }
        // R20: an address its holder never proved (an account another admin created with it) is not
        // matched: whoever holds that account may not be the person behind the address.
        if (!existing.verified && !user.isPlatformAdmin) {
          throw ValidationError.field(
            ['members', String(i), 'email'],
            'An account uses this address but has not confirmed it yet: send an invitation instead (following its link proves the address)',
          );
        }
        const grants = await checkProvisionResourceGrants(tx, preset, orgId, user, i, { userId: existing.id, orgRoleKeys: roleKeys(roles) }, row.resourceGrants ?? []);
        const membershipId = createMembership(tx, { orgId, userId: existing.id, roles, addedById: user.id }).id;
        await applyProvisionResourceGrants(tx, orgId, membershipId, grants, user.id);
        resourceGrants[i] = auditedGrants(grants);
        results.push({ email: row.email, status: 'ADDED', membershipId, userId: existing.id, temporaryPassword: null });
      } else {
        const grants = await checkProvisionResourceGrants(tx, preset, orgId, user, i, { userId: null, orgRoleKeys: roleKeys(roles) }, row.resourceGrants ?? []);
        const userId = tx.create(User, { id: crypto.randomUUID(), email: row.email, firstName: row.firstName, lastName: row.lastName, passwordHash: passwords[i]!.hash, mustChangePassword: true }).id;
        const membershipId = createMembership(tx, { orgId, userId, roles, addedById: user.id }).id;
        await applyProvisionResourceGrants(tx, orgId, membershipId, grants, user.id);
        resourceGrants[i] = auditedGrants(grants);
        results.push({ email: row.email, status: 'CREATED', membershipId, userId, temporaryPassword: passwords[i]!.temporaryPassword });
      }
    }
    // The accounts, memberships, role links and resource grants are written together when the unit of
    // work flushes at commit, one multi-row insert per table; a concurrent request that took an address
    // meanwhile fails the insert and the whole transaction runs again (withRetry), seeing its account.
    recordAudit(tx, acting.actor, {
      orgId,
      action: 'members.provisioned',
      target: { type: 'Organization', id: orgId },
      after: {
        members: results.map((r, i) => ({ email: r.email, userId: r.userId, outcome: r.status, roles: grantedRoles[i], ...(resourceGrants[i]?.length ? { resourceGrants: resourceGrants[i] } : {}) })),
      },
    });
    return results;
  });
}

/** R7: a new temporary password for a member; their sessions end. Only for users the actor fully administers. */
export async function resetMemberPassword(em: Em, acting: Acting, membershipId: string): Promise<{ userId: string; temporaryPassword: string }> {
  const temporaryPassword = generateTemporaryPassword();
  const hash = await hashPassword(temporaryPassword);
  return inTransaction(em, acting, async (tx) => {
    const { membership, actorPerms, actorId, rows } = await lockMembership(tx, acting, membershipId);
    requirePermission(actorPerms, 'members:update');
    if (membership.user_id === actorId) throw new PolicyError('Change your own password from My account', 'SELF_ACTION');
    await assertCanAdministerUser(tx, acting, membership.user_id);
    // The account is the one read under the lock; its membership row is locked too, so it cannot be
    // deleted before the update at flush (a deletion would cascade to that row).
    tx.assign(rows.entity.user, { passwordHash: hash, mustChangePassword: true, passwordChangedAt: new Date() });
    await revokeAllSessions(tx, membership.user_id);
    recordAudit(tx, acting.actor, { orgId: membership.org_id, action: 'user.password_reset', target: { type: 'User', id: membership.user_id, label: membership.email } });
    return { userId: membership.user_id, temporaryPassword };
  });
}

/** R15: a platform admin gives a user access to another organization. */
export async function grantOrganizationAccess(em: Em, acting: Acting, userId: string, orgId: string, roleIds: string[]): Promise<Membership> {
  if (!acting.user?.isPlatformAdmin) throw new AuthError('FORBIDDEN', 'Only platform admins can do this');
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    if (!isUuid(userId)) throw new NotFoundError('User');
    await lockOrganization(tx, orgId);
    const userRow = await rowOf(tx, emailOf.prepared({}, { userId }));
    if (!userRow) throw new NotFoundError('User');
    if (await findMembershipOf(tx, orgId, userId)) throw new ConflictError('This user is already a member of that organization', ['organizationId']);
    const { roles, unknown } = await rolesInOrg(tx, orgId, roleIds);
    if (unknown.length) throw new ValidationError(unknown.map((i) => ({ path: ['roleIds', String(i)], message: 'Not a role of this organization' })));
    throwRoleChangeProblems(
      checkRoleChange({ actorUserId: acting.user!.id, targetUserId: userId, actorPerms: await permissionsAfterLock(tx, orgId, acting.user!), currentRoles: [], nextRoles: roles, policy: acting.app.preset.policy }),
    );
    const membership = createMembership(tx, { orgId, userId, roles, addedById: acting.user!.id });
    recordAudit(tx, acting.actor, {
      orgId,
      action: 'membership.granted',
      target: { type: 'Membership', id: membership.id, label: userRow.email },
      after: { roles: roleKeys(roles) },
    });
    return membership;
  });
}
