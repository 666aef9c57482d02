import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { resourceGid, resourceIdOf } from '../resource-id.ts';
import type { PermissionKey } from '@gatehouse/permissions';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import type { Context } from '../../context.ts';
import { isUuid } from '../../ids.ts';
import { MembershipRef, MembershipStatusEnum } from '../types/membership.ts';
import { OrganizationRef } from '../types/organization.ts';
import { RoleRef } from '../types/role.ts';
import { UserRef } from '../types/user.ts';
import { Membership } from '../../modules/memberships/membership.entity.ts';
import { User } from '../../modules/users/user.entity.ts';
import * as members from '../../modules/memberships/membership.service.ts';
import { activeIn } from '../../modules/visibility.ts';
import { orgIdOfMembership } from '../../modules/memberships/membership.queries.ts';
import type { MembershipView } from '../views.ts';
import {
  ConflictError,
  GrantCeilingError,
  LastOwnerError,
  LimitExceededError,
  NotFoundError,
  PolicyError,
  ResourceRoleCapError,
  SelfRoleChangeError,
  ValidationError,
} from '../../errors.ts';

/** Scope for mutations addressed by membership id: the permission in the membership's org. */
/**
 * The permission in the membership's org, for a membership of an org the actor is active in. Any
 * other (another org's, or none at all, e.g. removed a moment ago by a concurrent request) only needs
 * a signed-in member here: the service then answers NotFoundError for both alike (R1), where a
 * FORBIDDEN would tell a foreign membership from a missing one.
 */
async function membershipScope(ctx: Context, membershipId: string, permission: PermissionKey) {
  const orgId = isUuid(membershipId) ? await orgIdOfMembership(ctx.em, membershipId) : undefined;
  // Active in that org: its permission decides (FORBIDDEN when missing). Anywhere else: not found.
  if (!orgId || (await ctx.permissionsIn(orgId)) === undefined) return { member: true };
  return { orgPermission: `${orgId}:${permission}` };
}

/**
 * A membership as the service wrote it: the entity the identity map now holds, or the view of what it
 * read under the lock with what it wrote (its organization, account and roles), so nothing is cleared
 * or read again. Only what the request cached before the write is dropped: the loaders' copies of it
 * and the actor's memberships (their own may have changed).
 */
function writtenMembership<M extends Membership | MembershipView>(ctx: Context, membership: M): M {
  ctx.forgetMemberships();
  // The per-request caches of the Pothos loaders too; the identity map stays.
  clearAllDataLoaders(ctx);
  return membership;
}

builder.mutationField('setMemberRoles', (t) =>
  t.field({
    type: MembershipRef,
    description: 'Replaces the whole role set of a membership (R3 grant ceiling, R4 no self change, R5 owner floor).',
    errors: { types: [ValidationError, NotFoundError, GrantCeilingError, SelfRoleChangeError, LastOwnerError, PolicyError] },
    args: {
      membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
      roleIds: t.arg.globalIDList({ required: true, for: [RoleRef] }),
    },
    authScopes: (_r, args, ctx) => membershipScope(ctx, args.membershipId.id, 'members:update'),
    resolve: async (_r, args, ctx) => writtenMembership(ctx, await members.setMemberRoles(ctx.em, ctx, args.membershipId.id, args.roleIds.map((r) => r.id))),
  }),
);

builder.mutationField('setMembershipStatus', (t) =>
  t.field({
    type: MembershipRef,
    description: 'Disable (keeps details, blocks this org) or enable a membership (R10).',
    errors: { types: [NotFoundError, GrantCeilingError, LastOwnerError, PolicyError] },
    args: {
      membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
      status: t.arg({ type: MembershipStatusEnum, required: true }),
    },
    authScopes: (_r, args, ctx) => membershipScope(ctx, args.membershipId.id, 'members:update'),
    resolve: async (_r, args, ctx) => writtenMembership(ctx, await members.setMembershipStatus(ctx.em, ctx, args.membershipId.id, args.status)),
  }),
);

const RemovedMemberPayload = builder
  .objectRef<{ membershipId: string; userId: string; orgId: string }>('RemovedMemberPayload')
  .implement({
    fields: (t) => ({
      membershipId: t.id({ resolve: (p) => encodeGlobalID('Membership', p.membershipId) }),
      user: t.field({
        type: UserRef,
        nullable: true,
        description: 'The account, which still exists (R9). You just administered it, so it is shown; its memberships list only what you may see (R1).',
        resolve: (p, _a, ctx) => ctx.em.findOne(User, p.userId),
      }),
      organization: t.field({ type: OrganizationRef, nullable: true, resolve: (p) => p.orgId }),
    }),
  });

builder.mutationField('removeMember', (t) =>
  t.field({
    type: RemovedMemberPayload,
    description: 'Ends one membership; the account and its other memberships stay (R9).',
    errors: { types: [NotFoundError, GrantCeilingError, LastOwnerError, PolicyError] },
    args: { membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }) },
    authScopes: (_r, args, ctx) => membershipScope(ctx, args.membershipId.id, 'members:remove'),
    resolve: async (_r, args, ctx) => {
      const removed = await members.removeMember(ctx.em, ctx, args.membershipId.id);
      ctx.afterWrite();
      return { membershipId: removed.id, userId: removed.user_id, orgId: removed.org_id };
    },
  }),
);

const LeftOrganizationPayload = builder.objectRef<{ organizationId: string }>('LeftOrganizationPayload').implement({
  fields: (t) => ({ organizationId: t.id({ resolve: (p) => encodeGlobalID('Organization', p.organizationId) }) }),
});

builder.mutationField('leaveOrganization', (t) =>
  t.field({
    type: LeftOrganizationPayload,
    description: 'Leave an organization (R11), never as its last owner (R5).',
    errors: { types: [NotFoundError, LastOwnerError, PolicyError] },
    authScopes: { member: true },
    args: { organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }) },
    resolve: async (_r, args, ctx) => {
      // R10: a disabled membership, or a member of a disabled org, cannot act there, leaving included;
      // to them the org answers like one that does not exist (R1).
      if (!(await activeIn(ctx, args.organizationId.id))) throw new NotFoundError('Organization');
      const organizationId = await members.leaveOrganization(ctx.em, ctx, args.organizationId.id);
      ctx.afterWrite();
      return { organizationId };
    },
  }),
);

const ProvisionResourceGrantInput = builder.inputType('ProvisionResourceGrantInput', {
  description: 'A resource role made with the new membership (add someone straight into a space or project).',
  fields: (t) => ({
    resourceId: t.id({ required: true }),
    roleKey: t.string({ required: true, description: 'A role of the resource type (preset.resourceTypes.roles.key).' }),
  }),
});

const ProvisionRowInput = builder.inputType('ProvisionMemberInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    firstName: t.string({ description: 'Used when a new account is created.' }),
    lastName: t.string(),
    roleIds: t.globalIDList({ required: true, for: [RoleRef] }),
    resourceGrants: t.field({
      type: [ProvisionResourceGrantInput],
      description:
        'Resource roles made with the membership, at most 20. Each is checked like grantResourceRole: you manage its members (else FORBIDDEN), ' +
        'R3 within what you hold on it (GrantCeilingError), R19 within the cap of roleIds (ResourceRoleCapError); any refusal stores nothing. ' +
        'Not made for someone already a member (status ALREADY_MEMBER: use grantResourceRole).',
    }),
  }),
});

const ProvisionStatus = builder.enumType('ProvisionStatus', {
  values: {
    CREATED: { description: 'A new account was created with a temporary password.' },
    ADDED: { description: 'An existing account was added to the organization.' },
    ALREADY_MEMBER: { description: 'Nothing changed: already a member.' },
  },
});

const ProvisionResultRef = builder.objectRef<members.ProvisionResult>('ProvisionResult').implement({
  fields: (t) => ({
    email: t.exposeString('email'),
    status: t.field({ type: ProvisionStatus, resolve: (r) => r.status }),
    membership: t.field({ type: MembershipRef, nullable: true, resolve: (r) => r.membershipId ?? null }),
    temporaryPassword: t.string({ nullable: true, description: 'Shown once, for new accounts only; the user must change it at first sign-in.', resolve: (r) => r.temporaryPassword }),
  }),
});

const ProvisionMembersPayload = builder.objectRef<{ results: members.ProvisionResult[] }>('ProvisionMembersPayload').implement({
  fields: (t) => ({ results: t.field({ type: [ProvisionResultRef], resolve: (p) => p.results }) }),
});

builder.mutationField('provisionMembers', (t) =>
  t.field({
    type: ProvisionMembersPayload,
    description: 'Add people by email, up to the bulk limit (R7). New accounts get a temporary password, returned once.',
    errors: { types: [ValidationError, NotFoundError, GrantCeilingError, SelfRoleChangeError, ResourceRoleCapError, LimitExceededError, PolicyError] },
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      members: t.arg({ type: [ProvisionRowInput], required: true }),
    },
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:members:invite` }),
    resolve: async (_r, args, ctx) => {
      const results = await members.provisionMembers(
        ctx.em,
        ctx,
        args.organizationId.id,
        args.members.map((m) => ({
          email: m.email,
          firstName: m.firstName,
          lastName: m.lastName,
          roleIds: m.roleIds.map((r) => r.id),
          resourceGrants: (m.resourceGrants ?? []).map((g) => ({ resourceId: resourceIdOf(g.resourceId), roleKey: g.roleKey })),
        })),
      );
      ctx.afterWrite();
      return { results };
    },
  }),
);

const TemporaryPasswordPayload = builder.objectRef<{ userId: string; temporaryPassword: string }>('TemporaryPasswordPayload').implement({
  fields: (t) => ({
    // The service checked members:read in the member's org under the lock, so the account is visible (R1).
    user: t.field({ type: UserRef, resolve: async (p, _a, ctx) => (await ctx.em.findOne(User, { id: p.userId }))! }),
    temporaryPassword: t.exposeString('temporaryPassword', { description: 'Shown once; the user must change it at next sign-in.' }),
  }),
});

builder.mutationField('resetMemberPassword', (t) =>
  t.field({
    type: TemporaryPasswordPayload,
    description: "Sets a new temporary password for a member and ends their sessions (R7). Only for people you fully administer.",
    errors: { types: [NotFoundError, PolicyError] },
    args: { membershipId: t.arg.globalID({ required: true, for: [MembershipRef] }) },
    authScopes: (_r, args, ctx) => membershipScope(ctx, args.membershipId.id, 'members:update'),
    resolve: async (_r, args, ctx) => {
      const result = await members.resetMemberPassword(ctx.em, ctx, args.membershipId.id);
      ctx.afterWrite();
      return result;
    },
  }),
);

builder.mutationField('grantOrganizationAccess', (t) =>
  t.field({
    type: MembershipRef,
    description: 'Platform admins give a user access to another organization (R15).',
    errors: { types: [ValidationError, NotFoundError, ConflictError, GrantCeilingError, SelfRoleChangeError, PolicyError] },
    authScopes: { platformAdmin: true },
    args: {
      userId: t.arg.globalID({ required: true, for: [UserRef] }),
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      roleIds: t.arg.globalIDList({ required: true, for: [RoleRef] }),
    },
    resolve: async (_r, args, ctx) =>
      writtenMembership(ctx, await members.grantOrganizationAccess(ctx.em, ctx, args.userId.id, args.organizationId.id, args.roleIds.map((r) => r.id))),
  }),
);
