import { countedConnection } from '../counted-connection.ts';
import { resourceGid, resourceIdOf } from '../resource-id.ts';
import { builder } from '../builder.ts';
import type { Context } from '../../context.ts';
import { OrganizationRef } from './organization.ts';
import { RoleRef } from './role.ts';
import { UserRef } from './user.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import { effectiveStatus, Invitation, InvitationStatus } from '../../modules/invitations/invitation.entity.ts';
import { countInvitations, listInvitations } from '../../modules/invitations/invitation.queries.ts';
import type { InvitationPreview } from '../../modules/invitations/invitation.service.ts';
import type { OutboxMail } from '../../modules/mail/mailer.ts';
import { anyOf, builder as sqlBuilder, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { grantsOfInvitationsFor, type InvitationResourceGrantRow } from '../../modules/invitations/invitation.resource-grants.ts';
import { visibleInvitations } from '../../modules/visibility.ts';
import { partOf } from '../views.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import type { Em } from '../../db/orm.ts';
import { pageArgs } from '../pagination.ts';

export const InvitationStatusEnum = builder.enumType('InvitationStatus', {
  values: InvitationStatus,
  description: 'EXPIRED is also shown for a pending invitation past its expiry.',
});

const roleLinks = new ShapeCache((_: object, v: { invitationIds: readonly string[] }) =>
  sqlBuilder.selectFrom('invitation_role').select(['invitation_id', 'role_id']).where((eb) => eb('invitation_id', '=', anyOf(eb, v.invitationIds))),
);

/** Each invitation's roles, in the preset's order: two statements for a whole page. */
async function rolesOfInvitations(em: Em, invitationIds: readonly string[]): Promise<Role[][]> {
  const links = await rowsOf(em, roleLinks.prepared({}, { invitationIds }));
  const roles = links.length ? await em.find(Role, { id: [...new Set(links.map((l) => l.role_id))] }) : [];
  const byId = new Map(roles.map((r) => [r.id, r]));
  return invitationIds.map((id) =>
    links
      .filter((l) => l.invitation_id === id)
      .map((l) => byId.get(l.role_id)!)
      .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name)),
  );
}

const InvitationResourceGrantRef = builder.objectRef<InvitationResourceGrantRow>('InvitationResourceGrant').implement({
  description: 'A resource role an invitation gives on acceptance (project, space).',
  fields: (t) => ({
    resourceId: t.id({ resolve: (g) => resourceGid(g.resource_id) }),
    resourceType: t.exposeString('resource_type'),
    resourceName: t.exposeString('resource_name', {
      nullable: true,
      description:
        'The resource\'s name, or null when you may not read that resource (R1: who sees the invitation, with members:read or members:invite, learns that it gives a role there, not the name).',
    }),
    roleKey: t.exposeString('role_key'),
  }),
});

/**
 * Visible to members:read and members:invite holders of its org (R1, modules/visibility.ts); its
 * organization is part of it; the people it names are checked on their own. The token is never exposed.
 */
export const InvitationRef = builder.loadableNodeRef<Invitation, string>('Invitation', {
  id: { resolve: (inv) => inv.id },
  load: (ids: string[], ctx) => visibleInvitations(ctx, ids),
  sort: (inv) => inv.id,
});

InvitationRef.implement({
  isTypeOf: (value) => value instanceof Invitation,
  fields: (t) => ({
    email: t.exposeString('email'),
    status: t.field({ type: InvitationStatusEnum, resolve: (inv) => effectiveStatus(inv) }),
    roles: t.loadableList({ type: RoleRef, description: 'Granted on acceptance.', load: (ids: string[], ctx) => rolesOfInvitations(ctx.em, ids), resolve: (inv) => inv.id }),
    resourceGrants: t.loadableList({
      type: InvitationResourceGrantRef,
      description: 'Resource roles granted on acceptance, if the inviter may still grant them then; deleted resources are gone from the list.',
      load: async (ids: string[], ctx) => {
        // Names of resources the reader may not read are left out (null), R1.
        const grants = await grantsOfInvitationsFor(ctx.em, ctx.app.preset, ids, ctx.user ?? null);
        return ids.map((id) => grants.filter((g) => g.invitation_id === id));
      },
      resolve: (inv) => inv.id,
    }),
    // Its organization is part of it (R1): the ORM's batched reference load.
    organization: t.field({ type: OrganizationRef, resolve: (inv, _a, ctx) => partOf(ctx.em, Organization, inv.organization) as Promise<Organization> }),
    invitedBy: t.field({ type: UserRef, nullable: true, description: 'Null when that account is gone or is no one you can see (R1).', resolve: (inv) => inv.inviterId ?? null }),
    expiresAt: t.field({ type: 'DateTime', resolve: (inv) => inv.expiresAt }),
    sendCount: t.exposeInt('sendCount', { description: 'How many times the mail was sent (the first included).' }),
    lastSentAt: t.field({ type: 'DateTime', resolve: (inv) => inv.lastSentAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (inv) => inv.createdAt }),
    acceptedAt: t.field({ type: 'DateTime', nullable: true, resolve: (inv) => inv.acceptedAt ?? null }),
    acceptedBy: t.field({ type: UserRef, nullable: true, description: 'Null when that account is gone or is no one you can see (R1).', resolve: (inv) => inv.acceptedById ?? null }),
  }),
});

builder.objectFields(OrganizationRef, (t) => ({
  invitations: t.connection(
    {
      type: InvitationRef,
      nullable: true,
      description: 'Invitations, newest first (members:read or members:invite); null without permission.',
      // A scope map is an "any of": either permission will do.
      authScopes: (org) => ({ orgPermission: `${org.id}:members:read`, $any: { orgPermission: `${org.id}:members:invite` } }),
      unauthorizedResolver: () => null,
      args: {
        status: t.arg({ type: [InvitationStatusEnum], description: 'Only these statuses; all when omitted.' }),
        search: t.arg.string({ description: 'Part of the invited email address.' }),
      },
      resolve: async (org, args, ctx) => {
        const filter = { statuses: args.status, search: args.search };
        const page = await listInvitations(ctx.em, org.id, filter, pageArgs(args, { list: `invitations:${org.id}`, sort: 'timestamp', id: 'uuid' }));
        return { ...page, totalCount: () => countInvitations(ctx.em, org.id, filter) };
      },
    },
    countedConnection('InvitationConnection'),
  ),
}));

const InvitationPreviewRole = builder.objectRef<InvitationPreview['roles'][number]>('InvitationPreviewRole').implement({
  fields: (t) => ({ key: t.exposeString('key'), name: t.exposeString('name'), description: t.exposeString('description') }),
});

export const InvitationPreviewRef = builder.objectRef<InvitationPreview>('InvitationPreview').implement({
  description: 'What the accept page shows for a token (public).',
  fields: (t) => ({
    email: t.exposeString('email', { description: 'The invited address.' }),
    status: t.field({ type: InvitationStatusEnum, resolve: (p) => p.status }),
    expiresAt: t.field({ type: 'DateTime', resolve: (p) => p.expiresAt }),
    organizationName: t.exposeString('organizationName'),
    organizationSlug: t.exposeString('organizationSlug'),
    inviterName: t.exposeString('inviterName', { nullable: true }),
    roles: t.field({ type: [InvitationPreviewRole], resolve: (p) => p.roles }),
    accountExists: t.exposeBoolean('accountExists', {
      description: 'An account with the invited email exists: sign in, then accept. Otherwise accepting creates one.',
    }),
  }),
});

export const OutboxMailRef = builder.objectRef<OutboxMail>('OutboxMail').implement({
  description: 'A mail kept in the development outbox (no SMTP_URL configured).',
  fields: (t) => ({
    id: t.exposeID('id'),
    to: t.exposeString('to'),
    subject: t.exposeString('subject'),
    text: t.exposeString('text'),
    html: t.exposeString('html'),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
  }),
});
