import { sql, type Selectable } from 'kysely';
import { anyOf, builder, rowOf, rowsOf, ShapeCache, type DB } from '../../db/kysely.ts';
import { isOwnerRole } from '@gatehouse/permissions';
import { inTransaction, personOf, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { NotFoundError, PolicyError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { topRoleKey } from '../roles/role.service.ts';
import { findMembership, findMembershipOf, lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { Membership } from '../memberships/membership.entity.ts';
import { Role } from '../roles/role.entity.ts';
import { User } from '../users/user.entity.ts';
import { Organization } from './organization.entity.ts';
import { OwnershipTransfer } from './ownership-transfer.entity.ts';
import { requirePermission } from '../memberships/rule-errors.ts';

export type TransferRow = Selectable<DB['ownership_transfer']>;

const pendingOfOrg = new ShapeCache((_: object, v: { orgId: string }) =>
  builder.selectFrom('ownership_transfer').selectAll().where('org_id', '=', v.orgId).where('status', '=', sql.lit<'PENDING'>('PENDING')),
);

const transferById = new ShapeCache((_: object, v: { id: string }) => builder.selectFrom('ownership_transfer').selectAll().where('id', '=', v.id));

/** The transfer's row locked `for update` (lockTransfer). */
const lockedTransferById = new ShapeCache((_: object, v: { id: string }) => builder.selectFrom('ownership_transfer').selectAll().where('id', '=', v.id).forUpdate());

/** The org's roles of the given keys (the two the accepted transfer hands out). */
const rolesByKey = new ShapeCache((_: object, v: { orgId: string; keys: readonly string[] }) =>
  builder.selectFrom('role').selectAll().where('org_id', '=', v.orgId).where((eb) => eb('key', '=', anyOf(eb, v.keys, 'text'))),
);

export async function pendingTransfer(em: Em, orgId: string): Promise<TransferRow | undefined> {
  return rowOf(em, pendingOfOrg.prepared({}, { orgId }));
}

/** A transfer as a plain row, the shape the GraphQL type reads (from the entity the unit of work wrote). */
export function transferRow(t: OwnershipTransfer): TransferRow {
  return { id: t.id, org_id: t.organization.id, from_user_id: t.fromUser.id, to_membership_id: t.toMembership.id, status: t.status, created_at: t.createdAt, decided_at: t.decidedAt ?? null };
}

/**
 * Locks the transfer's organization, then reads the transfer again and locks its row: an account
 * deletion cascades to transfers without the organization's lock, and must not remove the row
 * between this read and the unit of work's update. Answers the entity the unit of work holds.
 */
async function lockTransfer(tx: Em, transferId: string): Promise<{ transfer: TransferRow; entity: OwnershipTransfer }> {
  const row = isUuid(transferId) ? await rowOf(tx, transferById.prepared({}, { id: transferId })) : undefined;
  if (!row) throw new NotFoundError('Ownership transfer');
  await lockOrganization(tx, row.org_id);
  const fresh = await rowOf(tx, lockedTransferById.prepared({}, { id: transferId }));
  if (!fresh) throw new NotFoundError('Ownership transfer');
  if (fresh.status !== 'PENDING') throw new PolicyError('This transfer was already accepted or cancelled', 'NOT_PENDING');
  return { transfer: fresh, entity: tx.map(OwnershipTransfer, { ...fresh }) };
}

/** R6: the owner offers ownership to another active member; it moves only when they accept. */
export async function requestOwnershipTransfer(em: Em, acting: Acting, orgId: string, toMembershipId: string): Promise<OwnershipTransfer> {
  if (!acting.app.preset.policy.ownershipTransfer) throw new PolicyError('This platform allows several owners: grant the owner role instead', 'PRESET_DISALLOWS');
  const user = personOf(acting); // the offer names its owner (from_user_id): a person
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId) || !isUuid(toMembershipId)) throw new NotFoundError('Membership');
    await lockOrganization(tx, orgId);
    requirePermission(await permissionsAfterLock(tx, orgId, user), 'org:own');
    const target = await findMembership(tx, toMembershipId);
    if (!target || target.org_id !== orgId) throw new NotFoundError('Membership');
    if (target.user_id === user.id) throw new PolicyError('You already own this organization', 'SELF_ACTION');
    if (target.status !== 'ACTIVE' || target.user_status !== 'ACTIVE') throw new PolicyError('Ownership can only go to an active member', 'DISABLED');
    // Set-based on purpose: whatever offer is pending (at most one) is cancelled without reading it
    // first; runs now, before the flush inserts the new one (one pending per organization).
    await tx.nativeUpdate(OwnershipTransfer, { organization: orgId, status: 'PENDING' }, { status: 'CANCELLED', decidedAt: new Date() });
    const transfer = tx.create(OwnershipTransfer, {
      id: crypto.randomUUID(),
      organization: tx.getReference(Organization, orgId),
      fromUser: tx.getReference(User, user.id),
      toMembership: tx.getReference(Membership, target.id),
      status: 'PENDING',
    });
    recordAudit(tx, acting.actor, { orgId, action: 'ownership.transfer_requested', target: { type: 'Membership', id: target.id, label: target.email } });
    return transfer;
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
    const { transfer, entity } = await lockTransfer(tx, transferId);
    const target = await findMembership(tx, transfer.to_membership_id);
    if (!target || target.user_id !== user.id) throw new NotFoundError('Ownership transfer');
    if (target.status !== 'ACTIVE') throw new PolicyError('Your membership is disabled', 'DISABLED');
    const previous = await findMembershipOf(tx, transfer.org_id, transfer.from_user_id);
    // Both memberships with their roles, as stored now (refresh: not what the request read earlier).
    const both = previous ? await tx.find(Membership, { id: [target.id, previous.id] }, { populate: ['roles'], refresh: true }) : [];
    const previousEntity = both.find((m) => m.id === previous?.id);
    const targetEntity = both.find((m) => m.id === target.id);
    if (!previous || !previousEntity || !targetEntity || !previousEntity.roles.getItems().some(isOwnerRole)) {
      throw new PolicyError('The person who offered ownership no longer owns this organization', 'NOT_PERMITTED');
    }
    const topKey = topRoleKey(preset);
    const nextKey = preset.roles.find((r) => r.key !== topKey)!.key;
    const byKey = new Map(
      (await rowsOf(tx, rolesByKey.prepared({}, { orgId: transfer.org_id, keys: [topKey, nextKey] }))).map((r) => [r.key, tx.map(Role, r)]),
    );
    // The unit of work writes both role changes together at flush: one delete, one insert.
    targetEntity.roles.set([byKey.get(topKey)!]);
    previousEntity.roles.set([byKey.get(nextKey)!]);
    tx.assign(entity, { status: 'ACCEPTED', decidedAt: new Date() });
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
export async function cancelOwnershipTransfer(em: Em, acting: Acting, transferId: string): Promise<OwnershipTransfer> {
  const user = acting.user!;
  return inTransaction(em, acting, async (tx) => {
    const { transfer, entity } = await lockTransfer(tx, transferId);
    const target = await findMembership(tx, transfer.to_membership_id);
    if (transfer.from_user_id !== user.id && target?.user_id !== user.id) throw new NotFoundError('Ownership transfer');
    tx.assign(entity, { status: 'CANCELLED', decidedAt: new Date() });
    recordAudit(tx, acting.actor, { orgId: transfer.org_id, action: 'ownership.transfer_cancelled', target: { type: 'Membership', id: transfer.to_membership_id, label: target?.email ?? '' } });
    return entity;
  });
}
