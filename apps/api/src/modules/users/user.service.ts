import type { Em } from '../../db/orm.ts';
import type { Selectable } from 'kysely';
import { anyOf, builder, type DB, rowOf, rowsOf } from '../../db/kysely.ts';
import { User } from './user.entity.ts';
import { isOwnerRole } from '@gatehouse/permissions';
import { inTransaction, type Acting } from '../../acting.ts';
import { AuthError, ConflictError, NotFoundError, PolicyError, ValidationError, type FieldIssue } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { revokeAllSessions } from '../../auth/session.service.ts';
import { canonicalEmail, emailIssue } from '@gatehouse/permissions';
import { startEmailChange } from './email.service.ts';
import { lockOrganization, permissionsAfterLock, rolesOfMembership } from '../memberships/membership.locks.ts';
import { assertOwnerFloor, requirePermission } from '../memberships/rule-errors.ts';
import { assertCanAdministerUser } from './user.rules.ts';

/** How many memberships a user has among some organizations (does the actor share one with them?). */
const membershipsIn = (userId: string, orgIds: readonly string[]) =>
  builder.selectFrom('membership').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).where('user_id', '=', userId).where((eb) => eb('org_id', '=', anyOf(eb, orgIds)));

/** The account row, whole and locked (see loadUserRow). */
const lockedUser = (userId: string) => builder.selectFrom('user').selectAll().where('id', '=', userId).forNoKeyUpdate();
/** A row of "user" as the builder knows it (columns from the entity). */
type UserRow = Selectable<DB['user']>;

/** Another account using an address (lower-cased as the unique index on `lower(email)` is). */
const emailTakenBy = (email: string, exceptId: string) =>
  builder.selectFrom('user').select('id').where((eb) => eb(eb.fn<string>('lower', ['email']), '=', email)).where('id', '<>', exceptId);

/**
 * Locks the account row (`for no key update`: nothing else changes or deletes it until commit) and
 * reads it whole; `entity` is that row in the unit of work, so changes to it are written at flush.
 */
async function loadUserRow(acting: Acting, tx: Em, userId: string): Promise<UserRow & { entity: User }> {
  const found = isUuid(userId) ? await rowOf(tx, lockedUser(userId)) : undefined;
  if (!found) throw new NotFoundError('User');
  const row = { ...found, entity: tx.map(User, found) };
  // R1: someone the actor cannot see answers as non-existent.
  if (!acting.user!.isPlatformAdmin && row.id !== acting.user!.id) {
    const readable = await acting.orgIdsWith('members:read');
    const shared = readable === 'all' ? 1 : (readable.length
      ? (await rowOf(tx, membershipsIn(row.id, readable)))!.n
      : 0);
    if (!shared) throw new NotFoundError('User');
  }
  return row;
}

/**
 * Basic info: by the user, a platform admin, or an admin of every org the user belongs to. Names
 * change at once; an email never does (R20): an administrator's new address gets a confirmation link
 * and takes effect when its holder follows it, and the account holder uses requestEmailChange.
 */
export async function updateUser(em: Em, acting: Acting, userId: string, input: { email?: string | null; firstName?: string | null; lastName?: string | null }): Promise<User> {
  const issues: FieldIssue[] = [];
  const email = input.email == null ? undefined : canonicalEmail(input.email);
  if (input.email != null && !email) issues.push({ path: ['input', 'email'], message: emailIssue(input.email) ?? 'Not a valid email address' });
  for (const field of ['firstName', 'lastName'] as const) {
    const value = input[field];
    if (value !== undefined && value !== null && value.trim().length > 100) issues.push({ path: ['input', field], message: 'Use at most 100 characters' });
  }
  if (issues.length) throw new ValidationError(issues);
  let emailChange: string | undefined;
  const user = await inTransaction(em, acting, async (tx) => {
    const row = await loadUserRow(acting, tx, userId);
    await assertCanAdministerUser(tx, acting, row.id);
    if (email && email !== row.email) {
      if (row.id === acting.user!.id) {
        throw ValidationError.field(['input', 'email'], 'Your own email changes with your current password and a confirmation link: use "Change email"');
      }
      const taken = await rowOf(tx, emailTakenBy(email, row.id));
      if (taken) throw new ConflictError('Another account already uses this email', ['input', 'email']);
      emailChange = email;
    }
    const next = {
      first_name: input.firstName?.trim() ?? row.first_name,
      last_name: input.lastName?.trim() ?? row.last_name,
    };
    if (next.first_name === row.first_name && next.last_name === row.last_name) return row.entity;
    // Locked by loadUserRow: the update at flush touches exactly this row.
    tx.assign(row.entity, { firstName: next.first_name, lastName: next.last_name });
    recordAudit(tx, acting.actor, {
      orgId: null,
      action: 'user.updated',
      target: { type: 'User', id: row.id, label: row.email },
      before: { firstName: row.first_name, lastName: row.last_name },
      after: { firstName: next.first_name, lastName: next.last_name },
    });
    return row.entity;
  });
  if (emailChange) await startEmailChange(acting.app, em, acting.actor, user.id, emailChange);
  return user;
}

/** Owner floor for every org where the user is an owner, locking those orgs in id order (no deadlocks). */
async function assertNotLastOwnerAnywhere(tx: Em, userId: string, message: string): Promise<void> {
  const memberships = await rowsOf(tx, builder.selectFrom('membership').select(['id', 'org_id']).where('user_id', '=', userId).orderBy('org_id'));
  for (const m of memberships) {
    if (!(await rolesOfMembership(tx, m.id)).some(isOwnerRole)) continue;
    await lockOrganization(tx, m.org_id);
    await assertOwnerFloor(tx, m.org_id, m.id, false, message);
  }
}

/**
 * R9: erases the account from every org. Platform admins always; an org admin (members:remove) only
 * when the user belongs to no other org. R5 holds in every org the user owns.
 */
export async function deleteUser(em: Em, acting: Acting, userId: string, orgId: string | null): Promise<string> {
  const actor = acting.user!;
  return inTransaction(em, acting, async (tx) => {
    const row = await loadUserRow(acting, tx, userId);
    if (row.id === actor.id) throw new PolicyError('You cannot delete your own account here', 'SELF_ACTION');
    const orgs = (await rowsOf(tx, builder.selectFrom('membership').select('org_id').where('user_id', '=', row.id))).map((r) => r.org_id);
    if (!actor.isPlatformAdmin) {
      if (!orgId || !isUuid(orgId) || !orgs.includes(orgId)) throw new NotFoundError('User');
      await lockOrganization(tx, orgId);
      requirePermission(await permissionsAfterLock(tx, orgId, actor), 'members:remove');
      if (orgs.length > 1) {
        throw new PolicyError('This person also belongs to other organizations: remove them from this one instead, or ask a platform admin', 'OUTSIDE_AUTHORITY');
      }
      if (row.is_platform_admin) throw new PolicyError('Only platform admins can delete a platform admin', 'OUTSIDE_AUTHORITY');
      await assertCanAdministerUser(tx, acting, row.id);
    }
    await assertNotLastOwnerAnywhere(tx, row.id, 'This person is the last owner of an organization: make someone else an owner first');
    // Locked by loadUserRow, so deleted exactly at flush; memberships, sessions and the rest go by the foreign keys' cascade.
    tx.remove(row.entity);
    // Deleted from an organization's page: that org's log records it, naming only that org (R1: no
    // org's log shows the others the person was in). From the platform pages: a platform event with
    // every org.
    const inOrg = orgId && isUuid(orgId) && orgs.includes(orgId) ? orgId : null;
    recordAudit(tx, acting.actor, {
      orgId: inOrg,
      action: 'user.deleted',
      target: { type: 'User', id: row.id, label: row.email },
      before: { email: row.email, firstName: row.first_name, lastName: row.last_name, organizations: inOrg ? [inOrg] : orgs },
    });
    return row.id;
  });
}

/** R10: a platform admin disables (blocks everything, ends sessions) or enables an account. */
export async function setUserStatus(em: Em, acting: Acting, userId: string, status: 'ACTIVE' | 'DISABLED'): Promise<User> {
  if (!acting.user?.isPlatformAdmin) throw new AuthError('FORBIDDEN', 'Only platform admins can do this');
  return inTransaction(em, acting, async (tx) => {
    const row = await loadUserRow(acting, tx, userId);
    if (row.id === acting.user!.id) throw new PolicyError('You cannot disable your own account', 'SELF_ACTION');
    if (row.status === status) return row.entity;
    if (status === 'DISABLED') {
      await assertNotLastOwnerAnywhere(tx, row.id, 'This person is the last active owner of an organization: make someone else an owner first');
      await revokeAllSessions(tx, row.id);
    }
    row.entity.status = status;
    recordAudit(tx, acting.actor, {
      orgId: null,
      action: status === 'DISABLED' ? 'user.disabled' : 'user.enabled',
      target: { type: 'User', id: row.id, label: row.email },
      before: { status: row.status },
      after: { status },
    });
    return row.entity;
  });
}
