import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { builder } from '../builder.ts';
import { idOfType } from '../global-id.ts';
import { OrganizationRef } from '../types/organization.ts';
import { MembershipRef } from '../types/membership.ts';
import { UserRef } from '../types/user.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import { NotFoundError, PolicyError, found } from '../../errors.ts';
import * as ownership from '../../modules/organizations/ownership.service.ts';
import type { TransferRow } from '../../modules/organizations/ownership.service.ts';
import type { Context } from '../../context.ts';
import { transferOfParty, visibleOwnershipTransfers } from '../../modules/visibility.ts';

const TransferStatus = builder.enumType('OwnershipTransferStatus', { values: ['PENDING', 'ACCEPTED', 'CANCELLED'] as const });

/** A node: answers (by id, `node`, `nodes`) only to who may see it (R1, `visibleOwnershipTransfers`). */
const OwnershipTransferRef = builder.loadableNodeRef<TransferRow, string>('OwnershipTransfer', {
  id: { resolve: (r) => r.id },
  load: (ids: string[], ctx) => visibleOwnershipTransfers(ctx, ids),
  sort: (r) => r.id,
});

OwnershipTransferRef.implement({
  description: 'R6: an offer of ownership that the new owner accepts (presets with a single owner).',
  fields: (t) => ({
    status: t.field({ type: TransferStatus, resolve: (r) => r.status }),
    // R1: the people named are shown only as far as the reader may see them.
    from: t.field({ type: UserRef, nullable: true, resolve: (r) => r.from_user_id }),
    to: t.field({ type: MembershipRef, nullable: true, resolve: (r) => r.to_membership_id }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => new Date(r.created_at) }),
  }),
});

builder.objectFields(OrganizationRef, (t) => ({
  pendingOwnershipTransfer: t.field({
    type: OwnershipTransferRef,
    nullable: true,
    authScopes: (org) => ({ orgPermission: `${org.id}:members:read` }),
    unauthorizedResolver: () => null,
    resolve: async (org, _a, ctx) => (await ownership.pendingTransfer(ctx.em, org.id)) ?? null,
  }),
}));

/**
 * R1 and R10 before the service runs: a transfer the caller is not a party to, or one in an org where
 * their membership or the org is disabled, answers exactly like one that does not exist (the service
 * alone would tell a bystander whether it was already decided).
 */
async function requireParty(ctx: Context, transferId: string): Promise<void> {
  if (!(await transferOfParty(ctx, transferId))) throw new NotFoundError('Ownership transfer');
}

/**
 * The transfer a `transferId` argument names: an OwnershipTransfer global id. Anything else names no
 * transfer and answers like an unknown one (R1, R22).
 */
const transferIdOf = (value: string | number): string => idOfType('OwnershipTransfer', value) ?? '';

builder.mutationField('requestOwnershipTransfer', (t) =>
  t.field({
    type: OwnershipTransferRef,
    description: 'The owner offers ownership to another active member (R6). Replaces any pending offer.',
    errors: { types: [NotFoundError, PolicyError] },
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:org:own` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      toMembershipId: t.arg.globalID({ required: true, for: [MembershipRef] }),
    },
    resolve: async (_r, args, ctx) => {
      // The transfer as the unit of work wrote it: no re-read.
      return ownership.transferRow(await ownership.requestOwnershipTransfer(ctx.em, ctx, args.organizationId.id, args.toMembershipId.id));
    },
  }),
);

builder.mutationField('acceptOwnershipTransfer', (t) =>
  t.field({
    type: OrganizationRef,
    description: 'The recipient accepts: they become the owner, the previous owner becomes an admin.',
    errors: { types: [NotFoundError, PolicyError] },
    authScopes: { member: true },
    args: { transferId: t.arg.id({ required: true, description: 'An OwnershipTransfer id.' }) },
    resolve: async (_r, args, ctx) => {
      const transferId = transferIdOf(args.transferId);
      await requireParty(ctx, transferId);
      const orgId = await ownership.acceptOwnershipTransfer(ctx.em, ctx, transferId);
      // Two memberships changed roles, the actor's own among them: what the request cached about
      // them goes; the organization is the entity the transaction locked (the identity map's, no read).
      ctx.forgetMemberships();
      clearAllDataLoaders(ctx);
      return found(await ctx.em.findOne(Organization, { id: orgId }), 'Organization');
    },
  }),
);

builder.mutationField('cancelOwnershipTransfer', (t) =>
  t.field({
    type: OwnershipTransferRef,
    description: 'The offering owner withdraws, or the recipient declines.',
    errors: { types: [NotFoundError, PolicyError] },
    authScopes: { member: true },
    args: { transferId: t.arg.id({ required: true, description: 'An OwnershipTransfer id.' }) },
    resolve: async (_r, args, ctx) => {
      const transferId = transferIdOf(args.transferId);
      await requireParty(ctx, transferId);
      return ownership.transferRow(await ownership.cancelOwnershipTransfer(ctx.em, ctx, transferId));
    },
  }),
);
