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
import { exec, Params } from '../../db/sql.ts';
import { ValidationError } from '../../errors.ts';
import { checkInvitationResourceGrants, type CheckedResourceGrant, type ResourceGrantInput } from '../invitations/invitation.resource-grants.ts';

/** Resource grants per provisioned person (R22: bounded work per call, bulkLimit × this). */
export const PROVISION_GRANTS_PER_MEMBER = 20;

/** Checks one row's grants for the provisioner; throws the typed errors of grantResourceRole. */
export async function checkProvisionResourceGrants(
  tx: Em,
  preset: Preset,
  orgId: string,
  actor: { id: string; isPlatformAdmin: boolean },
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

/** Makes the checked grants of one new membership (one statement). */
export async function applyProvisionResourceGrants(tx: Em, orgId: string, membershipId: string, grants: readonly CheckedResourceGrant[], grantedById: string | null): Promise<void> {
  if (grants.length === 0) return;
  const p = new Params();
  const membership = p.add(membershipId);
  const org = p.add(orgId);
  const by = p.add(grantedById);
  const values = grants.map((g) => `(${p.add(g.resource.id)}::uuid, ${membership}::uuid, ${org}::uuid, ${p.add(g.roleKey)}, ${by}::uuid)`);
  await exec(tx, `insert into resource_grant (resource_id, membership_id, org_id, role_key, granted_by_id) values ${values.join(', ')}`, p.values);
}

/** How the grants appear in the audit event. */
export function auditedGrants(grants: readonly CheckedResourceGrant[]): { resourceId: string; resource: string; roleKey: string }[] {
  return grants.map((g) => ({ resourceId: g.resource.id, resource: g.resource.name, roleKey: g.roleKey }));
}
