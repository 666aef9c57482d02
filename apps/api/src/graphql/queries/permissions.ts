import { canonicalEmail } from '@gatehouse/permissions';
import { canOnResource, effectivePermissions, explainPermission, isKnownPermission, permissionsByResource, type PermissionDef, type Preset, type RoleDefinition } from '@gatehouse/permissions';
import { builder } from '../builder.ts';
import { RoleRef } from '../types/role.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef } from '../types/user.ts';
import { isUuid } from '../../ids.ts';
import { findMembershipOf, rolesOfMembership } from '../../modules/memberships/membership.locks.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import { badInput } from '../pagination.ts';
import { resourcePermissions } from '../../modules/resources/resource.service.ts';
import { activeIn, lookupAccount } from '../../modules/visibility.ts';

const PermissionRef = builder.objectRef<PermissionDef>('Permission').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    resource: t.exposeString('resource'),
    action: t.exposeString('action'),
    description: t.exposeString('description'),
    kind: t.exposeString('kind', { description: 'core (enforced by Gatehouse) or platform (answered for your services).' }),
  }),
});

const PermissionGroupRef = builder.objectRef<ReturnType<typeof permissionsByResource>[number]>('PermissionGroup').implement({
  fields: (t) => ({
    resource: t.exposeString('resource'),
    kind: t.exposeString('kind'),
    permissions: t.field({ type: [PermissionRef], resolve: (g) => g.permissions }),
  }),
});

const PresetRoleRef = builder.objectRef<RoleDefinition>('PresetRole').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    permissions: t.stringList({ resolve: (r) => [...r.permissions] }),
  }),
});

const PolicyRef = builder.objectRef<Preset['policy']>('PresetPolicy').implement({
  fields: (t) => ({
    ownerModel: t.string({ description: 'none (admins are the top role), single (exactly one owner) or multiple.', resolve: (p) => p.ownerModel }),
    invitations: t.exposeBoolean('invitations'),
    provisioning: t.exposeBoolean('provisioning'),
    multipleRolesPerMembership: t.exposeBoolean('multipleRolesPerMembership'),
    customRoleLimit: t.exposeInt('customRoleLimit'),
    bulkLimit: t.exposeInt('bulkLimit'),
    ownershipTransfer: t.exposeBoolean('ownershipTransfer'),
    leaveRequiresPermission: t.string({ nullable: true, resolve: (p) => (p.leave === 'any' ? null : p.leave.requiresPermission) }),
  }),
});

const PresetRef = builder.objectRef<Preset>('Preset').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    roles: t.field({ type: [PresetRoleRef], resolve: (p) => p.roles }),
    policy: t.field({ type: PolicyRef, resolve: (p) => p.policy }),
  }),
});

builder.queryField('permissionCatalog', (t) =>
  t.field({ type: [PermissionGroupRef], description: 'Every permission, grouped by resource.', resolve: () => permissionsByResource() }),
);

builder.queryField('preset', (t) =>
  t.field({ type: PresetRef, description: 'The active preset: built-in roles and policies.', resolve: (_r, _a, ctx) => ctx.app.preset }),
);

const PermissionCheckRef = builder.objectRef<{ permission: string; allowed: boolean }>('PermissionCheck').implement({
  fields: (t) => ({ permission: t.exposeString('permission'), allowed: t.exposeBoolean('allowed') }),
});

builder.queryField('can', (t) =>
  t.field({
    type: [PermissionCheckRef],
    authScopes: { member: true },
    description: "Answers many permission checks for the signed-in user in one call. Unknown orgs answer false everywhere (R1).",
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      permissions: t.arg.stringList({ required: true }),
      resourceId: t.arg.id({ description: 'Ask about one resource of the org: org roles and resource roles add up. A resource of another org answers false everywhere.' }),
    },
    resolve: async (_r, args, ctx) => {
      if (args.permissions.length > 100) throw badInput('permissions', 'Ask at most 100 at once');
      const orgId = args.organizationId.id;
      // An org the caller cannot see (foreign, disabled for them, or non-existent) answers false everywhere (R1).
      const perms = isUuid(orgId) && (await activeIn(ctx, orgId)) ? await ctx.permissionsIn(orgId) : undefined;
      if (args.resourceId == null) return args.permissions.map((permission) => ({ permission, allowed: perms?.has(permission) ?? false }));
      const resourceId = String(args.resourceId);
      const inOrg = isUuid(resourceId) && isUuid(orgId)
        ? (await ctx.em.execute<{ id: string }[]>(`select id from resource where id = ? and org_id = ?`, [resourceId, orgId])).length > 0
        : false;
      if (!perms || !inOrg) return args.permissions.map((permission) => ({ permission, allowed: false }));
      const resourceRolePerms = ctx.user!.isPlatformAdmin ? new Set<string>() : await resourcePermissions(ctx.em, orgId, ctx.user!.id, resourceId, ctx.app.preset);
      return args.permissions.map((permission) => ({ permission, allowed: canOnResource({ orgPerms: perms, resourceRolePerms }, permission) }));
    },
  }),
);

const ExplanationRef = builder
  .objectRef<{ permission: string; known: boolean; allowed: boolean; grantedBy: Role[]; membershipActive: boolean }>('PermissionExplanation')
  .implement({
    fields: (t) => ({
      permission: t.exposeString('permission'),
      known: t.exposeBoolean('known', { description: 'Whether the permission is in the catalog.' }),
      allowed: t.exposeBoolean('allowed'),
      membershipActive: t.exposeBoolean('membershipActive'),
      grantedBy: t.field({ type: [RoleRef], description: 'The roles of the member that grant it.', resolve: (e) => e.grantedBy }),
    }),
  });

builder.queryField('explainPermission', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:members:read` }),
    description: 'Which role (if any) grants a member a permission. Null when the user is not a member.',
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      userId: t.arg.globalID({ required: true, for: [UserRef] }),
      permission: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      if (!isUuid(args.userId.id) || !isUuid(args.organizationId.id)) return null;
      const membership = await findMembershipOf(ctx.em, args.organizationId.id, args.userId.id);
      if (!membership) return null;
      const roles = await rolesOfMembership(ctx.em, membership.id);
      const granting = explainPermission(roles, args.permission);
      const org = await ctx.loaders.organization.load(args.organizationId.id);
      const active = membership.status === 'ACTIVE' && membership.user_status === 'ACTIVE' && org?.status === 'ACTIVE';
      return {
        permission: args.permission,
        known: isKnownPermission(args.permission),
        allowed: active && effectivePermissions(roles).has(args.permission),
        membershipActive: active,
        grantedBy: await ctx.em.find(Role, { id: granting.map((r) => r.id) }),
      };
    },
  }),
);

const UserLookupRef = builder
  .objectRef<{ email: string; exists: boolean; firstName: string | null; lastName: string | null; alreadyMember: boolean }>('UserLookup')
  .implement({
    fields: (t) => ({
      email: t.exposeString('email'),
      exists: t.exposeBoolean('exists'),
      firstName: t.exposeString('firstName', { nullable: true }),
      lastName: t.exposeString('lastName', { nullable: true }),
      alreadyMember: t.exposeBoolean('alreadyMember'),
    }),
  });

builder.queryField('lookupUser', (t) =>
  t.field({
    type: UserLookupRef,
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:members:invite` }),
    description:
      'For the add-users dialog: is this email an account you can already see (names shown), and is it already a member here? ' +
      'An account you cannot see answers exists: false, like an unknown address; adding it then reports ADDED instead of CREATED.',
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      email: t.arg.string({ required: true }),
    },
    /*
     * Seed 002 needs names pre-filled for an existing account. What is revealed: that a proven address
     * has an account, and its names (which the person chose to share with Gatehouse), to holders of
     * members:invite only; never its organizations. Unproven addresses answer like unknown ones (R20).
     */
    resolve: async (_r, args, ctx) => {
      const email = canonicalEmail(args.email) ?? args.email.trim().toLowerCase();
      const orgId = args.organizationId.id;
      const found = isUuid(orgId) ? await lookupAccount(ctx, orgId, email) : { exists: false, firstName: null, lastName: null, alreadyMember: false };
      return { email, ...found };
    },
  }),
);
