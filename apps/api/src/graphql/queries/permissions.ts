import { Organization } from '../../modules/organizations/organization.entity.ts';
import { resourceGid, resourceIdOf } from '../resource-id.ts';
import { canonicalEmail } from '@gatehouse/permissions';
import { canOnResource, effectivePermissions, explainPermission, isKnownPermission, permissionsByResource, permissionsUsedByPreset, summarizeResourceType, type PermissionDef, type Preset, type ResourceTypeDef, type RoleDefinition } from '@gatehouse/permissions';
import { builder } from '../builder.ts';
import { builder as statements, rowOf, ShapeCache } from '../../db/kysely.ts';
import { RoleRef } from '../types/role.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef } from '../types/user.ts';
import { isUuid } from '../../ids.ts';
import { findMembershipOf, rolesOfMembership } from '../../modules/memberships/membership.locks.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import { badInput } from '../pagination.ts';
import { resourcePermissions } from '../../modules/resources/resource.service.ts';
import { activeIn, lookupAccount } from '../../modules/visibility.ts';
import { ServiceAccountRef } from '../types/service-account.ts';
import { serviceAccountStandingIn } from '../../modules/checks/subject-checks.ts';

/** Whether a resource belongs to an organization. */
const resourceInOrg = new ShapeCache((_: object, v: { resourceId: string; orgId: string }) =>
  statements.selectFrom('resource').select('id').where('id', '=', v.resourceId).where('org_id', '=', v.orgId),
);

const PermissionRef = builder.objectRef<PermissionDef>('Permission').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    resource: t.exposeString('resource'),
    action: t.exposeString('action'),
    description: t.exposeString('description'),
    kind: t.exposeString('kind', { description: 'core (enforced by Gatehouse) or platform (answered for your services).' }),
    usedByPreset: t.boolean({
      description: "Whether a role of the active preset (org or resource role) uses it: the custom-role editor shows these, not other platforms' permissions.",
      resolve: (p, _a, ctx) => usedPermissions(ctx.app.preset).has(p.key),
    }),
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

const usedByPreset = new WeakMap<Preset, ReadonlySet<string>>();
function usedPermissions(preset: Preset): ReadonlySet<string> {
  let used = usedByPreset.get(preset);
  if (!used) usedByPreset.set(preset, (used = permissionsUsedByPreset(preset)));
  return used;
}

export const ResourceRoleRef = builder.objectRef<RoleDefinition>('ResourceRole').implement({
  description: 'A role on one resource (project, space): key, name, description and the permissions it gives there.',
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    permissions: t.stringList({ resolve: (r) => [...r.permissions] }),
    grantableToOrgRoleKeys: t.stringList({
      description: 'Org roles that may be given this role (R19: within the cap of their org role).',
      resolve: (r, _a, ctx) => {
        const def = ctx.app.preset.policy.resourceTypes.find((d) => d.roles.includes(r));
        return def ? (summarizeResourceType(ctx.app.preset, def).grantableTo[r.key] ?? []) : [];
      },
    }),
  }),
});

const OrgRoleCapRef = builder.objectRef<{ orgRoleKey: string; permissions: readonly string[] }>('ResourceOrgRoleCap').implement({
  description: 'The most a member with this org role gets on one resource through resource roles (R19).',
  fields: (t) => ({ orgRoleKey: t.exposeString('orgRoleKey'), permissions: t.stringList({ resolve: (c) => [...c.permissions] }) }),
});

export const ResourceTypeRef = builder.objectRef<ResourceTypeDef>('ResourceType').implement({
  description: 'A resource type of the active preset (OEC project, Spaces space), with its roles and who may do what.',
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    pluralName: t.exposeString('pluralName'),
    description: t.exposeString('description'),
    permissionPrefix: t.exposeString('permissionPrefix', { description: 'Org permissions of the type are `<prefix>:<action>` (projects:read, spaces:assign).' }),
    roles: t.field({ type: [ResourceRoleRef], resolve: (d) => d.roles }),
    creatorRoleKey: t.string({ nullable: true, description: 'Role the creator holds on what they create.', resolve: (d) => d.creatorRoleKey ?? null }),
    creatorOrgRoleKeys: t.stringList({ description: 'Org roles that may create one (`<prefix>:create`).', resolve: (d, _a, ctx) => summarizeResourceType(ctx.app.preset, d).creatorOrgRoleKeys }),
    managerOrgRoleKeys: t.stringList({
      description: 'Org roles that manage the members of every one (members:update or `<prefix>:assign`); others only where a resource role gives `<prefix>:assign`.',
      resolve: (d, _a, ctx) => summarizeResourceType(ctx.app.preset, d).managerOrgRoleKeys,
    }),
    readAllOrgRoleKeys: t.stringList({
      description: 'Org roles that read every one; other roles read only those they created or were granted (R1).',
      resolve: (d, _a, ctx) => summarizeResourceType(ctx.app.preset, d).readAllOrgRoleKeys,
    }),
    orgRoleCaps: t.field({
      type: [OrgRoleCapRef],
      description: 'Caps by org role (R19); an org role not listed is not capped.',
      resolve: (d) => Object.entries(d.orgRoleCaps ?? {}).map(([orgRoleKey, permissions]) => ({ orgRoleKey, permissions })),
    }),
  }),
});

const PolicyRef = builder.objectRef<Preset['policy']>('PresetPolicy').implement({
  fields: (t) => ({
    ownerModel: t.string({ description: 'none (admins are the top role), single (exactly one owner) or multiple.', resolve: (p) => p.ownerModel }),
    invitations: t.exposeBoolean('invitations'),
    provisioning: t.exposeBoolean('provisioning'),
    multipleRolesPerMembership: t.exposeBoolean('multipleRolesPerMembership'),
    customRoleLimit: t.exposeInt('customRoleLimit'),
    bulkLimit: t.exposeInt('bulkLimit', { description: 'Emails per provisioning call (R7).' }),
    invitationLimit: t.exposeInt('invitationLimit', { description: 'Emails per invitation call (CloudTruth: as many as needed, up to 100).' }),
    ownerSelfDowngrade: t.exposeBoolean('ownerSelfDowngrade', {
      description: 'Whether an owner may lower their own roles while another owner remains (otherwise R4: nobody changes their own roles).',
    }),
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
    resourceTypes: t.field({ type: [ResourceTypeRef], description: 'Resource types (projects, spaces) and their roles; empty when the platform has none.', resolve: (p) => p.policy.resourceTypes }),
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
      const resourceId = resourceIdOf(args.resourceId);
      const inOrg = isUuid(resourceId) && isUuid(orgId)
        ? (await rowOf(ctx.em, resourceInOrg.prepared({}, { resourceId, orgId }))) !== undefined
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
      membershipActive: t.exposeBoolean('membershipActive', { description: 'The membership (or the service account) and the organization are active.' }),
      grantedBy: t.field({ type: [RoleRef], description: 'The roles of the member that grant it.', resolve: (e) => e.grantedBy }),
    }),
  });

builder.queryField('explainPermission', (t) =>
  t.field({
    type: ExplanationRef,
    nullable: true,
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:members:read` }),
    description:
      'Which role (if any) grants a member, or a service account of the organization, a permission. Null when the subject is not a member (or not a service account of it). ' +
      'A service account is explained to holders of service_accounts:manage or permissions:check as well as members:read.',
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      userId: t.arg.globalID({ required: true, for: [UserRef, ServiceAccountRef], description: 'A User or ServiceAccount global id.' }),
      permission: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      if (!isUuid(args.userId.id) || !isUuid(args.organizationId.id)) return null;
      const orgId = args.organizationId.id;
      if (args.userId.typename === 'ServiceAccount') {
        // R1: a service account exists, to a caller, only where they may see service accounts or ask about them.
        if (!(await ctx.can(orgId, 'service_accounts:manage')) && !(await ctx.can(orgId, 'permissions:check'))) return null;
        const standing = await serviceAccountStandingIn(ctx.em, orgId, args.userId.id);
        if (!standing) return null;
        const granting = explainPermission(standing.roles, args.permission);
        return {
          permission: args.permission,
          known: isKnownPermission(args.permission),
          allowed: standing.active && effectivePermissions(standing.roles).has(args.permission),
          membershipActive: standing.active,
          grantedBy: granting.length ? await ctx.em.find(Role, { id: granting.map((r) => r.id) }) : [],
        };
      }
      const membership = await findMembershipOf(ctx.em, orgId, args.userId.id);
      if (!membership) return null;
      const roles = await rolesOfMembership(ctx.em, membership.id);
      const granting = explainPermission(roles, args.permission);
      const org = await ctx.em.findOne(Organization, orgId);
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
