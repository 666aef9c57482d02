import type { PermissionKey } from '@gatehouse/permissions';
import { countedConnection } from '../counted-connection.ts';
import { builder } from '../builder.ts';
import { OrganizationRef } from './organization.ts';
import { MembershipRef, MembershipStatusEnum } from './membership.ts';
import { RoleRef } from './role.ts';
import { AuditEventRef } from './audit-event.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import { countMembers, listMembers, type MemberFilter } from '../../modules/memberships/membership.queries.ts';
import { countAuditEvents, listAuditEvents, type AuditFilter } from '../../modules/audit/audit.queries.ts';
import { badInput, pageArgs } from '../pagination.ts';
import { AUDIT_TARGET_HINT, auditTargetOf } from '../../modules/audit/audit-target.ts';
import type { Organization } from '../../modules/organizations/organization.entity.ts';
import type { Context } from '../../context.ts';
import { isUuid, NO_ID } from '../../ids.ts';
import { selects } from '../selection.ts';
import { mayIn } from '../../modules/visibility.ts';
import { ownMemberships } from '../own-memberships.ts';

const MemberSortField = builder.enumType('MemberSortField', { values: ['NAME', 'EMAIL', 'CREATED_AT'] as const });
const SortDirection = builder.enumType('SortDirection', { values: ['ASC', 'DESC'] as const });
const MemberOrder = builder.inputType('MemberOrder', {
  fields: (t) => ({
    field: t.field({ type: MemberSortField, required: true }),
    direction: t.field({ type: SortDirection, required: true, defaultValue: 'ASC' }),
  }),
});

const orgScope = (permission: PermissionKey) => (org: Organization) => ({ orgPermission: `${org.id}:${permission}` });

builder.objectFields(OrganizationRef, (t) => ({
  viewerMembership: t.field({
    type: MembershipRef,
    nullable: true,
    description: "The signed-in user's own membership here (null for platform admins who are not members).",
    resolve: async (org, _a, ctx) => {
      const grant = (await ctx.memberships()).get(org.id);
      return grant ? ownMemberships(ctx).find((m) => m.id === grant.membershipId) ?? grant.membershipId : null;
    },
  }),
  roles: t.field({
    type: [RoleRef],
    description: 'Built-in roles of the active preset first, then custom roles; empty without org:read (e.g. a disabled membership, R10).',
    resolve: async (org, _a, ctx) =>
      (await mayIn(ctx, org.id, 'org:read')) ? ctx.em.find(Role, { organization: org.id }, { orderBy: { position: 'asc', name: 'asc' } }) : [],
  }),
  members: t.connection(
    {
      type: MembershipRef,
      nullable: true,
      description: 'Members (members:read), keyset-paginated with first/after; null without permission.',
      authScopes: orgScope('members:read'),
      unauthorizedResolver: () => null,
      args: {
        search: t.arg.string({ description: 'Part of a first name, last name or email.' }),
        roleIds: t.arg.globalIDList({ for: [RoleRef] }),
        status: t.arg({ type: MembershipStatusEnum }),
        orderBy: t.arg({ type: MemberOrder }),
      },
      resolve: async (org, args, ctx, info) => {
        const filter: MemberFilter = { search: args.search, status: args.status, roleIds: args.roleIds?.map((r) => r.id) };
        const order = { field: args.orderBy?.field ?? 'NAME', direction: args.orderBy?.direction ?? 'ASC' } as const;
        const spec = { list: `members:${org.id}:${order.field}:${order.direction}`, sort: order.field === 'CREATED_AT' ? 'timestamp' : 'text', id: 'uuid' } as const;
        // The page statement reads each member's account and roles; the memberships carry them.
        const { total, ...page } = await listMembers(ctx.em, org, filter, order, pageArgs(args, spec), selects(info, 'totalCount'));
        return { ...page, totalCount: () => total ?? countMembers(ctx.em, org.id, filter) };
      },
    },
    countedConnection('MembershipConnection'),
  ),
  auditLog: t.connection(
    {
      type: AuditEventRef,
      nullable: true,
      description: 'Audit events, newest first (audit:read); null without permission.',
      authScopes: orgScope('audit:read'),
      unauthorizedResolver: () => null,
      args: {
        actorId: t.arg.globalID({ description: 'A User id.' }),
        action: t.arg.string({ description: 'An exact action, or a prefix ending in "." such as "membership."' }),
        targetId: t.arg.id({ description: `Events about one object: ${AUDIT_TARGET_HINT}, as an event's targetId answers it.` }),
        from: t.arg({ type: 'DateTime' }),
        to: t.arg({ type: 'DateTime' }),
      },
      resolve: async (org, args, ctx: Context) => {
        const actor = args.actorId ? (args.actorId.typename === 'User' && isUuid(args.actorId.id) ? args.actorId.id : NO_ID) : null;
        const target = args.targetId == null ? undefined : auditTargetOf(String(args.targetId));
        // Not a target's global id (a raw id, another type's id, garbage): a typed error naming the argument (R18, R22).
        if (args.targetId != null && !target) throw badInput('targetId', `Must be ${AUDIT_TARGET_HINT}`);
        const filter: AuditFilter = { actorUserId: actor, action: args.action, targetType: target?.type, targetId: target?.id, from: args.from, to: args.to };
        const page = await listAuditEvents(ctx.em, org.id, filter, pageArgs(args, { list: `audit:${org.id}`, sort: 'none', id: 'serial' }));
        return { ...page, totalCount: () => countAuditEvents(ctx.em, org.id, filter) };
      },
    },
    countedConnection('AuditEventConnection'),
  ),
}));
