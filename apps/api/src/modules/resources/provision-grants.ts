// Provisioning that carries resource grants (R7 + R19): add people straight into spaces or projects
// (Spaces adds people by provisioning: "an Operator only accesses spaces assigned to them").
//
// Each grant is checked in the provisioning transaction, after the org lock, exactly like
// grantResourceRole and like an invitation's grants (checkInvitationResourceGrants): the provisioner
// manages the resource's members (FORBIDDEN), the role lies within what they hold on that resource
// (R3, GrantCeilingError), within the cap of the org roles the row gives (R19, ResourceRoleCapError),
// nobody grants themselves (R4, SelfRoleChangeError); an unknown, foreign or unreadable resource
// answers alike (ValidationError on members.<i>.resourceGrants.<j>.resourceId, R1). Any refusal
// refuses the whole call: nothing is stored (R13). The grants are made with the membership, in the
// same transaction, and listed in the `members.provisioned` audit event.

import type { Preset } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { Resource, ResourceGrant } from './resource.entity.ts';
import { Membership } from '../memberships/membership.entity.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { ValidationError } from '../../errors.ts';
import type { RuleActor } from '../memberships/membership.locks.ts';
import { checkInvitationResourceGrants, type CheckedResourceGrant, type ResourceGrantInput } from '../invitations/invitation.resource-grants.ts';

/** Resource grants per provisioned person (R22: bounded work per call, bulkLimit × this). */
export const PROVISION_GRANTS_PER_MEMBER = 20;

/** Checks one row's grants for the provisioner; throws the typed errors of grantResourceRole. */
export async function checkProvisionResourceGrants(
  tx: Em,
  preset: Preset,
  orgId: string,
  actor: RuleActor,
  rowIndex: number,
  target: { userId: string | null; orgRoleKeys: readonly string[] },
  grants: readonly ResourceGrantInput[],
): Promise<CheckedResourceGrant[]> {
  if (grants.length === 0) return [];
  const path = ['members', String(rowIndex)];
  if (grants.length > PROVISION_GRANTS_PER_MEMBER) {
    throw ValidationError.field([...path, 'resourceGrants'], `Use at most ${PROVISION_GRANTS_PER_MEMBER} resource grants per person`);
  }
  if (preset.policy.resourceTypes.length === 0) {
    throw ValidationError.field([...path, 'resourceGrants'], 'This platform has no resources to grant roles on');
  }
  return checkInvitationResourceGrants(tx, preset, orgId, actor, target.orgRoleKeys, grants, { path, targetUserId: target.userId ?? 'new-account' });
}

/**
 * Makes the checked grants of one new membership. Written by the unit of work when the transaction
 * flushes: the grants of every provisioned person go out in one multi-row insert. A membership the
 * unit of work has not written yet is referenced as the entity it holds, so it is inserted first.
 */
export async function applyProvisionResourceGrants(tx: Em, orgId: string, membershipId: string, grants: readonly CheckedResourceGrant[], grantedById: string | null): Promise<void> {
  for (const g of grants) {
    tx.create(ResourceGrant, {
      resource: tx.getReference(Resource, g.resource.id),
      membership: tx.getReference(Membership, membershipId),
      organization: tx.getReference(Organization, orgId),
      roleKey: g.roleKey,
      grantedById,
    });
  }
}

/** How the grants appear in the audit event. */
export function auditedGrants(grants: readonly CheckedResourceGrant[]): { resourceId: string; resource: string; roleKey: string }[] {
  return grants.map((g) => ({ resourceId: g.resource.id, resource: g.resource.name, roleKey: g.roleKey }));
}
