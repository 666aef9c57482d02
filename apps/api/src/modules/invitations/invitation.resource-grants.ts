// Invitations that carry resource grants (R8 + R19): invite someone straight into a project or space.
//
// At invitation time each grant is checked with the rules of grantResourceRole, the invitee standing
// in for the grantee: the inviter must manage the resource's members, the role must lie within what
// the inviter holds on that resource (R3), and within the cap of the org roles the invitation gives
// (R19). On acceptance, in the acceptance transaction, each grant is checked again against the
// inviter's rights *then* (they may have been demoted, removed or lost the resource) and the
// member's actual org roles: a grant no longer allowed is skipped, never made, and the skip is
// reported (payload and audit event). A resource deleted meanwhile took its row with it.

import { checkResourceGrantChange, describeResourceGrantProblem, findResourceRole, permissionOf, type Preset, type ResourceTypeDef } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { sql } from 'kysely';
import { anyOf, builder, rowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { Invitation } from './invitation.entity.ts';
import { InvitationResourceGrant } from './invitation-resource-grant.entity.ts';
import { Resource, ResourceGrant } from '../resources/resource.entity.ts';
import { Membership } from '../memberships/membership.entity.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { ValidationError, type FieldIssue } from '../../errors.ts';
import { isUuid, NO_ID } from '../../ids.ts';
import type { RuleActor } from '../memberships/membership.locks.ts';
import { findResource, permissionsOn, permissionsOnListed, resourceType, standingIn, throwGrantProblems, type OrgStanding, type ResourceRow } from '../resources/resource.service.ts';

export interface ResourceGrantInput {
  resourceId: string;
  roleKey: string;
}

export interface CheckedResourceGrant {
  resource: ResourceRow;
  def: ResourceTypeDef;
  roleKey: string;
}

/** Why a grant of an invitation was not made on acceptance. */
export type SkippedGrantReason = 'RESOURCE_GONE' | 'INVITER_GONE' | 'NOT_ALLOWED' | 'GRANT_CEILING' | 'ORG_ROLE_CAP' | 'UNKNOWN_ROLE' | 'SELF_ROLE_CHANGE' | 'ALREADY_GRANTED';

export interface ResourceGrantOutcome {
  resourceId: string;
  roleKey: string;
  applied: boolean;
  /** Null when applied. */
  reason: SkippedGrantReason | null;
  message: string | null;
}

/**
 * Checks an invitation's resource grants for the inviter (inside the invitation's transaction, after
 * the org lock). A resource of another org, an unknown one and one the inviter may not read answer
 * alike (R1). Throws the typed errors grantResourceRole throws.
 */
export async function checkInvitationResourceGrants(
  tx: Em,
  preset: Preset,
  orgId: string,
  inviter: RuleActor,
  invitedOrgRoleKeys: readonly string[],
  grants: readonly ResourceGrantInput[],
  options: {
    /** Where the grants sit in the input (errors name `<path>.resourceGrants.<i>.<field>`); provisioning: ['members', '<row>']. */
    path?: readonly string[];
    /** The grantee when known (provisioning an existing account): R4 applies to them. */
    targetUserId?: string;
  } = {},
): Promise<CheckedResourceGrant[]> {
  if (grants.length === 0) return [];
  const at = [...(options.path ?? []), 'resourceGrants'];
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  grants.forEach((g, i) => {
    if (seen.has(g.resourceId)) issues.push({ path: [...at, String(i), 'resourceId'], message: 'This resource is listed twice' });
    seen.add(g.resourceId);
  });
  if (issues.length) throw new ValidationError(issues);

  const standing = await standingIn(tx, orgId, inviter);
  const checked: CheckedResourceGrant[] = [];
  for (const [i, grant] of grants.entries()) {
    const path = [...at, String(i)];
    const resource = isUuid(grant.resourceId) ? await findResource(tx, grant.resourceId) : undefined;
    const def = resource && resource.org_id === orgId ? resourceType(preset, resource.type) : undefined;
    const perms = resource && def ? await permissionsOn(tx, standing, resource, preset, inviter) : new Set<string>();
    if (!resource || !def || !perms.has(permissionOf(def, 'read'))) {
      throw ValidationError.field([...path, 'resourceId'], 'No such resource in this organization');
    }
    if (!findResourceRole(def, grant.roleKey)) {
      throw ValidationError.field([...path, 'roleKey'], describeResourceGrantProblem({ code: 'UNKNOWN_ROLE', roleKey: grant.roleKey }, def));
    }
    throwGrantProblems(
      checkResourceGrantChange({
        def,
        actorUserId: inviter.id,
        targetUserId: options.targetUserId ?? 'invitee', // an invitee is not yet anyone: R4 cannot apply
        actorOrgPerms: standing.orgPerms,
        actorPermsOnResource: perms,
        targetOrgRoleKeys: invitedOrgRoleKeys,
        currentRoleKey: null,
        nextRoleKey: grant.roleKey,
      }),
      def,
    );
    checked.push({ resource, def, roleKey: grant.roleKey });
  }
  return checked;
}

/** Stores the checked grants of new invitations (written by the unit of work: one multi-row insert for all of them). */
export function storeInvitationResourceGrants(tx: Em, orgId: string, invitationIds: readonly string[], grants: readonly CheckedResourceGrant[]): void {
  for (const invitationId of invitationIds) {
    for (const g of grants) {
      tx.create(InvitationResourceGrant, {
        invitation: tx.getReference(Invitation, invitationId),
        resource: tx.getReference(Resource, g.resource.id),
        organization: tx.getReference(Organization, orgId),
        roleKey: g.roleKey,
      });
    }
  }
}

/** The grants of some invitations with their resources, in the resources' order. */
const grantsOf = (invitationIds: readonly string[]) =>
  builder
    .selectFrom('invitation_resource_grant as g')
    .innerJoin('resource as r', 'r.id', 'g.resource_id')
    .select(['g.invitation_id', 'g.resource_id', 'g.role_key', 'r.name as resource_name', 'r.type as resource_type'])
    .where((eb) => eb('g.invitation_id', '=', anyOf(eb, invitationIds)))
    .orderBy('r.type')
    .orderBy('r.name')
    .orderBy('r.id');

const grantsOfInvitationsQuery = new ShapeCache((_: object, v: { invitationIds: readonly string[] }) => grantsOf(v.invitationIds));

/** The same with what the reader needs to decide whether they may read each resource: its org, creator and their own grant on it. */
const grantsForReaderQuery = new ShapeCache((_: object, v: { invitationIds: readonly string[]; readerId: string }) =>
  grantsOf(v.invitationIds)
    .leftJoin('membership as vm', (join) => join.onRef('vm.org_id', '=', 'r.org_id').on('vm.user_id', '=', v.readerId))
    .leftJoin('resource_grant as vg', (join) => join.onRef('vg.resource_id', '=', 'r.id').onRef('vg.membership_id', '=', 'vm.id'))
    .select(['r.org_id', 'r.created_by_id', 'vg.role_key as reader_grant_role']),
);

export interface InvitationResourceGrantRow {
  invitation_id: string;
  resource_id: string;
  role_key: string;
  /** Null for a reader who may not read the resource (grantsOfInvitationsFor, R1). */
  resource_name: string | null;
  resource_type: string;
}

/** The grants of some invitations, with their resources' names (one statement). */
export async function grantsOfInvitations(em: Em, invitationIds: readonly string[]): Promise<InvitationResourceGrantRow[]> {
  if (invitationIds.length === 0) return [];
  return rowsOf(em, grantsOfInvitationsQuery.prepared({}, { invitationIds: [...invitationIds] }));
}

/**
 * The grants of some invitations as one reader may see them (R1 within the org): whoever sees an
 * invitation (members:read or members:invite) learns which resource roles it gives, but a resource's
 * **name** only when they may read that resource (`<prefix>:read` on it, org role or resource role,
 * after the cap, R19): otherwise `resource_name` is null. The id and type stay (the grant is part of
 * the invitation, and an id tells nothing more: `resource(id)` answers null to that reader).
 * One statement for the grants and the reader's own grants on their resources, plus one standing per
 * organization involved (one in practice): no statement per grant.
 */
export async function grantsOfInvitationsFor(
  em: Em,
  preset: Preset,
  invitationIds: readonly string[],
  reader: RuleActor | null,
): Promise<InvitationResourceGrantRow[]> {
  if (invitationIds.length === 0) return [];
  const found = await rowsOf(em, grantsForReaderQuery.prepared({}, { invitationIds: [...invitationIds], readerId: reader?.id ?? NO_ID }));
  const standings = new Map<string, OrgStanding>();
  const out: InvitationResourceGrantRow[] = [];
  for (const g of found) {
    let readable = false;
    const def = resourceType(preset, g.resource_type);
    if (reader && def) {
      let standing = standings.get(g.org_id);
      if (!standing) {
        standing = await standingIn(em, g.org_id, reader);
        standings.set(g.org_id, standing);
      }
      const listed = { id: g.resource_id, org_id: g.org_id, type: g.resource_type, name: g.resource_name ?? '', created_by_id: g.created_by_id, created_at: new Date(0), grant_role: g.reader_grant_role, sort_key: '' };
      readable = permissionsOnListed(standing, listed, preset, reader).has(permissionOf(def, 'read'));
    }
    out.push({ invitation_id: g.invitation_id, resource_id: g.resource_id, role_key: g.role_key, resource_type: g.resource_type, resource_name: readable ? g.resource_name : null });
  }
  return out;
}

const activeInviter = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('user').select(['id', 'is_platform_admin']).where('id', '=', v.id).where('status', '=', sql.lit('ACTIVE')),
);

const orgRoleKeysOf = new ShapeCache((_: object, v: { membershipId: string }) =>
  builder.selectFrom('membership_role as mr').innerJoin('role as r', 'r.id', 'mr.role_id').select('r.key').where('mr.membership_id', '=', v.membershipId),
);

/** The member's grants among some resources. */
const grantsHeld = new ShapeCache((_: object, v: { membershipId: string; resourceIds: readonly string[] }) =>
  builder
    .selectFrom('resource_grant')
    .select(['resource_id', 'role_key'])
    .where('membership_id', '=', v.membershipId)
    .where((eb) => eb('resource_id', '=', anyOf(eb, v.resourceIds))),
);

/**
 * On acceptance (inside its transaction, after the org and invitation locks): makes each grant the
 * inviter may still make, for the member's actual org roles, and reports the ones skipped.
 * An existing grant on the same resource is left as it is (accepting never changes a role).
 */
export async function applyInvitationResourceGrants(
  tx: Em,
  preset: Preset,
  invitation: { id: string; org_id: string; inviter_id: string | null },
  member: { membershipId: string; userId: string },
): Promise<ResourceGrantOutcome[]> {
  const grants = await grantsOfInvitations(tx, [invitation.id]);
  if (grants.length === 0) return [];
  const skip = (g: InvitationResourceGrantRow, reason: SkippedGrantReason, message: string): ResourceGrantOutcome => ({
    resourceId: g.resource_id,
    roleKey: g.role_key,
    applied: false,
    reason,
    message,
  });
  const inviter = invitation.inviter_id
    ? await rowOf(tx, activeInviter.prepared({}, { id: invitation.inviter_id }))
    : undefined;
  if (!inviter) return grants.map((g) => skip(g, 'INVITER_GONE', 'The person who invited you can no longer grant this role.'));

  const standing = await standingIn(tx, invitation.org_id, { id: inviter.id, isPlatformAdmin: inviter.is_platform_admin });
  const memberOrgRoleKeys = (
    await rowsOf(tx, orgRoleKeysOf.prepared({}, { membershipId: member.membershipId }))
  ).map((r) => r.key);
  const existing = new Map(
    (await rowsOf(tx, grantsHeld.prepared({}, { membershipId: member.membershipId, resourceIds: grants.map((g) => g.resource_id) }))).map((r) => [r.resource_id, r.role_key]),
  );

  const outcomes: ResourceGrantOutcome[] = [];
  for (const grant of grants) {
    const resource = await findResource(tx, grant.resource_id);
    const def = resource && resourceType(preset, resource.type);
    if (!resource || !def) {
      outcomes.push(skip(grant, 'RESOURCE_GONE', 'The resource no longer exists.'));
      continue;
    }
    if (existing.has(resource.id)) {
      outcomes.push(skip(grant, 'ALREADY_GRANTED', `You already hold ${existing.get(resource.id)} on this ${def.name.toLowerCase()}; it was left as it is.`));
      continue;
    }
    const perms = await permissionsOn(tx, standing, resource, preset, { id: inviter.id });
    const problems = perms.has(permissionOf(def, 'read'))
      ? checkResourceGrantChange({
          def,
          actorUserId: inviter.id,
          targetUserId: member.userId,
          actorOrgPerms: standing.orgPerms,
          actorPermsOnResource: perms,
          targetOrgRoleKeys: memberOrgRoleKeys,
          currentRoleKey: null,
          nextRoleKey: grant.role_key,
        })
      : [{ code: 'NOT_ALLOWED' as const, required: [permissionOf(def, 'read')] }];
    const problem = problems[0];
    if (problem) {
      outcomes.push(skip(grant, problem.code, `Not granted: the person who invited you can no longer grant it. ${describeResourceGrantProblem(problem, def)}`));
      continue;
    }
    tx.create(ResourceGrant, {
      resource: tx.getReference(Resource, resource.id),
      membership: tx.getReference(Membership, member.membershipId),
      organization: tx.getReference(Organization, resource.org_id),
      roleKey: grant.role_key,
      grantedById: inviter.id,
    });
    outcomes.push({ resourceId: resource.id, roleKey: grant.role_key, applied: true, reason: null, message: null });
  }
  return outcomes;
}
