import { builder } from '../builder.ts';
import { resourceGid, resourceIdOf } from '../resource-id.ts';
import type { Context } from '../../context.ts';
import { isUuid } from '../../ids.ts';
import { InvitationRef } from '../types/invitation.ts';
import { OrganizationRef } from '../types/organization.ts';
import { MembershipRef } from '../types/membership.ts';
import { RoleRef } from '../types/role.ts';
import { AuthPayload, deliver, Delivery, type AuthPayloadShape } from './auth.ts';
import { Membership } from '../../modules/memberships/membership.entity.ts';
import { Invitation } from '../../modules/invitations/invitation.entity.ts';
import * as invitations from '../../modules/invitations/invitation.service.ts';
import type { ResourceGrantOutcome } from '../../modules/invitations/invitation.resource-grants.ts';
import { hashToken } from '../../auth/refresh-token.ts';
import { builder as sqlBuilder, rowOf, ShapeCache } from '../../db/kysely.ts';
import { publicOrMember } from '../auth-scopes.ts';
import { partOf } from '../views.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import {
  GrantCeilingError,
  InvalidInvitationError,
  InvitationAlreadyAcceptedError,
  InvitationEmailMismatchError,
  InvitationExpiredError,
  LimitExceededError,
  NotFoundError,
  PolicyError,
  RateLimitedError,
  ResourceRoleCapError,
  SignInRequiredError,
  ValidationError,
  found,
} from '../../errors.ts';

/** Scope for mutations addressed by invitation id: the permission in the invitation's org. */
async function invitationScope(ctx: Context, invitationId: string, permission: string) {
  const invitation = isUuid(invitationId) ? await ctx.em.findOne(Invitation, { id: invitationId }) : null;
  return { orgPermission: `${invitation?.organization.id ?? 'none'}:${permission}` };
}


const InviteStatus = builder.enumType('InviteStatus', {
  values: {
    INVITED: { description: 'Invited and mailed (in a dry run: would be invited).' },
    INVALID_ADDRESS: { description: 'Not an email address (dry run only; otherwise the call fails with a ValidationError).' },
    ALREADY_MEMBER: { description: 'Skipped: already a member.' },
    ALREADY_INVITED: { description: 'Skipped: a pending invitation exists; resend it instead.' },
  },
});

const InviteResultRef = builder.objectRef<invitations.InviteResult>('InviteResult').implement({
  fields: (t) => ({
    email: t.exposeString('email'),
    status: t.field({ type: InviteStatus, resolve: (r) => r.status }),
    message: t.exposeString('message', { nullable: true }),
    emailSent: t.exposeBoolean('emailSent', { description: 'False when sending the mail failed: resend later.' }),
    invitation: t.field({
      type: InvitationRef,
      nullable: true,
      description: 'The new invitation (INVITED) or the pending one (ALREADY_INVITED); null in a dry run.',
      resolve: (r) => r.invitationId ?? null,
    }),
  }),
});

const InviteMembersPayload = builder.objectRef<{ results: invitations.InviteResult[]; dryRun: boolean }>('InviteMembersPayload').implement({
  fields: (t) => ({
    results: t.field({ type: [InviteResultRef], description: 'One per distinct address, in input order.', resolve: (p) => p.results }),
    dryRun: t.exposeBoolean('dryRun'),
  }),
});

const InvitationResourceGrantInput = builder.inputType('InvitationResourceGrantInput', {
  description: 'A resource role the invitee receives on acceptance (invite someone straight into a project or space).',
  fields: (t) => ({
    resourceId: t.id({ required: true }),
    roleKey: t.string({ required: true, description: 'A role of the resource type (preset.resourceTypes.roles.key).' }),
  }),
});

const SkippedGrantReasonEnum = builder.enumType('SkippedResourceGrantReason', {
  description: 'Why a resource grant of an invitation was not made when it was accepted.',
  values: {
    RESOURCE_GONE: { description: 'The resource was deleted.' },
    INVITER_GONE: { description: "The inviter's account is gone or disabled." },
    NOT_ALLOWED: { description: "The inviter no longer manages the resource's members (or can no longer see it)." },
    GRANT_CEILING: { description: 'The role now holds more than the inviter holds on the resource (R3).' },
    ORG_ROLE_CAP: { description: "The member's organization role may not hold that role there (R19)." },
    UNKNOWN_ROLE: { description: 'The preset no longer has that role.' },
    SELF_ROLE_CHANGE: { description: 'The inviter accepted their own invitation (R4).' },
    ALREADY_GRANTED: { description: 'The member already held a role on the resource; it was left as it is.' },
  } as const,
});

const ResourceGrantOutcomeRef = builder.objectRef<ResourceGrantOutcome>('InvitationResourceGrantOutcome').implement({
  description: "One resource grant of an accepted invitation: made, or skipped with the reason (re-checked against the inviter's rights at acceptance).",
  fields: (t) => ({
    resourceId: t.id({ resolve: (o) => resourceGid(o.resourceId) }),
    roleKey: t.exposeString('roleKey'),
    applied: t.exposeBoolean('applied'),
    reason: t.field({ type: SkippedGrantReasonEnum, nullable: true, resolve: (o) => o.reason }),
    message: t.exposeString('message', { nullable: true }),
  }),
});

builder.mutationField('inviteMembers', (t) =>
  t.field({
    type: InviteMembersPayload,
    description:
      'Invite people by email with the given roles (R8, R3). Each `emails` entry may hold several addresses separated by commas, spaces or newlines. ' +
      'With dryRun nothing is stored or sent: use it for a review list.',
    errors: { types: [ValidationError, NotFoundError, GrantCeilingError, ResourceRoleCapError, LimitExceededError, PolicyError] },
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      emails: t.arg.stringList({ required: true }),
      roleIds: t.arg.globalIDList({ required: true, for: [RoleRef] }),
      resourceGrants: t.arg({
        type: [InvitationResourceGrantInput],
        description:
          'Resource roles given on acceptance. Each is checked now like grantResourceRole (you manage its members, R3 within what you hold there, ' +
          "R19 within the invited roles' cap) and again on acceptance against your rights then: a grant no longer allowed is skipped and reported.",
      }),
      dryRun: t.arg.boolean({ defaultValue: false }),
    },
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:members:invite` }),
    resolve: async (_r, args, ctx) => {
      const dryRun = args.dryRun ?? false;
      const resourceGrants = (args.resourceGrants ?? []).map((g) => ({ resourceId: resourceIdOf(g.resourceId), roleKey: g.roleKey }));
      const results = await invitations.inviteMembers(ctx.em, ctx, args.organizationId.id, args.emails, args.roleIds.map((r) => r.id), { dryRun, resourceGrants });
      // The invitations written are the unit of work's entities (visible to the inviter who wrote them): no re-read.
      for (const r of results) if (r.created) InvitationRef.getDataloader(ctx).clear(r.created.id).prime(r.created.id, r.created);
      return { results, dryRun };
    },
  }),
);

const ResendInvitationPayload = builder.objectRef<{ invitation: Invitation; emailSent: boolean }>('ResendInvitationPayload').implement({
  fields: (t) => ({
    invitation: t.field({ type: InvitationRef, resolve: (p) => p.invitation }),
    emailSent: t.exposeBoolean('emailSent'),
  }),
});

builder.mutationField('resendInvitation', (t) =>
  t.field({
    type: ResendInvitationPayload,
    description: 'Sends the invitation again with a new token and expiry; the old link stops working (R8). At most once a minute and 5 times a day.',
    errors: { types: [NotFoundError, GrantCeilingError, PolicyError, RateLimitedError] },
    args: { invitationId: t.arg.globalID({ required: true, for: [InvitationRef] }) },
    authScopes: (_r, args, ctx) => invitationScope(ctx, args.invitationId.id, 'members:invite'),
    resolve: async (_r, args, ctx) => {
      // The invitation as the unit of work wrote it (the entity the identity map holds): no re-read.
      const { invitation, emailSent } = await invitations.resendInvitation(ctx.em, ctx, args.invitationId.id);
      return { invitation, emailSent };
    },
  }),
);

builder.mutationField('revokeInvitation', (t) =>
  t.field({
    type: InvitationRef,
    description: 'Revokes a pending invitation; its link stops working at once (R8).',
    errors: { types: [NotFoundError, GrantCeilingError, PolicyError] },
    args: { invitationId: t.arg.globalID({ required: true, for: [InvitationRef] }) },
    authScopes: (_r, args, ctx) => invitationScope(ctx, args.invitationId.id, 'members:invite'),
    resolve: (_r, args, ctx) => invitations.revokeInvitation(ctx.em, ctx, args.invitationId.id),
  }),
);

/**
 * R10: a signed-in caller whose membership in the invitation's org is disabled cannot act there, so
 * accepting (which would consume the invitation and leave the membership disabled) is refused.
 * A disabled organization is refused by the service for everyone.
 */
const orgOfToken = new ShapeCache((_: object, v: { tokenHash: string }) => sqlBuilder.selectFrom('invitation').select('org_id').where('token_hash', '=', v.tokenHash));

async function refuseDisabledMembership(ctx: Context, token: string): Promise<void> {
  const trimmed = token.trim();
  if (!ctx.user || !/^[A-Za-z0-9_-]{20,200}$/.test(trimmed)) return;
  const orgId = (await rowOf(ctx.em, orgOfToken.prepared({}, { tokenHash: hashToken(trimmed) })))?.org_id;
  const grant = orgId ? (await ctx.memberships()).get(orgId) : undefined;
  if (grant && !grant.active) throw new PolicyError('Your membership in this organization or the organization is disabled', 'DISABLED');
}

interface AcceptedShape {
  membership: Membership;
  auth: AuthPayloadShape | null;
  resourceGrants: ResourceGrantOutcome[];
}

const AcceptInvitationPayload = builder.objectRef<AcceptedShape>('AcceptInvitationPayload').implement({
  fields: (t) => ({
    membership: t.field({ type: MembershipRef, resolve: (p) => p.membership }),
    organization: t.field({ type: OrganizationRef, resolve: (p, _a, ctx) => partOf(ctx.em, Organization, p.membership.organization) as Promise<Organization> }),
    auth: t.field({
      type: AuthPayload,
      nullable: true,
      description: 'Tokens of the new account, which is now signed in; null when accepted by a signed-in user.',
      resolve: (p) => p.auth,
    }),
    resourceGrants: t.field({
      type: [ResourceGrantOutcomeRef],
      description: "The invitation's resource grants: made, or skipped with the reason.",
      resolve: (p) => p.resourceGrants,
    }),
  }),
});

builder.mutationField('acceptInvitation', (t) =>
  t.field({
    type: AcceptInvitationPayload,
    description:
      'Public (R8). Signed in with the invited email: joins the organization. Not signed in and no account with that email: ' +
      'creates the account from firstName, lastName and password and signs it in. An existing account must sign in first (SignInRequiredError).',
    errors: {
      types: [
        ValidationError,
        InvalidInvitationError,
        InvitationExpiredError,
        InvitationAlreadyAcceptedError,
        InvitationEmailMismatchError,
        SignInRequiredError,
        PolicyError,
      ],
    },
    args: {
      token: t.arg.string({ required: true }),
      firstName: t.arg.string({ description: 'New accounts only.' }),
      lastName: t.arg.string({ description: 'New accounts only.' }),
      password: t.arg.string({ description: 'New accounts only: 12 to 256 characters, not a common password.' }),
      refreshTokenDelivery: t.arg({ type: Delivery, defaultValue: 'RESPONSE' }),
    },
    // Public, but a signed-in caller with a pending forced password change is refused (R7).
    authScopes: publicOrMember,
    resolve: async (_r, args, ctx) => {
      await refuseDisabledMembership(ctx, args.token);
      const result = await invitations.acceptInvitation(ctx.em, ctx, args.token, { firstName: args.firstName, lastName: args.lastName, password: args.password });
      // The caller joined an organization (or is a new account): the request's memberships, and the
      // loaders built from them, describe the caller as they were before, so they are rebuilt.
      ctx.afterWrite();
      const membership = found(await ctx.em.findOne(Membership, { id: result.membershipId }), 'Membership');
      return { membership, auth: result.tokens ? deliver(ctx, result.tokens, args.refreshTokenDelivery ?? 'RESPONSE') : null, resourceGrants: result.resourceGrants };
    },
  }),
);
