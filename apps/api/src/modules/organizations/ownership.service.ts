import { exactlyOne } from './exactly-one.ts';
import { exec, rows } from '../../db/sql.ts';
import { isOwnerRole } from '@gatehouse/permissions';
import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { NotFoundError, PolicyError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { topRoleKey } from '../roles/role.service.ts';
import { findMembership, findMembershipOf, lockOrganization, permissionsAfterLock, replaceMembershipRoles, rolesOfMembership } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';

export interface TransferRow {
  id: string;
  org_id: string;
  from_user_id: string;
  to_membership_id: string;
  status: 'PENDING' | 'ACCEPTED' | 'CANCELLED';
  created_at: Date;
  decided_at: Date | null;
}

export async function pendingTransfer(em: Em, orgId: string): Promise<TransferRow | undefined> {
  return (await rows<TransferRow>(em, `select * from ownership_transfer where org_id = $1 and status = 'PENDING'`, [orgId]))[0];
}

async function lockTransfer(tx: Em, transferId: string): Promise<TransferRow> {
  const row = isUuid(transferId) ? (await rows<TransferRow>(tx, `select * from ownership_transfer where id = $1`, [transferId]))[0] : undefined;
  if (!row) throw new NotFoundError('Ownership transfer');
  await lockOrganization(tx, row.org_id);
  const fresh = (await rows<TransferRow>(tx, `select * from ownership_transfer where id = $1`, [transferId]))[0]!;
  if (fresh.status !== 'PENDING') throw new PolicyError('This transfer was already accepted or cancelled', 'NOT_PENDING');
  return fresh;
}

/** R6: the owner offers ownership to another active member; it moves only when they accept. */
export async function requestOwnershipTransfer(em: Em, acting: Acting, orgId: string, toMembershipId: string): Promise<string> {
  if (!acting.app.preset.policy.ownershipTransfer) throw new PolicyError('This platform allows several owners: grant the owner role instead', 'PRESET_DISALLOWS');
  const user = acting.user!;
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId) || !isUuid(toMembershipId)) throw new NotFoundError('Membership');
    await lockOrganization(tx, orgId);
    requirePermission(await permissionsAfterLock(tx, orgId, user), 'org:own');
    const target = await findMembership(tx, toMembershipId);
    if (!target || target.org_id !== orgId) throw new NotFoundError('Membership');
    if (target.user_id === user.id) throw new PolicyError('You already own this organization', 'SELF_ACTION');
    if (target.status !== 'ACTIVE' || target.user_status !== 'ACTIVE') throw new PolicyError('Ownership can only go to an active member', 'DISABLED');
    await exec(tx, `update ownership_transfer set status = 'CANCELLED', decided_at = now() where org_id = $1 and status = 'PENDING'`, [orgId]);
    const id = crypto.randomUUID();
    await exec(tx, `insert into ownership_transfer (id, org_id, from_user_id, to_membership_id) values ($1, $2, $3, $4)`, [id, orgId, user.id, target.id]);
    recordAudit(tx, acting.actor, { orgId, action: 'ownership.transfer_requested', target: { type: 'Membership', id: target.id, label: target.email } });
    return id;
  });
}

/**
 * The new owner accepts: they get the top role (alone), the previous owner gets the next role of the
 * preset (Admin), so the organization has exactly one owner at every moment.
 */
export async function acceptOwnershipTransfer(em: Em, acting: Acting, transferId: string): Promise<string> {
  const user = acting.user!;
  const preset = acting.app.preset;
  return inTransaction(em, acting, async (tx) => {
    const transfer = await lockTransfer(tx, transferId);
    const target = await findMembership(tx, transfer.to_membership_id);
    if (!target || target.user_id !== user.id) throw new NotFoundError('Ownership transfer');
    if (target.status !== 'ACTIVE') throw new PolicyError('Your membership is disabled', 'DISABLED');
    const previous = await findMembershipOf(tx, transfer.org_id, transfer.from_user_id);
    if (!previous || !(await rolesOfMembership(tx, previous.id)).some(isOwnerRole)) {
      throw new PolicyError('The person who offered ownership no longer owns this organization', 'NOT_PERMITTED');
    }
    const roleIds = async (key: string) => (await rows<{ id: string }>(tx, `select id from role where org_id = $1 and key = $2`, [transfer.org_id, key]))[0]!.id;
    const topKey = topRoleKey(preset);
    const nextKey = preset.roles.find((r) => r.key !== topKey)!.key;
    await replaceMembershipRoles(tx, target.id, [await roleIds(topKey)]);
    await replaceMembershipRoles(tx, previous.id, [await roleIds(nextKey)]);
    await exactlyOne(tx, 'Ownership transfer', `update ownership_transfer set status = 'ACCEPTED', decided_at = now() where id = $1`, [transfer.id]);
    recordAudit(tx, acting.actor, {
      orgId: transfer.org_id,
      action: 'ownership.transferred',
      target: { type: 'Membership', id: target.id, label: target.email },
      before: { owner: previous.email },
      after: { owner: target.email, previousOwnerRole: nextKey },
    });
    return transfer.org_id;
  });
}

/** The offering owner withdraws, or the recipient declines. */
export async function cancelOwnershipTransfer(em: Em, acting: Acting, transferId: string): Promise<string> {
  const user = acting.user!;
  return inTransaction(em, acting, async (tx) => {
    const transfer = await lockTransfer(tx, transferId);
    const target = await findMembership(tx, transfer.to_membership_id);
    if (transfer.from_user_id !== user.id && target?.user_id !== user.id) throw new NotFoundError('Ownership transfer');
    await exactlyOne(tx, 'Ownership transfer', `update ownership_transfer set status = 'CANCELLED', decided_at = now() where id = $1`, [transfer.id]);
    recordAudit(tx, acting.actor, { orgId: transfer.org_id, action: 'ownership.transfer_cancelled', target: { type: 'Membership', id: transfer.to_membership_id, label: target?.email ?? '' } });
    return transfer.id;
  });
}
